"""Nested JSON records -> flat rows with dotted column names (`client.name`).

The results table and the CSV export both show one record per row. Nested objects become one
column per leaf (`configuration.cpu.name`); arrays stay in one cell, as JSON text in a CSV (so
nothing is lost) or as a short summary ("[3 items]") in the window. A null becomes an empty cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from explorer.core.catalog import Endpoint, FieldType

ArrayStyle = Literal["json", "summary"]


def flatten_record(
    record: Mapping[str, Any], arrays: ArrayStyle = "json", *, null: Any = ""
) -> dict[str, Any]:
    """One flat dict per record: dotted keys in the record's own order, leaves kept as given.

    Strings, numbers and booleans are kept as the API gave them (the CSV writer renders them);
    None becomes `null` ("" unless asked otherwise: the column summary tells a null from an empty
    string); an array becomes JSON text or "[n items]"; an empty object becomes `null` under its
    own name so that the column still exists.
    """
    flat: dict[str, Any] = {}
    _flatten_into(flat, "", record, arrays, null)
    return flat


def _flatten_into(
    flat: dict[str, Any], prefix: str, value: Any, arrays: ArrayStyle, null: Any
) -> None:
    if isinstance(value, Mapping):
        if not value and prefix:
            flat[prefix] = null
            return
        for key, child in value.items():
            _flatten_into(flat, f"{prefix}.{key}" if prefix else str(key), child, arrays, null)
    elif isinstance(value, list | tuple):
        flat[prefix] = array_text(value, arrays)
    elif value is None:
        flat[prefix] = null
    else:
        flat[prefix] = value


def array_text(values: list[Any] | tuple[Any, ...], arrays: ArrayStyle = "json") -> str:
    """An array as one cell: compact JSON (unicode kept), or a summary for the table."""
    if arrays == "summary":
        if not values:
            return "[]"
        if all(not isinstance(v, Mapping | list | tuple) for v in values) and len(values) <= 3:
            return ", ".join(cell_text(v) for v in values)
        return f"[{len(values)} item{'s' if len(values) != 1 else ''}]"
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def value_at(body: Any, path: str) -> Any:
    """The value at a dotted path of a record or a body (`client.id`,
    `response_metadata.next_cursor`); None when a step is missing; a key holding dots
    (`@odata.nextLink`) is matched whole first."""
    if not isinstance(body, dict) or not path:
        return None
    if path in body:
        return body[path]
    head, dot, rest = path.partition(".")
    return value_at(body.get(head), rest) if dot else None


def cell_text(value: Any) -> str:
    """A leaf as text, spelled as in the JSON it came from (true/false, not True/False)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def schema_columns(endpoint: Endpoint | None) -> list[str]:
    """The leaf columns the catalog documents for an endpoint's records, in catalog order.

    An object field that has documented children is left out (its children are the columns); the
    inside of arrays (`tags[]`, `disks.x` under an array `disks`) is left out because an array is
    one cell.
    """
    if endpoint is None:
        return []
    fields = [f for f in endpoint.record_fields if "[" not in f.path]
    arrays = {f.path for f in fields if f.type is FieldType.ARRAY}
    paths = [f.path for f in fields]
    columns: list[str] = []
    for field in fields:
        if any(field.path.startswith(a + ".") for a in arrays):
            continue
        if field.type is FieldType.OBJECT and any(p.startswith(field.path + ".") for p in paths):
            continue
        if field.path not in columns:
            columns.append(field.path)
    return columns


class ColumnSet:
    """An ordered, growing set of columns: known ones first, then new ones as they are seen.

    A bare parent (`client`, from `"client": null`) is not added as a column when a child of it
    (`client.name`) is already known, and vice versa the data fills the children with empties.
    """

    def __init__(self, initial: Iterable[str] = ()) -> None:
        self._columns: list[str] = []
        self._known: set[str] = set()
        self._parents: set[str] = set()
        for column in initial:
            self.add(column)

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, column: object) -> bool:
        return column in self._known

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def add(self, column: str) -> bool:
        """Add a column unless known; True when it was new."""
        if column in self._known:
            return False
        self._columns.append(column)
        self._known.add(column)
        parts = column.split(".")
        for i in range(1, len(parts)):
            self._parents.add(".".join(parts[:i]))
        return True

    def absorb(self, flat: Mapping[str, Any]) -> list[str]:
        """Add the columns of one flat record; returns those that were new."""
        added: list[str] = []
        for key, value in flat.items():
            if key in self._known:
                continue
            if (value is None or value == "") and key in self._parents:
                continue  # a null parent of known children: its children show the emptiness
            self.add(key)
            added.append(key)
        return added


def columns_for(
    endpoint: Endpoint | None,
    records: Iterable[Mapping[str, Any]],
    *,
    flattened: bool = False,
) -> list[str]:
    """The header for these records: the catalog's documented fields, then any others seen.

    `records` are raw API records unless `flattened` is set. Order is stable: schema order, then
    the order in which new columns first appear in the data.
    """
    column_set = ColumnSet(schema_columns(endpoint))
    for record in records:
        column_set.absorb(record if flattened else flatten_record(record))
    return column_set.columns
