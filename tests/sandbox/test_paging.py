"""Cursor pagination as documented, and the emulator-only offset-paged endpoint."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.sandbox.helpers import error_item, walk

HARDWARE = "/core/v1/assets/hardware"


def test_envelope_has_data_total_count_and_an_opaque_base64_json_cursor(api):
    body = api.get(HARDWARE, params={"page_size": 5}).json()
    assert set(body) == {"data", "total_count", "next_cursor"}
    assert len(body["data"]) == 5
    assert body["total_count"] == 3000
    decoded = json.loads(base64.b64decode(body["next_cursor"]))
    assert isinstance(decoded, list)


def test_core_default_page_size_is_25_and_quoter_200(api):
    assert len(api.get(HARDWARE).json()["data"]) == 25
    assert len(api.get("/quoter/v1/categories").json()["data"]) == 94  # 313 * 0.3 -> one page


def test_cursor_walk_has_no_gaps_or_duplicates_and_no_cursor_on_the_last_page(api):
    records, envelopes = walk(api, "/core/v1/contacts", {"page_size": 200})
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == envelopes[0]["total_count"] == 750
    assert "next_cursor" not in envelopes[-1]
    assert all("next_cursor" in e for e in envelopes[:-1])
    assert len(envelopes) == 4


def test_walk_over_a_filtered_sorted_list_is_complete(api):
    params = {"page_size": 37, "filter[type]": "in:SERVER,VIRTUAL", "sort": "-record_updated_at"}
    records, envelopes = walk(api, HARDWARE, params)
    assert len(records) == envelopes[0]["total_count"] > 37
    assert len({r["id"] for r in records}) == len(records)
    stamps = [r["record_updated_at"] for r in records]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("size", ["0", "-1", "201", "abc", "1.5"])
def test_page_size_outside_1_to_200_is_rejected(api, size):
    response = api.get(HARDWARE, params={"page_size": size})
    assert response.status_code == 400
    item = error_item(response)
    assert item["code"] == "INVALID_PAGE_SIZE"
    assert item["source"] == {"parameter": "page_size"}


def test_page_size_200_and_1_are_accepted(api):
    assert len(api.get(HARDWARE, params={"page_size": 200}).json()["data"]) == 200
    assert len(api.get(HARDWARE, params={"page_size": 1}).json()["data"]) == 1


def test_oversize_page_can_be_clamped(make_sandbox):
    sb = make_sandbox(oversize_page="clamp")
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        body = client.get(HARDWARE, params={"page_size": 1000}).json()
    assert len(body["data"]) == 200


def test_last_page_can_carry_a_null_cursor(make_sandbox):
    sb = make_sandbox(null_next_cursor=True)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        body = client.get("/core/v1/clients", params={"page_size": 200}).json()
    assert body["next_cursor"] is None


def test_unknown_parameters_are_ignored_and_a_misspelt_cursor_returns_page_one(api):
    first = api.get(HARDWARE, params={"page_size": 3}).json()
    again = api.get(
        HARDWARE,
        params={
            "page_size": 3,
            "limit": 1,
            "per_page": 9,
            "page[size]": 7,
            "next": first["next_cursor"],
        },
    ).json()
    assert again["data"] == first["data"]


def test_a_broken_cursor_is_a_400(api):
    response = api.get(HARDWARE, params={"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert error_item(response)["source"] == {"parameter": "cursor"}


def test_nonatomic_paging_repeats_one_record_and_skips_another(make_sandbox):
    sb = make_sandbox(nonatomic_paging=True)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        records, envelopes = walk(client, HARDWARE, {"page_size": 50})
    ids = [r["id"] for r in records]
    total = envelopes[0]["total_count"]
    assert len(ids) == total  # one repeated, one missing
    assert len(set(ids)) == total - 1


def test_offset_endpoint_pages_the_same_hardware(api):
    first = api.get("/sandbox/v1/assets/hardware", params={"page": 1, "page_size": 100}).json()
    assert set(first) == {"data", "total_count", "page", "page_size", "has_more"}
    assert (first["page"], first["page_size"], first["has_more"], first["total_count"]) == (
        1,
        100,
        True,
        3000,
    )
    cursor_page = api.get(HARDWARE, params={"page_size": 100}).json()
    assert first["data"] == cursor_page["data"]
    last = api.get("/sandbox/v1/assets/hardware", params={"page": 30, "page_size": 100}).json()
    assert last["has_more"] is False
    assert len(last["data"]) == 100
    beyond = api.get("/sandbox/v1/assets/hardware", params={"page": 31, "page_size": 100}).json()
    assert beyond["data"] == []
    assert beyond["has_more"] is False


def test_offset_pages_fetched_out_of_order_cover_everything(api):
    seen: list[str] = []
    for page in (3, 1, 2, 4):
        body = api.get(
            "/sandbox/v1/assets/hardware",
            params={"page": page, "page_size": 200, "filter[type]": "eq:SERVER"},
        ).json()
        seen.extend(r["id"] for r in body["data"])
    total = body["total_count"]
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("page", ["0", "-2", "x"])
def test_offset_endpoint_rejects_a_bad_page(api, page):
    response = api.get("/sandbox/v1/assets/hardware", params={"page": page})
    assert response.status_code == 400
    assert error_item(response)["source"] == {"parameter": "page"}
