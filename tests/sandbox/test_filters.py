"""Filters `filter[field]=op:value`, quoting, per-field operators, and `sort`."""

from __future__ import annotations

import pytest

from explorer.sandbox.listing import ListingError, split_values
from tests.sandbox.helpers import error_item, walk

HARDWARE = "/core/v1/assets/hardware"
CLIENTS = "/core/v1/clients"


def all_clients(api):
    records, _ = walk(api, CLIENTS, {"page_size": 200})
    return records


def test_eq_on_a_nested_field(api):
    client = all_clients(api)[5]
    records, _ = walk(api, HARDWARE, {"page_size": 200, "filter[client.id]": f"eq:{client['id']}"})
    assert records
    assert {r["client"]["id"] for r in records} == {client["id"]}
    assert len(records) == client["num_hardware_assets"]


def test_in_takes_a_comma_list(api):
    records, env = walk(api, HARDWARE, {"page_size": 200, "filter[type]": "in:SERVER,NETWORK"})
    assert {r["type"] for r in records} == {"SERVER", "NETWORK"}
    servers = api.get(HARDWARE, params={"filter[type]": "eq:SERVER"}).json()["total_count"]
    network = api.get(HARDWARE, params={"filter[type]": "eq:NETWORK"}).json()["total_count"]
    assert env[0]["total_count"] == servers + network


@pytest.mark.parametrize(("op", "check"), [
    ("lt", lambda v, b: v < b), ("lte", lambda v, b: v <= b),
    ("gt", lambda v, b: v > b), ("gte", lambda v, b: v >= b), ("eq", lambda v, b: v == b),
])  # fmt: skip
def test_number_comparisons(api, op, check):
    bound = 16 * 1024**3
    records, _ = walk(
        api, HARDWARE, {"page_size": 200, "filter[configuration.ram_bytes]": f"{op}:{bound}"}
    )
    assert records
    assert all(check(r["configuration"]["ram_bytes"], bound) for r in records)


def test_number_comparison_excludes_nulls_and_partitions_the_rest(api):
    total = api.get(HARDWARE).json()["total_count"]
    with_ram = [
        api.get(HARDWARE, params={"filter[configuration.ram_bytes]": f"{op}:8589934592"}).json()[
            "total_count"
        ]
        for op in ("lt", "gte")
    ]
    assert 0 < sum(with_ram) < total  # network gear, phones and printers have no RAM value


def test_cont_is_a_case_insensitive_substring(api):
    records, _ = walk(api, HARDWARE, {"page_size": 200, "filter[manufacturer.name]": "cont:dELL"})
    assert records
    assert all("dell" in r["manufacturer"]["name"].lower() for r in records)


@pytest.mark.parametrize(
    "name",
    [
        "Space Sprockets, Inc.",
        "Ratio: 3:1 Labs",
        "Salt AND Pepper LLC",
        "Black OR White Ltd",
        "Line One\nLine Two Ltd",
        "  Padded Name  ",
        "-Minus Holdings",
    ],
)
def test_quoted_values_with_special_tokens_match_exactly(api, name):
    quoted = '"' + name + '"'
    body = api.get(CLIENTS, params={"filter[name]": f"eq:{quoted}"}).json()
    assert [c["name"] for c in body["data"]] == [name]


def test_quotes_inside_a_quoted_value_are_escaped(api):
    for encoded in (r'eq:"The \"Quoted\" Company"', 'eq:"The ""Quoted"" Company"'):
        body = api.get(CLIENTS, params={"filter[name]": encoded}).json()
        assert [c["name"] for c in body["data"]] == ['The "Quoted" Company']


def test_in_list_with_quoted_items(api):
    body = api.get(
        CLIENTS,
        params={"filter[name]": 'in:"Space Sprockets, Inc.","Ratio: 3:1 Labs",株式会社サンプル'},
    ).json()
    assert sorted(c["name"] for c in body["data"]) == sorted(
        ["Space Sprockets, Inc.", "Ratio: 3:1 Labs", "株式会社サンプル"]
    )


def test_non_latin_value_unquoted(api):
    body = api.get(CLIENTS, params={"filter[name]": "eq:Ελληνική Εταιρεία Α.Ε."}).json()
    assert body["total_count"] == 1


@pytest.mark.parametrize(
    "value",
    [
        "eq:Space Sprockets, Inc.",
        "eq:Salt AND Pepper LLC",
        "eq:Black OR White Ltd",
        'eq:"unterminated',
        'eq:"a"b',
        "in:A,",
        "eq:",
    ],
)
def test_unquoted_special_tokens_and_broken_quotes_are_rejected(api, value):
    response = api.get(CLIENTS, params={"filter[name]": value})
    assert response.status_code == 400
    item = error_item(response)
    assert item["code"] == "INVALID_FILTER_VALUE"
    assert item["source"] == {"parameter": "filter[name]"}


def test_unknown_filter_field_names_the_field(api):
    response = api.get(HARDWARE, params={"filter[colour]": "eq:red"})
    assert response.status_code == 400
    item = error_item(response)
    assert item["code"] == "INVALID_FILTER_FIELD"
    assert item["source"] == {"parameter": "filter[colour]"}
    assert "colour" in item["detail"]


@pytest.mark.parametrize(("path", "name", "value"), [
    (HARDWARE, "type", "cont:SERV"),  # type allows eq and in only
    (HARDWARE, "type", "gt:A"),
    ("/quoter/v1/items", "record_updated_at", "gte:2026-01-01"),  # Quoter dates: gt and lt only
    ("/quoter/v1/items", "code", "in:A,B"),
    (HARDWARE, "name", "like:x"),  # not an operator at all
    (HARDWARE, "name", "noop"),
])  # fmt: skip
def test_operator_not_allowed_for_the_field(api, path, name, value):
    response = api.get(path, params={f"filter[{name}]": value})
    assert response.status_code == 400
    item = error_item(response)
    assert item.get("code", item.get("key")) in (
        "INVALID_FILTER_OPERATOR",
        "ERR_REQUEST_FORMAT_INVALID",
    )
    assert item["source"] == {"parameter": f"filter[{name}]"}


def test_quoter_errors_use_key(api):
    response = api.get("/quoter/v1/items", params={"filter[nope]": "eq:x"})
    assert response.status_code == 400
    item = error_item(response)
    assert item["key"] == "ERR_REQUEST_FORMAT_INVALID"
    assert "code" not in item


def test_bad_number_and_date_values(api):
    bad_number = api.get(HARDWARE, params={"filter[configuration.ram_bytes]": "gt:lots"})
    bad_date = api.get(HARDWARE, params={"filter[record_updated_at]": "gt:yesterday"})
    assert bad_number.status_code == bad_date.status_code == 400


@pytest.mark.parametrize(
    "value",
    [
        "gt:2026-01-01",
        'gt:"2026-01-01T00:00:00Z"',
        "gt:2026-01-01T00:00:00Z",
        "gt:2026-01-01T01:00:00+01:00",
    ],
)
def test_date_filters_accept_dates_and_date_times(api, value):
    records, _ = walk(api, HARDWARE, {"page_size": 200, "filter[record_updated_at]": value})
    assert records
    assert all(r["record_updated_at"] > "2026-01-01T00:00:00Z" for r in records)


def test_date_eq_with_a_date_covers_the_day(api):
    sample = api.get(HARDWARE, params={"page_size": 1}).json()["data"][0]
    day = sample["record_created_at"][:10]
    records, _ = walk(api, HARDWARE, {"page_size": 200, "filter[record_created_at]": f"eq:{day}"})
    assert sample["id"] in {r["id"] for r in records}
    assert all(r["record_created_at"].startswith(day) for r in records)


def test_several_filters_combine_with_and(api):
    records, _ = walk(
        api,
        HARDWARE,
        {
            "page_size": 200,
            "filter[type]": "eq:WORKSTATION",
            "filter[manufacturer.name]": "eq:Lenovo",
        },
    )
    assert records
    assert all(
        r["type"] == "WORKSTATION" and r["manufacturer"]["name"] == "Lenovo" for r in records
    )


def test_percent_encoded_brackets_and_colon_work(api):
    raw = api.get(HARDWARE + "?filter%5Btype%5D=eq%3ASERVER&page_size=200").json()
    literal = api.get(HARDWARE + "?filter[type]=eq:SERVER&page_size=200").json()
    assert raw == literal
    assert raw["total_count"] > 0


def test_filter_through_an_array_of_objects(api):
    records, _ = walk(
        api,
        CLIENTS,
        {
            "page_size": 200,
            "filter[record_lineage.integration_configuration.vendor.brand_name]": 'eq:"ConnectWise Manage"',
        },
    )
    assert records
    for record in records:
        assert "ConnectWise Manage" in {
            x["integration_configuration"]["vendor"]["brand_name"] for x in record["record_lineage"]
        }


def test_boolean_filter(api):
    records, _ = walk(
        api, "/core/v1/service/contracts", {"page_size": 200, "filter[is_recurring]": "eq:true"}
    )
    assert records
    assert all(r["is_recurring"] is True for r in records)
    assert (
        api.get("/core/v1/service/contracts", params={"filter[is_recurring]": "eq:yes"}).status_code
        == 400
    )


def test_sort_several_keys_mixed_directions(api):
    records, _ = walk(api, CLIENTS, {"page_size": 200, "sort": "-num_hardware_assets,name"})
    keys = [(-r["num_hardware_assets"], r["name"].casefold()) for r in records]
    assert keys == sorted(keys)


def test_sort_plus_prefix_and_bare_name_are_ascending(api):
    plus = api.get(CLIENTS, params={"sort": "+name", "page_size": 200}).json()["data"]
    bare = api.get(CLIENTS, params={"sort": "name", "page_size": 200}).json()["data"]
    literal_plus = api.get(CLIENTS + "?sort=+name&page_size=200").json()[
        "data"
    ]  # '+' decodes to a space
    assert plus == bare == literal_plus
    names = [c["name"].casefold() for c in plus]
    assert names == sorted(names)


def test_sort_on_an_unsortable_field_is_rejected(api):
    response = api.get(CLIENTS, params={"sort": "-primary_domain"})
    assert response.status_code == 400
    item = error_item(response)
    assert item["code"] == "INVALID_SORT_FIELD"
    assert item["source"] == {"parameter": "sort"}


def test_quoter_fields_projection(api):
    body = api.get(
        "/quoter/v1/items", params={"fields": "name,sku,price_decimal", "page_size": 3}
    ).json()
    assert [set(r) for r in body["data"]] == [{"name", "sku", "price_decimal"}] * 3
    response = api.get("/quoter/v1/items", params={"fields": "name,colour"})
    assert response.status_code == 400
    assert error_item(response)["key"] == "ERR_REQUEST_FORMAT_INVALID"


def test_value_splitter_directly():
    assert split_values('"a,b",c,"d ""e"""', as_list=True, parameter="p") == ["a,b", "c", 'd "e"']
    assert split_values("2026-01-01T00:00:00Z", as_list=False, parameter="p") == [
        "2026-01-01T00:00:00Z"
    ]
    with pytest.raises(ListingError):
        split_values("a OR b", as_list=False, parameter="p")
    assert split_values("ORDER", as_list=False, parameter="p") == ["ORDER"]  # whole words only
