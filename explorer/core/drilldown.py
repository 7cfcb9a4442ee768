"""What a click on a bar of a column summary means: a filter the API applies, one the loaded rows
get, or both.

A bar stands for a `Selection` of values (one value, no value, the values outside the top ones,
a range of numbers or dates). `plan_drilldown` turns it into filter conditions for the query,
where the endpoint can filter on the field with the operators it allows, and otherwise into a
local filter over the loaded rows. A filter[...] parameter holds one condition per field (a
second one replaces the first; the sandbox, like ScalePad's query string, keeps the last), so a
range that needs both bounds sends the more selective bound and applies the range to the
returned rows as well; a bound that every loaded row already meets, with every record loaded,
is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from explorer.core.catalog import Endpoint, FieldType, FilterField, Operator
from explorer.core.flatten import cell_text
from explorer.core.humanize import human_bytes
from explorer.core.query import FilterCondition, Query, type_problem
from explorer.core.summary import (
    ColumnKind,
    ColumnSummary,
    as_number,
    is_blank,
    parse_moment,
    value_key,
)


# ---------------------------------------------------------------- what a bar stands for
@dataclass(frozen=True)
class IsValue:
    value: Any

    def matches(self, value: Any) -> bool:
        return value is not None and value_key(value) == value_key(self.value)

    def describe(self, column: str) -> str:
        return f"{column} = {cell_text(self.value)}"


@dataclass(frozen=True)
class IsEmpty:
    def matches(self, value: Any) -> bool:
        return value is None or is_blank(value)

    def describe(self, column: str) -> str:
        return f"{column} is empty"


@dataclass(frozen=True)
class IsOther:
    """A value, but none of those shown on their own bars."""

    shown: frozenset[Any]  # value_key of each shown value
    count: int  # distinct values it stands for

    def matches(self, value: Any) -> bool:
        return value is not None and not is_blank(value) and value_key(value) not in self.shown

    def describe(self, column: str) -> str:
        return f"{column} is one of the {self.count:,} other values"


@dataclass(frozen=True)
class InNumberRange:
    low: float
    high: float  # excluded
    numeric_text: bool = False  # numbers written as text count (a column the catalog types)
    as_bytes: bool = False

    def matches(self, value: Any) -> bool:
        number = as_number(value, from_text=self.numeric_text) if value is not None else None
        return number is not None and self.low <= number < self.high

    def describe(self, column: str) -> str:
        return f"{column} is {number_range_label(self.low, self.high, as_bytes=self.as_bytes)}"


@dataclass(frozen=True)
class InDateRange:
    start: date  # a day, UTC
    end: date  # excluded
    label: str

    def matches(self, value: Any) -> bool:
        if value.__class__ is not str:
            return False
        moment = parse_moment(value)
        return moment is not None and _midnight(self.start) <= moment < _midnight(self.end)

    def describe(self, column: str) -> str:
        return f"{column} in {self.label} (UTC)"


Selection = IsValue | IsEmpty | IsOther | InNumberRange | InDateRange


def number_text(value: float) -> str:
    """A bin edge as people and filters read it (`16`, `2.5`, `1e+21`)."""
    if float(value).is_integer() and abs(value) < 1e18:
        return str(int(value))
    return repr(float(value))


def number_range_label(low: float, high: float, *, as_bytes: bool = False) -> str:
    if as_bytes:
        return f"{human_bytes(low)} – {human_bytes(high)}"
    return f"{number_text(low)} – {number_text(high)}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


# ---------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Drilldown:
    """Conditions to put on the query (replacing those on the same field) and/or a local filter.

    `explanation` says in one line what was done and why (for the status line).
    """

    field: str
    conditions: tuple[FilterCondition, ...] = ()
    local: Selection | None = None
    explanation: str = ""

    @property
    def runs_query(self) -> bool:
        return bool(self.conditions)

    def apply(self, query: Query) -> Query:
        """The query with this field's conditions replaced by the plan's."""
        kept = tuple(f for f in query.filters if f.field != self.field)
        return replace(query, filters=kept + self.conditions)


@dataclass(frozen=True)
class _Bounds:
    lower: FilterCondition | None = None
    upper: FilterCondition | None = None
    lower_needed: bool = True
    upper_needed: bool = True


def plan_drilldown(
    endpoint: Endpoint,
    query: Query,
    column: str,
    selection: Selection,
    summary: ColumnSummary,
    *,
    all_loaded: bool,
) -> Drilldown:
    """How to show only the rows of `selection` (see the module's docstring)."""
    where = selection.describe(column)
    spec = endpoint.filter_field(column)
    if spec is None:
        return Drilldown(
            column,
            local=selection,
            explanation=f"The API cannot filter on {column}: showing the loaded rows where {where}.",
        )
    if isinstance(selection, IsValue):
        return _plan_value(column, spec, selection, where)
    if isinstance(selection, IsEmpty | IsOther):
        return Drilldown(
            column,
            local=selection,
            explanation=f"The API has no filter for that: showing the loaded rows where {where}.",
        )
    if any(f.field == column for f in query.filters):
        return Drilldown(
            column,
            local=selection,
            explanation=(
                f"The query filters on {column} already and the API takes one condition per "
                f"field: showing the loaded rows where {where}."
            ),
        )
    bounds = _range_bounds(spec, selection, summary, all_loaded=all_loaded)
    return _plan_range(column, selection, summary, bounds, where)


def _plan_value(column: str, spec: FilterField, selection: IsValue, where: str) -> Drilldown:
    text = cell_text(selection.value)
    for op in (Operator.EQ, Operator.IN):
        if op in spec.operators and type_problem(text, spec.type, spec.enum_values) is None:
            condition = FilterCondition(column, op, (text,))
            return Drilldown(
                column, (condition,), explanation=f"Filter added: {where}; running the query again."
            )
    return Drilldown(
        column,
        local=selection,
        explanation=f"The API cannot filter {column} on that value: showing the loaded rows where {where}.",
    )


def _range_bounds(
    spec: FilterField, selection: Selection, summary: ColumnSummary, *, all_loaded: bool
) -> _Bounds:
    ops = set(spec.operators)
    if isinstance(selection, InNumberRange):
        whole = spec.type is FieldType.INTEGER or (
            summary.integral and spec.type is not FieldType.NUMBER
        )
        low, high = selection.low, selection.high
        lower = _condition(spec, Operator.GTE, number_text(low)) if Operator.GTE in ops else None
        if lower is None and whole and Operator.GT in ops and float(low).is_integer():
            lower = _condition(spec, Operator.GT, number_text(low - 1))
        upper = _condition(spec, Operator.LT, number_text(high)) if Operator.LT in ops else None
        if upper is None and whole and Operator.LTE in ops and float(high).is_integer():
            upper = _condition(spec, Operator.LTE, number_text(high - 1))
        minimum, maximum = summary.minimum, summary.maximum
        return _Bounds(
            lower,
            upper,
            lower_needed=not (all_loaded and minimum is not None and minimum >= low),
            upper_needed=not (all_loaded and maximum is not None and maximum < high),
        )
    assert isinstance(selection, InDateRange)
    lower = (
        _condition(spec, Operator.GTE, _date_text(selection.start, spec))
        if Operator.GTE in ops
        else None
    )
    upper = (
        _condition(spec, Operator.LT, _date_text(selection.end, spec))
        if Operator.LT in ops
        else None
    )
    first = parse_moment(summary.minimum) if isinstance(summary.minimum, str) else None
    last = parse_moment(summary.maximum) if isinstance(summary.maximum, str) else None
    return _Bounds(
        lower,
        upper,
        lower_needed=not (all_loaded and first is not None and first >= _midnight(selection.start)),
        upper_needed=not (all_loaded and last is not None and last < _midnight(selection.end)),
    )


def _plan_range(
    column: str, selection: Selection, summary: ColumnSummary, bounds: _Bounds, where: str
) -> Drilldown:
    needed = [
        c
        for c, need in ((bounds.lower, bounds.lower_needed), (bounds.upper, bounds.upper_needed))
        if need
    ]
    if not needed:  # every record is in this bar already
        return Drilldown(column, explanation=f"Every loaded row has {where}; nothing to filter.")
    if all(c is not None for c in needed) and len(needed) == 1:
        condition = needed[0]
        assert condition is not None
        return Drilldown(
            column, (condition,), explanation=f"Filter added: {where}; running the query again."
        )
    usable = [c for c in needed if c is not None]
    if not usable:
        return Drilldown(
            column,
            local=selection,
            explanation=(
                f"The API cannot filter {column} by that range: showing the loaded rows where {where}."
            ),
        )
    condition = min(usable, key=lambda c: _rows_passing(c, summary, selection))
    return Drilldown(
        column,
        (condition,),
        local=selection,
        explanation=(
            f"Filter added: {column} {_op_words(condition)}; the API takes one condition per "
            f"field, so the loaded rows are narrowed to {where} as well."
        ),
    )


def _rows_passing(condition: FilterCondition, summary: ColumnSummary, selection: Selection) -> int:
    """How many loaded rows one bound alone keeps (the smaller, the less the API sends)."""
    lower = condition.op in (Operator.GT, Operator.GTE)
    if isinstance(selection, InNumberRange):
        return sum(
            b.count
            for b in summary.bins
            if (b.low >= selection.low if lower else b.high <= selection.high)
        )
    assert isinstance(selection, InDateRange)
    return sum(
        m.count
        for m in summary.months
        if (m.start >= selection.start if lower else m.end <= selection.end)
    )


def _op_words(condition: FilterCondition) -> str:
    words = {Operator.GTE: "≥", Operator.GT: ">", Operator.LT: "<", Operator.LTE: "≤"}
    return f"{words.get(condition.op, condition.op.value)} {condition.value}"


def _condition(spec: FilterField, op: Operator, text: str) -> FilterCondition | None:
    if type_problem(text, spec.type, spec.enum_values) is not None:
        return None
    return FilterCondition(spec.name, op, (text,))


def _date_text(day: date, spec: FilterField) -> str:
    if spec.type is FieldType.DATE:
        return day.isoformat()
    return f"{day.isoformat()}T00:00:00Z"


# ---------------------------------------------------------------- bars for a chart
@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    selection: Selection
    tooltip: str = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    count: int
    label: str


def periods(summary: ColumnSummary, max_bars: int = 36) -> list[Period]:
    """The months of a date column, grouped by quarter or year when there are too many to read."""
    months = summary.months
    if len(months) <= max_bars:
        return [Period(m.start, m.end, m.count, m.label) for m in months]
    by_quarter = len({(m.year, (m.month - 1) // 3) for m in months}) <= max_bars
    groups: dict[tuple[int, int], list[int]] = {}
    for m in months:
        key = (m.year, (m.month - 1) // 3) if by_quarter else (m.year, 0)
        groups.setdefault(key, []).append(m.count)
    out = []
    for (year, quarter), counts in sorted(groups.items()):
        if by_quarter:
            start = date(year, quarter * 3 + 1, 1)
            end = date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)
            label = f"{year} Q{quarter + 1}"
        else:
            start, end, label = date(year, 1, 1), date(year + 1, 1, 1), str(year)
        out.append(Period(start, end, sum(counts), label))
    return out


def bars_for(summary: ColumnSummary, *, as_bytes: bool = False) -> list[Bar]:
    """The bars a chart of this summary shows, each with what clicking it selects."""
    share = share_text(summary.rows)
    if summary.kind is ColumnKind.NUMBER and summary.bins:
        numeric_text = summary.kind_from_schema
        return [
            Bar(
                human_bytes(b.low).replace(".0 ", " ") if as_bytes else number_text(b.low),
                b.count,
                InNumberRange(b.low, b.high, numeric_text, as_bytes),
                f"{number_range_label(b.low, b.high, as_bytes=as_bytes)}: {b.count:,} rows{share(b.count)}",
            )
            for b in summary.bins
        ]
    if summary.kind is ColumnKind.DATE and summary.months:
        return [
            Bar(
                p.label,
                p.count,
                InDateRange(p.start, p.end, p.label),
                f"{p.label} (UTC): {p.count:,} rows{share(p.count)}",
            )
            for p in periods(summary)
        ]
    return value_bars(summary)


def value_bars(summary: ColumnSummary) -> list[Bar]:
    """The most frequent values, then "Other" and "(empty)" where there are such rows."""
    share = share_text(summary.rows)
    bars = [
        Bar(v.label, v.count, IsValue(v.value), f"{v.label}: {v.count:,} rows{share(v.count)}")
        for v in summary.top
    ]
    if summary.other_rows:
        other = IsOther(frozenset(value_key(v.value) for v in summary.top), summary.other_values)
        bars.append(
            Bar(
                f"Other ({summary.other_values:,})",
                summary.other_rows,
                other,
                f"{summary.other_values:,} other values: {summary.other_rows:,} rows"
                f"{share(summary.other_rows)}",
            )
        )
    empty = summary.nulls + summary.blanks
    if empty:
        bars.append(Bar("(empty)", empty, IsEmpty(), f"No value: {empty:,} rows{share(empty)}"))
    return bars


def share_text(total: int) -> Callable[[int], str]:
    """` (12.5%)` of `total` for a count (nothing when there is no total)."""

    def text(count: int) -> str:
        return f" ({100 * count / total:.1f}%)" if total else ""

    return text


def matching(values: Iterable[Any], selection: Selection) -> list[bool]:
    return [selection.matches(v) for v in values]
