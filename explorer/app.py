"""The composition root of the desktop app (the window is built in explorer/ui)."""

from __future__ import annotations


def main() -> int:
    raise SystemExit("The window is not built yet.")
