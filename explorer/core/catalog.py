"""What can be asked of an API: products, resources, endpoints, their fields, filters and paging.

The bundled catalogs (resources/catalogs/*.json) and imported OpenAPI documents (core/openapi.py)
both produce a `Catalog`. The window builds its endpoint tree and query builder from it; the query
model (core/query.py) turns a user's choices into the exact parameters an endpoint documents;
paging (core/paging.py) reads the pagination kind and envelope from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import unquote_plus

from explorer.core.errors import SpecError


class PaginationKind(StrEnum):
    """How the next page is asked for. Each kind's end rule is in core/paging.py's docstring."""

    CURSOR = "cursor"  # ?cursor=&page_size=  -> {data, total_count, next_cursor} (also: tokens)
    OFFSET = "offset"  # ?page=&page_size=    -> {data, total_count?, has_more?} (pages can run concurrently)
    NEXT_URL = "next_url"  # follow the URL in a body field (`next`, `@odata.nextLink`, ...)
    LINK_HEADER = "link_header"  # follow the RFC 8288 `Link: <...>; rel="next"` header
    LAST_ID = "last_id"  # ?starting_after=<id of the last record> while `has_more` is true
    NONE = "none"  # one request returns the whole list, unless the answer shows more pages
    SINGLE = "single"  # one record, e.g. GET /clients/{id}


# The kinds that send a page-size parameter on their first request.
SIZED_KINDS = frozenset(
    {
        PaginationKind.CURSOR,
        PaginationKind.OFFSET,
        PaginationKind.NEXT_URL,
        PaginationKind.LINK_HEADER,
        PaginationKind.LAST_ID,
    }
)
# Cursor parameters that carry a server's opaque continuation token rather than a cursor by name.
_TOKEN_PARAMS = frozenset(
    {"continue", "pagetoken", "page_token", "offset", "page", "continuation_token", "nextpagetoken"}
)


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # ISO 8601
    UUID = "uuid"
    ENUM = "enum"
    OBJECT = "object"
    ARRAY = "array"


class Operator(StrEnum):
    EQ = "eq"
    IN = "in"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    CONT = "cont"


@dataclass(frozen=True)
class FilterField:
    """A field usable in `filter[name]=op:value`; `name` may be nested (`client.id`)."""

    name: str
    type: FieldType = FieldType.STRING
    operators: tuple[Operator, ...] = (Operator.EQ,)
    enum_values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class QueryParam:
    """Any other query parameter (not paging, filter or sort), e.g. Scout's StartDate."""

    name: str
    type: FieldType = FieldType.STRING
    required: bool = False
    description: str = ""
    enum_values: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class PathParam:
    name: str
    type: FieldType = FieldType.STRING
    description: str = ""


@dataclass(frozen=True)
class SchemaField:
    """One field of the record schema; `path` is dotted (`client.name`), for column choosing."""

    path: str
    type: FieldType = FieldType.STRING
    description: str = ""


class LinkMode(StrEnum):
    RECORD = "record"  # the value is an id: open target endpoint with path param = value
    FILTER = "filter"  # open target list filtered: filter[target_field]=eq:value (or a query param)


@dataclass(frozen=True)
class Link:
    """A field of this endpoint's records that points at another resource.

    `source_field` is the dotted field holding the id (`client.id`, `unitID`, `userIDs`; a list
    value opens each id or an `in` filter). `target_endpoint` is an Endpoint.id in the same
    catalog. For RECORD, `target_param` is the path parameter to fill; for FILTER it is the filter
    field (or query parameter, when `as_query_param`) to set to the value.
    """

    source_field: str
    target_endpoint: str
    mode: LinkMode = LinkMode.RECORD
    target_param: str = "id"
    as_query_param: bool = False
    label: str = ""
    # Further (target parameter, source field) pairs the link fills, for targets with several
    # path parameters (an OpenAPI link to /repositories/{username}/{slug}).
    more_params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SecurityScheme:
    """One entry of an OpenAPI document's components.securitySchemes, as a profile can use it.

    `kind` is the settings.AuthKind value a profile takes ("api_key", "bearer", "basic",
    "oauth2_client_credentials"), or "" when explorer cannot speak it; `note` then (or for a flow
    it replaces, such as an OAuth2 authorization code needing a browser) says what to do instead.
    """

    name: str
    kind: str
    location: str = ""  # apiKey: "header", "query" or "cookie"
    param_name: str = ""  # apiKey: the header, parameter or cookie name
    token_url: str = ""  # oauth2 clientCredentials
    scopes: tuple[str, ...] = ()  # what the document's requirements ask of this scheme
    description: str = ""
    note: str = ""

    @property
    def summary(self) -> str:
        """A short line for a choice list: 'apiKey (header X-API-Key)'."""
        if self.kind == "api_key":
            return f"{self.name}: API key in the {self.location} {self.param_name!r}"
        words = {
            "bearer": "bearer token",
            "basic": "HTTP basic username and password",
            "oauth2_client_credentials": "OAuth2 client credentials",
        }
        return f"{self.name}: {words.get(self.kind, 'not supported')}"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: (
        str  # relative to the profile's base URL, e.g. "/core/v1/clients" or "/v1/WorkOrders/{id}"
    )
    summary: str = ""
    description: str = ""
    pagination: PaginationKind = PaginationKind.NONE
    page_size_max: int | None = None
    page_size_default: int | None = None
    path_params: tuple[PathParam, ...] = ()
    filters: tuple[FilterField, ...] = ()
    sort_fields: tuple[str, ...] = ()
    sort_param: str = "sort"  # "sort" or "sort_by"
    params: tuple[QueryParam, ...] = ()
    record_fields: tuple[SchemaField, ...] = ()
    links: tuple[Link, ...] = ()
    # Where the records are in the response: "data" for {data: [...]}, "" for a bare array/record.
    records_key: str = "data"
    id_field: str = "id"
    tags: tuple[str, ...] = ()
    # Paging parameter names and envelope keys; ScalePad's by default. An imported OpenAPI
    # document may name them otherwise (`limit`/`offset`, `nextCursor`, ...).
    page_size_param: str = "page_size"
    cursor_param: str = "cursor"
    page_param: str = (
        "page"  # OFFSET: the page number, or the record offset when offset_counts_records
    )
    offset_counts_records: bool = False  # `offset=` counts records (limit/offset), not pages
    # Envelope fields are dotted paths into the body (`response_metadata.next_cursor`,
    # `page.totalElements`); records_key too (`_embedded.pets`).
    next_cursor_key: str = "next_cursor"
    total_key: str = "total_count"
    has_more_key: str = "has_more"
    next_url_key: str = "next"  # NEXT_URL: the body field holding the next page's URL
    first_page: int = 1  # OFFSET by page number: the number of the first page (HAL/Spring: 0)
    max_pages: int | None = None  # pages per walk before it stops with an error (None: default)
    # Where the paging description came from: "" (the bundled catalog), "document" (read from
    # an OpenAPI operation), "detection" (nothing said; learnt from the first answer),
    # "override" (--paging) or "profile" (the profile's paging settings).
    paging_source: str = ""
    listed: bool = True  # False: a path no catalog describes (its filters cannot be checked)
    # The security requirement: alternatives, each a securitySchemes name (several joined with
    # "+" when all are needed; "" when none is). None: the document's global requirement applies.
    security: tuple[str, ...] | None = None
    # Query parameters that carry a credential (an apiKey scheme `in: query`): the profile adds
    # them on the wire, so a pasted URL's value is dropped and never reaches a query or a title.
    credential_params: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def filter_field(self, name: str) -> FilterField | None:
        return next((f for f in self.filters if f.name == name), None)

    def link_for(self, field_path: str) -> Link | None:
        return next((lk for lk in self.links if lk.source_field == field_path), None)

    def links_for(self, field_path: str) -> tuple[Link, ...]:
        """Every link from one field (a client's `id` leads to its assets, contacts, ...)."""
        return tuple(lk for lk in self.links if lk.source_field == field_path)

    def param(self, name: str) -> QueryParam | None:
        wanted = name.lower()
        return next((p for p in self.params if p.name.lower() == wanted), None)

    @property
    def paging_params(self) -> frozenset[str]:
        """Query parameters the paging layer owns for this endpoint (never part of a Query)."""
        if self.pagination is PaginationKind.CURSOR:
            return frozenset({self.page_size_param, self.cursor_param})
        if self.pagination is PaginationKind.OFFSET:
            return frozenset({self.page_size_param, self.page_param})
        if self.pagination is PaginationKind.LAST_ID:
            return frozenset({self.page_size_param, self.cursor_param})
        if self.pagination in (PaginationKind.NEXT_URL, PaginationKind.LINK_HEADER):
            return frozenset({self.page_size_param})
        return frozenset()

    @property
    def sends_page_size(self) -> bool:
        return self.pagination in SIZED_KINDS

    @property
    def paging_style(self) -> str:
        """The style's name in the --paging notation (`page`, `token`, `link-header`, ...)."""
        kind = self.pagination
        if kind is PaginationKind.OFFSET:
            return "offset" if self.offset_counts_records else "page"
        if kind is PaginationKind.CURSOR and self.cursor_param.lower() in _TOKEN_PARAMS:
            return "token"
        return kind.value.replace("_", "-")

    def describe_paging(self) -> str:
        """The paging in the --paging notation, e.g. `cursor:param=cursor,next=next_cursor`."""
        return describe_paging(self)

    @property
    def is_list(self) -> bool:
        return self.pagination is not PaginationKind.SINGLE


@dataclass(frozen=True)
class Resource:
    name: str
    endpoints: tuple[Endpoint, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Product:
    name: str
    resources: tuple[Resource, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Catalog:
    name: str
    products: tuple[Product, ...] = ()
    # Servers the document names (for profile presets), e.g. ScalePad's regional hosts.
    servers: tuple[str, ...] = ()
    auth_hint: str = ""  # an AuthKind value, or "none": what a new profile for this API should use
    source: str = ""  # where it came from: "bundled:scalepad", a file path or a URL
    # What could not be read and was left out or left empty (a remote $ref, a broken schema).
    warnings: tuple[str, ...] = ()
    security_schemes: tuple[SecurityScheme, ...] = ()  # what an OpenAPI document declares
    security: tuple[str, ...] = ()  # the document's global requirement (see Endpoint.security)

    def scheme(self, name: str) -> SecurityScheme | None:
        return next((s for s in self.security_schemes if s.name == name), None)

    def default_scheme(self) -> SecurityScheme | None:
        """The scheme a new profile should use: the first usable one the document requires."""
        for alternative in self.security:
            for name in alternative.split("+"):
                scheme = self.scheme(name)
                if scheme is not None and scheme.kind:
                    return scheme
        return next((s for s in self.security_schemes if s.kind), None)

    def requirement(self, endpoint: Endpoint) -> tuple[str, ...]:
        """The security alternatives of one operation (its own, else the document's)."""
        return self.security if endpoint.security is None else endpoint.security

    def requirement_differs(self, endpoint: Endpoint, scheme_name: str) -> str:
        """Why an operation may refuse a profile using `scheme_name` ("" when it should not).

        Only meaningful for profiles made from this document (a scheme name is set).
        """
        wanted = self.requirement(endpoint)
        if not scheme_name or not wanted or "" in wanted:
            return ""
        if any(scheme_name in alternative.split("+") for alternative in wanted):
            return ""
        return "This operation asks for " + " or ".join(a.replace("+", " and ") for a in wanted)

    def endpoints(self) -> Iterator[Endpoint]:
        for product in self.products:
            for resource in product.resources:
                yield from resource.endpoints

    def find(self, endpoint_id: str) -> Endpoint | None:
        method, _, path = endpoint_id.partition(" ")
        key = f"{method.upper()} {path}"
        return next((e for e in self.endpoints() if e.id == key), None)

    def find_by_path(self, path: str, method: str = "GET") -> Endpoint | None:
        """The endpoint whose template matches a concrete path (`/core/v1/clients/42`)."""
        matched = self.match_path(path, method)
        return matched[0] if matched else None

    def match_path(self, path: str, method: str = "GET") -> tuple[Endpoint, dict[str, str]] | None:
        """The endpoint matching a concrete path, and the path parameters the path fills.

        A template without parameters (`/clients/search`) wins over one with (`/clients/{id}`).
        """
        best: tuple[Endpoint, dict[str, str]] | None = None
        for endpoint in self.endpoints():
            if endpoint.method.upper() != method.upper():
                continue
            values = match_template(endpoint.path, path)
            if values is None:
                continue
            if "{" not in endpoint.path:
                return endpoint, values
            if best is None:
                best = endpoint, values
        return best

    def search(self, text: str) -> list[Endpoint]:
        needle = text.strip().lower()
        return [
            e
            for e in self.endpoints()
            if not needle or needle in f"{e.method} {e.path} {e.summary}".lower()
        ]

    # ------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """A plain dict without default values, so the bundled JSON files stay short and readable."""
        result = _compact(self)
        assert isinstance(result, dict)
        return result

    def to_json(self) -> str:
        """Indented JSON with each small leaf object (a field, a filter, a link) on one line."""
        return _pretty(self.to_dict(), "") + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = "") -> Catalog:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"Catalog is not valid JSON: {exc}") from exc
        return catalog_from_dict(raw, source=source)


def _compact(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item == f.default:  # fields without a default are never equal to MISSING
                continue
            out[f.name] = _compact(item)
        return out
    if isinstance(value, tuple | list):
        return [_compact(v) for v in value]
    return value


def _pretty(value: Any, indent: str) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    nested = isinstance(value, dict | list) and any(
        isinstance(v, dict | list) and v
        for v in (value.values() if isinstance(value, dict) else value)
    )
    if not isinstance(value, dict | list) or (len(flat) + len(indent) <= 130 and not nested):
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + _pretty(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    entries = [f"{inner}{json.dumps(k)}: {_pretty(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(entries) + "\n" + indent + "}"


def _segments(path: str) -> list[str]:
    return [s for s in path.split("?")[0].split("/") if s]


def match_template(template: str, path: str) -> dict[str, str] | None:
    """The values a concrete path gives a template's `{params}`, or None when it does not match.

    Literal segments compare without case; a segment typed as the placeholder itself (`{id}`)
    fills nothing, so the parameter is still reported missing. Values are URL-decoded.
    """
    t_parts, p_parts = _segments(template), _segments(path)
    if len(t_parts) != len(p_parts):
        return None
    values: dict[str, str] = {}
    for t, p in zip(t_parts, p_parts, strict=True):
        if t.startswith("{") and t.endswith("}"):
            if not (p.startswith("{") and p.endswith("}")):
                values[t[1:-1]] = unquote_plus(p.replace("+", "%2B"))
        elif t.lower() != p.lower():
            return None
    return values


def catalog_from_dict(raw: dict[str, Any], *, source: str = "") -> Catalog:
    """Build a Catalog from the plain dict form written by `Catalog.to_json`."""
    try:
        products = tuple(
            Product(
                name=p["name"],
                description=p.get("description", ""),
                resources=tuple(
                    Resource(
                        name=r["name"],
                        description=r.get("description", ""),
                        endpoints=tuple(_endpoint_from_dict(e) for e in r.get("endpoints", ())),
                    )
                    for r in p.get("resources", ())
                ),
            )
            for p in raw.get("products", ())
        )
        return Catalog(
            name=raw["name"],
            products=products,
            servers=tuple(raw.get("servers", ())),
            auth_hint=raw.get("auth_hint", ""),
            source=source or raw.get("source", ""),
            security_schemes=tuple(
                SecurityScheme(**{**s, "scopes": tuple(s.get("scopes", ()))})
                for s in raw.get("security_schemes", ())
            ),
            security=tuple(raw.get("security", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"Catalog entry is malformed: {exc!r}") from exc


def _endpoint_from_dict(e: dict[str, Any]) -> Endpoint:
    endpoint = _plain_endpoint_from_dict(e)
    if isinstance(e.get("paging"), str):  # the --paging notation, e.g. "link-header:size=per_page"
        endpoint = Endpoint(**{**endpoint.__dict__, **_paging_changes(e["paging"], "")})
    return endpoint


def _plain_endpoint_from_dict(e: dict[str, Any]) -> Endpoint:
    return Endpoint(
        method=e.get("method", "GET").upper(),
        path=e["path"],
        summary=e.get("summary", ""),
        description=e.get("description", ""),
        pagination=PaginationKind(e.get("pagination", "none")),
        page_size_max=e.get("page_size_max"),
        page_size_default=e.get("page_size_default"),
        path_params=tuple(
            PathParam(p["name"], FieldType(p.get("type", "string")), p.get("description", ""))
            for p in e.get("path_params", ())
        ),
        filters=tuple(
            FilterField(
                name=f["name"],
                type=FieldType(f.get("type", "string")),
                operators=tuple(Operator(o) for o in f.get("operators", ("eq",))),
                enum_values=tuple(f.get("enum_values", ())),
                description=f.get("description", ""),
            )
            for f in e.get("filters", ())
        ),
        sort_fields=tuple(e.get("sort_fields", ())),
        sort_param=e.get("sort_param", "sort"),
        params=tuple(
            QueryParam(
                name=q["name"],
                type=FieldType(q.get("type", "string")),
                required=q.get("required", False),
                description=q.get("description", ""),
                enum_values=tuple(q.get("enum_values", ())),
                default=q.get("default"),
            )
            for q in e.get("params", ())
        ),
        record_fields=tuple(
            SchemaField(s["path"], FieldType(s.get("type", "string")), s.get("description", ""))
            for s in e.get("record_fields", ())
        ),
        links=tuple(
            Link(
                source_field=lk["source_field"],
                target_endpoint=lk["target_endpoint"],
                mode=LinkMode(lk.get("mode", "record")),
                target_param=lk.get("target_param", "id"),
                as_query_param=lk.get("as_query_param", False),
                label=lk.get("label", ""),
                more_params=tuple((str(a), str(b)) for a, b in lk.get("more_params", ())),
            )
            for lk in e.get("links", ())
        ),
        records_key=e.get("records_key", "data"),
        id_field=e.get("id_field", "id"),
        tags=tuple(e.get("tags", ())),
        security=tuple(e["security"]) if e.get("security") is not None else None,
        credential_params=tuple(e.get("credential_params", ())),
        **{key: e[key] for key in _PAGING_KEYS if key in e},
    )


_PAGING_KEYS = (
    "page_size_param",
    "cursor_param",
    "page_param",
    "offset_counts_records",
    "next_cursor_key",
    "total_key",
    "has_more_key",
    "next_url_key",
    "first_page",
    "max_pages",
    "paging_source",
)


# ------------------------------------------------------------------ the --paging notation
# STYLE[:OPTION=VALUE,...], e.g. `link-header:size=per_page,max=100`,
# `last-id:param=starting_after,more=has_more`, `cursor:next=response_metadata.next_cursor`.
# The same text works on the CLI (--paging), in a catalog endpoint ("paging": "...") and so in a
# profile's catalog. README.md ("Paging") documents it.
PAGING_STYLES: dict[str, tuple[PaginationKind, dict[str, Any]]] = {
    "none": (PaginationKind.NONE, {}),
    "single": (PaginationKind.SINGLE, {}),
    "page": (PaginationKind.OFFSET, {"page_param": "page", "offset_counts_records": False}),
    "offset": (PaginationKind.OFFSET, {"page_param": "offset", "offset_counts_records": True}),
    "cursor": (PaginationKind.CURSOR, {}),
    "token": (PaginationKind.CURSOR, {}),
    "next-url": (PaginationKind.NEXT_URL, {}),
    "link-header": (PaginationKind.LINK_HEADER, {}),
    "last-id": (PaginationKind.LAST_ID, {"cursor_param": "starting_after"}),
}
# option -> (Endpoint field, how the value is read)
_PAGING_OPTIONS: dict[str, tuple[str, type]] = {
    "param": ("", str),  # the page, offset, cursor, token or last-id parameter (by style)
    "size": ("page_size_param", str),
    "max": ("page_size_max", int),
    "default": ("page_size_default", int),
    "next": ("", str),  # the body field of the next cursor/token (or URL, for next-url)
    "records": ("records_key", str),
    "total": ("total_key", str),
    "more": ("has_more_key", str),
    "id": ("id_field", str),
    "first": ("first_page", int),
    "pages": ("max_pages", int),
}


def _paging_changes(text: str, source: str) -> dict[str, Any]:
    """The Endpoint fields a paging notation sets; SpecError saying what is wrong."""
    style, _, rest = text.strip().partition(":")
    style = style.strip().lower().replace("_", "-")
    if style not in PAGING_STYLES:
        raise SpecError(
            f"Unknown paging style {style!r}",
            explanation=f"The paging style {style!r} is not known; use one of "
            f"{', '.join(PAGING_STYLES)}, e.g. link-header or cursor:next=meta.next_cursor.",
        )
    kind, changes = PAGING_STYLES[style]
    out: dict[str, Any] = {"pagination": kind, **changes}
    if source:
        out["paging_source"] = source
    for item in filter(None, (part.strip() for part in rest.split(","))):
        name, eq, value = item.partition("=")
        name = name.strip().lower()
        if not eq or name not in _PAGING_OPTIONS:
            raise SpecError(
                f"Bad paging option {item!r}",
                explanation=f"Write paging options as NAME=VALUE with NAME one of "
                f"{', '.join(_PAGING_OPTIONS)}; {item!r} is not one.",
            )
        target, reader = _PAGING_OPTIONS[name]
        try:
            parsed = reader(value.strip())
        except ValueError:
            raise SpecError(
                f"Bad paging option {item!r}",
                explanation=f"The paging option {name} takes a whole number, not {value!r}.",
            ) from None
        if name == "param":
            target = "page_param" if kind is PaginationKind.OFFSET else "cursor_param"
        elif name == "next":
            target = "next_url_key" if kind is PaginationKind.NEXT_URL else "next_cursor_key"
        out[target] = parsed
    return out


def unlisted_endpoint(path: str) -> Endpoint:
    """A GET list endpoint no catalog describes: records and paging come from its answers."""
    return Endpoint(
        "GET",
        path,
        summary="not in the catalog",
        pagination=PaginationKind.NONE,
        records_key="",
        paging_source="detection",
        listed=False,
    )


def paging_summary(endpoint: Endpoint) -> str:
    """`link-header (document)`: the style in use and where it came from, for a tooltip."""
    return f"{endpoint.describe_paging()} ({endpoint.paging_source or 'catalog'})"


def paging_problem(text: str) -> str | None:
    """What is wrong with a paging notation, or None when it reads."""
    try:
        _paging_changes(text, "")
    except SpecError as exc:
        return exc.explanation
    return None


def with_profile_paging(endpoint: Endpoint, overrides: tuple[tuple[str, str], ...]) -> Endpoint:
    """The endpoint with the paging a profile sets for it (Profile.paging), if any."""
    notation = dict(overrides).get(endpoint.id)
    return with_paging(endpoint, notation, source="profile") if notation else endpoint


def with_paging(endpoint: Endpoint, text: str, *, source: str = "override") -> Endpoint:
    """The endpoint with the paging the notation describes (SpecError for a bad notation)."""
    return Endpoint(**{**endpoint.__dict__, **_paging_changes(text, source)})


def describe_paging(endpoint: Endpoint) -> str:
    """The endpoint's paging written in the notation (only what the style uses)."""
    style = endpoint.paging_style
    kind = endpoint.pagination
    options: list[tuple[str, Any]] = []
    if kind is PaginationKind.OFFSET:
        options.append(("param", endpoint.page_param))
    if kind in (PaginationKind.CURSOR, PaginationKind.LAST_ID):
        options.append(("param", endpoint.cursor_param))
    if kind is PaginationKind.CURSOR:
        options.append(("next", endpoint.next_cursor_key))
    if kind is PaginationKind.NEXT_URL:
        options.append(("next", endpoint.next_url_key))
    if endpoint.sends_page_size:
        options.append(("size", endpoint.page_size_param))
        if endpoint.page_size_max:
            options.append(("max", endpoint.page_size_max))
    if kind is PaginationKind.LAST_ID:
        options.append(("more", endpoint.has_more_key))
    if kind is PaginationKind.OFFSET and endpoint.first_page != 1:
        options.append(("first", endpoint.first_page))
    if endpoint.records_key not in ("data", "") and kind is not PaginationKind.SINGLE:
        options.append(("records", endpoint.records_key))
    tail = ",".join(f"{k}={v}" for k, v in options)
    return f"{style}:{tail}" if tail else style
