"""`explorer-cli export --from-curl 'curl …'`: the request a cURL command describes, exported.

The same parser and profile match as the window's "Paste cURL command" (core/curl.py,
core/curlprofile.py). A credential in the command is used for this run only: it goes to a
memory-only secret store and is never written, printed or kept in the CSV's state file. Without
one, the matched profile's own secret is used (keychain, or the environment variables).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from explorer.core.catalog import Endpoint
from explorer.core.curl import parse_curl
from explorer.core.curlprofile import plan_curl
from explorer.core.fetch import check_query
from explorer.core.query import Query
from explorer.core.secrets import SecretStore, open_secret_store_async
from explorer.core.settings import SettingsStore
from explorer.exporting.cli import (
    ResolvedProfile,
    UsageProblem,
    with_env_credentials,
    with_run_options,
)

# What the command itself says; naming it again on the command line would contradict it.
_FROM_THE_COMMAND = (
    ("endpoint", "ENDPOINT"),
    ("profile", "--profile"),
    ("base_url", "--base-url"),
    ("catalog", "--catalog"),
    ("auth", "--auth"),
    ("filter", "--filter"),
    ("sort", "--sort"),
    ("param", "--param"),
    ("path_param", "--path-param"),
)


def command_text(value: str) -> str:
    """The command itself, `-` for standard input, or `@FILE` for a file holding it (a
    multi-line browser copy is easier to pipe than to quote again for the shell)."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(
                f"cannot read {path}",
                explanation=f"--from-curl {value}: the file {path} could not be read ({exc}).",
            ) from exc
    return value


async def curl_source(args: argparse.Namespace) -> tuple[ResolvedProfile, Endpoint, Query]:
    """The profile, endpoint and query of `--from-curl`, checked like any other export's."""
    given = [flag for name, flag in _FROM_THE_COMMAND if getattr(args, name, None)]
    if given:
        raise UsageProblem(
            f"{', '.join(given)} with --from-curl",
            explanation=f"--from-curl takes the endpoint, filters, sort and connection from the "
            f"command; leave out {', '.join(given)} (or leave out --from-curl).",
        )
    request = parse_curl(await asyncio.to_thread(command_text, args.from_curl))
    settings = await asyncio.to_thread(SettingsStore().load)
    store: SecretStore = await open_secret_store_async()
    plan = await plan_curl(request, settings.profiles, store)
    for note in plan.notes:
        sys.stderr.write(f"explorer-cli: {note}\n")
    profile = plan.profile
    if plan.credential is not None:
        store = SecretStore()  # memory only, for this run
        await store.set(profile.name, plan.credential.encode())
    else:
        profile, store = await with_env_credentials(profile, store)
    columns = tuple(c.strip() for c in (args.columns or "").split(",") if c.strip())
    query = replace(
        plan.query,
        page_size=args.page_size or plan.query.page_size,
        columns=columns or plan.query.columns,
    )
    check_query(query, plan.endpoint)
    resolved = ResolvedProfile(with_run_options(profile, args), plan.catalog, store)
    return resolved, plan.endpoint, query
