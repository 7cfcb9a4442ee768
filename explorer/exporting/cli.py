"""`explorer-cli export` and `explorer-cli endpoints`.

    explorer-cli export ENDPOINT --out FILE.csv|FILE.xlsx [--profile NAME | --base-url URL]
        [--filter 'FIELD=OP:VALUE']... [--sort SPEC] [--page-size N] [--columns a,b.c]
        [--param NAME=VALUE]... [--rate N/SECONDS] [--timeout SECONDS] [--max-response-mb MB]
        [--resume] [--paging STYLE] [--max-pages N] [--har FILE.har]
    explorer-cli export --from-curl 'curl …' --out FILE.csv [--columns ...] [--page-size N] ...
    explorer-cli endpoints [--profile NAME | --spec FILE_OR_URL] [--details]

Credentials: a profile's secret comes from the keychain; the environment overrides it, by scheme:
EXPLORER_API_KEY (API key), EXPLORER_TOKEN (bearer), EXPLORER_USERNAME and EXPLORER_PASSWORD (basic,
JWT login), EXPLORER_CLIENT_ID and EXPLORER_CLIENT_SECRET (OAuth2 client credentials). With
--base-url they come from those variables only. `--auth NAME` picks the document's security scheme
by its securitySchemes name. They are never printed, and never written to the CSV or its state file.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from explorer.core import catalogs
from explorer.core.auth import scheme_settings
from explorer.core.catalog import (
    Catalog,
    Endpoint,
    unlisted_endpoint,
    with_paging,
    with_profile_paging,
)
from explorer.core.errors import (
    ApiError,
    AuthError,
    ConfigError,
    CurlCommandError,
    ExplorerError,
    Forbidden,
    NetworkError,
    QueryError,
    SecretStoreUnavailable,
    SpecError,
)
from explorer.core.export import (
    CsvOptions,
    ExportError,
    ExportFormat,
    ExportIncomplete,
    ExportOptions,
    ExportProgress,
    ResumeMismatch,
    TooManyRows,
    XlsxOptions,
    partial_path_for,
    read_state,
    state_path_for,
)
from explorer.core.exportjob import ExportJob
from explorer.core.fetch import check_query, request_for
from explorer.core.har import HarRecording
from explorer.core.humanize import format_duration
from explorer.core.query import Query, parse_cli_filter, parse_sort_spec
from explorer.core.ratelimit import BudgetSnapshot, Governors
from explorer.core.requestlog import RequestLog
from explorer.core.safefiles import FileLocked, NotARegularFile
from explorer.core.secrets import Credentials, SecretStore, open_secret_store_async
from explorer.core.session import load_profile_catalog, open_connection
from explorer.core.settings import AuthKind, JwtSettings, Profile, SettingsStore
from explorer.exitcodes import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
)

DEFAULT_CATALOG = "scalepad+sandbox+scout"  # for --base-url without --catalog
ENV_API_KEY = "EXPLORER_API_KEY"
ENV_USERNAME = "EXPLORER_USERNAME"
ENV_PASSWORD = "EXPLORER_PASSWORD"
ENV_TOKEN = "EXPLORER_TOKEN"
ENV_CLIENT_ID = "EXPLORER_CLIENT_ID"
ENV_CLIENT_SECRET = "EXPLORER_CLIENT_SECRET"
#: The environment variables that supply each scheme's credentials (identity first, if any).
ENV_FOR: dict[AuthKind, tuple[str, ...]] = {
    AuthKind.API_KEY: (ENV_API_KEY,),
    AuthKind.BEARER: (ENV_TOKEN,),
    AuthKind.BASIC: (ENV_USERNAME, ENV_PASSWORD),
    AuthKind.JWT: (ENV_USERNAME, ENV_PASSWORD),
    AuthKind.OAUTH2: (ENV_CLIENT_ID, ENV_CLIENT_SECRET),
}
COMMAND_LINE_PROFILE = "command line"
RESUME_HINT = "run the same command with --resume to continue."
TYPO_RATIO = 0.9  # an unlisted path this close to a listed one is taken for a typo of it


class UsageProblem(ExplorerError):
    """Bad arguments: exit status 2 with the explanation."""


# ---------------------------------------------------------------- parsers


def register(subparsers: Any) -> None:
    export = subparsers.add_parser(
        "export",
        help="export every record an endpoint returns to a CSV file or an Excel workbook",
        description="Export every matching record of a list endpoint to CSV or an Excel "
        "workbook, page by page. An interrupted export keeps FILE.partial; run the same command "
        "with --resume to continue it.",
    )
    export.add_argument(
        "endpoint",
        nargs="?",
        metavar="ENDPOINT",
        help='a path such as /core/v1/assets/hardware, or an endpoint id "GET /core/v1/clients"',
    )
    export.add_argument(
        "--out",
        required=True,
        metavar="FILE.csv|FILE.xlsx",
        help="the file to write; a name ending in .xlsx makes an Excel workbook",
    )
    export.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        help="csv or xlsx (default: from the --out extension, else csv). An xlsx export "
        "gathers its rows in FILE.partial and builds the workbook once every row is in",
    )
    export.add_argument(
        "--from-curl",
        metavar="'curl …'",
        help="export the GET request a cURL command describes (bash or Windows cmd quoting, as "
        "a browser's Copy as cURL writes it), given as the text itself, - for standard input or "
        "@FILE: the saved profile of its address, else a temporary one; its credential is used "
        "for this run only, never saved",
    )
    _add_connection_arguments(export)
    export.add_argument(
        "--catalog",
        metavar="NAME_OR_SPEC",
        help="catalog to find the endpoint in: scalepad, scout, sandbox, or an OpenAPI file/URL "
        "(default: the profile's; with --base-url, all bundled catalogs)",
    )
    export.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="FIELD=OP:VALUE",
        help="filter[FIELD]=OP:VALUE; OP is eq, in, lt, lte, gt, gte or cont (default eq). The "
        "value is taken literally and quoted for the API as needed; for in, a comma-separated "
        'list where an item holding a comma is written in double quotes: type=in:SERVER,"A, B"',
    )
    export.add_argument(
        "--paging",
        metavar="STYLE[:OPTION=VALUE,...]",
        help="how the endpoint pages, when the catalog does not say or says wrong: none "
        "(detect from the first answer), page, offset, cursor, token, next-url, link-header or "
        "last-id, with options param, size, max, next, records, total, more, id, first, pages; "
        "e.g. link-header:size=per_page or 'cursor:next=response_metadata.next_cursor' "
        "(README: Paging)",
    )
    export.add_argument(
        "--max-pages",
        type=_positive_int,
        metavar="N",
        help="stop with an error after N pages that still promise more (default 100,000)",
    )
    export.add_argument("--sort", metavar="SPEC", help="e.g. name or -record_updated_at,+name")
    export.add_argument("--page-size", type=_positive_int, metavar="N", help="records per request")
    export.add_argument(
        "--columns", metavar="a,b.c", help="only these columns, in this order (dotted for nested)"
    )
    export.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another query parameter the endpoint takes (repeatable)",
    )
    export.add_argument(
        "--path-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a path parameter, e.g. id=42 for /v1/Units/{id}/WorkOrders",
    )
    export.add_argument(
        "--rate",
        metavar="N/SECONDS",
        help="at most N requests per SECONDS (default: the profile's, else 50/5)",
    )
    export.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="the longest one request may take, first byte to last (default: the profile's, "
        "else 120)",
    )
    export.add_argument(
        "--max-response-mb",
        type=_positive_int,
        metavar="MB",
        help="the largest answer accepted, unpacked (default: the profile's, else 256)",
    )
    export.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted export from FILE.csv.partial",
    )
    export.add_argument(
        "--har",
        metavar="FILE.har",
        help="also write every request of the run (logins, retries, 429s) to FILE.har, with "
        "secrets masked; written when the export fails too, to share with support",
    )
    export.add_argument(
        "--bom",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="start the file with a UTF-8 byte-order mark, so Excel reads accents right "
        "(default: no)",
    )
    export.add_argument(
        "--delimiter",
        default=",",
        metavar="CHAR",
        help="cell separator: one character, or 'tab' (default ,)",
    )
    export.add_argument(
        "--no-header", action="store_true", help="leave out the header row of column names"
    )
    export.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="write cells starting with = + - @ as they are (by default they get a leading ' "
        "so a spreadsheet does not run them as formulas)",
    )
    export.set_defaults(handler=run_export)

    endpoints = subparsers.add_parser(
        "endpoints",
        help="list the endpoints of a catalog",
        description="List method, path, paging style and summary of each endpoint.",
    )
    endpoints.add_argument(
        "--details",
        action="store_true",
        help="also show each endpoint's paging in the --paging notation and where it came from "
        "(catalog, document, detection or override)",
    )
    source = endpoints.add_mutually_exclusive_group()
    source.add_argument("--profile", metavar="NAME", help="the catalog of this saved profile")
    source.add_argument(
        "--spec", metavar="FILE_OR_URL", help="an OpenAPI document, or a bundled catalog name"
    )
    endpoints.set_defaults(handler=run_endpoints)


def _add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--profile", metavar="NAME", help="a profile saved in the app")
    where.add_argument(
        "--base-url",
        metavar="URL",
        help=f"the API's base URL; credentials come from {ENV_API_KEY}, {ENV_TOKEN}, "
        f"{ENV_USERNAME} and {ENV_PASSWORD}, or {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}",
    )
    parser.add_argument(
        "--auth",
        metavar="NAME",
        help="the security scheme to use, by its name in the document's securitySchemes",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError("must be a number of seconds more than 0")
    return value


# ---------------------------------------------------------------- argument values


def parse_assignment(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageProblem(
            f"bad {what} {text!r}",
            explanation=f"Write {what} as NAME=VALUE, for example {what} StartDate=2026-01-01.",
        )
    return name.strip(), value


def parse_rate(text: str) -> tuple[int, float]:
    """'50/5' -> (50, 5.0): at most 50 requests in any 5 seconds."""
    count, sep, seconds = text.partition("/")
    try:
        limit, period = int(count), float(seconds)
    except ValueError:
        limit, period = 0, 0.0
    if not sep or limit < 1 or not 0 < period < math.inf:  # nan fails this too
        raise UsageProblem(
            f"bad --rate {text!r}",
            explanation="Write --rate as N/SECONDS, for example --rate 50/5 for 50 requests "
            "every 5 seconds.",
        )
    return limit, period


def with_default_operator(text: str) -> str:
    """`type=SERVER` -> `type=eq:SERVER`: an omitted operator means eq, as the API defines.

    A word before the first colon counts as the operator (an unknown one is reported by the
    query parser), so a value that itself starts with `word:` needs an explicit `eq:`.
    """
    name, eq, rest = text.partition("=")
    head, colon, _ = rest.partition(":")
    if eq and not (colon and head.strip().isalpha()):
        return f"{name}=eq:{rest}"
    return text


def parse_delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    return named.get(text.lower(), text)


# ---------------------------------------------------------------- catalogs and endpoints


def find_endpoint(
    catalog: Catalog, text: str, *, allow_unknown: bool = False, trust_path: bool = False
) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint named by an id ("GET /core/v1/clients") or a path, and path params it fills.

    With `allow_unknown`, a GET path the catalog does not list is an endpoint of its own whose
    paging is detected from the first answer (or set with --paging), unless it is nearly a
    listed path (a typo) and `trust_path` (--paging given) does not say it is meant.
    """
    text = text.strip()
    method, _, rest = text.partition(" ")
    if rest and method.isalpha():
        method, path = method.upper(), rest.strip()
    else:
        method, path = "GET", text
    if not path.startswith("/"):
        path = "/" + path
    path = path.split("?", 1)[0].rstrip("/") or "/"
    endpoint = catalog.find(f"{method} {path}")
    matched = (endpoint, {}) if endpoint is not None else catalog.match_path(path, method)
    typo = difflib.get_close_matches(path, [e.path for e in catalog.endpoints()], 1, TYPO_RATIO)
    if (
        matched is None
        and allow_unknown
        and method == "GET"
        and "{" not in path
        and (trust_path or not typo)
    ):
        _say(
            f"{method} {path} is not in the catalog {catalog.name!r}; exporting it as it "
            "answers (paging from --paging, else detected from the first answer)."
            + _close_matches(catalog, path)
        )
        return unlisted_endpoint(path), {}
    if matched is None:
        raise UsageProblem(
            f"unknown endpoint {text!r}",
            explanation=f"No endpoint {method} {path} in the catalog {catalog.name!r}."
            + _close_matches(catalog, path)
            + " 'explorer-cli endpoints' lists them all"
            + ("; --paging none exports this path as it is." if allow_unknown else "."),
        )
    return matched


def with_paging_options(
    endpoint: Endpoint, notation: str | None, max_pages: int | None
) -> Endpoint:
    """The endpoint with --paging and --max-pages applied (a bad notation is a usage error)."""
    if notation:
        try:
            endpoint = with_paging(endpoint, notation)
        except SpecError as exc:
            raise UsageProblem(f"bad --paging {notation!r}", explanation=exc.explanation) from exc
    return replace(endpoint, max_pages=max_pages) if max_pages else endpoint


def _close_matches(catalog: Catalog, path: str) -> str:
    paths = sorted({e.path for e in catalog.endpoints()})
    close = difflib.get_close_matches(path, paths, n=5, cutoff=0.5)
    if not close:
        tail = path.rstrip("/").rsplit("/", 1)[-1].lower()
        close = [p for p in paths if tail and tail in p.lower()][:5]
    return f" Did you mean: {', '.join(close)}?" if close else ""


# ---------------------------------------------------------------- connection


@dataclass
class ResolvedProfile:
    """What the command line names: the profile, its catalog and where its secret comes from."""

    profile: Profile
    catalog: Catalog
    secrets: SecretStore

    @property
    def missing_secret_hint(self) -> str:
        kind = self.profile.auth_kind
        if kind is AuthKind.API_KEY:
            return f"save the key in the app's profile settings, or set {ENV_API_KEY}"
        if kind is AuthKind.BEARER:
            return f"save the token in the app's profile settings, or set {ENV_TOKEN}"
        if kind is AuthKind.OAUTH2:
            return (
                "save the client id and client secret in the app's profile settings, or set "
                f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
            )
        what = "username and password" if kind is AuthKind.BASIC else "password"
        return f"save the {what} in the app, or set {ENV_USERNAME} and {ENV_PASSWORD}"


async def saved_profile(name: str) -> Profile:
    settings = await asyncio.to_thread(SettingsStore().load)
    profile = settings.profile(name)
    if profile is None:
        names = ", ".join(p.name for p in settings.profiles) or "none yet"
        raise UsageProblem(
            f"no profile {name!r}",
            explanation=f"There is no profile named {name!r} (saved profiles: {names}); "
            "create it in the app, or use --base-url.",
        )
    return profile


async def resolve_profile(args: argparse.Namespace) -> ResolvedProfile:
    """The profile (saved, or made from --base-url), its catalog and where its secret comes from."""
    catalog_arg: str | None = getattr(args, "catalog", None)
    env = {name: os.environ.get(name) or None for names in ENV_FOR.values() for name in names}
    store: SecretStore
    if args.profile:
        profile = await saved_profile(args.profile)
        store = await open_secret_store_async()
        catalog = await load_profile_catalog(
            profile, catalog_arg or profile.catalog or DEFAULT_CATALOG
        )
        profile = _with_scheme(profile, catalog, getattr(args, "auth", None))
    else:
        catalog = await catalogs.load_catalog(catalog_arg or DEFAULT_CATALOG)
        try:
            profile = Profile(name=COMMAND_LINE_PROFILE, base_url=args.base_url)
            profile = _with_scheme(profile, catalog, getattr(args, "auth", None), env)
        except ConfigError as exc:
            raise UsageProblem(str(exc), explanation=f"Bad --base-url: {exc.explanation}") from exc
        store = SecretStore()
    profile, store = await with_env_credentials(profile, store, env)
    return ResolvedProfile(profile=with_run_options(profile, args), catalog=catalog, secrets=store)


async def with_env_credentials(
    profile: Profile, store: SecretStore, env: dict[str, str | None] | None = None
) -> tuple[Profile, SecretStore]:
    """The profile and secret store with the environment's credentials, when they are set."""
    if env is None:
        env = {name: os.environ.get(name) or None for names in ENV_FOR.values() for name in names}
    override = _env_credentials(profile.auth_kind, env)
    if override is not None:
        if profile.auth_kind is AuthKind.JWT:
            profile = profile.with_changes(username=env[ENV_USERNAME])
        store = SecretStore()
        await store.set(profile.name, override.encode())
    return profile, store


def with_run_options(profile: Profile, args: argparse.Namespace) -> Profile:
    """The profile with this run's --rate, --timeout and --max-response-mb."""
    rate = getattr(args, "rate", None)
    if rate:
        limit, period = parse_rate(rate)
        profile = profile.with_changes(rate_limit=limit, rate_period_s=period)
    if getattr(args, "timeout", None):
        profile = profile.with_changes(request_timeout_s=args.timeout)
    if getattr(args, "max_response_mb", None):
        profile = profile.with_changes(max_response_mb=args.max_response_mb)
    return profile


def _with_scheme(
    profile: Profile,
    catalog: Catalog,
    name: str | None,
    env: dict[str, str | None] | None = None,
) -> Profile:
    """The profile using the scheme `--auth NAME` picks; for --base-url (`env` given) without
    it, the first scheme the document requires whose variables are set, else a guess from them."""
    if name:
        scheme = catalog.scheme(name)
        if scheme is None:
            known = ", ".join(s.name for s in catalog.security_schemes) or "none"
            raise UsageProblem(
                f"no security scheme {name!r}",
                explanation=f"The document declares no security scheme {name!r} (it declares: "
                f"{known}); name one of those with --auth.",
            )
        return profile.with_changes(**scheme_settings(scheme))
    if env is None:
        return profile
    for scheme in catalog.security_schemes:
        if scheme.kind and all(env.get(v) for v in ENV_FOR[AuthKind(scheme.kind)]):
            return profile.with_changes(**scheme_settings(scheme))
    if env[ENV_API_KEY]:
        return profile.with_changes(auth_kind=AuthKind.API_KEY)
    if env[ENV_TOKEN]:
        return profile.with_changes(auth_kind=AuthKind.BEARER)
    if env[ENV_USERNAME] and env[ENV_PASSWORD]:
        return profile.with_changes(
            auth_kind=AuthKind.JWT, username=env[ENV_USERNAME], jwt=JwtSettings.scout()
        )
    return profile.with_changes(auth_kind=AuthKind.NONE)


def _env_credentials(kind: AuthKind, env: dict[str, str | None]) -> Credentials | None:
    """The credentials the environment supplies for a scheme, when all of them are set."""
    names = ENV_FOR.get(kind, ())
    values = [env.get(name) for name in names]
    if not names or not all(values):
        return None
    if len(values) == 1:
        return Credentials(str(values[0]))
    identity, secret = str(values[0]), str(values[1])
    return Credentials(secret, None if kind is AuthKind.JWT else identity)


# ---------------------------------------------------------------- export


def build_query(args: argparse.Namespace, endpoint: Endpoint, path_values: dict[str, str]) -> Query:
    path_params = dict(path_values)
    for text in args.path_param:
        name, value = parse_assignment(text, "--path-param")
        path_params[name] = value
    params: dict[str, str] = {}
    more_values: list[tuple[str, str]] = []  # a repeated --param sends every value
    for text in args.param:
        name, value = parse_assignment(text, "--param")
        if name in params:
            more_values.append((name, value))
        else:
            params[name] = value
    filters = tuple(parse_cli_filter(with_default_operator(text)) for text in args.filter)
    sorts = parse_sort_spec(args.sort) if args.sort else ()
    columns = tuple(c.strip() for c in (args.columns or "").split(",") if c.strip())
    query = Query(
        endpoint_id=endpoint.id,
        path_params=path_params,
        filters=filters,
        sorts=sorts,
        page_size=args.page_size,
        params=params,
        columns=columns,
        more_values=tuple(more_values),
    )
    check_query(query, endpoint)  # a QueryError: exit status 2 with every problem named
    return query


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    return _run(lambda: _traced_export(args, out), on_interrupt=lambda: _interrupted_message(out))


async def _traced_export(args: argparse.Namespace, out: Path) -> int:
    """The export, with --har its requests recorded in a HAR file whatever the outcome."""
    if not args.har:
        return await _export(args, out)
    trace = await asyncio.to_thread(HarTrace.start, Path(args.har), out)
    try:
        status = await _export(args, out, trace)
    finally:
        trace.finish()  # if the export stopped before its connection was open
    return EXIT_FAILED if trace.failed and status == EXIT_OK else status


class HarTrace:
    """--har FILE: the run's requests, recorded as they are made, finished once."""

    def __init__(self, recording: HarRecording) -> None:
        self.recording = recording
        self.failed = False
        self._finished = False

    @classmethod
    def start(cls, path: Path, out: Path) -> HarTrace:
        problem = _har_path_problem(path, out)
        if problem:
            raise UsageProblem(
                f"bad --har {path}",
                explanation=f"--har names a new file for the requests, and {path} {problem}; "
                "give another name, e.g. --har trace.har.",
            )
        return cls(HarRecording(path))

    @property
    def log(self) -> RequestLog:
        return self.recording.log

    def finish(self) -> None:
        """Put the file in place and say so (synchronous: it must run while Ctrl-C cancels)."""
        if self._finished:
            return
        self._finished = True
        path = self.recording.path
        try:
            count = self.recording.close()
        except OSError as exc:
            self.failed = True
            _say(f"explorer-cli: the requests could not be written to {path} ({exc.strerror}).")
            return
        _say(f"Wrote {count:,} request{'s' if count != 1 else ''} to {path}")


def _har_path_problem(path: Path, out: Path) -> str | None:
    if path.is_dir():
        return "is a folder"
    if path.resolve() == out.resolve():
        return "is the --out file"
    if not path.parent.is_dir():
        return f"is in {path.parent}, which is not a folder"
    return None


def export_options(args: argparse.Namespace, out: Path) -> ExportOptions:
    """The format (--format, else the --out extension, else CSV) and its options."""
    named = ExportFormat.for_path(out)
    chosen = ExportFormat(args.format) if args.format else (named or ExportFormat.CSV)
    if named is not None and named is not chosen:
        raise UsageProblem(
            f"--format {chosen.value} with --out {out.name}",
            explanation=f"--format {chosen.value} writes {chosen.noun}, but --out {out.name} "
            f"names {named.noun}; use --out {out.with_suffix(chosen.suffix).name}, or "
            f"--format {named.value}.",
        )
    if chosen is ExportFormat.XLSX:
        if args.bom or parse_delimiter(args.delimiter) != ",":
            raise UsageProblem(
                "--bom and --delimiter are CSV options",
                explanation="--bom and --delimiter shape a CSV file; an Excel workbook has "
                "neither, so leave them out (or export to CSV).",
            )
        return XlsxOptions(header=not args.no_header, neutralise_formulas=not args.no_formula_guard)
    try:
        return CsvOptions(
            delimiter=parse_delimiter(args.delimiter),
            bom=args.bom,
            header=not args.no_header,
            neutralise_formulas=not args.no_formula_guard,
        )
    except ExportError as exc:
        raise UsageProblem(str(exc), explanation=exc.explanation) from exc


async def _export(args: argparse.Namespace, out: Path, trace: HarTrace | None = None) -> int:
    options = export_options(args, out)
    if await asyncio.to_thread(out.is_dir):
        raise UsageProblem(
            f"{out} is a folder",
            explanation=f"--out names the file to write, and {out} is a folder; add a file "
            "name, e.g. --out servers.csv.",
        )
    pasted: Query | None = None
    if args.from_curl:
        from explorer.exporting.from_curl import curl_source

        resolved, endpoint, pasted = await curl_source(args)
        path_values: dict[str, str] = {}
    else:
        if not (args.profile or args.base_url) or not args.endpoint:
            raise UsageProblem(
                "the endpoint or the connection is missing",
                explanation="Name the ENDPOINT and --profile NAME or --base-url URL, or give "
                "the whole request with --from-curl 'curl …'.",
            )
        resolved = await resolve_profile(args)
        endpoint, path_values = find_endpoint(
            resolved.catalog, args.endpoint, allow_unknown=True, trust_path=bool(args.paging)
        )
    endpoint = with_paging_options(
        with_profile_paging(endpoint, resolved.profile.paging), args.paging, args.max_pages
    )
    if endpoint.method.upper() != "GET":
        raise UsageProblem(
            f"{endpoint.id} is not a GET endpoint",
            explanation=f"{endpoint.id} changes or looks up data; export reads GET list "
            "endpoints only.",
        )
    if not endpoint.is_list:
        raise UsageProblem(
            f"{endpoint.id} returns one record",
            explanation=f"{endpoint.id} returns a single record, not a list; export a list "
            "endpoint instead ('explorer-cli endpoints' shows the pagination of each).",
        )
    query = pasted or build_query(args, endpoint, path_values)
    # The one page-size rule: --page-size, else the profile's, within the endpoint's maximum.
    query = replace(
        query, page_size=request_for(endpoint, query, resolved.profile.page_size).page_size
    )
    if args.resume and await asyncio.to_thread(read_state, out) is None:
        _say(f"Nothing to resume for {out}; starting from the beginning.")
    connection = await open_connection(
        resolved.profile,
        resolved.secrets,
        governors=Governors(),
        catalog=resolved.catalog,
        missing_secret_hint=resolved.missing_secret_hint,
        request_log=trace.log if trace is not None else None,
    )
    job = ExportJob.for_query(connection.client, endpoint, query, out, options=options)
    meter = ProgressLine(sys.stderr)
    job.subscribe(lambda j: meter.update(j.progress) if j.running and j.progress else None)
    stop_notices = connection.governor.subscribe(PauseNotice(sys.stderr).update)
    try:
        result = await job.run(resume=args.resume)
    finally:
        stop_notices()
        meter.done()
        await connection.aclose()
        if trace is not None:
            trace.finish()  # before the summary, which stays the last line
    _say(f"Wrote {out}")
    _say(result.summary())
    if result.shortfall is not None and result.shortfall > 0:
        # Exit 0 means complete: the API said more records match than arrived.
        _say(
            f"explorer-cli: the API reported {result.total_count:,} matching records but "
            f"{result.rows_written:,} arrived; {out} holds those. The data may have changed "
            "during the export, or the API skipped records: export again to check."
        )
        return EXIT_FAILED
    return EXIT_OK


def _interrupted_message(out: Path) -> str:
    rows = ""
    try:
        state = read_state(out)
    except ExportError:
        state = None
    if state is not None:
        rows = f" after {state.rows_written:,} rows"
    if partial_path_for(out).exists() and state_path_for(out).exists():
        workbook = ""
        if state is not None and state.options.get("format") == ExportFormat.XLSX.value:
            workbook = " (as JSON lines; the workbook is built from them once every row is in)"
        return (
            f"interrupted{rows}; the rows so far are kept in {partial_path_for(out)}{workbook}; "
            + RESUME_HINT
        )
    return "interrupted before anything was written."


# ---------------------------------------------------------------- endpoints


def run_endpoints(args: argparse.Namespace) -> int:
    return _run(lambda: _endpoints(args), on_interrupt=lambda: "interrupted.")


async def _endpoints(args: argparse.Namespace) -> int:
    if args.spec:
        catalog = await catalogs.load_catalog(args.spec)
    elif args.profile:
        profile = await saved_profile(args.profile)
        catalog = await load_profile_catalog(profile, profile.catalog or DEFAULT_CATALOG)
    else:
        catalog = await catalogs.load_catalog(DEFAULT_CATALOG)
    for warning in catalog.warnings:
        _say(f"warning: {warning}")
    sys.stdout.write(format_endpoints(catalog, details=args.details) + "\n")
    return EXIT_OK


def format_endpoints(catalog: Catalog, *, details: bool = False) -> str:
    """One aligned line an endpoint: method, path, paging style (and its notation and source)."""
    head = ("METHOD", "PATH", "PAGINATION") + (("PAGING", "SOURCE") if details else ())
    rows = [(*head, "SUMMARY")]
    for e in catalog.endpoints():
        more = (e.describe_paging(), e.paging_source or "catalog") if details else ()
        rows.append((e.method, e.path, e.paging_style, *more, e.summary))
    columns = len(head)
    widths = [max(len(r[i]) for r in rows) for i in range(columns)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:columns], widths, strict=True))
        + "  "
        + row[columns]
        for row in rows
    ).rstrip()


# ---------------------------------------------------------------- running and reporting


def exit_status(error: BaseException) -> int:
    """The documented exit status for an error."""
    if isinstance(error, ExportIncomplete) and error.cause is not None:
        return exit_status(error.cause)
    if isinstance(
        error,
        UsageProblem
        | QueryError
        | SpecError
        | ConfigError
        | ResumeMismatch
        | NotARegularFile
        | CurlCommandError
        | TooManyRows,  # an Excel worksheet cannot hold them: export to CSV
    ):
        return EXIT_USAGE
    if isinstance(error, FileLocked):  # another export is writing the same file
        return EXIT_FAILED
    if isinstance(error, AuthError | Forbidden | SecretStoreUnavailable):
        return EXIT_AUTH
    if isinstance(error, ApiError):
        return EXIT_API
    if isinstance(error, NetworkError):
        return EXIT_NETWORK
    return EXIT_FAILED


def _run(work: Callable[[], Coroutine[Any, Any, int]], *, on_interrupt: Callable[[], str]) -> int:
    """Run a command's coroutine; map errors to one line on stderr and an exit status."""
    try:
        status: int = asyncio.run(_with_sigterm(work()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        _say(f"explorer-cli: {on_interrupt()}")
        return EXIT_INTERRUPTED
    except ExportIncomplete as exc:
        _say(f"explorer-cli: {exc.explain(RESUME_HINT)}")
        return exit_status(exc)
    except ExplorerError as exc:
        _say(f"explorer-cli: {exc.explanation}")
        return exit_status(exc)
    except OSError as exc:
        _say(f"explorer-cli: {exc.strerror or exc} ({exc.filename or 'file'})")
        return EXIT_FAILED
    except MemoryError:
        _say(
            "explorer-cli: ran out of memory; ask for smaller pages (--page-size) or accept "
            "smaller answers (--max-response-mb)."
        )
        return EXIT_FAILED
    return status


async def _with_sigterm(coro: Coroutine[Any, Any, int]) -> int:
    """Treat SIGTERM like Ctrl-C, so a killed export also keeps its resumable state."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed = False
    if task is not None and hasattr(signal, "SIGTERM"):
        try:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
            installed = True
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    try:
        result: int = await coro
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)
    return result


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class ProgressLine:
    """Progress on stderr: one line rewritten in place on a terminal, else a line now and then."""

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float | None = None,
    ) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.clock = clock
        self.interval_s = interval_s if interval_s is not None else (0.2 if self.tty else 5.0)
        self._last = float("-inf")
        self._width = 0

    def update(self, progress: ExportProgress) -> None:
        now = self.clock()
        if now - self._last < self.interval_s:
            return
        self._last = now
        text = describe_progress(progress)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


class PauseNotice:
    """One line on stderr when a rate-limit pause begins: how long, why, and how to stop."""

    SHOWN_FROM_S = 2.0

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self._told_until = float("-inf")

    def update(self, snapshot: BudgetSnapshot) -> None:
        if snapshot.paused_for_s < self.SHOWN_FROM_S:
            return
        until = self.clock() + snapshot.paused_for_s
        if until <= self._told_until + 1.0:
            return  # the same pause, told already
        self._told_until = until
        self.stream.write(
            f"explorer-cli: waiting {format_duration(snapshot.paused_for_s)}: "
            f"{snapshot.pause_reason or 'the rate limit was reached'}. Press Ctrl-C to stop, "
            f"then {RESUME_HINT}\n"
        )
        self.stream.flush()


def describe_progress(progress: ExportProgress) -> str:
    return progress.describe()
