"""The --paging notation: every style reads and writes back, bad text is refused with advice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.core.catalog import Catalog, Endpoint, PaginationKind, describe_paging, with_paging
from explorer.core.catalogs import load_bundled
from explorer.core.errors import SpecError
from explorer.core.openapi import import_openapi

STYLES = Path(__file__).parent.parent / "data" / "openapi" / "styles"
# The Endpoint fields a paging description sets (what the notation must carry).
PAGING_FIELDS = (
    "pagination",
    "page_size_param",
    "cursor_param",
    "page_param",
    "offset_counts_records",
    "next_cursor_key",
    "next_url_key",
    "first_page",
)


def _endpoints() -> list[Endpoint]:
    catalogs = [load_bundled(n) for n in ("scalepad", "scout", "sandbox")]
    catalogs += [import_openapi(path) for path in sorted(STYLES.glob("*.yaml"))]
    return [e for c in catalogs for e in c.endpoints() if e.pagination is not PaginationKind.SINGLE]


def _used(endpoint: Endpoint) -> dict[str, object]:
    """The paging fields that matter for the endpoint's style."""
    kind = endpoint.pagination
    wanted = {"pagination"}
    if endpoint.sends_page_size:
        wanted.add("page_size_param")
    if kind in (PaginationKind.CURSOR, PaginationKind.LAST_ID):
        wanted.add("cursor_param")
    if kind is PaginationKind.CURSOR:
        wanted.add("next_cursor_key")
    if kind is PaginationKind.NEXT_URL:
        wanted.add("next_url_key")
    if kind is PaginationKind.OFFSET:
        wanted |= {"page_param", "offset_counts_records", "first_page"}
    return {name: getattr(endpoint, name) for name in PAGING_FIELDS if name in wanted}


def test_every_described_style_reads_back_to_the_same_paging() -> None:
    endpoints = _endpoints()
    assert {e.paging_style for e in endpoints} >= {
        "cursor",
        "token",
        "page",
        "none",
        "next-url",
        "link-header",
        "last-id",
    }
    for endpoint in endpoints:
        text = describe_paging(endpoint)
        again = with_paging(Endpoint(endpoint.method, endpoint.path), text)
        assert _used(again) == _used(endpoint), text
        assert again.paging_source == "override"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sideways", "is not known"),
        ("cursor:colour=blue", "colour=blue"),
        ("cursor:next", "NAME=VALUE"),
        ("page:max=lots", "whole number"),
    ],
)
def test_bad_notations_say_what_to_write(text: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        with_paging(Endpoint("GET", "/x"), text)
    assert words in caught.value.explanation


def test_a_catalog_file_can_set_an_endpoints_paging() -> None:
    raw = {
        "name": "mine",
        "products": [
            {
                "name": "P",
                "resources": [
                    {
                        "name": "R",
                        "endpoints": [
                            {"path": "/repos/o/r/issues", "paging": "link-header:size=per_page"}
                        ],
                    }
                ],
            }
        ],
    }
    endpoint = Catalog.from_json(json.dumps(raw)).find("GET /repos/o/r/issues")
    assert endpoint is not None
    assert (endpoint.pagination, endpoint.page_size_param) == (
        PaginationKind.LINK_HEADER,
        "per_page",
    )
    assert endpoint.paging_source == ""  # the catalog's own: shown as "catalog"
