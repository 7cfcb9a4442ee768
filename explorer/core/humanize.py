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


def rows_done(rows: int, total: int | None) -> str:
    """`250 of 1,000 rows (25%)`, or `250 rows` when the total is unknown (or not positive)."""
    if total is None or total <= 0:
        return f"{rows:,} rows"
    share = min(100, int(100 * rows / total))
    return f"{rows:,} of {total:,} rows ({share}%)"


def speed_parts(rows_per_s: float, eta_s: float | None) -> list[str]:
    """`["125 rows/s", "6 s left"]`: the rate, and the time left when it is known."""
    parts = [f"{rows_per_s:,.0f} rows/s"]
    if eta_s is not None:
        parts.append(f"{format_duration(eta_s)} left")
    return parts


def eta(rows: int, total: int | None, rows_per_s: float) -> float | None:
    """Seconds left at this rate, when the total is known and rows are moving."""
    if total is None or total < 0 or rows_per_s <= 0:
        return None
    return max(0.0, (total - rows) / rows_per_s)


_BYTE_STEPS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_bytes(count: int | float) -> str:
    """`7,516,192,768` -> `7.5 GB` (decimal units, as disks and most APIs count)."""
    value = float(count)
    if abs(value) < 1000:
        return f"{int(value):,} B"
    for unit in _BYTE_STEPS[1:]:
        value /= 1000
        if abs(value) < 1000 or unit == _BYTE_STEPS[-1]:
            return f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")


def looks_like_datetime(text: str) -> bool:
    """A cheap test for an ISO 8601 date-time (`2026-08-01T14:03:00Z`), run per painted cell."""
    return (
        len(text) >= 16
        and text[4] == "-"
        and text[7] == "-"
        and text[10] in "T "
        and text[13] == ":"
    )


def local_datetime(text: str) -> str | None:
    """An ISO 8601 date-time in the local time zone, `2026-08-01 16:03`; None if unreadable.

    A value without a zone is shown as it is written (the API's own clock)."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    seconds = f":{moment.second:02d}" if moment.second else ""
    return f"{moment:%Y-%m-%d %H:%M}{seconds}"
