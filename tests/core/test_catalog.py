"""The catalog model: lookups by id and by concrete path, and its compact JSON form."""

from __future__ import annotations

import pytest

from explorer.core.catalog import (
    Catalog,
    Endpoint,
    FieldType,
    FilterField,
    Link,
    LinkMode,
    Operator,
    PaginationKind,
    Product,
    Resource,
    catalog_from_dict,
)
from explorer.core.errors import SpecError


def _catalog() -> Catalog:
    endpoints = (
        Endpoint("GET", "/v1/WorkOrders/{id}", pagination=PaginationKind.SINGLE),
        Endpoint("GET", "/v1/WorkOrders/Search", summary="Work Order Search"),
        Endpoint(
            "GET",
            "/core/v1/clients",
            pagination=PaginationKind.CURSOR,
            filters=(FilterField("name", FieldType.STRING, (Operator.EQ, Operator.CONT)),),
            links=(
                Link("id", "GET /core/v1/assets/hardware", LinkMode.FILTER, "client.id"),
                Link("id", "GET /core/v1/contacts", LinkMode.FILTER, "client.id"),
            ),
            page_size_param="limit",
        ),
    )
    return Catalog("t", (Product("P", (Resource("R", endpoints),)),), source="test")


def test_literal_path_wins_over_a_template():
    catalog = _catalog()
    assert catalog.find_by_path("/v1/workorders/search").id == "GET /v1/WorkOrders/Search"
    assert catalog.find_by_path("/v1/WorkOrders/42").id == "GET /v1/WorkOrders/{id}"
    assert catalog.find_by_path("/v1/WorkOrders/42", method="POST") is None


def test_find_and_search_and_links():
    catalog = _catalog()
    clients = catalog.find("get /core/v1/clients")
    assert clients is not None
    assert len(clients.links_for("id")) == 2
    assert clients.paging_params == frozenset({"limit", "cursor"})
    assert [e.summary for e in catalog.search("Order SEARCH")] == ["Work Order Search"]
    assert [e.summary for e in catalog.search("search orders")] == []


def test_json_round_trip_omits_defaults():
    catalog = _catalog()
    text = catalog.to_json()
    assert '"records_key"' not in text  # a default value is not written
    assert '"page_size_param": "limit"' in text
    assert Catalog.from_json(text, source="test") == catalog


@pytest.mark.parametrize(
    "raw",
    [
        {"products": []},
        {"name": "x", "products": [{"name": "p", "resources": [{"name": "r", "endpoints": [{}]}]}]},
        {
            "name": "x",
            "products": [
                {
                    "name": "p",
                    "resources": [
                        {"name": "r", "endpoints": [{"path": "/a", "pagination": "pages"}]}
                    ],
                }
            ],
        },
    ],
)
def test_malformed_catalog_is_a_spec_error(raw):
    with pytest.raises(SpecError):
        catalog_from_dict(raw)


def test_not_json_is_a_spec_error():
    with pytest.raises(SpecError) as info:
        Catalog.from_json("{nope")
    assert "not valid JSON" in str(info.value)
