"""ScalePad list semantics: `filter[field]=op:value`, `sort=+a,-b`, page sizes and cursors.

Grammar of a filter value (scalepad-api.md §4): `op:value`; `in` takes a comma-separated list;
a value (or an `in` item) holding a comma, a colon, a space or a whole-word OR/AND is wrapped in
double quotes. Emulator choices where the docs are silent: inside quotes `\\"` or `""` is a quote
and `\\\\` a backslash; an unquoted value loses surrounding spaces, and one with a comma or a
whole-word OR/AND is rejected (400); a date-only value means midnight UTC (the whole day for `eq`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

OPERATORS = ("eq", "in", "lt", "lte", "gt", "gte", "cont")
COMPARISONS = frozenset({"eq", "lt", "lte", "gt", "gte"})


class ListingError(Exception):
    """A request parameter the endpoint rejects; `parameter` names it, `code` is the error code."""

    def __init__(self, code: str, title: str, detail: str, parameter: str) -> None:
        super().__init__(detail)
        self.code, self.title, self.detail, self.parameter = code, title, detail, parameter


@dataclass(frozen=True)
class FieldSpec:
    """A filterable field: its value type and the operators it allows."""

    kind: str  # str, enum, id, int, num, bool, datetime, date
    ops: frozenset[str]
    # For a filter on a value the record does not hold as such (LM `scheduled`): record -> value.
    derive: Callable[[dict[str, Any]], Any] | None = None


def field(kind: str, *ops: str) -> FieldSpec:
    """FieldSpec with explicit operators, or the defaults for its kind."""
    if not ops:
        ops = {
            "str": ("eq", "in"),
            "enum": ("eq", "in"),
            "id": ("eq", "in"),
            "int": ("eq", "lt", "lte", "gt", "gte"),
            "num": ("eq", "lt", "lte", "gt", "gte"),
            "bool": ("eq",),
            "datetime": ("eq", "lt", "lte", "gt", "gte"),
            "date": ("eq", "lt", "lte", "gt", "gte"),
        }[kind]
    return FieldSpec(kind, frozenset(ops))


# ---------------------------------------------------------------- value grammar
_WORD_OP = re.compile(r"(?:^|\s)(AND|OR)(?:\s|$)")


def split_values(text: str, *, as_list: bool, parameter: str) -> list[str]:
    """Split a filter value into items (one unless `as_list`), honouring double quotes."""
    items: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise ListingError(
                        "INVALID_FILTER_VALUE", "Invalid filter value",
                        f"Unterminated double quote in {parameter}.", parameter,
                    )  # fmt: skip
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                elif ch == '"' and i + 1 < n and text[i + 1] == '"':
                    buf.append('"')
                    i += 2
                elif ch == '"':
                    i += 1
                    break
                else:
                    buf.append(ch)
                    i += 1
            items.append("".join(buf))
            if i < n and not (as_list and text[i] == ","):
                raise ListingError(
                    "INVALID_FILTER_VALUE", "Invalid filter value",
                    f"Unexpected text after a quoted value in {parameter}.", parameter,
                )  # fmt: skip
        else:
            end = text.find(",", i) if as_list else n
            end = n if end < 0 else end
            raw = text[i:end]
            if not as_list and "," in raw:
                raise ListingError(
                    "INVALID_FILTER_VALUE", "Invalid filter value",
                    f"The value of {parameter} contains a comma; wrap it in double quotes.", parameter,
                )  # fmt: skip
            if _WORD_OP.search(raw):
                raise ListingError(
                    "INVALID_FILTER_VALUE", "Invalid filter value",
                    f"The value of {parameter} contains AND or OR; wrap it in double quotes.", parameter,
                )  # fmt: skip
            items.append(raw.strip())  # unquoted values lose surrounding spaces
            i = end
        if i >= n:
            return items
        i += 1  # skip the comma between list items
        if i >= n:
            raise ListingError(
                "INVALID_FILTER_VALUE", "Invalid filter value",
                f"The list in {parameter} ends with a comma.", parameter,
            )  # fmt: skip


def parse_datetime(text: str) -> tuple[float, bool] | None:
    """(epoch seconds, is_date_only) for ISO-8601 dates and date-times; None if unparseable."""
    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp(), True
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp(), False


def values_at(record: Any, path: Sequence[str]) -> list[Any]:
    """Every value at a dotted path; lists on the way are searched element by element."""
    current = [record]
    for key in path:
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict):
                value = item.get(key)
                if isinstance(value, list):
                    nxt.extend(value)
                elif value is not None:
                    nxt.append(value)
            elif isinstance(item, list):
                for element in item:
                    if isinstance(element, dict) and element.get(key) is not None:
                        nxt.append(element[key])
        current = nxt
    return current


def value_at(record: Any, path: Sequence[str]) -> Any:
    current = record
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


# ---------------------------------------------------------------- filters
Predicate = Callable[[dict[str, Any]], bool]


def _coerce(kind: str, raw: str, parameter: str) -> Any:
    def bad(what: str) -> ListingError:
        return ListingError(
            "INVALID_FILTER_VALUE", "Invalid filter value",
            f"{raw!r} is not a valid {what} for {parameter}.", parameter,
        )  # fmt: skip

    if kind in ("int", "num"):
        try:
            return float(raw)
        except ValueError:
            raise bad("number") from None
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered not in ("true", "false"):
            raise bad("boolean (true or false)")
        return lowered == "true"
    if kind in ("datetime", "date"):
        parsed = parse_datetime(raw)
        if parsed is None:
            raise bad("date (YYYY-MM-DD or ISO-8601 date-time)")
        return parsed
    return raw


def _record_number(kind: str, value: Any) -> Any:
    if kind in ("datetime", "date"):
        if not isinstance(value, str):
            return None
        parsed = parse_datetime(value)
        return None if parsed is None else parsed[0]
    if kind in ("int", "num"):
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )
    return value


def compile_filter(name: str, spec: FieldSpec, op: str, raw_value: str) -> Predicate:
    parameter = f"filter[{name}]"
    items = split_values(raw_value, as_list=(op == "in"), parameter=parameter)
    kind = spec.kind
    dotted = name.split(".")
    derive = spec.derive

    def values_of(rec: dict[str, Any]) -> list[Any]:
        if derive is not None:
            value = derive(rec)
            return [] if value is None else [value]
        return values_at(rec, dotted)

    if op == "cont":
        needle = items[0].casefold()
        return lambda rec: any(
            isinstance(v, str) and needle in v.casefold() for v in values_of(rec)
        )
    if op == "in" or (op == "eq" and kind not in ("datetime", "date")):
        wanted = [_coerce(kind, item, parameter) for item in items]
        if kind in ("datetime", "date"):  # `in` over dates: same instant or same day
            return lambda rec: any(
                _date_eq(_record_number(kind, v), want) for v in values_of(rec) for want in wanted
            )
        if kind in ("int", "num"):
            numbers = set(wanted)
            return lambda rec: any(_record_number(kind, v) in numbers for v in values_of(rec))
        wanted_set = set(wanted)
        return lambda rec: any(
            v in wanted_set for v in values_of(rec) if not isinstance(v, dict | list)
        )

    bound = _coerce(kind, items[0], parameter)
    if kind in ("datetime", "date"):
        if op == "eq":
            return lambda rec: any(_date_eq(_record_number(kind, v), bound) for v in values_of(rec))
        target = bound[0]  # a date-only bound means midnight UTC
    else:
        target = bound
    compare: Callable[[Any, Any], bool] = {
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "eq": lambda a, b: a == b,
    }[op]

    def matches(rec: dict[str, Any]) -> bool:
        for v in values_of(rec):
            got = _record_number(kind, v)
            if got is None or isinstance(got, dict | list):
                continue
            try:
                if compare(got, target):
                    return True
            except TypeError:
                continue
        return False

    return matches


def _date_eq(got: float | None, want: tuple[float, bool]) -> bool:
    if got is None:
        return False
    instant, date_only = want
    return instant <= got < instant + 86400 if date_only else got == instant


def parse_filters(
    params: Iterable[tuple[str, str]], fields: dict[str, FieldSpec], *, product_note: str = ""
) -> tuple[list[Predicate], tuple[tuple[str, str], ...]]:
    """Compile every `filter[...]` parameter; returns predicates and a cache key."""
    chosen: dict[str, str] = {}
    for key, value in params:
        if key.startswith("filter[") and key.endswith("]"):
            chosen[key[7:-1]] = value  # the last occurrence wins
    predicates: list[Predicate] = []
    for name, raw in chosen.items():
        parameter = f"filter[{name}]"
        spec = fields.get(name)
        if spec is None:
            allowed = ", ".join(sorted(fields)) or "none"
            raise ListingError(
                "INVALID_FILTER_FIELD", "Invalid filter field",
                f"Filtering on '{name}' is not supported by this endpoint{product_note}. "
                f"Filterable fields: {allowed}.", parameter,
            )  # fmt: skip
        op, sep, value = raw.partition(":")
        op = op.strip()
        if not sep or op not in OPERATORS:
            raise ListingError(
                "INVALID_FILTER_OPERATOR", "Invalid filter operator",
                f"{parameter} must look like op:value with op one of "
                f"{', '.join(sorted(spec.ops))}.", parameter,
            )  # fmt: skip
        if op not in spec.ops:
            raise ListingError(
                "INVALID_FILTER_OPERATOR", "Invalid filter operator",
                f"The operator '{op}' is not supported for '{name}'. "
                f"Supported: {', '.join(sorted(spec.ops))}.", parameter,
            )  # fmt: skip
        if value == "":
            raise ListingError(
                "INVALID_FILTER_VALUE",
                "Invalid filter value",
                f"{parameter} has no value.",
                parameter,
            )
        predicates.append(compile_filter(name, spec, op, value))
    return predicates, tuple(sorted(chosen.items()))


# ---------------------------------------------------------------- sorting
def parse_sort(text: str | None, sortable: frozenset[str]) -> tuple[tuple[str, bool], ...]:
    """`"+a,-b,c"` -> (("a", False), ("b", True), ("c", False)); (field, descending)."""
    if text is None or not text.strip():
        return ()
    keys = []
    for part in text.split(","):
        token = part.strip()  # a literal '+' arrives as a space; it means ascending anyway
        descending = token.startswith("-")
        name = token.lstrip("+-").strip()
        if name not in sortable:
            allowed = ", ".join(sorted(sortable)) or "none"
            raise ListingError(
                "INVALID_SORT_FIELD", "Invalid sort field",
                f"Sorting by '{name}' is not supported by this endpoint. Sortable fields: {allowed}.",
                "sort",
            )  # fmt: skip
        keys.append((name, descending))
    return tuple(keys)


def sort_key(value: Any) -> tuple[bool, Any]:
    """Nulls after everything ascending (so first descending), text case-insensitively."""
    if isinstance(value, str):
        return (False, (value.casefold(), value))
    if isinstance(value, dict | list):
        return (False, (json.dumps(value, sort_keys=True),))
    if value is None:
        return (True, ())
    return (False, (value,))


# ---------------------------------------------------------------- paging
def encode_cursor(offset: int) -> str:
    return base64.b64encode(json.dumps([str(offset)]).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = json.loads(base64.b64decode(cursor.encode(), validate=True))
        if isinstance(raw, list) and len(raw) == 1 and str(raw[0]).isdigit():
            return int(raw[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ListingError(
        "INVALID_CURSOR",
        "Invalid cursor",
        "The cursor is not valid; start from the first page.",
        "cursor",
    )


def parse_page_size(raw: str | None, default: int, maximum: int, *, clamp: bool) -> int:
    if raw is None or raw == "":
        return default
    try:
        size = int(raw.strip())
    except ValueError:
        size = -1
    if size < 1:
        raise ListingError(
            "INVALID_PAGE_SIZE", "Invalid page size",
            f"page_size must be a whole number from 1 to {maximum}.", "page_size",
        )  # fmt: skip
    if size > maximum:
        if clamp:
            return maximum
        raise ListingError(
            "INVALID_PAGE_SIZE", "Invalid page size",
            f"page_size must be at most {maximum} on this endpoint.", "page_size",
        )  # fmt: skip
    return size
