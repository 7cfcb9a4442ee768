"""OpenAPI 3.0 / 3.1 (JSON or YAML, from a file or a URL) -> Catalog.

`import_openapi` is a plain function: the window runs it through `asyncio.to_thread`. It resolves
local `$ref`s (circular ones too: flattening stops at a schema already being expanded and at a
fixed depth), merges `allOf`/`oneOf`/`anyOf` for the field list, and recognises ScalePad-style
paging (`cursor` + `page_size`, `{data, next_cursor, total_count}`), offset paging
(`page`/`offset` + `limit`), `filter[...]` parameters and `sort`/`sort_by`. Products come from a
path prefix before a version segment (`/core/v1/...` -> Core) or else the document title;
resources from the first tag or else the first path segment. A broken document raises SpecError
with what is wrong and where (a line and column, or a JSON pointer).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import yaml

from explorer.core.catalog import (
    Catalog,
    Endpoint,
    FieldType,
    FilterField,
    Link,
    LinkMode,
    Operator,
    PaginationKind,
    PathParam,
    Product,
    QueryParam,
    Resource,
    SchemaField,
    SecurityScheme,
    catalog_from_dict,
)
from explorer.core.errors import ResponseTooLarge, SpecError
from explorer.core.settings import DEFAULT_MAX_RESPONSE_MB, DEFAULT_REQUEST_TIMEOUT_S

Fetch = Callable[[str], Awaitable[bytes]]
log = logging.getLogger(__name__)

_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
MAX_DEPTH = 5  # nested object levels flattened into dotted record fields
MAX_FIELDS = 400  # record fields kept per endpoint
MAX_REF_HOPS = 64  # a $ref chain longer than this is treated as a loop

_PAGE_SIZE_NAMES = (
    "page_size",
    "pagesize",
    "limit",
    "per_page",
    "perpage",
    "size",
    "page[size]",
    "max_results",
    "maxresults",
    "count",
    "$top",
)
_CURSOR_NAMES = (
    "cursor",
    "next_cursor",
    "page_token",
    "pagetoken",
    "next_page_token",
    "starting_after",
    "after",
    "continuation_token",
    "continuationtoken",
    "next",
    "continue",
    "page_info",
    "$skiptoken",
)
_PAGE_NAMES = ("page", "page_number", "pagenumber", "page[number]")
_OFFSET_NAMES = ("offset", "skip", "start")
_SORT_NAMES = ("sort", "sort_by", "sortby", "order_by", "orderby")
_RECORD_KEYS = (
    "data",
    "items",
    "results",
    "value",
    "records",
    "values",
    "content",
    "elements",
    "entries",
    "list",
)
_NEXT_KEYS = ("next_cursor", "nextcursor", "next_page_token", "nextpagetoken", "cursor", "next")
# Envelope fields (dotted paths, as normalised by _norm) that hold the next page's URL, and
# those that hold a cursor or token with the parameter it goes back in when none is declared.
_NEXT_URL_PATHS = (
    "@odata.nextlink",
    "next_page_uri",
    "nextrecordsurl",
    "links.next",
    "links.next.href",
    "links.pages.next",
    "_links.next.href",
    "_links.next",
    "next",
    "next_page_url",
    "nextlink",
)
_CURSOR_PATHS = {
    "response_metadata.next_cursor": "cursor",
    "meta.next_cursor": "cursor",
    "metadata.continue": "continue",
    "next_page.offset": "offset",
    "paging.next.after": "after",
    "pagination.next": "until",
    "next_page": "page",
}
_LAST_ID_PARAMS = ("starting_after", "after")
# Totals inside an envelope object (not `count`: Vercel's pagination.count counts one page).
_NESTED_TOTALS = ("total_count", "totalcount", "total", "totalelements", "total_results")
# Envelope objects looked into for nested paging fields (only these: a record's own nested
# objects are not envelope fields, and large documents have many).
_ENVELOPE_PARTS = frozenset(
    {
        "meta",
        "metadata",
        "response_metadata",
        "links",
        "_links",
        "next",
        "next_page",
        "paging",
        "pagination",
        "page",
        "pages",
    }
)
# "(max 100)", "maximum of 1000", "no larger than 1000": a page size's limit said in words
_SIZE_MAX_TEXT = re.compile(
    r"\b(?:max(?:imum)?|at most|up to|no larger than|between \d+ and)\s*"
    r"(?:is\s*|of\s*|value of\s*)?(\d{1,3}(?:,\d{3})+|\d+)",
    re.IGNORECASE,
)
_TOTAL_KEYS = ("total_count", "totalcount", "total", "count", "total_results", "totalresults")
_HAS_MORE_KEYS = ("has_more", "hasmore", "has_next", "hasnext", "more")
# Top-level envelope fields that can take part in paging (the others are not looked at).
_ENVELOPE_NAMES = (
    _ENVELOPE_PARTS
    | {part for path in (*_NEXT_URL_PATHS, *_CURSOR_PATHS) for part in (path, path.split(".")[0])}
    | set(_NEXT_KEYS + _TOTAL_KEYS + _HAS_MORE_KEYS)
)
_GENERIC_PREFIXES = frozenset({"api", "apis", "rest", "service", "services", "public", "ws"})
_VERSION = re.compile(r"^v\d+(\.\d+)*$|^\d+(\.\d+)*$", re.IGNORECASE)
_OPERATOR_WORDS = re.compile(r"\b(eq|in|lt|lte|gt|gte|cont)\b")
_DEFAULT_OPERATORS = {
    FieldType.STRING: (Operator.EQ, Operator.IN),
    FieldType.ENUM: (Operator.EQ, Operator.IN),
    FieldType.UUID: (Operator.EQ, Operator.IN),
    FieldType.INTEGER: (Operator.EQ, Operator.LT, Operator.LTE, Operator.GT, Operator.GTE),
    FieldType.NUMBER: (Operator.EQ, Operator.LT, Operator.LTE, Operator.GT, Operator.GTE),
    FieldType.DATE: (Operator.EQ, Operator.LT, Operator.LTE, Operator.GT, Operator.GTE),
    FieldType.DATETIME: (Operator.EQ, Operator.LT, Operator.LTE, Operator.GT, Operator.GTE),
    FieldType.BOOLEAN: (Operator.EQ,),
    FieldType.OBJECT: (Operator.EQ,),
    FieldType.ARRAY: (Operator.EQ, Operator.IN),
}


# ---------------------------------------------------------------- reading text


def parse_text(text: str, *, source: str = "") -> Any:
    """JSON or YAML text -> Python data; a syntax error names its line and column."""
    stripped = text.lstrip("\ufeff \t\r\n")
    where = f" {source}" if source else ""
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(stripped)
        except RecursionError as exc:
            raise _too_deep(where) from exc
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"The document{where} is not valid JSON: {exc.msg}",
                location=f"line {exc.lineno}, column {exc.colno}",
            ) from exc
    try:
        return yaml.load(stripped, Loader=_YamlLoader)  # a safe loader (C or pure Python)
    except RecursionError as exc:
        raise _too_deep(where) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        raise SpecError(
            f"The document{where} is neither valid JSON nor valid YAML: {problem}",
            location=location,
        ) from exc


def _too_deep(where: str) -> SpecError:
    return SpecError(
        f"The document{where} is nested too deeply to read",
        explanation=f"The document{where} is nested thousands of levels deep, which no real "
        "API description is; check that this is the right file.",
    )


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"The document {source or ''} is not UTF-8 text (byte {exc.start} cannot be read)".replace(
                "  ", " "
            ),
            explanation="Save the API description as UTF-8 JSON or YAML and try again.",
        ) from exc


def _looks_like_path(value: str) -> bool:
    return (
        len(value) < 4096
        and "\n" not in value
        and not value.lstrip().startswith(("{", "["))
        and os.path.isfile(value)
    )


# ---------------------------------------------------------------- the document


def _pointer_part(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _join(where: str, *parts: object) -> str:
    for part in parts:
        text = str(part)
        where += "/" + (_pointer_part(text) if "~" in text or "/" in text else text)
    return where


class _Pointers:
    """Where each property of a (merged) schema is, computed only when asked (errors, nesting)."""

    __slots__ = ("base", "overrides")

    def __init__(self, base: str, overrides: dict[str, _Pointers] | None = None) -> None:
        self.base = base
        self.overrides = overrides  # property -> the pointers of the allOf/anyOf part it came from

    def of(self, name: str) -> str:
        found = self.overrides.get(name) if self.overrides else None
        return found.of(name) if found is not None else _join(self.base, "properties", name)


@dataclass
class _Document:
    root: dict[str, Any]
    version: str
    # memo: (ref, depth) -> flattened fields of that schema
    field_memo: dict[tuple[str, int], list[tuple[str, FieldType, str]]] = field(
        default_factory=dict
    )
    # id(schema node with allOf/oneOf/anyOf) -> its merged form (nodes live as long as `root`)
    merge_memo: dict[int, tuple[dict[str, Any], _Pointers]] = field(default_factory=dict)
    operation_ids: dict[str, str] = field(default_factory=dict)  # operationId -> endpoint id
    base: Path | None = None  # the document's file: relative `$ref`s are read next to it
    files: dict[Path, Any] = field(default_factory=dict)  # other files read for `$ref`s
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)
            log.warning("%s", text)

    def lookup(self, ref: str, where: str) -> Any:
        """The target of a `$ref`: in this document (`#/components/schemas/X`) or in a local
        file (`schemas/pet.yaml#/Pet`, relative to the document); SpecError when a local one
        dangles. A remote or unreadable reference is named in `warnings` and gives None."""
        root: Any = self.root
        if not ref.startswith("#"):
            root = self._file(ref.partition("#")[0], ref, where)
            if root is None:
                return None
        node: Any = root
        pointer = ref.partition("#")[2]
        for raw in pointer.split("/")[1:] if pointer else []:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SpecError(
                    f"The reference {ref} points at nothing",
                    location=where,
                    explanation=f"The document refers to {ref} (at {where}), which it does not define; fix or remove that $ref.",
                )
        return node

    def _file(self, name: str, ref: str, where: str) -> Any:
        """The parsed file a reference names (read once, its own references made absolute)."""
        if is_url(name) or name.startswith("//"):
            self.warn(f"The reference {ref} (at {where}) is remote and was not followed.")
            return None
        if not os.path.isabs(name) and self.base is None:
            self.warn(
                f"The reference {ref} (at {where}) names another file, but the document was not "
                "read from a file, so it was not followed."
            )
            return None
        path = Path(name) if os.path.isabs(name) else (self.base or Path()).parent / name
        path = path.resolve()
        if path not in self.files:
            try:
                text = _decode(path.read_bytes(), str(path))
                self.files[path] = _absolute_refs(parse_text(text, source=str(path)), path)
            except (OSError, SpecError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                self.warn(f"The reference {ref} (at {where}) could not be read: {reason}.")
                self.files[path] = None
        return self.files[path]

    def resolve(self, node: Any, where: str) -> Any:
        """Follow `$ref` chains to the node they name (a loop of pure references is an error)."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target = self.lookup(node["$ref"], where)
            if target is None:
                return {}
            hops += 1
            if hops > MAX_REF_HOPS:
                raise SpecError(
                    f"The reference {node['$ref']} refers only to itself", location=where
                )
            where = node["$ref"].lstrip("#") or where
            node = target
        return node


def _absolute_refs(node: Any, path: Path) -> Any:
    """Rewrite the `$ref`s of a file read for a reference to name their file absolutely, so a
    `#/...` inside it means that file, not the main document."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not is_url(ref):
                name, _, pointer = ref.partition("#")
                target = path if not name else (path.parent / name).resolve()
                item["$ref"] = f"{target}#{pointer}"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return node


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _expect_dict(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        found = type(value).__name__ if value is not None else "nothing"
        found = {
            "list": "a list",
            "str": "a string",
            "int": "a number",
            "float": "a number",
            "bool": "true/false",
        }.get(found, found)
        raise SpecError(f"{what} must be an object, but it is {found}", location=where or "/")
    return value


# ---------------------------------------------------------------- schemas


def _schema_type(schema: dict[str, Any], where: str) -> FieldType:
    raw = schema.get("type")
    if isinstance(raw, list):  # 3.1: ["string", "null"]
        kinds = [k for k in raw if k != "null"]
        raw = kinds[0] if kinds else None
    if raw is not None and not isinstance(raw, str):
        raise SpecError(
            f"A schema type must be a string or a list of strings, not {raw!r}",
            location=_join(where, "type"),
        )
    fmt = schema.get("format")
    if raw == "string" or (raw is None and isinstance(fmt, str)):
        if fmt == "date":
            return FieldType.DATE
        if fmt == "date-time":
            return FieldType.DATETIME
        if fmt == "uuid":
            return FieldType.UUID
        if schema.get("enum"):
            return FieldType.ENUM
        return FieldType.STRING
    simple = {
        "integer": FieldType.INTEGER,
        "number": FieldType.NUMBER,
        "boolean": FieldType.BOOLEAN,
        "array": FieldType.ARRAY,
        "object": FieldType.OBJECT,
    }
    if raw in simple:
        return simple[raw]
    if raw is None:
        if "properties" in schema or "additionalProperties" in schema:
            return FieldType.OBJECT
        if "items" in schema:
            return FieldType.ARRAY
        if schema.get("enum"):
            return FieldType.ENUM
        return FieldType.STRING
    if raw == "null":
        return FieldType.STRING
    raise SpecError(f"Unknown schema type {raw!r}", location=_join(where, "type"))


def _merged(
    doc: _Document, schema: Any, where: str, seen: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], _Pointers]:
    """A schema with allOf/oneOf/anyOf folded in, and where each of its properties is."""
    refs = seen
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in refs:
            return {}, _Pointers(where)
        refs = refs | {ref}
        target = doc.lookup(ref, where)
        if target is None:
            return {}, _Pointers(where)
        where, schema = ref.lstrip("#"), target
    if not isinstance(schema, dict):
        return {}, _Pointers(where)
    if "allOf" not in schema and "oneOf" not in schema and "anyOf" not in schema:
        return schema, _Pointers(where)
    cached = doc.merge_memo.get(id(schema))
    if cached is not None:
        return cached
    result = _merge_parts(doc, schema, where, refs)
    doc.merge_memo[id(schema)] = result
    return result


def _merge_parts(
    doc: _Document, schema: dict[str, Any], where: str, refs: frozenset[str]
) -> tuple[dict[str, Any], _Pointers]:
    merged: dict[str, Any] = {
        k: v for k, v in schema.items() if k not in ("allOf", "oneOf", "anyOf", "properties")
    }
    properties: dict[str, Any] = {}
    pointers: dict[str, _Pointers] = {}
    own = schema.get("properties")
    for key in ("allOf", "oneOf", "anyOf"):
        parts = schema.get(key)
        if parts is None:
            continue
        if not isinstance(parts, list):
            raise SpecError(f"{key} must be a list of schemas", location=_join(where, key))
        for index, part in enumerate(parts):
            sub, sub_pointers = _merged(doc, part, _join(where, key, index), refs)
            for name, value in (sub.get("properties") or {}).items():
                properties.setdefault(name, value)
                pointers.setdefault(name, sub_pointers)
            for attr in ("type", "items", "enum", "format"):
                if attr in sub and attr not in merged:
                    merged[attr] = sub[attr]
    if isinstance(own, dict):
        for name, value in own.items():
            properties[name] = value
            pointers.pop(name, None)
    if properties:
        merged["properties"] = properties
        merged.setdefault("type", "object")
    return merged, _Pointers(where, pointers)


def _flatten(
    doc: _Document, schema: Any, where: str, depth: int, stack: frozenset[str]
) -> list[tuple[str, FieldType, str]]:
    """Dotted (path, type, description) of an object schema's fields, nested objects included."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str):
        if ref in stack:
            return []
        memo_key = (ref, depth)
        cached = doc.field_memo.get(memo_key)
        if cached is not None:
            return cached
        result = _flatten_merged(doc, schema, where, depth, stack | {ref})
        doc.field_memo[memo_key] = result
        return result
    return _flatten_merged(doc, schema, where, depth, stack)


def _flatten_merged(
    doc: _Document, schema: Any, where: str, depth: int, stack: frozenset[str]
) -> list[tuple[str, FieldType, str]]:
    merged, pointers = _merged(doc, schema, where)
    properties = merged.get("properties")
    if not isinstance(properties, dict):
        return []
    out: list[tuple[str, FieldType, str]] = []
    for name, raw in properties.items():
        # Pointers are built only when needed (a reference, a nested object, an error): a large
        # document has hundreds of thousands of plain properties.
        pointer: str | None = None
        if (
            isinstance(raw, dict)
            and "$ref" not in raw
            and "allOf" not in raw
            and "oneOf" not in raw
            and "anyOf" not in raw
        ):
            sub = raw
        else:
            pointer = pointers.of(name)
            sub, _ = _merged(doc, raw, pointer)
        try:
            ftype = _schema_type(sub, "")
        except SpecError:
            ftype = _schema_type(
                sub, pointer or pointers.of(name)
            )  # raises again, with the location
        description = _first_line(
            sub.get("description")
            or (raw.get("description") if isinstance(raw, dict) else "")
            or ""
        )
        nested: list[tuple[str, FieldType, str]] = []
        if ftype is FieldType.OBJECT and depth > 1:
            nested = _flatten(doc, raw, pointer or pointers.of(name), depth - 1, stack)
        if nested:
            out.extend((f"{name}.{path}", t, d) for path, t, d in nested)
        else:
            out.append((str(name), ftype, description))
        if len(out) >= MAX_FIELDS:
            break
    return out[:MAX_FIELDS]


def _first_line(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    line = text.strip().split("\n", 1)[0].strip()
    return line[:300]


def _enum_values(schema: dict[str, Any]) -> tuple[str, ...]:
    values = schema.get("enum")
    if not isinstance(values, list):
        items = schema.get("items")
        values = items.get("enum") if isinstance(items, dict) else None
    return tuple(str(v) for v in values if v is not None) if isinstance(values, list) else ()


# ---------------------------------------------------------------- operations


@dataclass
class _Paging:
    page_size: str | None = None
    cursor: str | None = None
    page: str | None = None
    offset: str | None = None
    size_max: int | None = None
    size_default: int | None = None
    page_default: int | None = None  # the page parameter's default: 0 for zero-based pages
    token_params: set[str] = field(default_factory=set)  # page/offset typed string: a token
    # The same parameters as plain ones, for an endpoint that turns out not to page.
    as_params: list[QueryParam] = field(default_factory=list)


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _operators_from(text: str, schema: dict[str, Any]) -> tuple[Operator, ...]:
    """Operators a filter parameter names in its description, pattern, enum or x-operators."""
    found: list[str] = []
    extension = schema.get("x-operators")
    if isinstance(extension, list):
        found = [str(o).lower() for o in extension]
    else:
        sources = [text, *(str(v) for v in schema.get("enum") or [] if isinstance(v, str))]
        for source in sources:
            if re.search(r"operator|\b(eq|cont|lte|gte|in):", source, re.IGNORECASE):
                found.extend(m.group(1) for m in _OPERATOR_WORDS.finditer(source.lower()))
        pattern = str(schema.get("pattern") or "")
        if ":" in pattern:  # e.g. ^(eq|gte|lte):\d+$
            found.extend(m.group(1) for m in _OPERATOR_WORDS.finditer(pattern.split(":")[0]))
    ordered: list[Operator] = []
    for name in found:
        op = Operator(name) if name in Operator._value2member_map_ else None
        if op is not None and op not in ordered:
            ordered.append(op)
    return tuple(ordered)


def _sort_fields(schema: dict[str, Any], text: str) -> tuple[str, ...]:
    values = list(_enum_values(schema))
    if not values:
        match = re.search(
            r"(?:sortable|sort(?:ed)? by|fields?)[^:]*:\s*([\w.,+\- `'\"]+)", text, re.IGNORECASE
        )
        if match:
            values = [v.strip(" `'\"") for v in match.group(1).split(",")]
    out: list[str] = []
    for value in values:
        name = value.strip().lstrip("+-").strip()
        if name and re.fullmatch(r"[\w.]+", name) and name not in out:
            out.append(name)
    return tuple(out)


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class _Params:
    path: list[PathParam] = field(default_factory=list)
    filters: list[FilterField] = field(default_factory=list)
    query: list[QueryParam] = field(default_factory=list)
    sort_param: str = ""
    sort_fields: tuple[str, ...] = ()
    paging: _Paging = field(default_factory=_Paging)


def _read_parameters(doc: _Document, raw_params: list[tuple[Any, str]]) -> _Params:
    out = _Params()
    seen: dict[tuple[str, str], int] = {}
    resolved: list[tuple[dict[str, Any], str]] = []
    for raw, where in raw_params:
        param = _expect_dict(doc.resolve(raw, where), where, "A parameter")
        name, place = param.get("name"), param.get("in")
        if not isinstance(name, str) or not isinstance(place, str):
            raise SpecError(
                "A parameter needs a 'name' and an 'in' (path, query, header or cookie)",
                location=where,
            )
        key = (name, place)
        if key in seen:  # the operation's own parameter overrides the path item's
            resolved[seen[key]] = (param, where)
        else:
            seen[key] = len(resolved)
            resolved.append((param, where))
    for param, where in resolved:
        name, place = param["name"], param["in"]
        schema, _ = _merged(doc, param.get("schema") or {}, _join(where, "schema"))
        ftype = _schema_type(schema, _join(where, "schema"))
        description = _first_line(param.get("description"))
        if place == "path":
            out.path.append(PathParam(name, ftype, description))
            continue
        if place != "query":
            continue  # headers and cookies carry auth and the like, not the query
        low = _norm(name)
        if name.startswith("filter[") and name.endswith("]"):
            operators = (
                _operators_from(str(param.get("description") or ""), schema)
                or _DEFAULT_OPERATORS[ftype]
            )
            out.filters.append(
                FilterField(name[7:-1], ftype, operators, _enum_values(schema), description)
            )
        elif low == "filter" and isinstance(schema.get("properties"), dict):
            for fname, fraw in schema["properties"].items():
                fschema, _ = _merged(doc, fraw, _join(where, "schema", "properties", fname))
                ftype2 = _schema_type(fschema, where)
                operators = (
                    _operators_from(str(fschema.get("description") or ""), fschema)
                    or _DEFAULT_OPERATORS[ftype2]
                )
                out.filters.append(
                    FilterField(
                        str(fname),
                        ftype2,
                        operators,
                        _enum_values(fschema),
                        _first_line(fschema.get("description")),
                    )
                )
        elif low in _SORT_NAMES and not out.sort_param:
            out.sort_param = name
            out.sort_fields = _sort_fields(schema, str(param.get("description") or ""))
        elif low in _PAGE_SIZE_NAMES + _CURSOR_NAMES + _PAGE_NAMES + _OFFSET_NAMES and _take_paging(
            out.paging, name, low, schema, str(param.get("description") or "")
        ):
            out.paging.as_params.append(_query_param(param, name, ftype, schema, description))
        else:
            out.query.append(_query_param(param, name, ftype, schema, description))
    return out


def _query_param(
    param: dict[str, Any], name: str, ftype: FieldType, schema: dict[str, Any], description: str
) -> QueryParam:
    default = schema.get("default")
    text = (
        None
        if default is None
        else str(default).lower()
        if isinstance(default, bool)
        else str(default)
    )
    return QueryParam(
        name, ftype, bool(param.get("required")), description, _enum_values(schema), text
    )


def _size_max_in_words(description: str) -> int | None:
    match = _SIZE_MAX_TEXT.search(description)
    return int(match.group(1).replace(",", "")) if match else None


def _take_paging(
    paging: _Paging, name: str, low: str, schema: dict[str, Any], description: str = ""
) -> bool:
    """Record a paging parameter by its name; False when that role is already taken."""
    if low in _PAGE_SIZE_NAMES and paging.page_size is None:
        paging.page_size = name
        paging.size_max = _int_or_none(schema.get("maximum")) or _size_max_in_words(description)
        paging.size_default = _int_or_none(schema.get("default"))
        return True
    if low in _PAGE_NAMES + _OFFSET_NAMES and schema.get("type") == "string":
        paging.token_params.add(name)  # Asana's `offset`, Stripe search's `page`: opaque
    if low in _CURSOR_NAMES and paging.cursor is None:
        paging.cursor = name
        return True
    if low in _PAGE_NAMES and paging.page is None:
        paging.page = name
        paging.page_default = _int_or_none(schema.get("default"))
        if paging.page_default is None and re.search(r"zero-based|0-based|from 0", description):
            paging.page_default = 0
        return True
    if low in _OFFSET_NAMES and paging.offset is None:
        paging.offset = name
        return True
    return False


def _json_content(doc: _Document, response: Any, where: str) -> tuple[Any, str] | None:
    response = doc.resolve(response, where)
    if not isinstance(response, dict):
        return None
    content = response.get("content")
    if not isinstance(content, dict):
        return None
    for media, body in content.items():
        if ("json" in str(media) or media == "*/*") and isinstance(body, dict) and "schema" in body:
            return body["schema"], _join(where, "content", media, "schema")
    return None


@dataclass
class _Shape:
    """What a response looks like: where the records are and which envelope keys it has."""

    kind: str = "unknown"  # "array", "envelope", "object", "unknown"
    records_key: str = ""
    record_schema: Any = None
    record_where: str = ""
    next_key: str | None = None
    total_key: str | None = None
    has_more_key: str | None = None
    next_url_key: str | None = None  # a body field holding the next page's URL
    cursor_param: str | None = None  # the parameter a nested cursor field goes back in
    link_header: bool = False  # the response declares a `Link` header


def _envelope_paths(
    doc: _Document, properties: dict[str, Any], pointers: _Pointers, depth: int = 3
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Normalised dotted path -> (dotted path, merged schema) of an envelope's fields."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, value in properties.items():
        name = str(key)
        if depth == 3 and _norm(name) not in _ENVELOPE_NAMES:
            continue  # a record's own field: not merged (large documents have many)
        sub, sub_pointers = _merged(doc, value, pointers.of(key))
        out[_norm(name)] = (name, sub)
        inner = sub.get("properties")
        if depth > 1 and isinstance(inner, dict) and _norm(name) in _ENVELOPE_PARTS:
            for path, (real, schema) in _envelope_paths(
                doc, inner, sub_pointers, depth - 1
            ).items():
                out.setdefault(f"{_norm(name)}.{path}", (f"{name}.{real}", schema))
    return out


def _is_url_field(name: str, schema: dict[str, Any]) -> bool:
    """`next` and the like hold a URL (not a cursor) when the schema or its words say so."""
    if "properties" in schema:
        return False  # `_links.next` is {href}: the href is the URL
    if name.rsplit(".", 1)[-1] != "next":
        return True
    words = f"{schema.get('format', '')} {schema.get('description', '')}".lower()
    return bool(re.search(r"\bur[il]\b|uri-reference|\blink\b|address", words))


def _read_envelope(shape: _Shape, paths: dict[str, tuple[str, dict[str, Any]]]) -> None:
    """The paging fields of an envelope, at any depth."""
    for norm in _NEXT_URL_PATHS:
        found = paths.get(norm)
        if found is not None and _is_url_field(norm, found[1]):
            shape.next_url_key = found[0]
            break
    for norm, param in _CURSOR_PATHS.items():
        found = paths.get(norm)
        if found is not None and "properties" not in found[1]:
            shape.next_key, shape.cursor_param = found[0], param
            break
    top = {k: v for k, v in paths.items() if "." not in k}
    if shape.next_key is None:
        shape.next_key = next((top[k][0] for k in _NEXT_KEYS if k in top and k != "next"), None)
        if shape.next_key is None and "next" in top and shape.next_url_key is None:
            shape.next_key = top["next"][0]
    for keys, attr in ((_TOTAL_KEYS, "total_key"), (_HAS_MORE_KEYS, "has_more_key")):
        found_key = next((top[k][0] for k in keys if k in top), None)
        if found_key is None:  # nested: meta.has_more, page.totalElements
            nested = _NESTED_TOTALS if attr == "total_key" else keys
            found_key = next(
                (real for norm, (real, _) in paths.items() if norm.rsplit(".", 1)[-1] in nested),
                None,
            )
        setattr(shape, attr, found_key)


def _last_segment(path: str) -> str:
    """`/2010-04-01/Accounts/{sid}/Messages.json` -> `messages`."""
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    return _norm(segments[-1].rsplit(".", 1)[0]) if segments else ""


def _declares_link_header(doc: _Document, response: dict[str, Any]) -> bool:
    headers = response.get("headers")
    return isinstance(headers, dict) and any(str(h).lower() == "link" for h in headers)


def _response_shape(
    doc: _Document, operation: dict[str, Any], where: str, path: str = ""
) -> tuple[_Shape, dict[str, Any], str]:
    responses = operation.get("responses")
    if responses is None:
        return _Shape(), {}, ""
    responses = _expect_dict(responses, _join(where, "responses"), "responses")
    chosen: tuple[Any, str] | None = None
    chosen_response: dict[str, Any] = {}
    chosen_where = ""
    codes = [c for c in responses if str(c).startswith("2")] or [
        c for c in responses if str(c) == "default"
    ]
    for code in sorted(codes, key=str):
        rwhere = _join(where, "responses", code)
        found = _json_content(doc, responses[code], rwhere)
        resolved = doc.resolve(responses[code], rwhere)
        if found is not None:
            chosen, chosen_response, chosen_where = found, _dict(resolved), rwhere
            break
        if not chosen_response and isinstance(resolved, dict):
            chosen_response, chosen_where = resolved, rwhere
    if chosen is None:
        return _Shape(), chosen_response, chosen_where
    schema, swhere = chosen
    merged, pointers = _merged(doc, schema, swhere)
    if _schema_type(merged, swhere) is FieldType.ARRAY:
        items = merged.get("items", {})
        shape = _Shape("array", "", items, _join(swhere, "items"))
        shape.link_header = _declares_link_header(doc, chosen_response)
        return shape, chosen_response, chosen_where
    properties = merged.get("properties")
    if not isinstance(properties, dict):
        return _Shape("object", "", schema, swhere), chosen_response, chosen_where
    lowered = {_norm(str(k)): str(k) for k in properties}
    shape = _Shape("object", "", schema, swhere)
    shape.link_header = _declares_link_header(doc, chosen_response)
    _read_envelope(shape, _envelope_paths(doc, properties, pointers))
    arrays = []
    for key, value in properties.items():
        sub, sub_pointers = _merged(doc, value, pointers.of(key))
        if _schema_type(sub, swhere) is FieldType.ARRAY:
            arrays.append((str(key), sub.get("items", {}), _join(pointers.of(key), "items")))
        elif _norm(str(key)) == "_embedded" and isinstance(sub.get("properties"), dict):
            for inner, raw in sub["properties"].items():  # HAL: _embedded.<resource>
                inner_schema, _ = _merged(doc, raw, sub_pointers.of(inner))
                if _schema_type(inner_schema, swhere) is FieldType.ARRAY:
                    where_items = _join(sub_pointers.of(inner), "items")
                    arrays.insert(0, (f"{key}.{inner}", inner_schema.get("items", {}), where_items))
    segment = _last_segment(path)
    preferred = [
        a for a in arrays if _norm(a[0]) in _RECORD_KEYS or a[0].startswith("_embedded.")
    ] or [a for a in arrays if _norm(a[0]) == segment]
    envelope_keys = shape.next_key or shape.total_key or shape.has_more_key or shape.next_url_key
    if preferred or (arrays and envelope_keys):
        key, items, iwhere = (preferred or arrays)[0]
        shape.kind, shape.records_key, shape.record_schema, shape.record_where = (
            "envelope",
            key,
            items,
            iwhere,
        )
        return shape, chosen_response, chosen_where
    data = lowered.get("data")
    if data is not None and len(properties) <= 3:  # {data: {...}} around a single record
        sub, _ = _merged(doc, properties[data], pointers.of(data))
        if _schema_type(sub, swhere) is FieldType.OBJECT:
            shape.records_key, shape.record_schema, shape.record_where = (
                data,
                properties[data],
                pointers.of(data),
            )
    return shape, chosen_response, chosen_where


def _links(doc: _Document, response: dict[str, Any], where: str) -> list[_RawLink]:
    """OpenAPI response links whose parameters all come from the response body."""
    links = response.get("links")
    if not isinstance(links, dict):
        return []
    out: list[_RawLink] = []
    for name, raw in links.items():
        link = doc.resolve(raw, _join(where, "links", name))
        if not isinstance(link, dict):
            continue
        target = link.get("operationId")
        if not isinstance(target, str):
            ref = link.get("operationRef")
            target = f"ref:{ref}" if isinstance(ref, str) else None
        params = link.get("parameters")
        if target is None or not isinstance(params, dict) or not params:
            continue
        pairs: list[tuple[str, str]] = []
        for param, expression in params.items():
            match = re.fullmatch(r"\$response\.body#/(.+)", str(expression))
            if match is None:
                break
            source = ".".join(
                p.replace("~1", "/").replace("~0", "~") for p in match.group(1).split("/")
            )
            pairs.append((re.sub(r"^(path|query|header|cookie)\.", "", str(param)), source))
        else:
            out.append(
                _RawLink(target, tuple(pairs), _first_line(link.get("description")) or str(name))
            )
    return out


@dataclass(frozen=True)
class _RawLink:
    target: str  # an operationId, or "ref:<operationRef>"
    pairs: tuple[tuple[str, str], ...]  # (target parameter, source field)
    label: str

    def build(self, target: Endpoint) -> Link:
        param, source = self.pairs[0]
        more = self.pairs[1:]
        if any(p.name == param for p in target.path_params):
            return Link(source, target.id, LinkMode.RECORD, param, False, self.label, more)
        if param.startswith("filter[") and param.endswith("]"):
            param = param[len("filter[") : -1]
        if target.filter_field(param) is not None:
            return Link(source, target.id, LinkMode.FILTER, param, False, self.label, more)
        return Link(source, target.id, LinkMode.FILTER, param, True, self.label, more)


# ---------------------------------------------------------------- grouping


def _product_and_resource(path: str, tags: list[str], title: str) -> tuple[str, str]:
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    product = title
    rest = segments
    for index, segment in enumerate(segments[:3]):
        if (
            _VERSION.match(segment)
            and index > 0
            and not all(s.lower() in _GENERIC_PREFIXES for s in segments[:index])
        ):
            product = " ".join(
                w.capitalize() for w in re.split(r"[-_]", "-".join(segments[:index])) if w
            )
            rest = segments[index + 1 :]
            break
        if _VERSION.match(segment) and index == 0:
            rest = segments[1:]
            break
    if tags:
        resource = str(tags[0])
    elif rest:
        resource = rest[0].replace("-", " ").replace("_", " ").capitalize()
    else:
        resource = "General"
    return product or "API", resource


# ---------------------------------------------------------------- the import


def import_openapi(document: str | bytes | os.PathLike[str], *, source: str = "") -> Catalog:
    """An OpenAPI 3.0/3.1 document (text, bytes, or a file path) as a Catalog."""
    if isinstance(document, os.PathLike) or (
        isinstance(document, str) and _looks_like_path(document)
    ):
        path = Path(document)
        source = source or str(path)
        text = _decode(_read_file(path), source)
        return _catalog_from_openapi(parse_text(text, source=source), source, path)
    text = _decode(document, source) if isinstance(document, bytes) else document
    raw = parse_text(text, source=source)
    return _catalog_within_depth(raw, source)


def _catalog_within_depth(raw: Any, source: str, base: Path | None = None) -> Catalog:
    """The catalog, or SpecError when the document's nesting exhausts the recursion limit."""
    try:
        return _catalog_from_openapi(raw, source, base)
    except RecursionError as exc:
        raise _too_deep(f" {source}" if source else "") from exc


def _read_file(path: Path) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except FileNotFoundError as exc:
        raise SpecError(
            f"The file {path} does not exist",
            explanation=f"Check the path {path}; the file was not found.",
        ) from exc
    except OSError as exc:
        raise SpecError(
            f"The file {path} could not be read: {exc.strerror}",
            explanation=f"Check that {path} is a readable file.",
        ) from exc


def _catalog_from_openapi(raw: Any, source: str, base: Path | None = None) -> Catalog:
    if not isinstance(raw, dict):
        raise SpecError(
            "This is not an OpenAPI document: it is not an object at the top",
            location="/",
            explanation="The file is JSON or YAML, but not an API description; choose an OpenAPI 3 document.",
        )
    if "swagger" in raw:
        raise SpecError(
            f"Swagger {raw.get('swagger')} (OpenAPI 2) documents are not supported",
            location="/swagger",
            explanation=(
                "This is a Swagger 2.0 document; convert it to OpenAPI 3 first (for example with "
                "swagger2openapi, or File > Convert in editor.swagger.io) and load the result."
            ),
        )
    version = raw.get("openapi")
    if version is None:
        raise SpecError(
            "This is not an OpenAPI document: it has no 'openapi' version field",
            location="/",
            explanation="The file is JSON or YAML but not an OpenAPI 3 description (it lacks 'openapi: 3.x').",
        )
    if not str(version).startswith("3."):
        raise SpecError(
            f"OpenAPI version {version} is not supported (3.0 and 3.1 are)", location="/openapi"
        )
    paths = raw.get("paths")
    if paths is None:
        raise SpecError(
            "The document has no 'paths', so there is nothing to explore",
            location="/paths",
            explanation="The OpenAPI document defines no paths (endpoints); check that it is the complete API description.",
        )
    paths = _expect_dict(paths, "/paths", "'paths'")
    doc = _Document(raw, str(version), base=base.expanduser().resolve() if base else None)
    info = _dict(raw.get("info"))
    title = str(info.get("title") or "API")

    built: list[tuple[str, str, Endpoint, list[_RawLink]]] = []
    failures: list[SpecError] = []
    readable = 0
    for path_key, item_raw in paths.items():
        path = str(path_key)
        where = _join("/paths", path)
        if not path.startswith("/"):
            raise SpecError(f"A path must start with '/', not {path!r}", location=where)
        item = _expect_dict(doc.resolve(item_raw, where), where, f"The path item {path}")
        shared = item.get("parameters", [])
        if not isinstance(shared, list):
            raise SpecError("'parameters' must be a list", location=_join(where, "parameters"))
        for method in METHODS:
            if method not in item:
                continue
            owhere = _join(where, method)
            operation = _expect_dict(
                doc.resolve(item[method], owhere), owhere, f"The operation {method.upper()} {path}"
            )
            # One bad parameter or schema costs this operation that part of its description,
            # not the document its other operations (unless none of them can be read).
            params: _Params | None = None
            try:
                params = _operation_params(doc, operation, owhere, shared, where)
                endpoint, links = _endpoint(doc, method, path, operation, owhere, params)
            except SpecError as exc:
                failures.append(exc)
                lost = "its schema" if params is not None else "its parameters and schema"
                doc.warn(f"{method.upper()} {path} is listed without {lost}: {exc}")
                endpoint, links = _bare_endpoint(method, path, operation, params), []
            else:
                readable += 1
            if "security" in operation:
                endpoint = dataclasses.replace(
                    endpoint, security=_requirement(operation["security"])
                )
            tags = [str(t) for t in operation.get("tags") or [] if isinstance(t, str | int)]
            product, resource = _product_and_resource(path, tags, title)
            op_id = operation.get("operationId")
            if isinstance(op_id, str):
                doc.operation_ids[op_id] = endpoint.id
            doc.operation_ids[f"ref:#/paths/{_pointer_part(path)}/{method}"] = endpoint.id
            built.append((product, resource, endpoint, links))

    if failures and not readable:
        raise failures[0]
    servers = _servers(raw)
    schemes = _security_schemes(raw, servers)
    in_query = tuple(s.param_name for s in schemes if s.kind == "api_key" and s.location == "query")
    if in_query:
        built = [
            (product, resource, dataclasses.replace(endpoint, credential_params=in_query), links)
            for product, resource, endpoint, links in built
        ]
    by_id = {endpoint.id: endpoint for _, _, endpoint, _ in built}
    groups: dict[str, dict[str, list[Endpoint]]] = {}
    for product, resource, endpoint, links in built:
        resolved_links = tuple(
            raw_link.build(by_id[doc.operation_ids[raw_link.target]])
            for raw_link in links
            if raw_link.target in doc.operation_ids
        )
        if resolved_links:
            endpoint = Endpoint(**{**endpoint.__dict__, "links": resolved_links})
        groups.setdefault(product, {}).setdefault(resource, []).append(endpoint)
    requirement = _requirement(raw.get("security"))
    default = Catalog("", security_schemes=schemes, security=requirement).default_scheme()
    tag_descriptions = {
        str(t.get("name")): _first_line(t.get("description"))
        for t in raw.get("tags") or []
        if isinstance(t, dict)
    }
    return Catalog(
        name=title,
        products=tuple(
            Product(
                p,
                tuple(
                    Resource(r, tuple(eps), tag_descriptions.get(r, ""))
                    for r, eps in resources.items()
                ),
            )
            for p, resources in groups.items()
        ),
        servers=servers,
        auth_hint=default.kind if default is not None else ("none" if not schemes else ""),
        source=source,
        security_schemes=schemes,
        security=requirement,
        warnings=tuple(doc.warnings),
    )


def _operation_params(
    doc: _Document, operation: dict[str, Any], owhere: str, shared: list[Any], where: str
) -> _Params:
    own = operation.get("parameters", [])
    if not isinstance(own, list):
        raise SpecError("'parameters' must be a list", location=_join(owhere, "parameters"))
    return _read_parameters(
        doc,
        [(p, _join(where, "parameters", i)) for i, p in enumerate(shared)]
        + [(p, _join(owhere, "parameters", i)) for i, p in enumerate(own)],
    )


def _bare_endpoint(
    method: str, path: str, operation: dict[str, Any], params: _Params | None
) -> Endpoint:
    """An operation whose schema could not be read: its path and the parameters that could
    (paging and filters among them as plain parameters), paging detected from the answer."""
    is_get = method == "get"
    declared = {p.name: p for p in params.path} if params else {}
    query = (params.query + params.paging.as_params) if params else []
    return Endpoint(
        method=method.upper(),
        path=path,
        summary=_first_line(operation.get("summary")) or str(operation.get("operationId") or ""),
        pagination=PaginationKind.NONE if is_get else PaginationKind.SINGLE,
        path_params=tuple(declared.get(n, PathParam(n)) for n in re.findall(r"{([^}/]+)}", path)),
        filters=tuple(params.filters) if params else (),
        params=tuple(query),
        records_key="",
        paging_source="detection" if is_get else "",
    )


def _endpoint(
    doc: _Document, method: str, path: str, operation: dict[str, Any], where: str, params: _Params
) -> tuple[Endpoint, list[_RawLink]]:
    shape, response, rwhere = _response_shape(doc, operation, where, path)
    paging = params.paging
    pagination, extras = _paging_of(method, path, shape, paging)
    records_key = shape.records_key
    query_params = list(params.query)
    if pagination in (PaginationKind.NONE, PaginationKind.SINGLE):
        query_params.extend(paging.as_params)  # e.g. petstore's `limit` without any paging
        paging = _Paging()
    elif extras.get("cursor_param"):  # a cursor named only by the envelope (Vercel's `until`)
        query_params = [q for q in query_params if q.name != extras["cursor_param"]]
    record_fields: tuple[SchemaField, ...] = ()
    if shape.record_schema is not None:
        flattened = _flatten(doc, shape.record_schema, shape.record_where, MAX_DEPTH, frozenset())
        record_fields = tuple(SchemaField(p, t, d) for p, t, d in flattened)
    names = {f.path for f in record_fields}
    id_field = (
        "id"
        if "id" in names or not names
        else next((n for n in names if "." not in n and re.search(r"(id|Id|ID|uuid)$", n)), "")
        or next((n for n in names if n.rsplit(".", 1)[-1] in ("id", "uid", "uuid")), "")
    )
    summary = (
        _first_line(operation.get("summary"))
        or str(operation.get("operationId") or "")
        or _first_line(operation.get("description"))
    )
    # declared path parameters first, in template order; undeclared ones as strings
    declared = {p.name: p for p in params.path}
    path_params = tuple(declared.get(n, PathParam(n)) for n in re.findall(r"{([^}/]+)}", path))
    endpoint = Endpoint(
        method=method.upper(),
        path=path,
        summary=summary,
        description=_first_line(operation.get("description"))
        if summary != _first_line(operation.get("description"))
        else "",
        pagination=pagination,
        page_size_max=paging.size_max,
        page_size_default=paging.size_default,
        path_params=path_params,
        filters=tuple(params.filters),
        sort_fields=params.sort_fields,
        sort_param=params.sort_param,
        params=tuple(query_params),
        record_fields=record_fields,
        records_key=records_key,
        id_field=id_field,
        tags=tuple(str(t) for t in operation.get("tags") or []),
        **extras,
    )
    return endpoint, _links(doc, response, rwhere)


def _paging_of(
    method: str, path: str, shape: _Shape, paging: _Paging
) -> tuple[PaginationKind, dict[str, Any]]:
    """The paging an operation documents: its kind and the Endpoint fields that describe it.

    In order: a declared `Link` header; a next-URL field in the envelope; a last-id parameter
    (`starting_after`) with `has_more` and no cursor field; a cursor or token (a parameter, or
    an envelope field such as `metadata.continue`); page or offset parameters.
    """
    extras: dict[str, Any] = {}
    if paging.page_size:
        extras["page_size_param"] = paging.page_size
    if shape.total_key:
        extras["total_key"] = shape.total_key
    if shape.has_more_key:
        extras["has_more_key"] = shape.has_more_key
    if method != "get":
        return PaginationKind.SINGLE, extras
    listing = shape.kind in ("array", "envelope")
    cursor = paging.cursor
    tokens = [p for p in (paging.offset, paging.page) if p in paging.token_params]
    if shape.next_key and not cursor:
        cursor = next(iter(tokens), None) or shape.cursor_param or "cursor"
    if listing and shape.link_header:
        kind = PaginationKind.LINK_HEADER
    elif listing and shape.next_url_key:
        kind = PaginationKind.NEXT_URL
        extras["next_url_key"] = shape.next_url_key
    elif (
        paging.cursor
        and _norm(paging.cursor) in _LAST_ID_PARAMS
        and shape.has_more_key
        and not shape.next_key
    ):
        kind = PaginationKind.LAST_ID
        extras["cursor_param"] = paging.cursor
    elif cursor and (paging.cursor or paging.page_size or shape.cursor_param or tokens):
        kind = PaginationKind.CURSOR
        extras["cursor_param"] = cursor
        if shape.next_key:
            extras["next_cursor_key"] = shape.next_key
    elif paging.page or paging.offset:
        kind = PaginationKind.OFFSET
        extras["page_param"] = paging.page or paging.offset
        extras["offset_counts_records"] = bool(paging.offset and not paging.page)
        if paging.page and paging.page_default == 0:
            extras["first_page"] = 0
        if shape.next_key:
            extras["next_cursor_key"] = shape.next_key
    elif shape.kind == "object" or (not listing and path.rstrip("/").endswith("}")):
        return PaginationKind.SINGLE, extras
    else:  # nothing said: the first answer tells (core/paging.py detects it)
        return PaginationKind.NONE, {**extras, "paging_source": "detection"}
    extras["paging_source"] = "document"
    return kind, extras


def _servers(raw: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for server in raw.get("servers") or []:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        variables = _dict(server.get("variables"))
        for name, spec in variables.items():
            default = spec.get("default") if isinstance(spec, dict) else None
            if default is not None:
                url = url.replace("{" + str(name) + "}", str(default))
        url = _without_credentials(url)
        if url not in out:
            out.append(url)
    return tuple(out)


def _without_credentials(url: str) -> str:
    """A server URL with any `user:password@` removed: it is offered as a profile's base URL,
    which is saved and shown, and credentials belong in the keychain."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if sep and "@" in authority:
        return f"{scheme}://{authority.rsplit('@', 1)[1]}{slash}{path}"
    return url


def _requirement(raw: Any) -> tuple[str, ...]:
    """A security requirement list as alternatives: ["a", "b+c"]; "" for `{}` (no auth)."""
    if not isinstance(raw, list):
        return ()
    return tuple("+".join(sorted(str(k) for k in item)) for item in raw if isinstance(item, dict))


def _required_scopes(raw: dict[str, Any], name: str) -> tuple[str, ...]:
    """The scopes the document's requirements (global, then per operation) ask of a scheme."""
    lists = [raw.get("security")]
    for item in _dict(raw.get("paths")).values():
        for operation in _dict(item).values():
            if isinstance(operation, dict):
                lists.append(operation.get("security"))
    scopes: list[str] = []
    for requirement in lists:
        for alternative in requirement if isinstance(requirement, list) else ():
            for scope in _dict(alternative).get(name) or ():
                if isinstance(scope, str) and scope not in scopes:
                    scopes.append(scope)
    return tuple(scopes)


def _security_schemes(raw: dict[str, Any], servers: tuple[str, ...]) -> tuple[SecurityScheme, ...]:
    """components.securitySchemes as schemes a profile can take over."""
    found: list[SecurityScheme] = []
    declared = _dict(_dict(raw.get("components")).get("securitySchemes"))
    for name, spec in declared.items():
        if not isinstance(spec, dict):
            continue
        kind, where = str(spec.get("type") or ""), str(spec.get("in") or "")
        description = _first_line(spec.get("description"))
        common: dict[str, Any] = {"name": str(name), "description": description}
        if kind == "apiKey" and where in ("header", "query", "cookie") and spec.get("name"):
            found.append(
                SecurityScheme(
                    kind="api_key", location=where, param_name=str(spec["name"]), **common
                )
            )
        elif kind == "http" and str(spec.get("scheme") or "").lower() in ("bearer", "basic"):
            found.append(SecurityScheme(kind=str(spec["scheme"]).lower(), **common))
        elif kind == "oauth2":
            flow = _dict(_dict(spec.get("flows")).get("clientCredentials"))
            token_url = str(flow.get("tokenUrl") or "")
            if token_url:
                if servers and not token_url.startswith(("http://", "https://")):
                    token_url = urljoin(servers[0].rstrip("/") + "/", token_url)
                found.append(
                    SecurityScheme(
                        kind="oauth2_client_credentials",
                        token_url=token_url,
                        scopes=_required_scopes(raw, str(name)),
                        **common,
                    )
                )
            else:
                flows = ", ".join(_dict(spec.get("flows"))) or "none"
                note = (
                    f"The document's OAuth2 flows ({flows}) need a browser sign-in; get an "
                    "access token elsewhere and paste it as a bearer token."
                )
                found.append(SecurityScheme(kind="bearer", note=note, **common))
        elif kind == "openIdConnect":
            note = (
                "OpenID Connect needs a browser sign-in; paste an access token as a bearer token."
            )
            found.append(SecurityScheme(kind="bearer", note=note, **common))
        else:
            what = f"{kind} {spec.get('scheme') or where}".strip()
            note = f"explorer cannot use this scheme ({what}); choose another one."
            found.append(SecurityScheme(kind="", note=note, **common))
    return tuple(found)


# ---------------------------------------------------------------- files and URLs


def load_document(source: str) -> Catalog:
    """A file holding an OpenAPI document or a catalog in this project's JSON form."""
    path = Path(source).expanduser()
    data = _read_file(path)
    return catalog_or_openapi(data, source=str(source), base=path)


def catalog_or_openapi(data: bytes | str, *, source: str, base: Path | None = None) -> Catalog:
    """`base`: the file the data came from, for `$ref`s to files next to it."""
    text = _decode(data, source) if isinstance(data, bytes) else data
    raw = parse_text(text, source=source)
    if isinstance(raw, dict) and "products" in raw and "name" in raw and "openapi" not in raw:
        return catalog_from_dict(raw, source=source)
    return _catalog_within_depth(raw, source, base)


def is_url(source: str) -> bool:
    return bool(re.match(r"^https?://", source.strip(), re.IGNORECASE))


async def download(
    url: str,
    *,
    verify: bool | str = True,
    timeout: float = 30.0,
    transport: Any = None,
    max_bytes: int = DEFAULT_MAX_RESPONSE_MB * 1024 * 1024,
    deadline_s: float = DEFAULT_REQUEST_TIMEOUT_S,
) -> bytes:
    """GET the document at `url`; network and HTTP failures become SpecError with advice.

    Like an API answer, the document is read as a stream and abandoned past `max_bytes`
    (unpacked), and the whole download must finish within `deadline_s`.
    """
    import httpx

    from explorer.core.client import read_capped

    offline = (
        " ScalePad's official documents need internet access; the bundled catalog works offline."
    )
    try:
        async with (
            asyncio.timeout(deadline_s),
            httpx.AsyncClient(
                verify=verify,
                timeout=min(timeout, deadline_s),
                follow_redirects=True,
                transport=transport,
            ) as client,
            client.stream(
                "GET", url, headers={"Accept": "application/json, application/yaml, */*"}
            ) as response,
        ):
            if response.status_code == 200:
                await read_capped(response, max_bytes)
    except ResponseTooLarge as exc:
        raise SpecError(
            f"The document at {url} is larger than {max_bytes // (1024 * 1024)} MB",
            explanation=f"The API description at {url} grew past "
            f"{max_bytes // (1024 * 1024)} MB (unpacked) and was stopped; no real API "
            "description is that large, so check the address.",
        ) from exc
    except TimeoutError as exc:
        raise SpecError(
            f"Downloading {url} took longer than {deadline_s:g} s",
            explanation=f"The API description at {url} was not downloaded within "
            f"{deadline_s:g} s; check the address, your connection or proxy.{offline}",
        ) from exc
    except httpx.HTTPError as exc:
        raise SpecError(
            f"Could not download {url}: {type(exc).__name__}",
            explanation=f"The API description at {url} could not be downloaded ({str(exc) or type(exc).__name__}); check the address, your connection or proxy.{offline}",
        ) from exc
    if response.status_code != 200:
        raise SpecError(
            f"Downloading {url} answered HTTP {response.status_code}",
            explanation=f"The server answered HTTP {response.status_code} for {url}; check the address.{offline}",
        )
    return response.content


async def load_async(
    source: str, *, fetch: Fetch | None = None, verify: bool | str = True
) -> Catalog:
    """A file path or an http(s) URL; downloading is async, parsing runs in a worker thread."""
    source = source.strip()
    if is_url(source):
        data = await (fetch(source) if fetch is not None else download(source, verify=verify))
        return await asyncio.to_thread(catalog_or_openapi, data, source=source)
    return await asyncio.to_thread(load_document, source)
