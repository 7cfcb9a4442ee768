"""Numbers as people read them, shared by the window and the command line."""

from __future__ import annotations


def format_duration(seconds: float | None, *, unknown: str = "unknown") -> str:
    """`5 s`, `2 min 05 s`, `1 h 02 min` (rounded to the second); `unknown` for None."""
    if seconds is None:
        return unknown
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
