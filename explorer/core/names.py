"""What to call a record: the name it already carries, instead of its id.

A hardware asset carries its client as `client: {id, name}`; a Scout work order carries
`workOrderNumber` beside `workOrderID`. Links, menus and tab titles use these names ("Open client
Wonka Logistics", "Client: Wonka Logistics") and fall back to the id only when no name is there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Field names that hold what people call a record, in order of preference.
NAME_KEYS = ("name", "display_name", "displayName", "title", "number", "label", "username")
_ID_SUFFIX = re.compile(r"(?:_id|Id|ID|_ids|Ids|IDs)$")


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _named(record: Mapping[str, Any], prefix: str = "") -> str | None:
    """A name field of `record`, optionally prefixed (`unit` -> unitName, unit_name, ...)."""
    for key in NAME_KEYS:
        if prefix:
            for candidate in (prefix + key[0].upper() + key[1:], f"{prefix}_{key}"):
                found = _text(record.get(candidate))
                if found:
                    return found
        else:
            found = _text(record.get(key))
            if found:
                return found
    return None


def carried_name(record: Any, field: str) -> str | None:
    """The name the record carries for the thing its `field` points at (None when none)."""
    if not isinstance(record, Mapping):
        return None
    *parents, last = field.split(".")
    holder: Any = record
    for part in parents:
        holder = holder.get(part) if isinstance(holder, Mapping) else None
    if not isinstance(holder, Mapping):
        return None
    if parents and last in ("id", "uuid", "key"):
        return _named(holder)  # client.id -> client.name
    prefix = _ID_SUFFIX.sub("", last)
    if prefix and prefix != last:
        return _named(holder, prefix)  # unitID -> unitName; owner_id -> owner_name
    return None


def own_name(record: Any, id_field: str = "id") -> str | None:
    """What the record itself is called: its name, or a number beside its id (WO-1007)."""
    if not isinstance(record, Mapping):
        return None
    found = _named(record)
    if found:
        return found
    prefix = _ID_SUFFIX.sub("", id_field.rsplit(".", 1)[-1])
    if prefix and prefix != id_field:
        return _named(record, prefix)  # workOrderID -> workOrderNumber
    return None


def singular(words: str) -> str:
    """`Work orders` -> `Work order`, `Hardware assets` -> `Hardware asset` (plain English)."""
    text = words.strip()
    if text.lower().endswith("ies"):
        return text[:-3] + "y"
    if text.lower().endswith("ses"):
        return text[:-2]
    if text.endswith("s") and not text.endswith("ss"):
        return text[:-1]
    return text


def link_noun(label: str) -> str | None:
    """`Open the client` -> `client`; None for labels of another form."""
    match = re.match(r"^open (?:the |this |a )?(.+?)(?: \(.*\))?$", label.strip(), re.IGNORECASE)
    return match.group(1) if match else None


def name_fields_for(field: str) -> list[str]:
    """The dotted fields that may hold the name of what `field` points at, best first
    (`client.id` -> `client.name`, ...; `unitID` -> `unitName`, `unit_name`, ...)."""
    *parents, last = field.split(".")
    head = ".".join(parents)
    if parents and last in ("id", "uuid", "key"):
        return [f"{head}.{key}" for key in NAME_KEYS]
    prefix = _ID_SUFFIX.sub("", last)
    if not prefix or prefix == last:
        return []
    names = [
        candidate
        for key in NAME_KEYS
        for candidate in (prefix + key[0].upper() + key[1:], f"{prefix}_{key}")
    ]
    return [f"{head}.{n}" if head else n for n in names]
