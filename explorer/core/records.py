"""The records a results tab has loaded, kept compactly for the table and the export.

Each record is held as its JSON bytes (about a third of the memory of a dict, and invisible to the
garbage collector); `LazyRecords` decodes them only when read, a slice at a time in the export's
worker thread, so 100,000 loaded rows never exist as dicts all at once.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, overload


def encode_record(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def decode_records(blobs: Sequence[bytes]) -> list[dict[str, Any]]:
    """JSON bytes -> records (CPU work: run it in a thread for many rows)."""
    return [json.loads(b) for b in blobs]


class LazyRecords(Sequence[dict[str, Any]]):
    """Records decoded only when read (slicing decodes just the slice)."""

    def __init__(self, blobs: list[bytes]) -> None:
        self._blobs = blobs

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return decode_records(self._blobs[index])
        result: dict[str, Any] = json.loads(self._blobs[index])
        return result


class RecordStore:
    """Loaded records in arrival order, with the page each one came in."""

    def __init__(self) -> None:
        self._blobs: list[bytes] = []
        self._page_starts: list[int] = []

    def __len__(self) -> int:
        return len(self._blobs)

    def clear(self) -> None:
        self._blobs = []
        self._page_starts = []

    def add_page(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._page_starts.append(len(self._blobs))
        self._blobs.extend(encode_record(r) for r in records)

    def record(self, row: int) -> dict[str, Any]:
        """The raw record of a row, as the API sent it."""
        value: dict[str, Any] = json.loads(self._blobs[row])
        return value

    def blobs(self, rows: range | None = None) -> list[bytes]:
        """The records as JSON bytes (decode them off the GUI thread)."""
        return self._blobs[rows.start : rows.stop] if rows is not None else list(self._blobs)

    def lazy(self, rows: range | None = None) -> LazyRecords:
        """The records (or a range of them) for an export, decoded as it reads them."""
        return LazyRecords(self.blobs(rows))

    def page_rows(self, row: int) -> range:
        """The rows that came in the same page as `row`."""
        if not self._page_starts:
            return range(0)
        i = max(0, bisect.bisect_right(self._page_starts, row) - 1)
        start = self._page_starts[i]
        stop = self._page_starts[i + 1] if i + 1 < len(self._page_starts) else len(self._blobs)
        return range(start, stop)
