"""The bundled catalogs, presets, merging and loading a catalog from any source."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest

from explorer import resources
from explorer.core import catalogs
from explorer.core.catalog import Catalog, FieldType, LinkMode, Operator, PaginationKind
from explorer.core.catalogs import BUNDLED, PRESETS, load_bundled, load_catalog, merge_catalogs
from explorer.core.errors import SpecError
from explorer.core.settings import AuthKind, JwtSettings

# A sample of the reference's endpoint tables (scalepad-api.md §11), one or more per product.
REFERENCE_ENDPOINTS = [
    "GET /core/v1/clients",
    "GET /core/v1/clients/{id}",
    "GET /core/v1/contacts",
    "GET /core/v1/members/{id}",
    "GET /core/v1/opportunities",
    "GET /core/v1/sites",
    "GET /core/v1/assets/hardware",
    "GET /core/v1/assets/hardware/{id}",
    "GET /core/v1/assets/saas",
    "GET /core/v1/assets/saas-users",
    "GET /core/v1/product-catalog",
    "GET /core/v1/service/contracts",
    "GET /core/v1/service/tickets/{id}",
    "GET /core/v1/integrations/configurations",
    "GET /core/v1/integrations/vendors",
    "GET /quoter/v1/items",
    "PATCH /quoter/v1/items/{id}",
    "GET /quoter/v1/categories",
    "GET /quoter/v1/item-group-item-assignments",
    "GET /quoter/v1/item-tiers",
    "GET /quoter/v1/datafeeds/suppliers",
    "GET /quoter/v1/contacts",
    "GET /quoter/v1/quote-templates",
    "GET /quoter/v1/quotes/{quote_id}",
    "POST /quoter/v1/quotes/{quote_id}/sections/{section_id}/line-items",
    "GET /quoter/v1/line-items",
    "GET /lifecycle-manager/v2/initiatives",
    "GET /lifecycle-manager/v1/initiatives/{id}",
    "GET /lifecycle-manager/v1/assets/software",
    "GET /lifecycle-manager/v1/assets/hardware/lifecycles",
    "GET /lifecycle-manager/v1/goals",
    "POST /lifecycle-manager/v2/meetings",
    "GET /lifecycle-manager/v1/insights",
    "GET /lifecycle-manager/v1/deliverables/{id}/pdf",
    "GET /lifecycle-manager/v1/budget/{clientId}/forecast/csv",
    "GET /controlmap/v1/clients/health",
    "GET /controlmap/v1/clients/{client_id}/health",
    "GET /controlmap/v1/clients/risks-summary",
    "GET /backup-radar/v3/clients/devices",
]
SCOUT_ENDPOINTS = [
    "GET /v1/WorkOrders/{id}",
    "GET /v1/WorkOrders/Search",
    "GET /v1/WorkOrders/InProgress",
    "GET /v1/WorkOrders/Queued",
    "GET /v1/Units",
    "GET /v1/Units/{id}",
    "GET /v1/Users",
    "GET /v1/Users/{id}",
    "GET /v1/Stations",
    "GET /v1/Stations/{id}",
    "POST /v1/Token",
    "POST /v1/Token/Renew",
]


@pytest.fixture(scope="module", params=BUNDLED)
def bundled(request) -> Catalog:
    return load_bundled(request.param)


def test_bundled_files_are_in_canonical_form(bundled):
    name = bundled.source.removeprefix("bundled:")
    text = resources.read_text("catalogs", f"{name}.json")
    assert dataclasses.replace(bundled, source="").to_json() == text, (
        "re-serialising changed the file: keep it in Catalog.to_json form"
    )


def test_bundled_catalogs_are_consistent(bundled):
    ids = [e.id for e in bundled.endpoints()]
    assert len(ids) == len(set(ids))
    for endpoint in bundled.endpoints():
        placeholders = re.findall(r"{([^}]+)}", endpoint.path)
        assert [p.name for p in endpoint.path_params] == placeholders, endpoint.id
        for field in endpoint.filters:
            assert field.operators, (endpoint.id, field.name)
            if field.type is FieldType.ENUM:
                assert field.enum_values, (endpoint.id, field.name)
        if endpoint.pagination in (PaginationKind.CURSOR, PaginationKind.OFFSET):
            assert endpoint.page_size_max, endpoint.id
        if endpoint.sort_fields:
            assert endpoint.sort_param in ("sort", "sort_by"), endpoint.id


def test_every_link_leads_to_an_endpoint_of_the_demo_tree():
    merged = merge_catalogs("demo", *(load_bundled(n) for n in BUNDLED))
    for endpoint in merged.endpoints():
        for link in endpoint.links:
            target = merged.find(link.target_endpoint)
            assert target is not None, (endpoint.id, link)
            if link.mode is LinkMode.RECORD:
                assert link.target_param in {p.name for p in target.path_params}, (
                    endpoint.id,
                    link,
                )
            elif link.as_query_param:
                assert target.param(link.target_param) is not None, (endpoint.id, link)
            else:
                assert target.filter_field(link.target_param) is not None, (endpoint.id, link)


def test_scalepad_lists_the_reference_endpoints():
    catalog = load_bundled("scalepad")
    missing = [e for e in REFERENCE_ENDPOINTS if catalog.find(e) is None]
    assert missing == []
    assert sum(1 for _ in catalog.endpoints()) > 250
    assert [p.name for p in catalog.products] == [
        "Core",
        "Quoter",
        "Lifecycle Manager",
        "ControlMap",
        "Backup Radar",
    ]


def test_scalepad_documented_details():
    catalog = load_bundled("scalepad")
    hardware = catalog.find("GET /core/v1/assets/hardware")
    items = catalog.find("GET /quoter/v1/items")
    software = catalog.find("GET /lifecycle-manager/v1/assets/software")
    assert hardware is not None
    assert items is not None
    assert software is not None
    assert hardware.pagination is PaginationKind.CURSOR
    assert (hardware.page_size_max, hardware.page_size_default) == (200, 25)
    client_name = hardware.filter_field("client.name")
    assert client_name is not None
    assert client_name.operators == (Operator.EQ, Operator.IN, Operator.CONT)
    kind = hardware.filter_field("type")
    assert kind is not None
    assert "SERVER" in kind.enum_values
    ram = hardware.filter_field("configuration.ram_bytes")
    assert ram is not None
    assert ram.type is FieldType.INTEGER
    assert Operator.LTE in ram.operators
    assert "configuration.cpu.name" in {f.path for f in hardware.record_fields}
    assert hardware.link_for("client.id").target_endpoint == "GET /core/v1/clients/{id}"
    created = items.filter_field("record_created_at")
    assert created is not None
    assert created.operators == (Operator.GT, Operator.LT)
    assert items.sort_fields == ("id", "name", "record_created_at", "record_updated_at")
    assert software.page_size_max == 100
    client = catalog.find("GET /core/v1/clients/{id}")
    assert client is not None
    targets = {lk.target_endpoint for lk in client.links_for("id")}
    assert "GET /core/v1/assets/hardware" in targets


def test_scout_follows_the_emulation_contract():
    catalog = load_bundled("scout")
    assert sorted(e.id for e in catalog.endpoints()) == sorted(SCOUT_ENDPOINTS)
    assert catalog.auth_hint == "jwt"
    for endpoint in catalog.endpoints():
        assert endpoint.records_key == ""
        if endpoint.method == "GET":
            expected = (
                PaginationKind.SINGLE if endpoint.path.endswith("{id}") else PaginationKind.NONE
            )
            assert endpoint.pagination is expected, endpoint.id
    search = catalog.find("GET /v1/WorkOrders/Search")
    assert search is not None
    assert [(p.name, p.required) for p in search.params] == [("StartDate", True), ("EndDate", True)]
    work_order = catalog.find("GET /v1/WorkOrders/{id}")
    assert work_order is not None
    assert work_order.id_field == "workOrderID"
    assert work_order.link_for("userIDs").target_endpoint == "GET /v1/Users/{id}"
    station = catalog.find("GET /v1/Stations/{id}")
    assert station is not None
    reverse = {
        (lk.target_endpoint, lk.target_param, lk.as_query_param)
        for lk in station.links_for("stationID")
    }
    assert ("GET /v1/WorkOrders/InProgress", "stationID", True) in reverse
    assert ("GET /v1/WorkOrders/Queued", "stationID", True) in reverse


def test_sandbox_extras_offer_offset_paging():
    endpoint = load_bundled("sandbox").find("GET /sandbox/v1/assets/hardware")
    assert endpoint is not None
    assert endpoint.pagination is PaginationKind.OFFSET
    assert (endpoint.page_param, endpoint.page_size_param, endpoint.has_more_key) == (
        "page",
        "page_size",
        "has_more",
    )
    hardware = load_bundled("scalepad").find("GET /core/v1/assets/hardware")
    assert hardware is not None
    assert endpoint.record_fields == hardware.record_fields


def test_unknown_bundled_name():
    with pytest.raises(SpecError) as info:
        load_bundled("nope")
    assert "scalepad" in info.value.explanation


def test_merge_joins_products_and_keeps_the_first_definition():
    scalepad, scout, sandbox = (load_bundled(n) for n in BUNDLED)
    merged = merge_catalogs("demo", scalepad, sandbox, scout, scalepad)
    ids = [e.id for e in merged.endpoints()]
    assert (
        len(ids)
        == len(set(ids))
        == sum(1 for c in (scalepad, scout, sandbox) for _ in c.endpoints())
    )
    assert [p.name for p in merged.products][-2:] == ["Sandbox", "Scout"]
    assert merged.servers == scalepad.servers
    assert merged.auth_hint == "api_key"


def test_presets_fit_the_settings_model():
    scalepad = PRESETS["scalepad"]
    assert scalepad.base_url == "https://api.scalepad.com"
    assert "https://eu.api.scalepad.com" in scalepad.base_urls
    assert "https://developer.scalepad.com/openapi/core-api.json" in scalepad.catalog_sources
    for preset in PRESETS.values():
        AuthKind(preset.auth_kind)
    assert JwtSettings.from_dict(PRESETS["scout"].jwt) == JwtSettings.scout()
    assert catalogs.bundled_spec(PRESETS["sandbox"].catalog) == ("scalepad", "sandbox")
    assert (PRESETS["sandbox_scout"].auth_kind, PRESETS["sandbox_scout"].catalog) == (
        "jwt",
        "scout",
    )


def test_load_catalog_from_names_and_files(tmp_path: Path):
    merged = asyncio.run(load_catalog("scalepad + sandbox+scout"))
    assert merged.find("GET /v1/Units") is not None
    assert merged.find("GET /sandbox/v1/assets/hardware") is not None

    path = tmp_path / "mine.json"
    path.write_text(load_bundled("scout").to_json(), encoding="utf-8")
    from_file = asyncio.run(load_catalog(str(path)))
    assert [e.id for e in from_file.endpoints()] == [
        e.id for e in load_bundled("scout").endpoints()
    ]
    assert from_file.source == str(path)


def test_load_catalog_refuses_empty_spec():
    with pytest.raises(SpecError):
        asyncio.run(load_catalog("  "))
