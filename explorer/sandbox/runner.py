"""Running a sandbox in the foreground: `explorer-cli sandbox`, `python -m explorer.sandbox`,
and the child process the demo starts (`--json`: one JSON line on stdout, exit when stdin closes).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from explorer.sandbox.config import SandboxConfig, parse_rate
from explorer.sandbox.server import SandboxHandle, start_sandbox


def _env(name: str, default: str) -> str:
    return os.environ.get("EXPLORER_SANDBOX_" + name, default)


def _rate(text: str) -> str | None:
    try:
        parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox options; defaults may come from EXPLORER_SANDBOX_<OPTION> variables (given
    as text, so argparse checks them like typed options)."""
    parser.add_argument(
        "--port",
        type=int,
        default=_env("PORT", "0"),
        help="port on 127.0.0.1 (default: a free one)",
    )
    parser.add_argument(
        "--scale",
        type=_positive,
        default=_env("SCALE", "1"),
        help="data volume; 1 = about 10,000 hardware assets over 250 clients",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=_env("LATENCY_MS", "0"),
        help="latency added to every answer",
    )
    parser.add_argument(
        "--rate",
        type=_rate,
        default=_env("RATE", "50/5"),
        help="rate limit per key as REQUESTS/SECONDS (0 = none; default 50/5)",
    )
    parser.add_argument(
        "--token-ttl",
        type=_positive,
        default=_env("TOKEN_TTL", os.environ.get("SCOUT_TOKEN_TTL_SECONDS", "1800")),
        help="Scout token lifetime in seconds (default 1800)",
    )
    parser.add_argument(
        "--fault-rate",
        type=_fraction,
        default=_env("FAULT_RATE", "0"),
        help="share of requests answered 5xx or dropped (0..1)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=_env("SEED", "1"),
        help="seed of the generated data and credentials",
    )
    parser.add_argument(
        "--unsubscribed",
        default=_env("UNSUBSCRIBED", ""),
        help="comma-separated products answering 402: core, quoter, lifecycle-manager",
    )
    parser.add_argument(
        "--null-next-cursor",
        action="store_true",
        help='end cursor walks with "next_cursor": null instead of omitting it',
    )
    parser.add_argument(
        "--clamp-page-size",
        action="store_true",
        help="clamp page_size above the maximum instead of answering 400",
    )
    parser.add_argument(
        "--nonatomic-paging",
        action="store_true",
        help="repeat one record and skip another across cursor pages, as the real API may",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        port=args.port,
        scale=args.scale,
        latency_ms=args.latency_ms,
        rate=args.rate,
        token_ttl_s=args.token_ttl,
        fault_rate=args.fault_rate,
        seed=args.seed,
        unsubscribed=tuple(p.strip() for p in args.unsubscribed.split(",") if p.strip()),
        null_next_cursor=args.null_next_cursor,
        oversize_page="clamp" if args.clamp_page_size else "reject",
        nonatomic_paging=args.nonatomic_paging,
    )


def banner(handle: SandboxHandle) -> str:
    url = handle.url
    example = f"{url}/core/v1/assets/hardware?page_size=200&filter[type]=in:SERVER,WORKSTATION&sort=-record_updated_at"
    rate = parse_rate(handle.config.rate)
    limit = f"{rate[0]} requests per {rate[1]:g} s per key" if rate else "none"
    return "\n".join(
        [
            f"explorer sandbox (an emulation with generated data) listening on {url}",
            f"  ScalePad API key : {handle.api_key}",
            f"  Scout username   : {handle.scout_username}",
            f"  Scout password   : {handle.scout_password}",
            f"  Rate limit       : {limit}",
            "Try:",
            f"  curl -g -H 'x-api-key: {handle.api_key}' {shlex.quote(example)}",
            "  curl -X POST -H 'Content-Type: application/json' -d "
            + shlex.quote(
                json.dumps({"username": handle.scout_username, "password": handle.scout_password})
            )
            + f" {url}/v1/Token",
            "Press Ctrl-C to stop.",
        ]
    )


def run_foreground(config: SandboxConfig, *, json_line: bool = False, verbose: bool = False) -> int:
    """Serve until Ctrl-C (or, with `json_line`, until stdin closes); returns the exit status."""
    try:
        handle = start_sandbox(config, verbose=verbose)
    except OSError as exc:
        print(
            f"sandbox: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}; "
            "choose another --port or leave it out for a free one.",
            file=sys.stderr,
        )
        return 5
    done = threading.Event()
    if json_line:
        print(json.dumps(handle.describe()), flush=True)

        def wait_for_parent() -> None:  # the parent closes our stdin (or dies): stop
            try:
                sys.stdin.buffer.read()
            except (OSError, ValueError):
                pass
            done.set()

        threading.Thread(target=wait_for_parent, daemon=True).start()
    else:
        print(banner(handle), flush=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        # SIGINT too: a shell starts background jobs with SIGINT ignored, and `kill -INT` should
        # still stop the server.
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for signum, old_handler in previous.items():
            signal.signal(signum, old_handler)
    handle.stop()
    if not json_line:
        print("sandbox stopped.", flush=True)
    return 0


def serve_from_args(argv: Sequence[str] | None = None) -> int:
    """Entry of `python -m explorer.sandbox` and of the frozen app's `--sandbox-server` flag."""
    parser = argparse.ArgumentParser(
        prog="explorer-sandbox",
        description="Run the explorer sandbox (ScalePad and Scout emulation).",
    )
    add_arguments(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line with URL and credentials, stop when stdin closes",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    return run_foreground(config, json_line=args.json, verbose=args.verbose)
