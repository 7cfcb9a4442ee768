"""The query model: the exact filter/sort grammar, parsing pasted URLs back, and validation."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.catalog import (
    Endpoint,
    FieldType,
    FilterField,
    Operator,
    PaginationKind,
    PathParam,
    QueryParam,
)
from explorer.core.catalogs import load_bundled
from explorer.core.errors import QueryError
from explorer.core.query import (
    FilterCondition,
    Query,
    SortKey,
    build_params,
    build_path,
    build_url,
    encode_value,
    ensure_valid,
    format_values,
    parse_cli_filter,
    parse_filter_text,
    parse_sort_spec,
    parse_url,
    parse_values,
    validate,
)

HARDWARE = "GET /core/v1/assets/hardware"
DONE_WHEN_URL = (
    'https://api.scalepad.com/core/v1/assets/hardware?filter[client.name]=cont:"Space Sprockets, Inc."'
    "&filter[configuration.ram_bytes]=lte:8000000000&sort=-record_updated_at"
)


@pytest.fixture(scope="module")
def scalepad():
    return load_bundled("scalepad")


@pytest.fixture(scope="module")
def scout():
    return load_bundled("scout")


def _endpoint(catalog, endpoint_id: str) -> Endpoint:
    endpoint = catalog.find(endpoint_id)
    assert endpoint is not None, endpoint_id
    return endpoint


# ---------------------------------------------------------------- the documented grammar


def test_pasted_scalepad_url_fills_the_model(scalepad):
    query = parse_url(DONE_WHEN_URL, scalepad)

    assert query.endpoint_id == HARDWARE
    assert query.filters == (
        FilterCondition("client.name", Operator.CONT, ("Space Sprockets, Inc.",)),
        FilterCondition("configuration.ram_bytes", Operator.LTE, ("8000000000",)),
    )
    assert query.sorts == (SortKey("record_updated_at", descending=True),)


def test_pasted_scalepad_url_builds_the_same_request(scalepad):
    query = parse_url(DONE_WHEN_URL, scalepad)
    endpoint = _endpoint(scalepad, HARDWARE)

    url = build_url("https://api.scalepad.com", query, endpoint)

    assert validate(query, endpoint) == []
    assert build_params(query, endpoint) == [
        ("filter[client.name]", 'cont:"Space Sprockets, Inc."'),
        ("filter[configuration.ram_bytes]", "lte:8000000000"),
        ("sort", "-record_updated_at"),
    ]
    sent = httpx.URL(url)
    assert sent.path == "/core/v1/assets/hardware"
    assert sent.params.multi_items() == build_params(query, endpoint)
    assert parse_url(url, scalepad) == query


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("Acme", "Acme"),
        ("Space Sprockets, Inc.", '"Space Sprockets, Inc."'),
        ("12:30", '"12:30"'),
        ("OR", '"OR"'),
        ("Research AND Development", '"Research AND Development"'),
        ("ORACLE", "ORACLE"),
        ("x-or-y", '"x-or-y"'),
        ("  padded  ", '"  padded  "'),
        ('say "hi"', '"say ""hi"""'),
        ("C:\\temp", '"C:\\\\temp"'),
        ("back\\slash", "back\\slash"),
        ("", '""'),
        ("Zürich", "Zürich"),
    ],
)
def test_values_are_quoted_only_when_they_hold_a_special_token(value, encoded):
    assert encode_value(value) == encoded
    assert parse_values(encoded) == (value,)


def test_in_list_quotes_each_item_that_needs_it():
    text = format_values(["A, Inc.", "B", 'C "x"'])

    assert text == '"A, Inc.",B,"C ""x"""'
    assert parse_values(text) == ("A, Inc.", "B", 'C "x"')


def test_unquoted_list_items_lose_surrounding_spaces():
    assert parse_values("SERVER, WORKSTATION") == ("SERVER", "WORKSTATION")


@pytest.mark.parametrize("text", ['"open', 'a,"b', '"a"b', 'ab"c'])
def test_unbalanced_or_misplaced_quotes_are_errors(text):
    with pytest.raises(QueryError) as info:
        parse_values(text)
    assert "quote" in info.value.explanation.lower()


def test_datetime_values_are_sent_in_utc_with_z(scalepad):
    endpoint = _endpoint(scalepad, "GET /quoter/v1/items")
    query = Query(
        endpoint.id,
        filters=(
            FilterCondition("record_updated_at", Operator.GT, ("2026-08-01T02:00:00+02:00",)),
        ),
    )

    assert build_params(query, endpoint)[0] == (
        "filter[record_updated_at]",
        'gt:"2026-08-01T00:00:00Z"',
    )


def test_date_only_value_needs_no_quotes(scalepad):
    endpoint = _endpoint(scalepad, "GET /quoter/v1/items")
    query = Query(
        endpoint.id, filters=(FilterCondition("record_created_at", Operator.LT, ("2026-08-01",)),)
    )

    assert build_params(query, endpoint) == [("filter[record_created_at]", "lt:2026-08-01")]


def test_sort_spec_reads_plus_minus_and_bare_names():
    assert parse_sort_spec("+a, -b,c") == (SortKey("a"), SortKey("b", True), SortKey("c"))


@pytest.mark.parametrize("text", ["a b", "--a", "+"])
def test_malformed_sort_spec_is_an_error(text):
    with pytest.raises(QueryError):
        parse_sort_spec(text)


def test_cli_filter_accepts_both_forms():
    expected = FilterCondition("client.id", Operator.IN, ("a", "b"))
    assert parse_cli_filter("client.id=in:a,b") == expected
    assert parse_cli_filter("filter[client.id]=in:a,b") == expected


@pytest.mark.parametrize("text", ["client.id", "client.id=a", "client.id=ne:a", 'name=eq:"open'])
def test_cli_filter_rejects_malformed_text_with_advice(text):
    with pytest.raises(QueryError) as info:
        parse_cli_filter(text)
    assert info.value.explanation


def test_path_params_are_substituted_and_encoded(scalepad):
    endpoint = _endpoint(scalepad, "GET /core/v1/clients/{id}")

    path = build_path(Query(endpoint.id, path_params={"id": "a/b c?"}), endpoint)

    assert path == "/core/v1/clients/a%2Fb%20c%3F"
    assert parse_url(path, scalepad).path_params == {"id": "a/b c?"}


def test_missing_path_param_cannot_be_built(scalepad):
    endpoint = _endpoint(scalepad, "GET /core/v1/clients/{id}")
    with pytest.raises(QueryError):
        build_path(Query(endpoint.id), endpoint)


# ---------------------------------------------------------------- parsing pasted text


def test_path_only_and_query_only_pastes(scalepad):
    endpoint = _endpoint(scalepad, "GET /core/v1/clients")

    from_path = parse_url("/core/v1/clients?filter[name]=eq:Acme&sort=name", scalepad)
    from_query = parse_url("?filter[name]=eq:Acme&sort=name", endpoint)

    assert from_path == from_query
    assert from_path.filters == (FilterCondition("name", Operator.EQ, ("Acme",)),)


def test_query_string_alone_needs_an_endpoint(scalepad):
    with pytest.raises(QueryError) as info:
        parse_url("filter[name]=eq:Acme", scalepad)
    assert "endpoint" in info.value.explanation


def test_percent_encoded_brackets_and_paging_params(scalepad):
    query = parse_url(
        "https://api.scalepad.com/core/v1/clients?filter%5Bname%5D=eq%3AAcme&page_size=50&cursor=WyIyIl0%3D",
        scalepad,
    )

    assert query.filters == (FilterCondition("name", Operator.EQ, ("Acme",)),)
    assert query.page_size == 50
    assert query.params == {}


def test_base_url_with_a_prefix_still_finds_the_endpoint(scout):
    query = parse_url("https://gateway.example/scout/v1/workorders/InProgress?stationid=2", scout)

    assert query.endpoint_id == "GET /v1/WorkOrders/InProgress"
    assert query.params == {"stationID": "2"}


def test_unknown_path_is_an_error(scalepad):
    with pytest.raises(QueryError) as info:
        parse_url("https://api.scalepad.com/core/v1/nothing", scalepad)
    assert "/core/v1/nothing" in info.value.explanation


def test_unbalanced_quote_in_a_pasted_url_is_reported_on_its_row(scalepad):
    endpoint = _endpoint(scalepad, "GET /core/v1/clients")
    query = parse_url('/core/v1/clients?filter[name]=eq:Acme&filter[name]=eq:"Space', scalepad)

    issues = validate(query, endpoint)

    assert [(i.row, i.field) for i in issues] == [(1, "name")]
    assert "quote" in issues[0].message.lower()


# ---------------------------------------------------------------- validation


def _typed_endpoint() -> Endpoint:
    return Endpoint(
        method="GET",
        path="/things/{id}",
        pagination=PaginationKind.CURSOR,
        page_size_max=200,
        path_params=(PathParam("id", FieldType.INTEGER),),
        filters=(
            FilterField("count", FieldType.INTEGER, (Operator.EQ, Operator.IN, Operator.GT)),
            FilterField("price", FieldType.NUMBER, (Operator.LT,)),
            FilterField("day", FieldType.DATE, (Operator.GT,)),
            FilterField("at", FieldType.DATETIME, (Operator.GT,)),
            FilterField("active", FieldType.BOOLEAN, (Operator.EQ,)),
            FilterField("uid", FieldType.UUID, (Operator.EQ,)),
            FilterField(
                "kind", FieldType.ENUM, (Operator.EQ, Operator.IN), ("SERVER", "WORKSTATION")
            ),
            FilterField("name", FieldType.STRING, (Operator.EQ, Operator.CONT)),
        ),
        sort_fields=("name",),
        params=(QueryParam("StartDate", FieldType.DATE, required=True),),
    )


GOOD = Query(
    "GET /things/{id}",
    path_params={"id": "7"},
    filters=(
        FilterCondition("count", Operator.IN, ("1", "2")),
        FilterCondition("price", Operator.LT, ("9.5",)),
        FilterCondition("day", Operator.GT, ("2026-01-31",)),
        FilterCondition("at", Operator.GT, ("2026-01-31T10:00:00Z",)),
        FilterCondition("active", Operator.EQ, ("True",)),
        FilterCondition("uid", Operator.EQ, ("4c5e8a54-6f0b-4a8e-9d8e-0a1b2c3d4e5f",)),
        FilterCondition("kind", Operator.IN, ("SERVER",)),
        FilterCondition("name", Operator.CONT, ("a, b",)),
    ),
    sorts=(SortKey("name", True),),
    page_size=200,
    params={"startdate": "2026-01-01"},
)


def test_a_valid_query_has_no_issues():
    endpoint = _typed_endpoint()
    assert validate(GOOD, endpoint) == []
    ensure_valid(GOOD, endpoint)
    assert ("filter[active]", "eq:true") in build_params(GOOD, endpoint)
    assert ("StartDate", "2026-01-01") in build_params(GOOD, endpoint)


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (FilterCondition("count", Operator.CONT, ("1",)), "does not allow the operator 'cont'"),
        (FilterCondition("count", Operator.EQ, ("1.5",)), "not a whole number"),
        (FilterCondition("price", Operator.LT, ("cheap",)), "not a number"),
        (FilterCondition("price", Operator.LT, ("1_000",)), "not a number"),
        (FilterCondition("price", Operator.LT, ("inf",)), "not a number"),
        (FilterCondition("count", Operator.EQ, ("١٢",)), "not a whole number"),
        (FilterCondition("day", Operator.GT, ("31/01/2026",)), "YYYY-MM-DD"),
        (FilterCondition("day", Operator.GT, ("2026-02-30",)), "not a date"),
        (FilterCondition("at", Operator.GT, ("yesterday",)), "not a date-time"),
        (FilterCondition("active", Operator.EQ, ("yes",)), "not true or false"),
        (FilterCondition("uid", Operator.EQ, ("42",)), "not a UUID"),
        (FilterCondition("kind", Operator.EQ, ("server",)), "Did you mean 'SERVER'"),
        (FilterCondition("kind", Operator.IN, ()), "at least one value"),
        (FilterCondition("kind", Operator.IN, ("SERVER", "")), "empty item"),
        (FilterCondition("name", Operator.EQ, ("a", "b")), "takes one value"),
        (FilterCondition("nope", Operator.EQ, ("a",)), "not a filter field"),
        (FilterCondition("", Operator.EQ, ("a",)), "Choose a field"),
        (parse_filter_text("name", 'eq:"open'), "Unbalanced quote"),
        (parse_filter_text("name", "ne:x"), "Unknown operator"),
    ],
)
def test_each_bad_filter_gets_a_message_on_its_row(condition, words):
    query = Query(
        GOOD.endpoint_id,
        path_params={"id": "7"},
        params={"StartDate": "2026-01-01"},
        filters=(GOOD.filters[0], condition),
    )

    issues = validate(query, _typed_endpoint())

    assert len(issues) == 1, issues
    assert issues[0].row == 1
    assert words in issues[0].message
    with pytest.raises(QueryError):
        ensure_valid(query, _typed_endpoint())


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"path_params": {}}, "id", "Fill in the path parameter id"),
        ({"path_params": {"id": "x"}}, "id", "not a whole number"),
        ({"params": {}}, "StartDate", "required"),
        ({"params": {"StartDate": "soon"}}, "StartDate", "not a date"),
        ({"page_size": 500}, "page_size", "maximum of 200"),
        ({"page_size": 0}, "page_size", "at least 1"),
        ({"sorts": (SortKey("count"),)}, "count", "Cannot sort by 'count'"),
        ({"sorts": (SortKey("name"), SortKey("name", True))}, "name", "sorted twice"),
    ],
)
def test_each_bad_part_outside_filters_gets_a_message(changes, field, words):
    import dataclasses

    query = dataclasses.replace(GOOD, **changes)

    issues = validate(query, _typed_endpoint())

    assert [(i.row, i.field) for i in issues] == [(None, field)]
    assert words in issues[0].message


def test_endpoint_without_sorting_refuses_a_sort(scout):
    endpoint = _endpoint(scout, "GET /v1/Units")
    issues = validate(Query(endpoint.id, sorts=(SortKey("name"),)), endpoint)
    assert [i.field for i in issues] == ["sort"]


def test_scout_search_requires_both_dates(scout):
    endpoint = _endpoint(scout, "GET /v1/WorkOrders/Search")
    issues = validate(Query(endpoint.id, params={"StartDate": "2024-05-01"}), endpoint)
    assert [i.field for i in issues] == ["EndDate"]


# ---------------------------------------------------------------- properties

# Pieces a value is made of: the grammar's special tokens, URL metacharacters, any unicode.
_PIECES = st.one_of(
    st.sampled_from(
        [
            ",",
            ":",
            '"',
            '""',
            " ",
            "OR",
            "AND",
            "or",
            " AND ",
            "\\",
            "'",
            "[",
            "]",
            "&",
            "=",
            "+",
            "%",
            "#",
            "?",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=4),
)
value_text = st.lists(_PIECES, max_size=8).map("".join)


@given(st.lists(value_text, min_size=1, max_size=5))
def test_any_values_survive_format_then_parse(values):
    assert parse_values(format_values(values)) == tuple(values)


@given(value_text, st.sampled_from([Operator.EQ, Operator.CONT]))
def test_any_value_survives_build_then_parse_url(value, op):
    endpoint = Endpoint(
        "GET",
        "/core/v1/clients",
        filters=(FilterField("name", FieldType.STRING, (Operator.EQ, Operator.CONT, Operator.IN)),),
        sort_fields=("name",),
    )
    query = Query(
        endpoint.id,
        filters=(FilterCondition("name", op, (value,)),),
        sorts=(SortKey("name", True),),
    )

    url = build_url("https://api.example.com", query, endpoint)

    assert parse_url(url, endpoint) == query
    # what httpx would send is the same parameter list
    assert httpx.URL(url).params.multi_items() == build_params(query, endpoint)


@given(st.lists(value_text, min_size=1, max_size=4))
def test_any_in_list_survives_build_then_parse_url(values):
    endpoint = Endpoint(
        "GET", "/x", filters=(FilterField("name", FieldType.STRING, (Operator.IN,)),)
    )
    query = Query(endpoint.id, filters=(FilterCondition("name", Operator.IN, tuple(values)),))

    assert parse_url(build_url("http://h", query, endpoint), endpoint) == query


# ---------------------------------------------------------------- against the sandbox


def _get(sandbox, path: str, params: list[tuple[str, str]]) -> httpx.Response:
    return httpx.get(
        sandbox.url + path, params=params, headers={"x-api-key": sandbox.api_key}, timeout=10
    )


def _records(sandbox, endpoint: Endpoint, query: Query) -> list[dict]:
    """Every record the sandbox returns for `query` (following cursors), after validation."""
    assert validate(query, endpoint) == []
    params = [*build_params(query, endpoint), ("page_size", "200")]
    records: list[dict] = []
    cursor = None
    while True:
        response = _get(
            sandbox, build_path(query, endpoint), params + ([("cursor", cursor)] if cursor else [])
        )
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        cursor = body.get("next_cursor")
        if not cursor:
            return records


def _ram(asset: dict) -> int | None:
    return (asset.get("configuration") or {}).get("ram_bytes")


@pytest.fixture(scope="module")
def one_client(sandbox, scalepad):
    """A client with hardware: its record and every one of its hardware assets (filtered by id)."""
    clients = _records(
        sandbox,
        _endpoint(scalepad, "GET /core/v1/clients"),
        Query(
            "GET /core/v1/clients",
            filters=(FilterCondition("num_hardware_assets", Operator.GTE, ("10",)),),
        ),
    )
    client = next(c for c in clients if "," in c["name"])
    hardware = _endpoint(scalepad, HARDWARE)
    assets = _records(
        sandbox,
        hardware,
        Query(HARDWARE, filters=(FilterCondition("client.id", Operator.EQ, (client["id"],)),)),
    )
    assert assets
    assert all(a["client"]["id"] == client["id"] for a in assets)
    return client, assets


def test_sandbox_selects_the_records_the_filters_describe(sandbox, scalepad, one_client):
    client, assets = one_client
    hardware = _endpoint(scalepad, HARDWARE)
    rams = sorted(r for a in assets if (r := _ram(a)) is not None)
    ram_limit = rams[len(rams) // 2]
    word = assets[0]["name"][-5:-1].lower()  # e.g. "0004" of "SPA-WO-00041": a tenth of them
    by_client = FilterCondition("client.id", Operator.EQ, (client["id"],))
    cases = [
        (FilterCondition("client.name", Operator.EQ, (client["name"],)), lambda a: True),
        (
            FilterCondition("type", Operator.IN, ("SERVER", "VIRTUAL")),
            lambda a: a["type"].strip() in ("SERVER", "VIRTUAL"),
        ),
        (
            FilterCondition("configuration.ram_bytes", Operator.LTE, (str(ram_limit),)),
            lambda a: (_ram(a) or ram_limit + 1) <= ram_limit,
        ),
        (FilterCondition("name", Operator.CONT, (word,)), lambda a: word in a["name"].lower()),
    ]
    for condition, keep in cases:
        query = Query(HARDWARE, filters=(by_client, condition), sorts=(SortKey("name", True),))
        got = _records(sandbox, hardware, query)
        expected = sorted((a for a in assets if keep(a)), key=lambda a: a["name"], reverse=True)
        assert 0 < len(expected) < len(assets) or condition.field == "client.name", condition
        assert [a["id"] for a in got] == [a["id"] for a in expected], condition


def test_sandbox_accepts_the_done_when_url(sandbox, scalepad, one_client):
    client, assets = one_client
    query = parse_url(DONE_WHEN_URL.replace("Space Sprockets, Inc.", client["name"]), scalepad)
    hardware = _endpoint(scalepad, HARDWARE)

    got = _records(sandbox, hardware, query)

    expected = [a for a in assets if (_ram(a) or 8000000001) <= 8000000000]
    assert sorted(a["id"] for a in got) == sorted(a["id"] for a in expected)
    stamps = [a["record_updated_at"] for a in got]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    "name", ['The "Quoted" Company', "Ratio: 3:1 Labs", 'Comma, Colon: AND "Quote" OR Dash -']
)
def test_sandbox_reads_special_values_exactly_as_built(sandbox, scalepad, name):
    clients = _endpoint(scalepad, "GET /core/v1/clients")
    query = Query(
        clients.id,
        filters=(FilterCondition("name", Operator.IN, (name, "no such client, really")),),
    )

    got = _records(sandbox, clients, query)

    assert [c["name"] for c in got] == [name]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=value_text)
def test_sandbox_accepts_any_built_value(sandbox, scalepad, value):
    clients = _endpoint(scalepad, "GET /core/v1/clients")
    query = Query(clients.id, filters=(FilterCondition("name", Operator.CONT, (value,)),))

    response = _get(sandbox, clients.path, build_params(query, clients))

    assert response.status_code == 200, response.text
    assert all(value.casefold() in c["name"].casefold() for c in response.json()["data"])


def test_scout_queries_built_from_the_catalog_are_answered_by_the_sandbox(sandbox, scout):
    login = httpx.post(
        sandbox.url + "/v1/Token",
        json={"username": sandbox.scout_username, "password": sandbox.scout_password},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    search = _endpoint(scout, "GET /v1/WorkOrders/Search")
    in_progress = _endpoint(scout, "GET /v1/WorkOrders/InProgress")

    def send(query: Query, endpoint: Endpoint) -> list[dict]:
        assert validate(query, endpoint) == []
        url = sandbox.url + build_path(query, endpoint)
        response = httpx.get(url, params=build_params(query, endpoint), headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    everything = send(
        Query(search.id, params={"startdate": "2000-01-01", "EndDate": "2100-12-31"}), search
    )
    station = next(o["stationID"] for o in everything if o["status"] == "InProgress")
    at_station = parse_url(f"/v1/WorkOrders/InProgress?stationID={station}", scout)

    got = send(at_station, in_progress)

    expected = [
        o["workOrderID"]
        for o in everything
        if o["status"] == "InProgress" and o["stationID"] == station
    ]
    assert sorted(o["workOrderID"] for o in got) == sorted(expected)
