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

# Exit statuses shared by every command (documented in the README).
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_API = 4
EXIT_NETWORK = 5
EXIT_FAILED = 6  # export could not be completed for another reason (disk full, pagination error)
EXIT_INTERRUPTED = 130

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
