"""Every emulated ScalePad endpoint family: lists, documented fields, single-record GETs, 404s."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import error_item, walk

# (list path, fields every record carries, how single GETs answer: "bare", a wrapper key, or None)
ENDPOINTS = [
    ("/core/v1/clients", {"id", "name", "lifecycle", "num_contacts", "num_hardware_assets", "record_lineage", "record_created_at", "record_updated_at"}, "bare"),
    ("/core/v1/contacts", {"id", "title", "client", "record_lineage", "record_created_at", "record_updated_at"}, "bare"),
    ("/core/v1/members", {"id", "title", "hired_at", "is_scalepad_user", "reports_to_member", "hourly_cost", "daily_capacity", "record_lineage"}, "bare"),
    ("/core/v1/opportunities", {"id", "title", "source_status", "source_stage", "is_active", "probability", "client", "contact", "responsible_member"}, "bare"),
    ("/core/v1/sites", {"id", "name", "client", "record_lineage"}, "bare"),
    ("/core/v1/assets/hardware", {"id", "name", "serial_number", "type", "location_name", "client", "contact", "manufacturer", "model", "configuration", "software", "record_created_at", "record_updated_at"}, "bare"),
    ("/core/v1/assets/saas", {"id", "client", "status", "tenant_domain", "product", "term", "pool", "subscriptions"}, "bare"),
    ("/core/v1/service/contracts", {"id", "name", "status", "type", "is_recurring", "is_addendum", "source_type", "client", "contact", "parent_contract", "term", "total_price"}, "bare"),
    ("/core/v1/service/tickets", {"id", "category", "is_child_ticket", "is_long_ticket", "client", "contact", "contract", "board", "owner_member", "responsible_member", "timeline"}, "bare"),
    ("/quoter/v1/items", {"id", "name", "category", "category_id", "code", "cost_decimal", "price_decimal", "pricing_scheme", "sku", "record_created_at", "record_updated_at"}, "bare"),
    ("/quoter/v1/categories", {"id", "name", "parent_category", "parent_category_id", "record_created_at", "record_updated_at"}, "bare"),
    ("/quoter/v1/contacts", {"id", "email", "first_name", "last_name", "organization", "billing_address", "client"}, "bare"),
    ("/quoter/v1/quotes", {"id", "custom_number", "name", "client", "draft", "number", "record_created_at", "contacts", "sections", "totals"}, "bare"),
    ("/lifecycle-manager/v1/assets/hardware/lifecycles", {"client_id", "serial_number", "manufacturer", "model", "name", "purchase_date", "warranty_expiry_date", "manufacturer_expiry_date", "warranty_source"}, None),
    ("/lifecycle-manager/v1/initiatives", {"id", "name", "status", "priority", "fiscal_quarter", "asset_count", "assigned_user_id", "client", "budget", "created_at", "updated_at"}, "initiative"),
    ("/lifecycle-manager/v2/initiatives", {"id", "name", "status", "priority", "client", "budget"}, None),
    ("/lifecycle-manager/v1/assessments", {"id", "title", "status", "overall_score", "evaluated_at", "client"}, "assessment"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "fields", "single"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_list_envelope_fields_and_single_record(api, path, fields, single):
    body = api.get(path, params={"page_size": 5}).json()
    assert set(body) >= {"data", "total_count"}
    assert body["total_count"] > 0
    assert body["data"]
    for record in body["data"]:
        assert fields <= set(record), fields - set(record)
    first = body["data"][0]
    if single is None:
        return
    response = api.get(f"{path}/{first['id']}")
    assert response.status_code == 200
    got = response.json()
    if single == "bare":
        assert got == first
    else:
        assert set(got) == {single}
        assert got[single]["id"] == first["id"]


@pytest.mark.parametrize("path", [e[0] for e in ENDPOINTS if e[2] is not None])
def test_unknown_id_is_404_with_an_errors_body(api, path):
    response = api.get(f"{path}/does-not-exist-0000")
    assert response.status_code == 404
    item = error_item(response)
    if path.startswith("/quoter/"):
        assert item["key"] == "ERR_NOT_FOUND"
    else:
        assert item["code"] == "NOT_FOUND"


def test_an_id_of_another_collection_is_404(api):
    client_id = api.get("/core/v1/clients", params={"page_size": 1}).json()["data"][0]["id"]
    assert api.get(f"/core/v1/assets/hardware/{client_id}").status_code == 404


def test_nested_client_references_resolve(api):
    asset = api.get("/core/v1/assets/hardware", params={"page_size": 1}).json()["data"][0]
    client = api.get(f"/core/v1/clients/{asset['client']['id']}").json()
    assert client["name"] == asset["client"]["name"]
    assert set(asset["manufacturer"]) == {"id", "name"}
    assert set(asset["model"]) == {"number", "description"}


def test_client_counts_match_the_collections(api):
    clients, _ = walk(api, "/core/v1/clients", {"page_size": 200})
    assert sum(c["num_hardware_assets"] for c in clients) == 3000
    assert sum(c["num_contacts"] for c in clients) == 750
    assert len(clients) == 75


def test_lm_clients_use_label(api):
    initiative = api.get("/lifecycle-manager/v1/initiatives", params={"page_size": 1}).json()[
        "data"
    ][0]
    assert set(initiative["client"]) == {"id", "label"}
    assert len(initiative["id"]) == 8


def test_assessment_detail_has_the_question_tree(api):
    first = api.get("/lifecycle-manager/v1/assessments", params={"page_size": 1}).json()["data"][0]
    detail = api.get(f"/lifecycle-manager/v1/assessments/{first['id']}").json()["assessment"]
    question = detail["category_list"][0]["question_list"][0]
    assert {"title", "criteria_list", "linked_initiatives", "remediation_tips"} <= set(question)


def test_v2_initiatives_hide_unscheduled_unless_asked(api):
    v1 = api.get("/lifecycle-manager/v1/initiatives").json()["total_count"]
    v2 = api.get("/lifecycle-manager/v2/initiatives").json()["total_count"]
    v2_all = api.get(
        "/lifecycle-manager/v2/initiatives", params={"include_unscheduled": "true"}
    ).json()["total_count"]
    assert v2 < v2_all == v1
    unscheduled = api.get(
        "/lifecycle-manager/v1/initiatives", params={"filter[scheduled]": "eq:false"}
    ).json()["total_count"]
    assert v2 + unscheduled == v1


def test_assessments_search_parameter(api):
    records, _ = walk(
        api, "/lifecycle-manager/v1/assessments", {"page_size": 200, "search": "security"}
    )
    assert records
    assert all("security" in r["title"].lower() for r in records)


def test_lifecycles_filter_by_serial_number(api):
    lifecycle = api.get(
        "/lifecycle-manager/v1/assets/hardware/lifecycles", params={"page_size": 3}
    ).json()["data"][2]
    body = api.get(
        "/lifecycle-manager/v1/assets/hardware/lifecycles",
        params={"filter[serial_number]": f'eq:"{lifecycle["serial_number"]}"'},
    ).json()
    assert lifecycle in body["data"]


def test_integration_configurations_are_not_paginated(api):
    body = api.get("/core/v1/integrations/configurations").json()
    assert set(body) == {"data"}
    assert body["data"]


def test_quoter_unknown_path_is_a_non_json_404(api):
    response = api.get("/quoter/v1/catalog-items")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_core_unknown_path_is_a_json_404(api):
    response = api.get("/core/v1/hardware-assets")
    assert response.status_code == 404
    assert error_item(response)["code"] == "NOT_FOUND"


def test_quoter_method_scoped_403s(api):
    quote_id = api.get("/quoter/v1/quotes", params={"page_size": 1}).json()["data"][0]["id"]
    for path in ("/quoter/v1/line-items", f"/quoter/v1/quotes/{quote_id}/sections"):
        response = api.get(path)
        assert response.status_code == 403
        assert error_item(response)["key"] == "ERR_PERMISSION_DENIED"


def test_writes_are_not_emulated(api):
    response = api.post("/core/v1/clients", json={"name": "x"})
    assert response.status_code == 405


def test_awkward_values_are_present(api):
    clients, _ = walk(api, "/core/v1/clients", {"page_size": 200})
    names = [c["name"] for c in clients]
    assert any("," in n for n in names)
    assert any('"' in n for n in names)
    assert any(":" in n for n in names)
    assert any(" AND " in n for n in names)
    assert any(" OR " in n for n in names)
    assert any("\n" in n for n in names)
    assert any(n.startswith("=") for n in names)
    assert any(n.startswith("-") for n in names)
    assert any(any(ord(ch) > 0x2E80 for ch in n) for n in names)  # CJK
    hardware, _ = walk(api, "/core/v1/assets/hardware", {"page_size": 200})
    assert any(h["location_name"] == "" for h in hardware)
    assert any(h["location_name"] is None for h in hardware)
    assert any(h["serial_number"] == "" for h in hardware)


def test_lm_software_has_its_documented_exceptions(api):
    path = "/lifecycle-manager/v1/assets/software"
    body = api.get(path, params={"page_size": 100}).json()
    assert len(body["data"]) == 100
    assert body["total_count"] == 9000  # three products per device
    row = body["data"][0]
    assert set(row["hardware_asset"]) == {"id", "name", "serial_number", "type"}
    assert set(row["product"]) == {"name", "category", "type", "edition"}
    assert set(row["version"]) == {"display", "build", "status", "is_latest"}
    too_big = api.get(path, params={"page_size": 101})
    assert too_big.status_code == 400
    assert error_item(too_big)["source"] == {"parameter": "page_size"}
    by_name = api.get(path, params={"sort": "name"})
    assert by_name.status_code == 400
    assert error_item(by_name)["source"] == {"parameter": "sort"}
    assert api.get(path, params={"sort": "-product.name"}).status_code == 200


def test_lm_software_filters_and_search(api):
    path = "/lifecycle-manager/v1/assets/software"
    device = api.get("/core/v1/assets/hardware", params={"page_size": 1}).json()["data"][0]
    rows = api.get(path, params={"filter[hardware_asset.id]": f"eq:{device['id']}"}).json()["data"]
    assert len(rows) == 3
    assert {r["hardware_asset"]["name"] for r in rows} == {device["name"]}
    found, _ = walk(api, path, {"page_size": 100, "search": "chrome"})
    assert found
    assert all("chrome" in r["product"]["name"].lower() for r in found)
