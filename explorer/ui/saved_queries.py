"""Saved queries in the window: the recent files of each profile, and where new ones go.

The file format and its reading and writing are the core's (explorer/core/savedquery.py); this
keeps the short list of recent query files per profile in the settings (`window.recent_queries`).
"""

from __future__ import annotations

from pathlib import Path

from explorer.core.savedquery import SUFFIX
from explorer.core.settings import Settings

RECENT_MAX = 8


def recent_queries(settings: Settings, profile: str) -> list[Path]:
    """The profile's recent query files, newest first."""
    by_profile = settings.window.get("recent_queries", {})
    names = by_profile.get(profile, []) if isinstance(by_profile, dict) else []
    return [Path(name) for name in names if isinstance(name, str)]


def remember_query(settings: Settings, profile: str, path: Path) -> None:
    """Put `path` first in the profile's recent list (at most RECENT_MAX, no repeats)."""
    by_profile = settings.window.setdefault("recent_queries", {})
    if not isinstance(by_profile, dict):
        by_profile = settings.window["recent_queries"] = {}
    text = str(path)
    kept = [p for p in by_profile.get(profile, []) if p != text]
    by_profile[profile] = [text, *kept][:RECENT_MAX]


def forget_query(settings: Settings, profile: str, path: Path) -> None:
    by_profile = settings.window.get("recent_queries", {})
    if isinstance(by_profile, dict) and profile in by_profile:
        by_profile[profile] = [p for p in by_profile[profile] if p != str(path)]


def default_folder() -> Path:
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def file_name_for(title: str) -> str:
    """`Hardware assets (2 filters)` -> `Hardware assets (2 filters).query.json`, safe on disk."""
    safe = "".join(c if c.isalnum() or c in " ._-()," else "_" for c in title).strip() or "query"
    return safe[:80] + SUFFIX
