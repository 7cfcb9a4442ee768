"""OpenAPI import: the project's example documents, a ScalePad-style document, big and broken ones."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from explorer.core.catalog import FieldType, LinkMode, Operator, PaginationKind
from explorer.core.catalogs import OFFICIAL_DOCUMENTS, load_catalog
from explorer.core.errors import SpecError
from explorer.core.openapi import download, import_openapi, load_async, load_document
from explorer.core.query import Query, build_url, parse_url, validate
from tests.loopback import serving

DATA = Path(__file__).resolve().parents[1] / "data" / "openapi"
EXAMPLES = [
    "petstore",
    "petstore-expanded",
    "uspto",
    "link-example",
    "callback-example",
    "api-with-examples",
]


def _load(name: str):
    return import_openapi(DATA / f"{name}.yaml")


# ---------------------------------------------------------------- real-world examples


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_documents_import_into_a_usable_tree(name):
    catalog = _load(name)

    assert catalog.products
    assert all(r.endpoints for p in catalog.products for r in p.resources)
    ids = [e.id for e in catalog.endpoints()]
    assert len(ids) == len(set(ids))
    for endpoint in catalog.endpoints():
        assert endpoint.summary or endpoint.path
        assert {p.name for p in endpoint.path_params} == set(
            part[1:-1] for part in endpoint.path.split("/") if part.startswith("{")
        )


def test_petstore_lists_pets_with_a_limit_and_gets_one():
    catalog = _load("petstore")
    listing = catalog.find("GET /pets")
    one = catalog.find("GET /pets/{petId}")
    assert listing is not None
    assert one is not None
    assert catalog.name == "Swagger Petstore"
    assert catalog.servers == ("http://petstore.swagger.io/v1",)
    assert [r.name for p in catalog.products for r in p.resources] == ["pets"]
    assert listing.pagination is PaginationKind.NONE
    assert listing.records_key == ""
    assert [(p.name, p.type) for p in listing.params] == [("limit", FieldType.INTEGER)]
    assert [f.path for f in listing.record_fields] == ["id", "name", "tag"]
    assert one.pagination is PaginationKind.SINGLE
    assert catalog.find("POST /pets").pagination is PaginationKind.SINGLE


def test_petstore_expanded_merges_all_of():
    catalog = _load("petstore-expanded")
    one = catalog.find("GET /pets/{id}")
    assert one is not None
    assert {f.path: f.type for f in one.record_fields} == {
        "name": FieldType.STRING,
        "tag": FieldType.STRING,
        "id": FieldType.INTEGER,
    }
    assert one.path_params[0].type is FieldType.INTEGER
    assert catalog.find("DELETE /pets/{id}").record_fields == ()


def test_uspto_finds_the_record_array_and_substitutes_server_variables():
    catalog = _load("uspto")
    datasets = catalog.find("GET /")
    assert datasets is not None
    assert catalog.servers == ("https://developer.uspto.gov/ds-api",)
    assert datasets.records_key == "apis"
    assert datasets.total_key == "total"
    assert "apiKey" in {f.path for f in datasets.record_fields}
    assert {r.name for p in catalog.products for r in p.resources} == {"metadata", "search"}


def test_link_example_turns_response_links_into_links():
    catalog = _load("link-example")
    user = catalog.find("GET /2.0/users/{username}")
    pull_request = catalog.find("GET /2.0/repositories/{username}/{slug}/pullrequests/{pid}")
    assert user is not None
    assert pull_request is not None
    link = user.link_for("username")
    assert link is not None
    assert (link.target_endpoint, link.mode, link.target_param) == (
        "GET /2.0/repositories/{username}",
        LinkMode.RECORD,
        "username",
    )
    merge = pull_request.link_for("author.username")
    assert merge is not None
    assert merge.more_params == (("slug", "repository.slug"), ("pid", "id"))
    state = catalog.find("GET /2.0/repositories/{username}/{slug}/pullrequests").param("state")
    assert state is not None
    assert state.enum_values == ("open", "merged", "declined")


def test_callback_example_keeps_the_operation_not_the_callback():
    catalog = _load("callback-example")
    assert [e.id for e in catalog.endpoints()] == ["POST /streams"]
    streams = catalog.find("POST /streams")
    assert [(p.name, p.required) for p in streams.params] == [("callbackUrl", True)]


# ---------------------------------------------------------------- ScalePad-style documents


@pytest.fixture(scope="module")
def msp():
    return _load("scalepad-style")


def test_scalepad_style_paging_filters_and_sort(msp):
    clients = msp.find("GET /core/v1/clients")
    assert clients is not None
    assert msp.auth_hint == "api_key"
    assert msp.servers == ("https://api.example.test", "https://eu.api.example.test")
    assert [p.name for p in msp.products] == ["Core", "Sandbox"]
    assert clients.pagination is PaginationKind.CURSOR
    assert (clients.records_key, clients.next_cursor_key, clients.total_key) == (
        "data",
        "next_cursor",
        "total_count",
    )
    assert (clients.page_size_max, clients.page_size_default) == (200, 25)
    ops = {f.name: f.operators for f in clients.filters}
    assert ops == {
        "name": (Operator.EQ, Operator.IN, Operator.CONT),
        "lifecycle": (Operator.EQ, Operator.IN),
        "num_hardware_assets": (Operator.EQ, Operator.GTE, Operator.LTE),
        "record_created_at": (Operator.GT, Operator.LT),
        "is_active": (Operator.EQ,),
    }
    assert clients.filter_field("lifecycle").type is FieldType.ENUM
    assert (clients.sort_param, clients.sort_fields) == ("sort", ("name", "record_updated_at"))
    assert [(p.name, p.default) for p in clients.params] == [("include_archived", "false")]


def test_scalepad_style_record_fields_survive_allof_and_a_circular_ref(msp):
    client = msp.find("GET /core/v1/clients/{id}")
    fields = {f.path: f.type for f in client.record_fields}
    assert fields["id"] is FieldType.UUID
    assert fields["lifecycle"] is FieldType.ENUM  # 3.1 ["string", "null"]
    assert fields["num_hardware_assets"] is FieldType.INTEGER
    assert fields["address.geo.lat"] is FieldType.NUMBER
    assert fields["parent"] is FieldType.OBJECT  # the circular reference stops here
    assert fields["record_lineage"] is FieldType.ARRAY
    link = client.link_for("id")
    assert (link.target_endpoint, link.mode, link.target_param) == (
        "GET /core/v1/assets/hardware",
        LinkMode.FILTER,
        "client.id",
    )


def test_scalepad_style_deep_object_filters_and_sort_by(msp):
    hardware = msp.find("GET /core/v1/assets/hardware")
    assert [f.name for f in hardware.filters] == ["client.id", "ram_bytes"]
    assert hardware.filter_field("client.id").operators == (Operator.EQ, Operator.IN)
    assert (hardware.sort_param, hardware.sort_fields) == ("sort_by", ("name", "serial_number"))
    assert {"client.name", "configuration.ram_bytes"} <= {f.path for f in hardware.record_fields}


def test_offset_paging_by_page_and_by_record_offset(msp):
    reports = msp.find("GET /sandbox/v1/reports")
    logs = msp.find("GET /sandbox/v1/logs")
    assert (reports.pagination, reports.page_param, reports.offset_counts_records) == (
        PaginationKind.OFFSET,
        "page",
        False,
    )
    assert (reports.records_key, reports.has_more_key, reports.page_size_max) == (
        "results",
        "has_more",
        500,
    )
    assert (logs.pagination, logs.page_param, logs.page_size_param) == (
        PaginationKind.OFFSET,
        "offset",
        "limit",
    )
    assert logs.offset_counts_records
    assert logs.paging_params == frozenset({"offset", "limit"})


def test_query_model_works_on_an_imported_endpoint(msp):
    clients = msp.find("GET /core/v1/clients")
    url = 'https://api.example.test/core/v1/clients?filter[name]=cont:"A, B"&sort=-name&include_archived=true&page_size=50'

    query = parse_url(url, msp)

    assert validate(query, clients) == []
    assert query.page_size == 50
    assert build_url("https://api.example.test", query, clients) == (
        "https://api.example.test/core/v1/clients?filter[name]=cont:%22A,%20B%22&sort=-name&include_archived=true"
    )
    bad = Query(clients.id, sorts=query.sorts, filters=query.filters, page_size=500)
    assert [i.message for i in validate(bad, clients)] == [
        "The page size 500 is above this endpoint's maximum of 200."
    ]


def test_json_and_yaml_give_the_same_catalog(tmp_path):
    import yaml

    raw = yaml.safe_load((DATA / "scalepad-style.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(raw), encoding="utf-8")

    assert import_openapi(path).products == _load("scalepad-style").products
    assert import_openapi(path.read_bytes()).products == _load("scalepad-style").products


# ---------------------------------------------------------------- size


def _resource(index: int) -> tuple[str, dict, dict]:
    name = f"Thing{index}"
    fields = {
        f"field{k}": {
            "type": "string",
            "description": f"Field {k} of {name}",
            "format": "date-time" if k % 5 == 0 else "text",
        }
        for k in range(20)
    }
    nested = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"$ref": f"#/components/schemas/{name}"}},
    }
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Owner"},
            {"type": "object", "description": "x" * 200, "properties": fields | {"nested": nested}},
        ]
    }
    operation = {
        "get": {
            "tags": [f"Group {index // 50}"],
            "summary": f"List {name}",
            "parameters": [
                {"name": "page_size", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "filter[field1]",
                    "in": "query",
                    "description": "Operators: eq, in",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "data": {
                                        "type": "array",
                                        "items": {"$ref": f"#/components/schemas/{name}"},
                                    },
                                    "next_cursor": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
        }
    }
    return name, schema, operation


def _big_document(min_bytes: int) -> str:
    """Enough resources (each with shared, nested and circular schemas) to pass `min_bytes`."""
    one = len(json.dumps(_resource(0)[1:]))
    owner = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "boss": {"$ref": "#/components/schemas/Owner"}},
    }
    schemas: dict = {"Owner": owner}
    paths: dict = {}
    for index in range(min_bytes // one + 1):
        name, schema, operation = _resource(index)
        schemas[name] = schema
        paths[f"/api/v1/group{index // 50}/thing{index}"] = operation
    text = json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "Big", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas},
        }
    )
    assert len(text) >= min_bytes
    return text


def test_a_ten_megabyte_document_imports():
    text = _big_document(10 * 1024 * 1024)

    catalog = import_openapi(text)

    endpoints = list(catalog.endpoints())
    assert len(endpoints) == len(json.loads(text)["paths"])
    first = endpoints[0]
    assert first.pagination is PaginationKind.CURSOR
    assert {"id", "field0", "nested.a", "boss.id"} <= {f.path for f in first.record_fields}


# ---------------------------------------------------------------- broken documents


@pytest.mark.parametrize(
    ("text", "words", "location"),
    [
        ('{"openapi": "3.0.0",\n "paths": {,}}', "not valid JSON", "line 2, column"),
        ("openapi: 3.0.0\npaths:\n  /a: [unclosed\n", "neither valid JSON nor valid YAML", "line"),
        ("just some words", "not an object at the top", "/"),
        ("- a\n- b\n", "not an object at the top", "/"),
        ('{"info": {"title": "x"}, "paths": {}}', "no 'openapi' version field", "/"),
        (
            '{"swagger": "2.0", "paths": {}}',
            "Swagger 2.0 (OpenAPI 2) documents are not supported",
            "/swagger",
        ),
        ('{"openapi": "4.0.0", "paths": {}}', "version 4.0.0 is not supported", "/openapi"),
        ('{"openapi": "3.0.0", "info": {}}', "no 'paths'", "/paths"),
        (
            '{"openapi": "3.0.0", "paths": []}',
            "'paths' must be an object, but it is a list",
            "/paths",
        ),
        ('{"openapi": "3.0.0", "paths": {"pets": {}}}', "must start with '/'", "/paths/pets"),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": "nope"}}}',
            "must be an object, but it is a string",
            "/paths/~1a/get",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": {}}}}}',
            "'parameters' must be a list",
            "/paths/~1a/get/parameters",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"in": "query"}]}}}}',
            "needs a 'name'",
            "/paths/~1a/get/parameters/0",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"type": 42}}}}}}}}}',
            "schema type must be a string",
            "/type",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}}}}}}',
            "#/components/schemas/Gone points at nothing",
            "/paths/~1a/get/responses/200/content/application~1json/schema",
        ),
        (
            '{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/P"}]}}}, "components": {"parameters": {"P": {"$ref": "#/components/parameters/P"}}}}',
            "refers only to itself",
            None,
        ),
    ],
)
def test_broken_documents_say_what_and_where(text, words, location):
    with pytest.raises(SpecError) as info:
        import_openapi(text)
    error = info.value
    assert words in str(error)
    if location is not None:
        assert error.location is not None
        assert location in error.location
        if location.startswith(("line", "/paths/")):  # inside the document: the user is told where
            assert location in error.explanation


def test_swagger_advice_says_to_convert():
    with pytest.raises(SpecError) as info:
        import_openapi('{"swagger": "2.0", "paths": {}}')
    assert "convert it to OpenAPI 3" in info.value.explanation


def test_bytes_that_are_not_utf8():
    with pytest.raises(SpecError) as info:
        import_openapi(b"\xff\xfe\x00o\x00p")
    assert "UTF-8" in info.value.explanation


def test_circular_schemas_do_not_recurse_forever():
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/A"}}
                            },
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "A": {
                    "allOf": [{"$ref": "#/components/schemas/B"}],
                    "properties": {"b": {"$ref": "#/components/schemas/B"}},
                },
                "B": {
                    "anyOf": [{"$ref": "#/components/schemas/A"}],
                    "properties": {
                        "a": {"$ref": "#/components/schemas/A"},
                        "n": {"type": "integer"},
                    },
                },
            }
        },
    }
    endpoint = import_openapi(json.dumps(doc)).find("GET /a")
    paths = [f.path for f in endpoint.record_fields]
    assert "n" in paths
    assert all(p.count(".") < 6 for p in paths)


# ---------------------------------------------------------------- files and URLs


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SpecError) as info:
        load_document(str(tmp_path / "nope.yaml"))
    assert "was not found" in info.value.explanation


def test_load_catalog_reads_openapi_files(tmp_path):
    catalog = asyncio.run(load_catalog(str(DATA / "petstore.yaml")))
    assert catalog.source == str(DATA / "petstore.yaml")
    assert catalog.find("GET /pets") is not None


def test_official_documents_load_by_url_through_fetch():
    seen: list[str] = []
    body = (DATA / "scalepad-style.yaml").read_bytes()

    async def fetch(url: str) -> bytes:
        seen.append(url)
        return body

    url = OFFICIAL_DOCUMENTS["ScalePad Core API (official OpenAPI)"]
    catalog = asyncio.run(load_catalog(url, fetch=fetch))

    assert seen == [url]
    assert catalog.source == url
    assert catalog.find("GET /core/v1/clients") is not None


def test_official_documents_with_product_relative_paths_get_the_product_prefix():
    def ok(schema: dict, links: dict | None = None) -> dict:
        response = {"description": "", "content": {"application/json": {"schema": schema}}}
        return {"200": response | ({"links": links} if links else {})}

    client = {"type": "object", "properties": {"id": {"type": "string"}}}
    page = {
        "type": "object",
        "properties": {
            "data": {
                "type": "array",
                "items": {"type": "object", "properties": {"client": client}},
            },
            "next_cursor": {"type": "string"},
        },
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "Core API", "version": "v1"},
        "servers": [{"url": "https://api.scalepad.com"}],
        "paths": {
            "/v1/clients/{id}": {
                "get": {
                    "operationId": "getClient",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": ok(client),
                }
            },
            "/v1/assets/hardware": {
                "get": {
                    "operationId": "listHardware",
                    "responses": ok(
                        page,
                        {
                            "client": {
                                "operationId": "getClient",
                                "parameters": {"id": "$response.body#/client/id"},
                            }
                        },
                    ),
                }
            },
        },
    }

    async def fetch(url: str) -> bytes:
        return json.dumps(doc).encode()

    catalog = asyncio.run(
        load_catalog(OFFICIAL_DOCUMENTS["ScalePad Core API (official OpenAPI)"], fetch=fetch)
    )

    hardware = catalog.find("GET /core/v1/assets/hardware")
    assert hardware is not None
    assert catalog.find("GET /v1/assets/hardware") is None
    assert hardware.link_for("client.id").target_endpoint == "GET /core/v1/clients/{id}"
    assert catalog.find_by_path("/core/v1/clients/42").id == "GET /core/v1/clients/{id}"


def test_download_over_http():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openapi/core-api.json":
            return httpx.Response(200, content=(DATA / "petstore.yaml").read_bytes())
        return httpx.Response(404, text="not here")

    transport = httpx.MockTransport(handler)
    data = asyncio.run(download("https://docs.example/openapi/core-api.json", transport=transport))
    assert import_openapi(data).find("GET /pets") is not None

    with pytest.raises(SpecError) as info:
        asyncio.run(download("https://docs.example/missing.json", transport=transport))
    assert "HTTP 404" in info.value.explanation


def test_unreachable_url_explains_the_offline_fallback():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    with pytest.raises(SpecError) as info:
        asyncio.run(
            download(
                "https://developer.scalepad.com/openapi/core-api.json",
                transport=httpx.MockTransport(handler),
            )
        )
    assert "bundled catalog works offline" in info.value.explanation


def test_load_async_reads_a_local_http_server(tmp_path):
    import http.server

    (tmp_path / "api.yaml").write_bytes((DATA / "uspto.yaml").read_bytes())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    with serving(server):
        url = f"http://127.0.0.1:{server.server_address[1]}/api.yaml"
        catalog = asyncio.run(load_async(url))
    assert catalog.name == "USPTO Data Set API"
