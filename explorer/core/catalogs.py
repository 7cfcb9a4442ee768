"""The bundled catalogs (resources/catalogs/*.json), profile presets, and loading any catalog source.

A profile's `catalog` is one string: a bundled name (`"scalepad"`), several joined with `+`
(`"scalepad+sandbox+scout"`, merged into one tree), an OpenAPI or catalog file path, or an http(s)
URL. `load_catalog` accepts all of them; file reading and parsing run in a worker thread.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from explorer import resources
from explorer.core.catalog import Catalog, Endpoint, Product, Resource
from explorer.core.errors import SpecError

BUNDLED = ("scalepad", "scout", "sandbox")

# ScalePad's published OpenAPI documents (reachable only when online); a profile may use them
# instead of the bundled catalog.
OFFICIAL_DOCUMENTS = {
    "ScalePad Core API (official OpenAPI)": "https://developer.scalepad.com/openapi/core-api.json",
    "ScalePad Quoter API (official OpenAPI)": "https://developer.scalepad.com/openapi/quoter-api.json",
}

# The official documents use product-relative paths (`/v1/clients` on https://api.scalepad.com)
# while the public path carries the product prefix (`/core/v1/clients`), scalepad-api.md §1, §13.
OFFICIAL_PATH_PREFIXES = {
    "https://developer.scalepad.com/openapi/core-api.json": "/core",
    "https://developer.scalepad.com/openapi/quoter-api.json": "/quoter",
}

Fetch = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True)
class ProfilePreset:
    """Defaults for a new profile; the profile dialog fills its fields from one of these."""

    key: str
    name: str
    base_url: str
    auth_kind: str  # "api_key", "jwt" or "none" (settings.AuthKind values)
    catalog: str
    description: str = ""
    # Alternatives offered next to base_url (ScalePad's regional hosts).
    base_urls: tuple[str, ...] = ()
    # Other catalog sources offered for this preset (official documents by URL).
    catalog_sources: tuple[str, ...] = ()
    # Field values of settings.JwtSettings for a JWT login; empty means "use JwtSettings()".
    jwt: dict[str, object] = field(default_factory=dict)
    rate_limit: int = 50
    rate_period_s: float = 5.0
    page_size: int = 200


SCALEPAD_HOSTS = (
    "https://api.scalepad.com",
    "https://eu.api.scalepad.com",
    "https://ca.api.scalepad.com",
    "https://au.api.scalepad.com",
)

# The Scout login as the sandbox emulates it (scout-api.md §5-6); names match settings.JwtSettings.
SCOUT_JWT = {
    "login_path": "/v1/Token",
    "body_encoding": "json",
    "username_field": "username",
    "password_field": "password",
    "token_field": "token",
    "expires_in_field": "expiresIn",
    "expiration_field": "expiration",
    "renew_path": "/v1/Token/Renew",
    "renew_token_field": None,
    "header_name": "Authorization",
    "header_prefix": "Bearer ",
    "renew_at": 0.8,
    "default_lifetime_s": 1800.0,
}

PRESETS: dict[str, ProfilePreset] = {
    "scalepad": ProfilePreset(
        key="scalepad",
        name="ScalePad",
        base_url=SCALEPAD_HOSTS[0],
        auth_kind="api_key",
        catalog="scalepad",
        description=(
            "ScalePad API with an API key (x-api-key). Core, Quoter and Lifecycle Manager live on "
            "the US host only; ControlMap and Backup Radar also on regional hosts."
        ),
        base_urls=SCALEPAD_HOSTS,
        catalog_sources=("scalepad", *OFFICIAL_DOCUMENTS.values()),
        rate_limit=50,
        rate_period_s=5.0,
        page_size=200,
    ),
    "scout": ProfilePreset(
        key="scout",
        name="Scout",
        base_url="https://",
        auth_kind="jwt",
        catalog="scout",
        description=(
            "Scout Systems API: log in with an HQ user that has API permission; the token is "
            "renewed before it expires. Paths follow the sandbox's emulation; adjust if yours differ."
        ),
        jwt=dict(SCOUT_JWT),
    ),
    # The demo: ScalePad answers an API key and Scout a JWT login, so the built-in sandbox needs
    # two profiles on the same local server (the demo fills in its port and credentials).
    "sandbox": ProfilePreset(
        key="sandbox",
        name="Demo",
        base_url="http://127.0.0.1",
        auth_kind="api_key",
        catalog="scalepad+sandbox",
        description="The built-in sandbox's ScalePad emulation plus its offset-paged extra endpoint.",
    ),
    "sandbox_scout": ProfilePreset(
        key="sandbox_scout",
        name="Demo Scout",
        base_url="http://127.0.0.1",
        auth_kind="jwt",
        catalog="scout",
        description="The built-in sandbox's Scout emulation (JWT login).",
        jwt=dict(SCOUT_JWT),
    ),
    "openapi": ProfilePreset(
        key="openapi",
        name="Any OpenAPI API",
        base_url="https://",
        auth_kind="api_key",
        catalog="",
        description="Any API with an OpenAPI 3.0/3.1 document (JSON or YAML, file or URL).",
    ),
}


@functools.cache
def load_bundled(name: str) -> Catalog:
    """One bundled catalog by name; cached (catalogs are immutable)."""
    if name not in BUNDLED:
        raise SpecError(
            f"There is no bundled catalog named {name!r}",
            explanation=f"Choose one of: {', '.join(BUNDLED)}, or give an OpenAPI file or URL.",
        )
    try:
        text = resources.read_text("catalogs", f"{name}.json")
    except OSError as exc:
        raise SpecError(
            f"The bundled catalog {name!r} is missing from this installation ({exc})",
            explanation="Reinstall the application; its resources folder is incomplete.",
        ) from exc
    return Catalog.from_json(text, source=f"bundled:{name}")


def merge_catalogs(name: str, *catalogs: Catalog) -> Catalog:
    """One tree from several catalogs: products and resources of the same name are joined.

    An endpoint id that appears twice keeps its first definition, so the order says which wins.
    """
    products: dict[str, dict[str, list[Endpoint]]] = {}
    descriptions: dict[tuple[str, ...], str] = {}
    seen: set[str] = set()
    for catalog in catalogs:
        for product in catalog.products:
            resources_of = products.setdefault(product.name, {})
            descriptions.setdefault((product.name,), product.description)
            for resource in product.resources:
                endpoints = resources_of.setdefault(resource.name, [])
                descriptions.setdefault((product.name, resource.name), resource.description)
                for endpoint in resource.endpoints:
                    if endpoint.id not in seen:
                        seen.add(endpoint.id)
                        endpoints.append(endpoint)
    servers: list[str] = []
    for catalog in catalogs:
        servers.extend(s for s in catalog.servers if s not in servers)
    return Catalog(
        name=name,
        products=tuple(
            Product(
                name=pname,
                description=descriptions[(pname,)],
                resources=tuple(
                    Resource(rname, tuple(eps), descriptions[(pname, rname)])
                    for rname, eps in res.items()
                ),
            )
            for pname, res in products.items()
        ),
        servers=tuple(servers),
        auth_hint=next((c.auth_hint for c in catalogs if c.auth_hint), ""),
        source="+".join(c.source for c in catalogs),
    )


def with_path_prefix(catalog: Catalog, prefix: str) -> Catalog:
    """Every endpoint path (and every link to one) under `prefix`, unless already there."""
    prefix = "/" + prefix.strip("/")

    def moved(path: str) -> str:
        return path if path == prefix or path.startswith(prefix + "/") else prefix + path

    def moved_id(endpoint_id: str) -> str:
        method, _, path = endpoint_id.partition(" ")
        return f"{method} {moved(path)}"

    def move(endpoint: Endpoint) -> Endpoint:
        links = tuple(
            replace(lk, target_endpoint=moved_id(lk.target_endpoint)) for lk in endpoint.links
        )
        return replace(endpoint, path=moved(endpoint.path), links=links)

    return replace(
        catalog,
        products=tuple(
            replace(
                p,
                resources=tuple(
                    replace(r, endpoints=tuple(move(e) for e in r.endpoints)) for r in p.resources
                ),
            )
            for p in catalog.products
        ),
    )


def bundled_spec(spec: str) -> tuple[str, ...] | None:
    """The bundled names in `"scalepad"` or `"scalepad+scout"`, or None if it is not that."""
    names = tuple(part.strip() for part in spec.split("+"))
    if names and all(n in BUNDLED for n in names):
        return names
    return None


def load_bundled_spec(names: tuple[str, ...]) -> Catalog:
    if len(names) == 1:
        return load_bundled(names[0])
    loaded = [load_bundled(n) for n in names]
    return merge_catalogs(" + ".join(c.name for c in loaded), *loaded)


async def load_catalog(
    spec: str, *, fetch: Fetch | None = None, verify: bool | str = True
) -> Catalog:
    """A catalog from a bundled name (or `a+b` names), a file path, or an http(s) URL.

    `fetch(url) -> bytes` replaces the default download (tests, a profile's TLS settings);
    `verify` is httpx's TLS setting for the default download (False or a CA bundle path).
    """
    import asyncio

    spec = spec.strip()
    if not spec:
        raise SpecError(
            "No catalog was given",
            explanation="Choose a bundled catalog or give an OpenAPI file or URL.",
        )
    names = bundled_spec(spec)
    if names is not None:
        return await asyncio.to_thread(load_bundled_spec, names)
    from explorer.core import openapi

    catalog: Catalog = await openapi.load_async(spec, fetch=fetch, verify=verify)
    prefix = OFFICIAL_PATH_PREFIXES.get(spec)
    if prefix and any(e.path.startswith("/v") for e in catalog.endpoints()):
        catalog = with_path_prefix(catalog, prefix)
    return catalog
