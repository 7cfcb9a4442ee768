"""A column of the loaded rows in figures: counts, nulls and blanks, top values, min/max, and the
bars of a chart (a histogram for numbers, counts per month for dates).

`ColumnAccumulator` is fed the column's values a slice at a time (`add`), so the window can count
100,000 rows between paints, and continue with the rows "Load all" appends; `result()` gives the
figures of what it has seen so far. Feeding in slices gives exactly what one pass gives.

The values are the table's: None for a missing or null field, strings, numbers and booleans as the
API sent them, an array as the text its cell shows. Values count by equality (1 and 1.0 are one
value, "1" and 1 are two, true is not 1). A column's kind is its catalog type where that is a
number or a date; otherwise it is inferred: every value a number, or every value an ISO 8601 date.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from explorer.core.catalog import FieldType
from explorer.core.flatten import cell_text, flatten_record

TOP_VALUES = 10
TARGET_BINS = 10
# Months are listed one by one (gaps as zero) only over a sane span; beyond, only those seen.
_MAX_FILLED_MONTHS = 1200


class ColumnKind(StrEnum):
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"


_SCHEMA_KINDS = {
    FieldType.INTEGER: ColumnKind.NUMBER,
    FieldType.NUMBER: ColumnKind.NUMBER,
    FieldType.DATE: ColumnKind.DATE,
    FieldType.DATETIME: ColumnKind.DATE,
    FieldType.ENUM: ColumnKind.TEXT,
    FieldType.UUID: ColumnKind.TEXT,
    FieldType.BOOLEAN: ColumnKind.TEXT,
}


def schema_kind(field_type: FieldType | None) -> ColumnKind | None:
    """The kind a catalog type fixes (None: infer it; STRING is also what an untyped field says)."""
    return _SCHEMA_KINDS.get(field_type) if field_type is not None else None


@dataclass(frozen=True)
class ValueCount:
    value: Any  # as the API sent it (str, int, float, bool)
    count: int

    @property
    def label(self) -> str:
        return cell_text(self.value)


@dataclass(frozen=True)
class NumberBin:
    """Values from `low` up to, not including, `high`."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    count: int

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day of the next month (the range is start <= day < end)."""
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class ColumnSummary:
    column: str
    kind: ColumnKind
    kind_from_schema: bool
    rows: int  # rows looked at
    nulls: int  # missing or null
    blanks: int  # empty or whitespace-only text
    distinct: int  # distinct values among the others
    top: tuple[ValueCount, ...]  # most frequent first, ties by the value's text
    other_rows: int  # rows holding a value outside `top`
    other_values: int  # how many distinct values those are
    unreadable: int = 0  # values that are not of the column's kind (text in a number column)
    minimum: Any = None  # number, or the date's text as sent
    maximum: Any = None
    integral: bool = False  # every number is a whole number
    bins: tuple[NumberBin, ...] = ()
    months: tuple[MonthCount, ...] = ()

    @property
    def values(self) -> int:
        """Rows that hold a value (neither null nor blank)."""
        return self.rows - self.nulls - self.blanks


def _frequent_first(item: tuple[Any, int]) -> tuple[int, int, Any]:
    """Most rows first; ties by the value (text, then numbers, then booleans), never by chance."""
    key, count = item
    cls = key.__class__
    return (-count, 0 if cls is str else 2 if cls is tuple else 1, key)


def value_key(value: Any) -> Any:
    """How values count as equal: by Python equality, except that a boolean is never a number."""
    return ("bool", value) if value.__class__ is bool else value


def key_value(key: Any) -> Any:
    return key[1] if key.__class__ is tuple else key


def is_blank(value: Any) -> bool:
    return value.__class__ is str and (not value or value.isspace())


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as a naive UTC datetime (None when it is not one)."""
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    zone = moment.tzinfo
    if zone is UTC:  # the usual `Z`: cheaper than converting
        return moment.replace(tzinfo=None)
    if zone is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def as_number(value: Any, *, from_text: bool) -> float | int | None:
    """The number a value holds (a numeric string only with `from_text`); None otherwise."""
    cls = value.__class__
    if cls is int:
        return int(value)
    if cls is float:
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if from_text and cls is str:
        try:
            number = float(value)
        except ValueError:
            return None
        if math.isnan(number) or math.isinf(number):
            return None
        return (
            int(number)
            if number.is_integer() and "." not in value and "e" not in value.lower()
            else number
        )
    return None


class ColumnAccumulator:
    """Counts one column's values slice by slice; `result()` at any point."""

    def __init__(
        self,
        column: str,
        schema_type: FieldType | None = None,
        *,
        top_values: int = TOP_VALUES,
        target_bins: int = TARGET_BINS,
    ) -> None:
        self.column = column
        self._schema = schema_kind(schema_type)
        self._top = top_values
        self._target_bins = target_bins
        self.rows = 0
        self._nulls = 0
        self._blanks = 0
        self._counts: dict[Any, int] = {}
        self._numbers: dict[float | int, int] = {}
        self._months: dict[tuple[int, int], int] = {}
        self._strings = 0  # non-blank text values
        self._dates = 0  # of those, ISO dates
        self._others = 0  # booleans and anything neither number nor text
        self._min_date: tuple[datetime, str] | None = None
        self._max_date: tuple[datetime, str] | None = None
        # Dates are parsed while the column can still be one (a schema date, or no value yet
        # that rules it out); numbers in text only where the catalog says number.
        self._dates_possible = self._schema in (None, ColumnKind.DATE)
        self._numeric_text = self._schema is ColumnKind.NUMBER

    def add(self, values: Iterable[Any]) -> None:
        counts = self._counts
        numbers = self._numbers
        for value in values:
            self.rows += 1
            if value is None:
                self._nulls += 1
                continue
            cls = value.__class__
            if cls is str:
                if not value or value.isspace():
                    self._blanks += 1
                    continue
                counts[value] = counts.get(value, 0) + 1
                self._strings += 1
                if self._numeric_text:
                    number = as_number(value, from_text=True)
                    if number is not None:
                        numbers[number] = numbers.get(number, 0) + 1
                if self._dates_possible:
                    self._add_date(value)
                continue
            key = value_key(value) if cls in (bool, int, float) else cell_text(value)
            counts[key] = counts.get(key, 0) + 1
            number = as_number(value, from_text=False) if cls is not bool else None
            if number is not None:
                numbers[number] = numbers.get(number, 0) + 1
            else:
                self._others += 1
            if self._schema is None:
                self._dates_possible = False

    def _add_date(self, text: str) -> None:
        moment = parse_moment(text)
        if moment is None:
            if self._schema is None:
                self._dates_possible = False  # one value that is not a date: the column is text
            return
        self._dates += 1
        key = (moment.year, moment.month)
        self._months[key] = self._months.get(key, 0) + 1
        if self._min_date is None or moment < self._min_date[0]:
            self._min_date = (moment, text)
        if self._max_date is None or moment > self._max_date[0]:
            self._max_date = (moment, text)

    def kind(self) -> ColumnKind:
        if self._schema is not None:
            return self._schema
        numbers = sum(self._numbers.values())
        if numbers and not self._strings and not self._others:
            return ColumnKind.NUMBER
        if self._strings and self._dates == self._strings and not numbers and not self._others:
            return ColumnKind.DATE
        return ColumnKind.TEXT

    def result(self) -> ColumnSummary:
        kind = self.kind()
        counts = self._counts
        top_keys = heapq.nsmallest(self._top, counts.items(), key=_frequent_first)
        top = tuple(ValueCount(key_value(k), n) for k, n in top_keys)
        shown = sum(v.count for v in top)
        values = self.rows - self._nulls - self._blanks
        summary = ColumnSummary(
            column=self.column,
            kind=kind,
            kind_from_schema=self._schema is not None,
            rows=self.rows,
            nulls=self._nulls,
            blanks=self._blanks,
            distinct=len(counts),
            top=top,
            other_rows=values - shown,
            other_values=len(counts) - len(top),
        )
        if kind is ColumnKind.NUMBER:
            return self._number_result(summary, values)
        if kind is ColumnKind.DATE:
            return self._date_result(summary, values)
        return summary

    def _number_result(self, summary: ColumnSummary, values: int) -> ColumnSummary:
        numbers = self._numbers
        if not numbers:
            return replace(summary, unreadable=values)
        low, high = min(numbers), max(numbers)
        integral = all(isinstance(n, int) or n.is_integer() for n in numbers)
        edges = bin_edges(low, high, integral=integral, target=self._target_bins)
        tally = [0] * (len(edges) - 1)
        for number, count in numbers.items():
            tally[min(len(tally) - 1, max(0, bisect_right(edges, number) - 1))] += count
        bins = tuple(NumberBin(edges[i], edges[i + 1], tally[i]) for i in range(len(tally)))
        return replace(
            summary,
            unreadable=values - sum(numbers.values()),
            minimum=low,
            maximum=high,
            integral=integral,
            bins=bins,
        )

    def _date_result(self, summary: ColumnSummary, values: int) -> ColumnSummary:
        months = self._months
        if not months or self._min_date is None or self._max_date is None:
            return replace(summary, unreadable=values)
        return replace(
            summary,
            unreadable=values - self._dates,
            minimum=self._min_date[1],
            maximum=self._max_date[1],
            months=month_counts(months),
        )


def month_counts(months: Mapping[tuple[int, int], int]) -> tuple[MonthCount, ...]:
    """Every month from the first to the last seen (those without a value count 0)."""
    first, last = min(months), max(months)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if span > _MAX_FILLED_MONTHS:
        return tuple(MonthCount(y, m, months[(y, m)]) for y, m in sorted(months))
    out = []
    year, month = first
    for _ in range(span):
        out.append(MonthCount(year, month, months.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def nice_step(raw: float, *, integral: bool) -> float:
    """The round width (1, 2 or 5 times a power of ten) at or above `raw`."""
    if raw <= 0:
        return 1
    exponent = math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = factor * 10.0**exponent
        if step >= raw * (1 - 1e-12):
            break
    if integral:
        return max(1, round(step))
    return _round_edge(step, exponent)


def _round_edge(value: float, exponent: int) -> float:
    return round(value, max(0, -exponent + 1))


def bin_edges(low: float, high: float, *, integral: bool, target: int = TARGET_BINS) -> list[float]:
    """Round edges from at or below `low` to above `high`, about `target` bins between.

    Every bin is half-open (low <= x < high), so the last edge is always above the maximum.
    """
    span = high - low
    if span <= 0:
        step = 1.0 if integral or low == 0 else nice_step(abs(low) / 10, integral=False)
    else:
        step = nice_step(span / target, integral=integral)
    exponent = math.floor(math.log10(step)) if step > 0 else 0
    start = math.floor(low / step)
    edges = []
    k = start
    while True:
        edge = k * step if integral else _round_edge(k * step, exponent)
        edges.append(int(edge) if integral else edge)
        if edge > high:
            break
        k += 1
    if len(edges) < 2:
        edges.append(edges[0] + step)
    return edges


def column_values(records: Iterable[Mapping[str, Any]], column: str) -> list[Any]:
    """A column of raw records as the table holds it (None for missing or null)."""
    return [flatten_record(r, arrays="summary", null=None).get(column) for r in records]


def summarize(
    values: Iterable[Any],
    column: str,
    schema_type: FieldType | None = None,
    **options: int,
) -> ColumnSummary:
    """One pass over the values (the accumulator does the same a slice at a time)."""
    accumulator = ColumnAccumulator(column, schema_type, **options)
    accumulator.add(values)
    return accumulator.result()
