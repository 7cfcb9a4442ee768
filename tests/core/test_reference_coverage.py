"""The bundled ScalePad catalog lists every GET endpoint of the API reference (section 11)."""

from __future__ import annotations

import re
from pathlib import Path

from explorer.core.catalogs import load_bundled

REFERENCE_PATHS = Path(__file__).parent.parent / "data" / "scalepad_reference_get_paths.txt"


def _shape(path: str) -> str:
    """Path parameters compared by position, not by name (`{id}` = `{client_id}`)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_reference_get_endpoint_is_in_the_bundled_catalog() -> None:
    wanted = [
        line.strip()
        for line in REFERENCE_PATHS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(wanted) > 80
    bundled = {_shape(e.path) for e in load_bundled("scalepad").endpoints() if e.method == "GET"}
    missing = [path for path in wanted if _shape(path) not in bundled]
    assert missing == []
