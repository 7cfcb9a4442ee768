"""External `$ref`s (a multi-file description, like DigitalOcean's) and damage that stays local."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.core.catalog import FieldType, PaginationKind
from explorer.core.errors import SpecError
from explorer.core.openapi import import_openapi, load_document

MULTIFILE = Path(__file__).parent.parent / "data" / "openapi" / "multifile"
MAIN = MULTIFILE / "DigitalOcean-public.v2.yaml"


@pytest.fixture(scope="module")
def catalog():
    return import_openapi(MAIN)


def test_path_items_operations_and_schemas_in_other_files_are_read(catalog) -> None:
    droplets = catalog.find("GET /v2/droplets")
    assert droplets is not None
    assert droplets.summary == "List all droplets"
    assert droplets.records_key == "droplets"
    fields = {f.path: f.type for f in droplets.record_fields}
    assert fields["id"] is FieldType.INTEGER
    assert fields["region.slug"] is FieldType.STRING  # a `#/...` inside droplet.yml
    assert (droplets.page_size_param, droplets.page_size_max) == ("per_page", 200)
    assert droplets.pagination is PaginationKind.NEXT_URL
    assert droplets.next_url_key == "links.pages.next"
    assert droplets.total_key == "meta.total"
    assert [q.name for q in droplets.params] == ["tag_name"]
    one = catalog.find("GET /v2/droplets/{droplet_id}")
    assert one is not None
    assert one.pagination is PaginationKind.SINGLE
    assert "droplet.memory" in {f.path for f in one.record_fields}


def test_remote_and_missing_references_are_named_in_warnings(catalog) -> None:
    text = "\n".join(catalog.warnings)
    assert "https://example.test/schemas/region.yml#/region" in text
    assert "remote" in text
    assert "resources/sizes/models/missing.yml" in text
    assert "could not be read" in text
    regions = catalog.find("GET /v2/regions")
    assert regions is not None  # its records' schema is empty, the endpoint is kept
    assert regions.records_key == "regions"
    assert catalog.find("GET /v2/sizes") is not None


def test_one_bad_schema_costs_only_its_operation(catalog) -> None:
    account = catalog.find("GET /v2/account")
    assert account is not None
    assert account.record_fields == ()
    assert [q.name for q in account.params] == ["fields"]  # its parameters are kept
    assert any("GET /v2/account is listed without its schema" in w for w in catalog.warnings)
    assert catalog.find("GET /v2/droplets").record_fields  # the others are whole


def test_a_document_given_as_text_warns_about_file_references() -> None:
    text = MAIN.read_text(encoding="utf-8")
    catalog = import_openapi(text)
    assert catalog.find("GET /v2/droplets") is not None
    assert any("not read from a file" in w for w in catalog.warnings)


def test_load_document_reads_references_next_to_the_file() -> None:
    catalog = load_document(str(MAIN))
    assert catalog.find("GET /v2/droplets").summary == "List all droplets"


def test_a_dangling_pointer_into_another_file_is_an_error_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("a: {type: string}\n", encoding="utf-8")
    (tmp_path / "main.yaml").write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema: {$ref: 'other.yaml#/b'}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="points at nothing"):
        import_openapi(tmp_path / "main.yaml")
