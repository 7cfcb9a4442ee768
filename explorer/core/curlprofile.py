"""Which profile a pasted cURL request opens on, with which credential, as which query.

A saved profile matches when its base URL has the request's origin (scheme, host, port) and its
base path prefixes the request's path; among several (the demo's ScalePad and Scout profiles share
one server) the one whose catalog lists the path wins, then the one whose scheme fits the
command's credential, then the longest base path. Without a match, a temporary profile is made
from the origin and the credential's scheme, with the bundled catalog of a known host (or of the
path), else none: the path then opens as an unlisted endpoint.

A command's credential is used for this session only and never saved. When it differs from what
the matched profile keeps, it is used in a temporary copy of that profile (its own name, its own
rate budget, the profile's catalog and settings), and `notes` says so in plain words; the saved
profile and its secret stay as they were.

The window and `explorer-cli export --from-curl` both plan through `plan_curl`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from explorer.core import catalogs
from explorer.core.catalog import Catalog, Endpoint, unlisted_endpoint
from explorer.core.client import SecretSource, secret_name
from explorer.core.curl import CurlCredential, CurlRequest
from explorer.core.errors import ExplorerError, QueryError
from explorer.core.query import Query, parse_url
from explorer.core.secrets import Credentials
from explorer.core.settings import ApiKeySettings, AuthKind, JwtSettings, OAuth2Settings, Profile

TEMPORARY_SUFFIX = " (from cURL)"
NO_CATALOG = ""  # a temporary profile of an unknown API: paths open as pasted

CatalogLoader = Callable[[Profile], Awaitable[Catalog]]


@dataclass(frozen=True)
class CurlPlan:
    """What opening a pasted request means: the profile, its catalog, the endpoint and query."""

    request: CurlRequest
    profile: Profile  # the one to open: a saved profile, or a temporary one (`temporary`)
    catalog: Catalog
    endpoint: Endpoint
    query: Query
    temporary: bool = False  # `profile` is not saved; keep it (and `credential`) for this session
    saved: Profile | None = None  # the saved profile the URL matched, if any
    credential: CurlCredential | None = None  # the secret `profile` uses, from the command
    reused: bool = False  # `profile` is a temporary one of this session already, same secret
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        kind = "temporary profile" if self.temporary else "profile"
        return f"{self.endpoint.method} {self.endpoint.path} on the {kind} {self.profile.name!r}"

    def headline(self, verb: str) -> str:
        """`Opens GET /path on the profile 'X'.` and the first note (a temporary profile's note
        names the profile itself)."""
        what = f"{self.endpoint.method} {self.endpoint.path}"
        head = f"{verb} {what}." if self.temporary else f"{verb} {self.summary()}."
        return f"{head} {self.notes[0]}" if self.notes else head


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _base_path(profile: Profile) -> str:
    return urlsplit(profile.base_url).path.rstrip("/")


def matching_profiles(url: str, profiles: Sequence[Profile]) -> list[Profile]:
    """Profiles whose base URL has the URL's origin and a base path prefixing its path,
    longest base path first."""
    parts = urlsplit(url)
    path = parts.path or "/"
    found = []
    for profile in profiles:
        if _origin(urlsplit(profile.base_url)) != _origin(parts):
            continue
        base = _base_path(profile)
        if base and not (path == base or path.startswith(base + "/")):
            continue
        found.append(profile)
    return sorted(found, key=lambda p: -len(_base_path(p)))


def relative_request(url: str, profile: Profile) -> str:
    """The request's path and query relative to the profile's base URL (`/core/v1/...?...`)."""
    parts = urlsplit(url)
    path = (parts.path or "/")[len(_base_path(profile)) :] or "/"
    return urlunsplit(("", "", path, parts.query, ""))


def query_for(relative: str, catalog: Catalog) -> tuple[Endpoint, Query]:
    """The endpoint and query a relative URL means in a catalog (unlisted paths too)."""
    query = parse_url(relative, catalog, allow_unlisted=True)
    endpoint = catalog.find(query.endpoint_id)
    if endpoint is None:
        endpoint = unlisted_endpoint(query.endpoint_id.partition(" ")[2])
    return endpoint, query


def _lists(catalog: Catalog, relative: str) -> bool:
    try:
        parse_url(relative, catalog)
    except QueryError:
        return False
    return True


def _fits(profile: Profile, credential: CurlCredential | None) -> bool:
    """Whether the profile's scheme sends the kind of credential the command carries."""
    if credential is None:
        return True
    if credential.kind is AuthKind.API_KEY:
        return profile.auth_kind is AuthKind.API_KEY and _same_placement(
            profile.key_placement, credential.placement
        )
    if credential.kind is AuthKind.BEARER:
        return profile.auth_kind in (AuthKind.BEARER, AuthKind.JWT, AuthKind.OAUTH2)
    return profile.auth_kind is credential.kind


def _same_placement(a: ApiKeySettings, b: ApiKeySettings) -> bool:
    return (a.location, a.name.lower(), a.prefix.strip().lower()) == (
        b.location,
        b.name.lower(),
        b.prefix.strip().lower(),
    )


async def _default_loader(profile: Profile) -> Catalog:
    from explorer.core.session import load_profile_catalog

    return await load_profile_catalog(profile)


async def plan_curl(
    request: CurlRequest,
    profiles: Sequence[Profile],
    secrets: SecretSource,
    *,
    session_profiles: Sequence[Profile] = (),
    load_catalog: CatalogLoader = _default_loader,
) -> CurlPlan:
    """Plan opening `request`: on a saved profile (`profiles`), a temporary profile of this
    session with the same secret (`session_profiles`, reused), or a new temporary one."""
    scheme = request.credential  # what the command sends; a placeholder names only the scheme
    credential = scheme if scheme is not None and not scheme.placeholder else None
    chosen: tuple[Profile, Catalog] | None = None
    best: tuple[bool, bool] | None = None
    failure: ExplorerError | None = None
    for profile in matching_profiles(request.url, profiles):
        try:
            catalog = await load_catalog(profile)
        except ExplorerError as exc:  # an unreachable document: try the other candidates
            failure = failure or exc
            continue
        score = (_lists(catalog, relative_request(request.url, profile)), _fits(profile, scheme))
        if best is None or score > best:
            chosen, best = (profile, catalog), score
    if chosen is None and failure is not None:
        raise failure
    if chosen is not None:
        saved, catalog = chosen
        if credential is None or await _keeps(secrets, saved, credential):
            same = (
                ()
                if credential is None
                else (
                    f"The command's credential ({credential.source}) is the one saved in the "
                    f"profile {saved.name!r}.",
                )
            )
            endpoint, query = query_for(relative_request(request.url, saved), catalog)
            notes = (*same, *request.notes)
            return CurlPlan(request, saved, catalog, endpoint, query, saved=saved, notes=notes)
        wanted = _with_credential(saved, f"{saved.name}{TEMPORARY_SUFFIX}", credential)
    else:
        saved = None
        wanted = await _temporary_profile(request, scheme)
        catalog = await load_catalog(wanted)
    reused = await _same_session_profile(wanted, credential, session_profiles, secrets)
    if reused is not None:
        profile = reused
    else:
        taken = {p.name for p in (*profiles, *session_profiles)}
        profile = wanted.with_changes(name=_unique(wanted.name, taken))
    said = await _temporary_note(request, profile, saved, credential, secrets)
    endpoint, query = query_for(relative_request(request.url, profile), catalog)
    return CurlPlan(
        request,
        profile,
        catalog,
        endpoint,
        query,
        temporary=True,
        saved=saved,
        credential=credential,
        reused=reused is not None,
        notes=(said, *request.notes),  # what the profile and credential mean comes first
    )


async def _temporary_note(
    request: CurlRequest,
    profile: Profile,
    saved: Profile | None,
    credential: CurlCredential | None,
    secrets: SecretSource,
) -> str:
    """What opening on a temporary profile means, in words (the CLI and the window say it)."""
    if saved is not None and credential is not None:
        own = secret_name(saved.auth_kind)
        keeps = f"keeps its own {own}" if await secrets.get(saved.name) else f"has no {own} saved"
        return (
            f"The {secret_name(credential.kind)} from the command ({credential.source}) is used "
            f"for this session only, in the temporary profile {profile.name!r}; the saved "
            f"profile {saved.name!r} {keeps} and is not changed."
        )
    with_what = ""
    if credential is not None:
        with_what = (
            f", with the {secret_name(credential.kind)} from the command ({credential.source})"
        )
    return (
        f"No saved profile has the address {request.origin}: the temporary profile "
        f"{profile.name!r} opens it for this session{with_what}."
    )


async def _keeps(secrets: SecretSource, profile: Profile, credential: CurlCredential) -> bool:
    """Whether the profile already sends exactly this credential."""
    if not _fits(profile, credential) or profile.auth_kind is AuthKind.JWT:
        return False
    stored = await secrets.get(profile.name)
    if not stored:
        return False
    have = Credentials.decode(stored)
    return (have.secret, have.identity) == (credential.secret, credential.identity)


def _with_credential(profile: Profile, name: str, credential: CurlCredential | None) -> Profile:
    """A copy of `profile` that sends `credential`'s kind (the secret goes to the store)."""
    if credential is None:
        return profile.with_changes(name=name)
    return profile.with_changes(
        name=name,
        auth_kind=credential.kind,
        key_placement=credential.placement,
        username=None,
        jwt=JwtSettings(),
        oauth2=OAuth2Settings(),
        scheme_name="",
    )


async def _temporary_profile(request: CurlRequest, credential: CurlCredential | None) -> Profile:
    parts = urlsplit(request.url)
    host = parts.netloc.lower()
    base = Profile(
        name=f"{host}{TEMPORARY_SUFFIX}",
        base_url=f"{parts.scheme.lower()}://{host}",
        auth_kind=AuthKind.NONE,
        catalog=await _catalog_for(request),
    )
    preset = catalogs.PRESETS["scalepad"]
    if base.catalog == preset.catalog:
        base = base.with_changes(
            rate_limit=preset.rate_limit,
            rate_period_s=preset.rate_period_s,
            page_size=preset.page_size,
        )
    return _with_credential(base, base.name, credential)


async def _catalog_for(request: CurlRequest) -> str:
    """The bundled catalog of a known host, else the one that lists the path, else none."""
    import asyncio

    if request.origin in {h.lower() for h in catalogs.SCALEPAD_HOSTS}:
        return catalogs.PRESETS["scalepad"].catalog
    relative = urlunsplit(("", "", request.path, urlsplit(request.url).query, ""))
    for name in ("scalepad", "scout"):
        catalog = await asyncio.to_thread(catalogs.load_bundled, name)
        if _lists(catalog, relative):
            return name
    return NO_CATALOG


async def _same_session_profile(
    wanted: Profile,
    credential: CurlCredential | None,
    session_profiles: Sequence[Profile],
    secrets: SecretSource,
) -> Profile | None:
    """A temporary profile of this session for the same API and scheme with the same secret."""
    for profile in session_profiles:
        if not profile.name.startswith(wanted.name.removesuffix(TEMPORARY_SUFFIX)):
            continue
        same = (profile.base_url, profile.catalog, profile.auth_kind, profile.key_placement) == (
            wanted.base_url,
            wanted.catalog,
            wanted.auth_kind,
            wanted.key_placement,
        )
        if not same:
            continue
        stored = await secrets.get(profile.name)
        if (stored or None) == (credential.encode() if credential else None):
            return profile
    return None


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} {number}" in taken:
        number += 1
    return f"{name} {number}"
