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
    if total is None or rows_per_s <= 0:
        return None
    return max(0.0, (total - rows) / rows_per_s)
