"""Where the bundled resources (catalogs, icons) are, installed, frozen or in a source checkout."""

from __future__ import annotations

import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def resource_root() -> Traversable:
    """Return the folder that holds `catalogs/`, `icons/` and the other bundled files.

    A wheel carries them as `explorer/resources` (see pyproject's force-include) and a PyInstaller
    bundle puts them at the same place; a source checkout or an editable install reads the
    top-level `resources/` folder in place.
    """
    packaged = resources.files("explorer") / "resources"
    if packaged.is_dir():
        return packaged
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "explorer" / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Traversable:
    """Return one bundled file, e.g. `resource("catalogs", "scalepad.json")`."""
    node = resource_root()
    for part in parts:
        node = node / part
    return node


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")
