"""The ScalePad side of the sandbox: Core, Quoter and Lifecycle Manager reads (scalepad-api.md).

Every path needs the exact header `x-api-key` (a differently-cased name is refused, as the real
gateway does), then passes the per-key rate limit, then the product subscription check (402).
Lists answer `{data, total_count, next_cursor}` with opaque base64-JSON cursors; the emulator-only
`/sandbox/v1/assets/hardware` answers offset pages `{data, total_count, page, page_size, has_more}`.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from explorer.sandbox.config import Credentials, SandboxConfig
from explorer.sandbox.listing import (
    FieldSpec,
    ListingError,
    Predicate,
    decode_cursor,
    encode_cursor,
    parse_filters,
    parse_page_size,
    parse_sort,
    sort_key,
    value_at,
)
from explorer.sandbox.listing import field as f
from explorer.sandbox.ratelimit import SlidingWindowLimiter
from explorer.sandbox.reply import Reply, json_reply, text_reply
from explorer.sandbox.tenant import Collection, Record, Tenant

Params = Sequence[tuple[str, str]]

UNAUTHORIZED_BODY = {
    "errors": [
        {
            "code": "UNAUTHORIZED",
            "title": "Invalid API credentials",
            "detail": "Invalid API credentials provided. Please check your API credentials and try again.",
        }
    ]
}

PRODUCT_NAMES = {"core": "Core", "quoter": "Quoter", "lifecycle-manager": "Lifecycle Manager"}

_LINEAGE = {
    "record_lineage.source_record_id": f("str"),
    "record_lineage.integration_configuration.id": f("id"),
    "record_lineage.integration_configuration.vendor.id": f("id"),
    "record_lineage.integration_configuration.vendor.brand_name": f("str"),
}
_RECORD_DATES = {"record_created_at": f("datetime"), "record_updated_at": f("datetime")}
_QUOTER_DATES = {
    "record_created_at": f("datetime", "gt", "lt"),
    "record_updated_at": f("datetime", "gt", "lt"),
}
# Quoter lists: 200 records by default (observed on /items), `fields` projection, official sorts.
_QUOTER_LIST: dict[str, Any] = {"default_page_size": 200, "projection": True}
_QUOTER_SORTS = frozenset({"id", "name", "record_created_at", "record_updated_at"})
_CLIENT = {"client.id": f("id"), "client.name": f("str", "eq", "in", "cont")}


@dataclass(frozen=True)
class ListSpec:
    """One list endpoint: where its records come from and what it lets callers ask."""

    path: str
    product: str
    collection: str  # attribute of Tenant
    filters: dict[str, FieldSpec]
    sortable: frozenset[str]
    default_page_size: int = 25
    max_page_size: int = 200
    single_wrap: str | None = None  # LM wraps single records: {"initiative": {...}}
    has_single: bool = True
    projection: bool = False  # Quoter's `fields=a,b`
    # Plain (non-filter) parameters some endpoints take, as a predicate factory.
    extra: Callable[[Params], tuple[Predicate | None, str]] | None = field(
        default=None, compare=False
    )


def _v2_initiatives(params: Params) -> tuple[Predicate | None, str]:
    include = any(k == "include_unscheduled" and v.strip().lower() == "true" for k, v in params)
    if include:
        return None, "all"
    return (lambda rec: rec.get("fiscal_quarter") is not None), "scheduled-only"


def _search_title(params: Params) -> tuple[Predicate | None, str]:
    text = next((v for k, v in params if k == "search"), "").strip().casefold()
    if not text:
        return None, ""
    return (lambda rec: text in str(rec.get("title") or "").casefold()), "search=" + text


def _search_product(params: Params) -> tuple[Predicate | None, str]:
    text = next((v for k, v in params if k == "search"), "").strip().casefold()
    if not text:
        return None, ""
    return (
        lambda rec: text in str(value_at(rec, ("product", "name")) or "").casefold()
    ), "search=" + text


def _scheduled_filter_spec() -> FieldSpec:
    """`filter[scheduled]`: whether the initiative has a fiscal quarter."""
    return FieldSpec(
        "bool", frozenset({"eq"}), derive=lambda rec: rec.get("fiscal_quarter") is not None
    )


_INITIATIVE_FILTERS = {
    "client.id": f("id", "eq", "in"),
    "status": f("enum", "eq", "in"),
    "priority": f("enum", "eq", "in"),
    "scheduled": _scheduled_filter_spec(),
}
_INITIATIVE_SORTS = frozenset({"name", "status", "priority", "created_at", "updated_at"})

LISTS: tuple[ListSpec, ...] = (
    ListSpec(
        "/core/v1/clients",
        "core",
        "clients",
        {
            "id": f("id"),
            "name": f("str", "eq", "in", "cont"),
            "lifecycle": f("enum", "eq", "in"),
            "num_contacts": f("int"),
            "num_hardware_assets": f("int"),
            "primary_domain": f("str"),
            **_LINEAGE,
            **_RECORD_DATES,
        },
        frozenset(
            {
                "name",
                "num_hardware_assets",
                "num_contacts",
                "record_updated_at",
                "record_created_at",
            }
        ),
    ),
    ListSpec(
        "/core/v1/contacts",
        "core",
        "contacts",
        {
            "id": f("id"),
            **_CLIENT,
            "title": f("str", "eq", "in", "cont"),
            **_LINEAGE,
            **_RECORD_DATES,
        },
        frozenset({"title", "client.name", "record_created_at", "record_updated_at"}),
    ),
    ListSpec(
        "/core/v1/members",
        "core",
        "members",
        {
            "id": f("id"),
            "hired_at": f("date"),
            "title": f("str", "eq", "in", "cont"),
            "is_scalepad_user": f("bool"),
            "reports_to_member.id": f("id"),
            "hourly_cost.amount": f("num"),
            "daily_capacity": f("num"),
            **_LINEAGE,
            **_RECORD_DATES,
        },
        frozenset(
            {"title", "hired_at", "daily_capacity", "record_created_at", "record_updated_at"}
        ),
    ),
    ListSpec(
        "/core/v1/opportunities",
        "core",
        "opportunities",
        {
            "id": f("id"),
            "title": f("str", "eq", "in", "cont"),
            "source_status": f("str"),
            "source_stage": f("str"),
            "is_active": f("bool"),
            "probability": f("num"),
            **_CLIENT,
            "contact.id": f("id"),
            "responsible_member.id": f("id"),
            **_LINEAGE,
            **_RECORD_DATES,
        },
        frozenset(
            {"title", "probability", "source_stage", "record_created_at", "record_updated_at"}
        ),
    ),
    ListSpec(
        "/core/v1/sites",
        "core",
        "sites",
        {
            "id": f("id"),
            "client.id": f("id"),
            "record_lineage.source_record_id": f("str"),
            "record_lineage.integration_configuration.id": f("id"),
            "record_lineage.integration_configuration.vendor.id": f("id"),
        },
        frozenset({"name", "record_created_at", "record_updated_at"}),
    ),
    ListSpec(
        "/core/v1/assets/hardware",
        "core",
        "hardware",
        {
            "id": f("id"),
            "name": f("str", "eq", "in", "cont"),
            "client.id": f("id", "eq", "in"),
            "client.name": f("str", "eq", "in", "cont"),
            "contact.id": f("id"),
            "manufacturer.id": f("id"),
            "manufacturer.name": f("str", "eq", "in", "cont"),
            "model.number": f("str", "eq", "in"),
            "serial_number": f("str", "eq", "in"),
            "type": f("enum", "eq", "in"),
            "location_name": f("str", "eq", "in"),
            "configuration.cpu.name": f("str", "eq", "in", "cont"),
            "configuration.cpu.manufacturer_name": f("str"),
            "configuration.cpu.manufacturer_id": f("id"),
            "configuration.ram_bytes": f("int"),
            "configuration.disks.total_bytes": f("int"),
            **_RECORD_DATES,
        },
        frozenset(
            {
                "id",
                "name",
                "type",
                "serial_number",
                "client.name",
                "manufacturer.name",
                "configuration.ram_bytes",
                "record_created_at",
                "record_updated_at",
            }
        ),
    ),
    ListSpec(
        "/core/v1/assets/saas",
        "core",
        "saas",
        {
            "id": f("id"),
            "client.id": f("id", "eq", "in"),
            "client.name": f("str", "eq", "in", "cont"),
            "product.manufacturer.id": f("id"),
            "product.manufacturer.name": f("str", "eq", "in", "cont"),
            "product.id": f("id"),
            "product.name": f("str", "eq", "in", "cont"),
            "product.category": f("str"),
            "product.manufacturer_sku.id": f("id"),
            "product.manufacturer_sku.name": f("str"),
            "status": f("enum", "eq", "in"),
            "tenant_domain": f("str", "eq", "in", "cont"),
            "term.starts_at": f("datetime"),
            "term.ends_at": f("datetime"),
            "term.is_auto_renewed": f("bool"),
            "subscriptions.id": f("id"),
        },
        frozenset({"client.name", "product.name", "status", "term.starts_at", "term.ends_at"}),
    ),
    ListSpec(
        "/core/v1/service/contracts",
        "core",
        "contracts",
        {
            "id": f("id"),
            "name": f("str", "eq", "in", "cont"),
            "client.id": f("id", "eq", "in"),
            "client.name": f("str", "eq", "in", "cont"),
            "contact.id": f("id"),
            "is_recurring": f("bool"),
            "type": f("enum", "eq", "in"),
            "term.starts_at": f("datetime"),
            "term.ends_at": f("datetime"),
            "term.is_auto_renew": f("bool"),
            "term.billing_period": f("enum", "eq", "in"),
            "source_type": f("str"),
            "is_addendum": f("bool"),
            "parent_contract.id": f("id"),
            "parent_contract.name": f("str"),
            "status": f("enum", "eq", "in"),
        },
        frozenset({"name", "status", "type", "term.starts_at", "term.ends_at", "client.name"}),
    ),
    ListSpec(
        "/core/v1/service/tickets",
        "core",
        "tickets",
        {
            "id": f("id"),
            "owner_member.id": f("id"),
            "responsible_member.id": f("id"),
            **_CLIENT,
            "contact.id": f("id"),
            "contract.id": f("id"),
            "contract.name": f("str"),
            "board.id": f("id"),
            "board.name": f("str", "eq", "in", "cont"),
            "category": f("str", "eq", "in"),
            "is_child_ticket": f("bool"),
            "is_long_ticket": f("bool"),
            "timeline.created_at": f("datetime"),
            "timeline.updated_at": f("datetime"),
            "timeline.responded_at": f("datetime"),
        },
        frozenset({"timeline.created_at", "timeline.updated_at", "category", "client.name"}),
    ),
    ListSpec(
        "/quoter/v1/items",
        "quoter",
        "quoter_items",
        {
            "category_id": f("id", "eq"),
            "code": f("str", "eq"),
            "manufacturer_id": f("id", "eq"),
            "name": f("str", "eq", "cont"),
            "sku": f("str", "eq"),
            "supplier_id": f("id", "eq"),
            **_QUOTER_DATES,
        },
        _QUOTER_SORTS,
        **_QUOTER_LIST,
    ),
    ListSpec(
        "/quoter/v1/categories",
        "quoter",
        "quoter_categories",
        {"parent_category_id": f("id", "eq"), "name": f("str", "eq", "cont"), **_QUOTER_DATES},
        _QUOTER_SORTS,
        **_QUOTER_LIST,
    ),
    ListSpec(
        "/quoter/v1/contacts",
        "quoter",
        "quoter_contacts",
        {
            "id": f("id", "eq"),
            "client.id": f("id", "eq"),
            "billing_email": f("str", "eq"),
            "email": f("str", "eq"),
            "first_name": f("str", "eq", "cont"),
            "last_name": f("str", "eq", "cont"),
            "phone": f("str", "eq"),
            "organization": f("str", "eq", "cont"),
            "address": f("str", "eq"),
            "city": f("str", "eq"),
            "country": f("str", "eq"),
            "region": f("str", "eq"),
            "postal_code": f("str", "eq"),
            "record_created_at": f("datetime", "gt", "lt"),
        },
        frozenset({"id", "last_name", "record_created_at", "record_updated_at"}),
        **_QUOTER_LIST,
    ),
    ListSpec(
        "/quoter/v1/quotes",
        "quoter",
        "quotes",
        {
            "expired_at": f("datetime", "gt", "lt"),
            **_QUOTER_DATES,
            "won_at": f("datetime", "gt", "lt"),
            "client.id": f("id", "eq"),
            "custom_number": f("str", "eq"),
            "draft": f("bool"),
            "email_status": f("str", "eq"),
            "id": f("id", "eq"),
            "lm_initiative_id": f("id", "eq"),
            "name": f("str", "eq", "cont"),
            "primary": f("bool"),
            "recurring_interval": f("str", "eq"),
            "stage": f("str", "eq"),
            "uuid": f("str", "eq"),
        },
        _QUOTER_SORTS,
        **_QUOTER_LIST,
    ),
    ListSpec(
        "/lifecycle-manager/v1/assets/hardware/lifecycles",
        "lifecycle-manager",
        "hardware_lifecycles",
        {"client_id": f("id", "eq"), "serial_number": f("str", "eq")},
        frozenset({"name", "purchase_date", "warranty_expiry_date"}),
        has_single=False,
    ),
    ListSpec(  # documented exceptions: page_size at most 100, `sort=name` rejected
        "/lifecycle-manager/v1/assets/software",
        "lifecycle-manager",
        "installed_software",
        {
            "client.id": f("id", "eq"),
            "hardware_asset.id": f("id", "eq"),
            "hardware_asset.type": f("enum", "eq"),
            "product.category": f("str", "eq"),
            "version.status": f("enum", "eq"),
        },
        frozenset({"product.name", "publisher.name", "hardware_asset.name"}),
        max_page_size=100,
        has_single=False,
        extra=_search_product,
    ),
    ListSpec(
        "/lifecycle-manager/v1/initiatives",
        "lifecycle-manager",
        "initiatives",
        {
            **_INITIATIVE_FILTERS,
            "assigned_user_id": f("id", "eq"),
            "created_at": f("datetime"),
            "updated_at": f("datetime"),
        },
        _INITIATIVE_SORTS,
        single_wrap="initiative",
    ),
    ListSpec(
        "/lifecycle-manager/v2/initiatives",
        "lifecycle-manager",
        "initiatives",
        _INITIATIVE_FILTERS,
        _INITIATIVE_SORTS,
        has_single=False,
        extra=_v2_initiatives,
    ),
    ListSpec(
        "/lifecycle-manager/v1/assessments",
        "lifecycle-manager",
        "assessments",
        {
            "client.id": f("id", "eq"),
            "status": f("enum", "eq"),
            "assessment_template_id": f("id", "eq"),
        },
        frozenset({"title", "evaluated_at", "overall_score", "status"}),
        single_wrap="assessment",
        extra=_search_title,
    ),
)

# The emulator-only offset-paged endpoint serves the same records as Core hardware.
OFFSET_PATH = "/sandbox/v1/assets/hardware"
_HARDWARE_SPEC = next(s for s in LISTS if s.path == "/core/v1/assets/hardware")

# GETs the real Quoter answers 403 ERR_PERMISSION_DENIED (method-scoped permissions).
QUOTER_FORBIDDEN = ("/quoter/v1/line-items",)


class ResultCache:
    """Matching record indices per (endpoint, filters, sort), so a cursor walk filters once.

    Bounded by entries and by the indices they hold together (8 bytes each), so a huge tenant
    cannot fill memory with cached queries.
    """

    def __init__(self, capacity: int = 24, max_indices: int = 4_000_000) -> None:
        self._items: OrderedDict[tuple[Any, ...], Sequence[int]] = OrderedDict()
        self._capacity, self._max_indices = capacity, max_indices
        self._lock = threading.Lock()
        self._building: dict[tuple[Any, ...], threading.Lock] = {}

    def get_or_build(
        self, key: tuple[Any, ...], build: Callable[[], Sequence[int]]
    ) -> Sequence[int]:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:  # concurrent pages of one new query build it once
            with self._lock:
                found = self._items.get(key)
            if found is not None:
                return found
            result = build()
        with self._lock:
            self._building.pop(key, None)
            self._items[key] = result
            while len(self._items) > 1 and (
                len(self._items) > self._capacity
                or sum(len(v) for v in self._items.values()) > self._max_indices
            ):
                self._items.popitem(last=False)
        return result


def _matching(
    coll: Collection, predicates: list[Predicate], sorts: tuple[tuple[str, bool], ...]
) -> Sequence[int]:
    if not predicates and not sorts:
        return range(coll.count)
    paths = [name.split(".") for name, _ in sorts]
    kept = array("l")
    sort_values: list[tuple[Any, ...]] = []
    for i in range(coll.count):
        rec = coll.record(i)
        if all(p(rec) for p in predicates):
            kept.append(i)
            if sorts:
                sort_values.append(tuple(value_at(rec, path) for path in paths))
    if not sorts:
        return kept
    order = list(range(len(kept)))
    for position in range(len(sorts) - 1, -1, -1):  # stable sorts, least significant key first
        descending = sorts[position][1]
        order.sort(key=lambda k: sort_key(sort_values[k][position]), reverse=descending)
    return array("l", (kept[k] for k in order))


class ScalePadApi:
    """Answers every request under /core, /quoter, /lifecycle-manager and /sandbox/v1."""

    PREFIXES = ("/core/", "/quoter/", "/lifecycle-manager/", "/sandbox/v1/")

    def __init__(
        self,
        tenant: Tenant,
        credentials: Credentials,
        config: SandboxConfig,
        limiter: SlidingWindowLimiter | None,
    ) -> None:
        self.tenant, self.credentials, self.config, self.limiter = (
            tenant,
            credentials,
            config,
            limiter,
        )
        self.cache = ResultCache()
        self._lists = {spec.path: spec for spec in LISTS}
        self._subscriptions = {
            credentials.api_key: frozenset(
                p for p in PRODUCT_NAMES if p not in config.unsubscribed
            ),
            credentials.alt_api_key: frozenset({"core", "quoter"}),
        }

    @classmethod
    def owns(cls, path: str) -> bool:
        return path.startswith(cls.PREFIXES)

    # ------------------------------------------------------------------ entry
    def handle(self, method: str, path: str, params: Params, headers: Message) -> Reply:
        key = self._api_key(headers)
        if key is None or key not in self._subscriptions:
            return json_reply(401, UNAUTHORIZED_BODY)
        if self.limiter is not None:
            wait = self.limiter.admit("key:" + key)
            if wait is not None:
                return text_reply(429, "Too Many Requests", headers=[("Retry-After", str(wait))])
        product = _product_of(path)
        if product not in self._subscriptions[key]:
            return self._error(
                product, 402, "PAYMENT_REQUIRED", "Payment Required",
                f"Your account is not subscribed to {PRODUCT_NAMES[product]}.",
            )  # fmt: skip
        path = path.rstrip("/") or "/"
        try:
            return self._route(method, path, params, product)
        except ListingError as exc:
            return self._error(product, 400, exc.code, exc.title, exc.detail, exc.parameter)

    @staticmethod
    def _api_key(headers: Message) -> str | None:
        """The key from a header named exactly `x-api-key`; other casings do not count."""
        for name, value in headers.items():
            if name == "x-api-key":
                return value.strip()
        return None

    def _route(self, method: str, path: str, params: Params, product: str) -> Reply:
        spec = self._lists.get(path)
        if path == OFFSET_PATH:
            return self._check_get(method, product) or self._offset_page(params)
        if spec is not None:
            return self._check_get(method, product) or self._cursor_page(spec, params)
        if path == "/core/v1/integrations/configurations":
            return self._check_get(method, product) or json_reply(
                200, {"data": self.tenant.integrations}
            )
        if path in QUOTER_FORBIDDEN or (
            path.startswith("/quoter/v1/quotes/") and path.endswith("/sections")
        ):
            return self._error(
                product,
                403,
                "ERR_PERMISSION_DENIED",
                "Forbidden",
                "User does not have permission for this action",
            )
        parent, _, record_id = path.rpartition("/")
        spec = self._lists.get(parent)
        if spec is not None and spec.has_single and record_id:
            return self._check_get(method, product) or self._single(spec, record_id)
        if product == "quoter":  # the real Quoter answers unknown paths with a non-JSON page
            return text_reply(
                404,
                "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>",
                content_type="text/html; charset=utf-8",
            )
        return self._error(product, 404, "NOT_FOUND", "Not Found", f"No resource exists at {path}.")

    def _check_get(self, method: str, product: str) -> Reply | None:
        if method in ("GET", "HEAD"):
            return None
        return self._error(
            product,
            405,
            "METHOD_NOT_ALLOWED",
            "Method Not Allowed",
            f"The sandbox serves reads only; {method} is not emulated.",
        )

    def _error(
        self,
        product: str,
        status: int,
        code: str,
        title: str,
        detail: str,
        parameter: str | None = None,
    ) -> Reply:
        item: dict[str, Any]
        if product == "quoter":  # Quoter names the code `key` and has its own codes
            quoter_key = (
                code
                if code.startswith("ERR_")
                else {400: "ERR_REQUEST_FORMAT_INVALID", 404: "ERR_NOT_FOUND"}.get(status, code)
            )
            item = {"key": quoter_key, "title": title, "detail": detail}
        else:
            item = {"code": code, "title": title, "detail": detail}
        if parameter:
            item["source"] = {"parameter": parameter}
        return json_reply(status, {"errors": [item]})

    # ------------------------------------------------------------------ lists
    def _select(self, spec: ListSpec, params: Params) -> Sequence[int]:
        coll: Collection = getattr(self.tenant, spec.collection)
        predicates, filter_key = parse_filters(params, spec.filters)
        sorts = parse_sort(_last(params, "sort"), spec.sortable)
        extra_key = ""
        if spec.extra is not None:
            extra, extra_key = spec.extra(params)
            if extra is not None:
                predicates.append(extra)
        if not predicates and not sorts:
            return range(coll.count)
        key = (spec.path, filter_key, sorts, extra_key)
        return self.cache.get_or_build(key, lambda: _matching(coll, predicates, sorts))

    def _project(self, spec: ListSpec, params: Params) -> Callable[[Record], Record] | None:
        raw = _last(params, "fields") if spec.projection else None
        if not raw or not raw.strip():
            return None
        wanted = [name.strip() for name in raw.split(",") if name.strip()]
        sample = getattr(self.tenant, spec.collection).record(0)
        unknown = [name for name in wanted if name not in sample]
        if unknown:
            raise ListingError(
                "ERR_REQUEST_FORMAT_INVALID", "Bad Request",
                f"Unknown field(s) in fields: {', '.join(unknown)}.", "fields",
            )  # fmt: skip
        return lambda rec: {name: rec.get(name) for name in wanted}

    def _cursor_page(self, spec: ListSpec, params: Params) -> Reply:
        size = parse_page_size(
            _last(params, "page_size"), spec.default_page_size, spec.max_page_size,
            clamp=self.config.oversize_page == "clamp",
        )  # fmt: skip
        cursor = _last(params, "cursor")
        offset = decode_cursor(cursor) if cursor else 0
        project = self._project(spec, params)
        indices = self._select(spec, params)
        total = len(indices)
        start = offset
        if self.config.nonatomic_paging:  # repeat one record on page 2, skip one on page 3
            if offset == size:
                start = size - 1
            elif offset == 2 * size - 1:
                start = 2 * size
        end = min(start + size, total)
        coll: Collection = getattr(self.tenant, spec.collection)
        records = [coll.record(indices[i]) for i in range(start, end)]
        if project is not None:
            records = [project(r) for r in records]
        body: dict[str, Any] = {"data": records, "total_count": total}
        if end < total:
            body["next_cursor"] = encode_cursor(end)
        elif self.config.null_next_cursor:
            body["next_cursor"] = None
        return json_reply(200, body)

    def _offset_page(self, params: Params) -> Reply:
        raw_page = _last(params, "page")
        try:
            page = int(raw_page) if raw_page not in (None, "") else 1
        except ValueError:
            page = 0
        if page < 1:
            raise ListingError(
                "INVALID_PAGE", "Invalid page", "page must be a whole number from 1.", "page"
            )
        spec = _HARDWARE_SPEC
        size = parse_page_size(
            _last(params, "page_size"), spec.default_page_size, spec.max_page_size,
            clamp=self.config.oversize_page == "clamp",
        )  # fmt: skip
        indices = self._select(spec, params)
        total = len(indices)
        start = (page - 1) * size
        end = min(start + size, total)
        coll = self.tenant.hardware
        records = [coll.record(indices[i]) for i in range(start, end)] if start < total else []
        return json_reply(
            200,
            {
                "data": records,
                "total_count": total,
                "page": page,
                "page_size": size,
                "has_more": end < total,
            },
        )

    def _single(self, spec: ListSpec, record_id: str) -> Reply:
        coll: Collection = getattr(self.tenant, spec.collection)
        record = coll.find(record_id)
        if record is None:
            return self._error(spec.product, 404, "NOT_FOUND", "Not Found", "Record not found")
        if spec.collection == "assessments":
            record = self.tenant.assessment_detail(record)
        return json_reply(200, {spec.single_wrap: record} if spec.single_wrap else record)


def _product_of(path: str) -> str:
    if path.startswith("/quoter/"):
        return "quoter"
    if path.startswith("/lifecycle-manager/"):
        return "lifecycle-manager"
    return "core"


def _last(params: Params, name: str) -> str | None:
    found = None
    for key, value in params:
        if key == name:
            found = value
    return found
