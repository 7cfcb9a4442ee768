"""The query model: filters, sorts and parameters <-> the exact request an endpoint documents.

The filter grammar is ScalePad's (scalepad-api.md §4): `filter[<field>]=<op>:<value>`, nested
fields with dots, `in` with a comma-separated list, several filters combined with AND. A value that
holds a special token (a comma, a colon, a space, a double quote, or a whole word OR/AND) or that is
empty goes in double quotes. Public material does not say how a literal `"` is written inside a
quoted value; like the built-in sandbox, this project writes it twice (`""`) and reads a backslash
inside quotes as escaping the next character (a literal backslash in a quoted value is doubled):
`say "hi" now` is sent as `"say ""hi"" now"`. Unquoted values are taken literally.
Sorting is `sort=a,-b` (ascending bare, descending with `-`; `+a` is read as ascending).

Building never fails on a bad value: `validate` lists every problem on its own row, and callers
send nothing while it returns any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from urllib.parse import quote, unquote_plus, urlsplit

from explorer.core.catalog import (
    Catalog,
    Endpoint,
    FieldType,
    FilterField,
    Operator,
    match_template,
    unlisted_endpoint,
)
from explorer.core.errors import QueryError

__all__ = [
    "FilterCondition",
    "Query",
    "QueryIssue",
    "SortKey",
    "build_params",
    "build_path",
    "build_query_string",
    "build_url",
    "encode_value",
    "ensure_valid",
    "format_values",
    "parse_cli_filter",
    "parse_filter_text",
    "parse_sort_spec",
    "parse_url",
    "parse_values",
    "validate",
]


@dataclass(frozen=True)
class FilterCondition:
    """One `filter[field]=op:values` row. `problem` is set when pasted text could not be read
    (an unbalanced quote, an unknown operator); `validate` reports it on the row."""

    field: str
    op: Operator
    values: tuple[str, ...] = ()
    problem: str = ""

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False

    def spec(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class Query:
    endpoint_id: str
    path_params: dict[str, str] = field(default_factory=dict)
    filters: tuple[FilterCondition, ...] = ()
    sorts: tuple[SortKey, ...] = ()
    page_size: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    # Further values of a repeated parameter (`tags=dog&tags=cat`: params holds dog, this holds
    # ("tags", "cat")); each is sent right after the parameter's first value.
    more_values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QueryIssue:
    """One problem. `row` indexes `query.filters` (None for sorts, parameters, page size)."""

    row: int | None
    field: str | None
    message: str


# ---------------------------------------------------------------- values

_WORD_OR_AND = re.compile(r"(?<![0-9A-Za-z_])(?:OR|AND)(?![0-9A-Za-z_])", re.IGNORECASE)
_SPECIAL = re.compile(r'[,:"\s]')


def needs_quotes(value: str) -> bool:
    return value == "" or bool(_SPECIAL.search(value)) or bool(_WORD_OR_AND.search(value))


def encode_value(value: str) -> str:
    """One value as it goes after `op:`, quoted when it holds a special token."""
    if not needs_quotes(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '""') + '"'


def format_values(values: tuple[str, ...] | list[str]) -> str:
    """Values as one text: `A,"B, Inc.",C` (what goes after `in:`)."""
    return ",".join(encode_value(v) for v in values)


def parse_values(text: str) -> tuple[str, ...]:
    """The reverse of `format_values`; raises QueryError on an unbalanced or misplaced quote.

    Unquoted items lose surrounding spaces (`in:A, B` is A and B); quoted items keep theirs.
    """
    items: list[str] = []
    i, n = 0, len(text)
    while True:
        j = i
        while j < n and text[j] == " ":
            j += 1
        if j < n and text[j] == '"':
            buf: list[str] = []
            k = j + 1
            while True:
                if k >= n:
                    raise QueryError(
                        f"Unbalanced quote: the quote at character {j + 1} is never closed",
                        explanation=(
                            f"Unbalanced quote in {text!r}: close the quote opened at character "
                            f'{j + 1}; write a literal " inside a quoted value as "".'
                        ),
                    )
                c = text[k]
                if c == "\\" and k + 1 < n:
                    buf.append(text[k + 1])
                    k += 2
                    continue
                if c == '"':
                    if k + 1 < n and text[k + 1] == '"':
                        buf.append('"')
                        k += 2
                        continue
                    k += 1
                    break
                buf.append(c)
                k += 1
            while k < n and text[k] == " ":
                k += 1
            if k < n and text[k] != ",":
                raise QueryError(
                    f"Text after a closing quote at character {k + 1}",
                    explanation=(
                        f"In {text!r} the quoted value must end at its closing quote; put the whole "
                        'value inside the quotes and write a literal " as "".'
                    ),
                )
            items.append("".join(buf))
            if k >= n:
                return tuple(items)
            i = k + 1
            continue
        comma = text.find(",", i)
        end = n if comma == -1 else comma
        raw = text[i:end]
        if '"' in raw:
            raise QueryError(
                f"A double quote inside an unquoted value: {raw.strip()!r}",
                explanation=(
                    f"Unbalanced quote in {raw.strip()!r}: put the whole value in double quotes "
                    'and write each literal " as "".'
                ),
            )
        items.append(raw.strip())
        if comma == -1:
            return tuple(items)
        i = comma + 1


def parse_filter_text(field_name: str, text: str) -> FilterCondition:
    """`op:values` (the part after `filter[field]=`) into a condition; problems go on the row."""
    op_text, colon, rest = text.partition(":")
    op_name = op_text.strip().lower()
    if not colon or op_name not in _OPERATORS:
        known = ", ".join(o.value for o in Operator)
        if not colon:
            problem = f"Write the filter as operator:value, e.g. eq:{text}; operators: {known}."
        else:
            problem = f"Unknown operator {op_text.strip()!r}; use one of {known}."
        return FilterCondition(field_name, Operator.EQ, (text,), problem)
    op = Operator(op_name)
    try:
        values = parse_values(rest)
    except QueryError as exc:
        return FilterCondition(field_name, op, (rest,), exc.explanation)
    if op is Operator.IN and not rest.strip():
        values = ()
    return FilterCondition(field_name, op, values)


_OPERATORS = {o.value for o in Operator}


# ---------------------------------------------------------------- typed values

# ASCII digits only: `\d` would also accept other scripts' digits, which APIs do not read.
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _parse_datetime(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def type_problem(value: str, ftype: FieldType, enum_values: tuple[str, ...] = ()) -> str | None:
    """Why `value` is not a valid `ftype`, in words a user can act on; None when it is."""
    v = value.strip()
    if ftype is FieldType.INTEGER:
        return None if _INT.fullmatch(v) else f"{value!r} is not a whole number."
    if ftype is FieldType.NUMBER:
        return None if _NUMBER.fullmatch(v) else f"{value!r} is not a number."
    if ftype is FieldType.BOOLEAN:
        return None if v.lower() in ("true", "false") else f"{value!r} is not true or false."
    if ftype is FieldType.DATE:
        if _DATE.fullmatch(v):
            try:
                date.fromisoformat(v)
                return None
            except ValueError:
                pass
        return f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-08-01."
    if ftype is FieldType.DATETIME:
        if _DATE.fullmatch(v) and type_problem(v, FieldType.DATE) is None:
            return None
        if len(v) >= 16 and v[10:11] in ("T", " ") and _parse_datetime(v) is not None:
            return None
        return (
            f"{value!r} is not a date-time; write it as YYYY-MM-DDTHH:MM:SSZ "
            "(e.g. 2026-08-01T00:00:00Z) or a date YYYY-MM-DD."
        )
    if ftype is FieldType.UUID:
        return None if _UUID.fullmatch(v) else f"{value!r} is not a UUID (8-4-4-4-12 hex digits)."
    if ftype is FieldType.ENUM and enum_values and value not in enum_values:
        close = next((e for e in enum_values if e.lower() == v.lower()), None)
        hint = f" Did you mean {close!r}?" if close else ""
        return f"{value!r} is not one of {', '.join(enum_values)}.{hint}"
    return None


def normalise_value(value: str, ftype: FieldType) -> str:
    """A valid value in the form the API documents (UTC `Z` date-times, lower-case booleans)."""
    if type_problem(value, ftype) is not None:
        return value
    if ftype is FieldType.DATETIME and not _DATE.fullmatch(value.strip()):
        moment = _parse_datetime(value)
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            text = moment.astimezone(UTC).isoformat()
            return text.replace("+00:00", "Z")
    if ftype is FieldType.BOOLEAN:
        return value.strip().lower()
    if ftype in (FieldType.INTEGER, FieldType.NUMBER, FieldType.DATE, FieldType.UUID):
        return value.strip()
    return value


# ---------------------------------------------------------------- build


def _filter_type(endpoint: Endpoint, name: str) -> FieldType:
    known = endpoint.filter_field(name)
    return known.type if known is not None else FieldType.STRING


def build_params(query: Query, endpoint: Endpoint) -> list[tuple[str, str]]:
    """The query parameters in order: filters, sort, other parameters (paging adds its own)."""
    out: list[tuple[str, str]] = []
    for condition in query.filters:
        ftype = _filter_type(endpoint, condition.field)
        values = tuple(normalise_value(v, ftype) for v in condition.values)
        out.append((f"filter[{condition.field}]", f"{condition.op.value}:{format_values(values)}"))
    if query.sorts:
        out.append((endpoint.sort_param or "sort", ",".join(s.spec() for s in query.sorts)))
    paging = endpoint.paging_params
    more: dict[str, list[str]] = {}
    for key, extra in query.more_values:
        more.setdefault(key.lower(), []).append(extra)
    for name, first in _ordered_params(query, endpoint):
        if name in paging:
            continue
        declared = endpoint.param(name)
        for value in (first, *more.pop(name.lower(), ())):
            text = str(value)
            if text == "":
                continue
            out.append((name, normalise_value(text, declared.type) if declared else text))
    return out


def _ordered_params(query: Query, endpoint: Endpoint) -> list[tuple[str, str]]:
    """Documented parameters first, in the endpoint's order, under their documented names."""
    given = {k.lower(): (k, v) for k, v in query.params.items()}
    out: list[tuple[str, str]] = []
    for declared in endpoint.params:
        hit = given.pop(declared.name.lower(), None)
        if hit is not None:
            out.append((declared.name, hit[1]))
    out.extend(given.values())
    return out


_TEMPLATE_PART = re.compile(r"\{([^}/]+)\}")


def build_path(query: Query, endpoint: Endpoint) -> str:
    """The endpoint path with its `{parameters}` filled in and URL-encoded."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = _lookup(query.path_params, name)
        if value is None or str(value).strip() == "":
            raise QueryError(
                f"The path parameter {name!r} is empty",
                explanation=f"Fill in {name} for {endpoint.path}.",
            )
        return quote(str(value).strip(), safe="")

    return _TEMPLATE_PART.sub(fill, endpoint.path)


def _lookup(mapping: dict[str, str], name: str) -> str | None:
    if name in mapping:
        return mapping[name]
    wanted = name.lower()
    return next((v for k, v in mapping.items() if k.lower() == wanted), None)


_KEY_SAFE = "[]._-~"
_VALUE_SAFE = ":,._-~/*'()!$;@"


def build_query_string(params: list[tuple[str, str]]) -> str:
    """`a=b&c=d`, percent-encoded except for the brackets, colons and commas of the grammar."""
    return "&".join(f"{quote(k, safe=_KEY_SAFE)}={quote(v, safe=_VALUE_SAFE)}" for k, v in params)


def build_url(base_url: str, query: Query, endpoint: Endpoint) -> str:
    """The full URL (without paging parameters) a user can read, copy or paste back."""
    url = base_url.rstrip("/") + build_path(query, endpoint)
    params = build_params(query, endpoint)
    return f"{url}?{build_query_string(params)}" if params else url


# ---------------------------------------------------------------- parse


def parse_sort_spec(text: str) -> tuple[SortKey, ...]:
    """`+a,-b` (or `a, -b`) into sort keys; raises QueryError on a malformed item."""
    keys: list[SortKey] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        descending = item.startswith("-")
        name = item[1:].strip() if item[0] in "+-" else item
        if not name or any(c.isspace() for c in name) or name[0] in "+-":
            raise QueryError(
                f"Cannot read the sort item {item!r}",
                explanation=f"Write sorts as field names separated by commas, '-' for descending, e.g. name,-record_updated_at (not {item!r}).",
            )
        keys.append(SortKey(name, descending))
    return tuple(keys)


def parse_cli_filter(text: str) -> FilterCondition:
    """`field=op:value` (or `filter[field]=op:value`) from the command line.

    For every operator but `in` the value is one literal value (`cont:Sprockets, Inc.`), unless
    it starts with a double quote (then it is read as one quoted value); `in` takes a comma list
    whose items holding a comma are in double quotes (`in:A,"B, C"`).
    """
    name, eq, rest = text.partition("=")
    name = name.strip()
    if name.startswith("filter[") and name.endswith("]"):
        name = name[len("filter[") : -1]
    if not eq or not name:
        raise QueryError(
            f"Cannot read the filter {text!r}",
            explanation=f"Write a filter as field=op:value, e.g. client.name=cont:Acme (not {text!r}).",
        )
    op_text, colon, value = rest.partition(":")
    literal = not value.lstrip().startswith('"')  # a value written in quotes is read as quoted
    if colon and literal and op_text.strip().lower() in _OPERATORS - {Operator.IN.value}:
        # One literal value, commas included: build_params adds the quotes the API needs.
        return FilterCondition(name, Operator(op_text.strip().lower()), (value,))
    condition = parse_filter_text(name, rest)
    if condition.problem:
        raise QueryError(f"Filter {text!r}: {condition.problem}", explanation=condition.problem)
    return condition


def _split_pairs(query_text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for part in query_text.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote_plus(key).strip(), unquote_plus(value)))
    return pairs


def _find_endpoint(catalog: Catalog, path: str) -> Endpoint | None:
    """The endpoint for a concrete path, also when the URL's base has a prefix of its own."""
    segments = [s for s in path.split("/") if s]
    for start in range(len(segments)):
        candidate = "/" + "/".join(segments[start:])
        found = catalog.find_by_path(candidate)
        if found is not None:
            return found
    return None


def parse_url(
    text: str, catalog_or_endpoint: Catalog | Endpoint, *, allow_unlisted: bool = False
) -> Query:
    """A pasted URL, path (`/core/v1/clients?...`) or query string (`filter[a]=eq:1&sort=-b`).

    With a Catalog the path picks the endpoint; with an Endpoint a bare query string is enough.
    With `allow_unlisted`, a path the catalog does not list gives a query for that path
    (`unlisted_endpoint`) whose every pair is a plain parameter.
    Values the grammar cannot read (an unbalanced quote) stay on their filter row as a problem.
    """
    raw = text.strip()
    if not raw:
        raise QueryError("Nothing to read", explanation="Paste a URL or a query string.")
    path: str | None
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw):
        parts = urlsplit(raw)
        path, query_text = parts.path or "/", parts.query
    elif raw.startswith("/"):
        path, _, query_text = raw.partition("?")
    elif raw.startswith("?") or "=" in raw:
        path, query_text = None, raw.lstrip("?")
    else:
        raise QueryError(
            f"Cannot read {raw[:80]!r} as a URL",
            explanation="Paste a full URL (https://...), a path starting with /, or a query string like filter[name]=eq:Acme.",
        )
    query_text = query_text.split("#", 1)[0]

    if isinstance(catalog_or_endpoint, Endpoint):
        endpoint = catalog_or_endpoint
        path_values: dict[str, str] = {}
        if path is not None:
            matched = _match_template_anywhere(endpoint.path, path)
            if matched is None:
                raise QueryError(
                    f"The URL path {path} is not {endpoint.path}",
                    explanation=f"The pasted URL is for another endpoint than {endpoint.id}; open that endpoint and paste it there.",
                )
            path_values = matched
    else:
        if path is None:
            raise QueryError(
                "A query string alone does not say which endpoint it is for",
                explanation="Paste the whole URL (with its path), or open the endpoint and paste the query string there.",
            )
        found = _find_endpoint(catalog_or_endpoint, path)
        if found is None and allow_unlisted and "{" not in path:
            return _unlisted_query(path, _split_pairs(query_text))
        if found is None:
            raise QueryError(
                f"No endpoint of this catalog matches {path}",
                explanation=f"No endpoint in the catalog {catalog_or_endpoint.name!r} has the path {path}; check the URL or the profile.",
            )
        endpoint = found
        path_values = _match_template_anywhere(endpoint.path, path) or {}

    return _query_from_pairs(endpoint, path_values, _split_pairs(query_text))


def _unlisted_query(path: str, pairs: list[tuple[str, str]]) -> Query:
    params: dict[str, str] = {}
    more: list[tuple[str, str]] = []
    for key, value in pairs:
        if key in params:
            more.append((key, value))
        else:
            params[key] = value
    endpoint = unlisted_endpoint(path.rstrip("/") or "/")
    return Query(endpoint_id=endpoint.id, params=params, more_values=tuple(more))


def _match_template_anywhere(template: str, path: str) -> dict[str, str] | None:
    segments = [s for s in path.split("/") if s]
    for start in range(len(segments) + 1):
        matched = match_template(template, "/" + "/".join(segments[start:]))
        if matched is not None:
            return matched
    return None


def _query_from_pairs(
    endpoint: Endpoint, path_values: dict[str, str], pairs: list[tuple[str, str]]
) -> Query:
    filters: list[FilterCondition] = []
    sorts: tuple[SortKey, ...] = ()
    page_size: int | None = None
    params: dict[str, str] = {}
    more: list[tuple[str, str]] = []
    sort_names = {endpoint.sort_param or "sort", "sort", "sort_by"}
    for key, value in pairs:
        if key.startswith("filter[") and key.endswith("]"):
            filters.append(parse_filter_text(key[len("filter[") : -1], value))
        elif key in sort_names:
            sorts = sorts + parse_sort_spec(value)
        elif key == endpoint.page_size_param and endpoint.sends_page_size:
            if not _INT.fullmatch(value.strip()):
                raise QueryError(
                    f"{key}={value!r} is not a whole number",
                    explanation=f"The page size in the URL must be a whole number, not {value!r}.",
                )
            page_size = int(value)
        elif key in endpoint.paging_params:
            continue  # a cursor or page number belongs to one moment of paging, not to the query
        elif key in endpoint.credential_params:
            continue  # a pasted API key: the profile sends its own; never kept in a query
        else:
            declared = endpoint.param(key)
            name = declared.name if declared else key
            if name in params:
                more.append((name, value))
            else:
                params[name] = value
    return Query(
        endpoint_id=endpoint.id,
        path_params=path_values,
        filters=tuple(filters),
        sorts=sorts,
        page_size=page_size,
        params=params,
        more_values=tuple(more),
    )


# ---------------------------------------------------------------- validate


def _names(items: list[str] | tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _validate_filter(row: int, condition: FilterCondition, endpoint: Endpoint) -> list[QueryIssue]:
    name = condition.field.strip()
    if not name:
        return [QueryIssue(row, None, "Choose a field to filter on.")]
    if condition.problem:
        return [QueryIssue(row, name, condition.problem)]
    issues: list[QueryIssue] = []
    known: FilterField | None = endpoint.filter_field(name)
    if known is None and not endpoint.listed:
        return []  # a path no catalog describes: the API judges its filters
    if known is None:
        if not endpoint.filters:
            return [QueryIssue(row, name, f"{endpoint.id} documents no filters; remove this row.")]
        choices = _names([f.name for f in endpoint.filters])
        return [
            QueryIssue(
                row,
                name,
                f"{name!r} is not a filter field of this endpoint; choose one of {choices}.",
            )
        ]
    if condition.op not in known.operators:
        allowed = ", ".join(o.value for o in known.operators)
        issues.append(
            QueryIssue(
                row,
                name,
                f"{name} does not allow the operator {condition.op.value!r}; allowed: {allowed}.",
            )
        )
    values = condition.values
    if not values:
        what = "at least one value in the list" if condition.op is Operator.IN else "a value"
        issues.append(QueryIssue(row, name, f"Enter {what} for {name}."))
        return issues
    if condition.op is Operator.IN:
        if any(v == "" for v in values):
            issues.append(
                QueryIssue(
                    row,
                    name,
                    f"The list for {name} has an empty item (two commas in a row or a trailing comma).",
                )
            )
    elif len(values) > 1:
        hint = " use 'in' for a list, or" if Operator.IN in known.operators else ""
        issues.append(
            QueryIssue(
                row,
                name,
                f"'{condition.op.value}' takes one value, not {len(values)}:{hint} put a value holding a comma in double quotes.",
            )
        )
    for value in values:
        if value == "" and condition.op is Operator.IN:
            continue
        problem = type_problem(value, known.type, known.enum_values)
        if problem is not None:
            issues.append(QueryIssue(row, name, f"{name}: {problem}"))
    return issues


def validate(query: Query, endpoint: Endpoint) -> list[QueryIssue]:
    """Every problem of the query, each on its own row; an empty list means it can be sent."""
    issues: list[QueryIssue] = []
    if query.endpoint_id and query.endpoint_id.upper() != endpoint.id.upper():
        issues.append(
            QueryIssue(None, None, f"The query is for {query.endpoint_id}, not {endpoint.id}.")
        )
    for name in _TEMPLATE_PART.findall(endpoint.path):
        value = _lookup(query.path_params, name)
        if value is None or str(value).strip() == "":
            issues.append(QueryIssue(None, name, f"Fill in the path parameter {name}."))
            continue
        path_param = next((p for p in endpoint.path_params if p.name == name), None)
        if path_param is not None and path_param.type is FieldType.INTEGER:
            problem = type_problem(str(value), FieldType.INTEGER)
            if problem:
                issues.append(QueryIssue(None, name, f"Path parameter {name}: {problem}"))
    for row, condition in enumerate(query.filters):
        issues.extend(_validate_filter(row, condition, endpoint))
    issues.extend(_validate_sorts(query, endpoint))
    for declared in endpoint.params:
        value = _lookup(query.params, declared.name)
        if value is None or str(value).strip() == "":
            if declared.required:
                issues.append(
                    QueryIssue(None, declared.name, f"{declared.name} is required; enter a value.")
                )
            continue
        wanted = declared.name.lower()
        for item in (value, *(v for k, v in query.more_values if k.lower() == wanted)):
            problem = type_problem(str(item), declared.type, declared.enum_values)
            if problem is None and declared.enum_values and str(item) not in declared.enum_values:
                problem = f"{item!r} is not one of {', '.join(declared.enum_values)}."
            if problem:
                issues.append(QueryIssue(None, declared.name, f"{declared.name}: {problem}"))
    if query.page_size is not None and endpoint.sends_page_size:
        if query.page_size < 1:
            issues.append(
                QueryIssue(None, endpoint.page_size_param, "The page size must be at least 1.")
            )
        elif endpoint.page_size_max is not None and query.page_size > endpoint.page_size_max:
            issues.append(
                QueryIssue(
                    None,
                    endpoint.page_size_param,
                    f"The page size {query.page_size} is above this endpoint's maximum of {endpoint.page_size_max}.",
                )
            )
    return issues


def _validate_sorts(query: Query, endpoint: Endpoint) -> list[QueryIssue]:
    issues: list[QueryIssue] = []
    if not query.sorts:
        return issues
    if not endpoint.sort_param:
        return [QueryIssue(None, "sort", f"{endpoint.id} cannot be sorted; remove the sort.")]
    seen: set[str] = set()
    for key in query.sorts:
        if not key.field.strip():
            issues.append(QueryIssue(None, "sort", "A sort has no field; choose one or remove it."))
            continue
        if endpoint.sort_fields and key.field not in endpoint.sort_fields:
            issues.append(
                QueryIssue(
                    None,
                    key.field,
                    f"Cannot sort by {key.field!r}; sortable fields: {_names(list(endpoint.sort_fields))}.",
                )
            )
        if key.field in seen:
            issues.append(QueryIssue(None, key.field, f"{key.field} is sorted twice; keep one."))
        seen.add(key.field)
    return issues


def ensure_valid(query: Query, endpoint: Endpoint) -> None:
    """Raise QueryError listing every problem, so nothing invalid is ever sent."""
    issues = validate(query, endpoint)
    if issues:
        text = "; ".join(i.message for i in issues)
        raise QueryError(
            f"The query is not valid: {text}", explanation=f"Fix the query first: {text}"
        )


def with_filters(query: Query, *conditions: FilterCondition) -> Query:
    return replace(query, filters=query.filters + conditions)
