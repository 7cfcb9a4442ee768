"""Nested records -> dotted columns."""

from __future__ import annotations

from explorer.core.catalog import Endpoint, FieldType, PaginationKind, SchemaField
from explorer.core.flatten import (
    ColumnSet,
    array_text,
    cell_text,
    columns_for,
    flatten_record,
    schema_columns,
)

HARDWARE = Endpoint(
    "GET",
    "/core/v1/assets/hardware",
    pagination=PaginationKind.CURSOR,
    record_fields=(
        SchemaField("id", FieldType.UUID),
        SchemaField("name"),
        SchemaField("client", FieldType.OBJECT),
        SchemaField("client.id", FieldType.UUID),
        SchemaField("client.name"),
        SchemaField("tags", FieldType.ARRAY),
        SchemaField("tags[]"),
        SchemaField("disks", FieldType.ARRAY),
        SchemaField("disks.total_bytes", FieldType.INTEGER),
        SchemaField("warranty", FieldType.OBJECT),
    ),
)


def test_nested_objects_become_dotted_columns_in_record_order() -> None:
    record = {"id": 1, "client": {"id": "c1", "name": "Acme", "site": {"city": "Oslo"}}, "z": 2}
    assert list(flatten_record(record).items()) == [
        ("id", 1),
        ("client.id", "c1"),
        ("client.name", "Acme"),
        ("client.site.city", "Oslo"),
        ("z", 2),
    ]


def test_arrays_are_json_text_by_default_with_unicode_kept() -> None:
    flat = flatten_record({"tags": ["ü", "a,b"], "disks": [{"total_bytes": 5}]})
    assert flat == {"tags": '["ü","a,b"]', "disks": '[{"total_bytes":5}]'}


def test_arrays_have_a_summary_form_for_the_table() -> None:
    record = {"many": [1, 2, 3, 4], "few": ["a", "b"], "objs": [{"a": 1}], "none": []}
    assert flatten_record(record, arrays="summary") == {
        "many": "[4 items]",
        "few": "a, b",
        "objs": "[1 item]",
        "none": "[]",
    }
    assert array_text([{"a": 1}, {"b": 2}], "summary") == "[2 items]"


def test_null_and_empty_object_become_empty_cells_and_scalars_are_kept() -> None:
    flat = flatten_record({"a": None, "b": {}, "c": True, "d": 1.5, "e": 0})
    assert flat == {"a": "", "b": "", "c": True, "d": 1.5, "e": 0}


def test_cell_text_spells_values_as_json_does() -> None:
    assert [cell_text(v) for v in (True, False, None, 3, 2.5, "x", {"a": [1]})] == [
        "true",
        "false",
        "",
        "3",
        "2.5",
        "x",
        '{"a":[1]}',
    ]


def test_schema_columns_skip_parents_with_children_and_array_insides() -> None:
    assert schema_columns(HARDWARE) == [
        "id",
        "name",
        "client.id",
        "client.name",
        "tags",
        "disks",
        "warranty",
    ]
    assert schema_columns(None) == []


def test_columns_for_puts_schema_first_then_new_columns_in_order_of_appearance() -> None:
    records = [
        {"id": 1, "extra": "x", "client": {"id": "c", "name": "n", "vip": True}},
        {"id": 2, "another": 1, "extra": "y"},
    ]
    assert columns_for(HARDWARE, records) == [
        "id",
        "name",
        "client.id",
        "client.name",
        "tags",
        "disks",
        "warranty",
        "extra",
        "client.vip",
        "another",
    ]


def test_columns_for_without_schema_follows_the_data() -> None:
    assert columns_for(None, [{"b": 1, "a": {"x": 1}}, {"c": None}]) == ["b", "a.x", "c"]


def test_a_null_parent_of_known_children_adds_no_column() -> None:
    columns = ColumnSet(["client.id", "client.name"])
    assert columns.absorb(flatten_record({"client": None, "id": 1})) == ["id"]
    assert columns.columns == ["client.id", "client.name", "id"]
    assert "client" not in columns
    assert len(columns) == 3


def test_a_value_under_a_parent_name_is_still_a_column_when_not_empty() -> None:
    columns = ColumnSet(["client.id"])
    assert columns.absorb({"client": "plain text"}) == ["client"]
