"""`explorer-cli sandbox`: run the built-in ScalePad and Scout emulation in the foreground."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from explorer.exitcodes import EXIT_USAGE
from explorer.sandbox.runner import add_arguments, config_from_args, run_foreground


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help="run a local emulation of the ScalePad and Scout APIs",
        description="Run a local HTTP server that emulates the ScalePad API (at /core, /quoter, "
        "/lifecycle-manager) and the Scout API (at /v1) with generated data. It prints its URL, "
        "the demo API key and the Scout login, and runs until Ctrl-C.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"explorer-cli sandbox: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_foreground(config, verbose=args.verbose)
