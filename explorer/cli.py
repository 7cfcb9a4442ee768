"""`explorer-cli`: the command-line face of the core (sandbox, export, endpoints).

Each command lives in its own module with a `register(subparsers)` function that adds its parser
and sets `handler`, a function taking the parsed arguments and returning the exit status.
Modules are imported only when the CLI starts, never by the window.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from explorer import __version__
from explorer.exitcodes import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
)

# The statuses live in explorer/exitcodes.py; they stay importable from here as before.
__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

COMMAND_MODULES = (
    "explorer.sandbox.cli",  # explorer-cli sandbox
    "explorer.exporting.cli",  # explorer-cli export, explorer-cli endpoints
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer-cli",
        description="Browse and export SaaS REST APIs from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"explorer {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except KeyboardInterrupt:
        print("explorer-cli: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return status


if __name__ == "__main__":
    raise SystemExit(main())
