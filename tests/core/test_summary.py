"""Column summaries: every figure against a plain recount, slices against one pass, round bins,
months, kinds from the catalog or the values."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.catalog import FieldType
from explorer.core.summary import (
    ColumnAccumulator,
    ColumnKind,
    bin_edges,
    column_values,
    nice_step,
    parse_moment,
    summarize,
    value_key,
)

texts = st.sampled_from(["active", "inactive", "Acme", "acme", "", " ", "\t", "1", "true"])
numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False))
dates = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(microsecond=0).isoformat() + "Z"
)
mixed = st.lists(st.one_of(st.none(), texts, numbers, st.booleans(), dates), max_size=120)


def reference(values: list) -> dict:
    """The figures counted the plain way, value by value."""
    nulls = sum(1 for v in values if v is None)
    blanks = sum(1 for v in values if isinstance(v, str) and not v.strip())
    counted = Counter(
        value_key(v) for v in values if v is not None and not (isinstance(v, str) and not v.strip())
    )
    return {"nulls": nulls, "blanks": blanks, "counts": counted}


@settings(max_examples=150, deadline=None)
@given(mixed, st.integers(1, 5))
def test_counts_nulls_blanks_distinct_top_and_other_are_exact(values, top_values):
    summary = summarize(values, "c", top_values=top_values)
    expected = reference(values)
    counts = expected["counts"]

    assert summary.rows == len(values)
    assert summary.nulls == expected["nulls"]
    assert summary.blanks == expected["blanks"]
    assert summary.distinct == len(counts)
    assert len(summary.top) == min(top_values, len(counts))
    for item in summary.top:
        assert counts[value_key(item.value)] == item.count
    # The top holds the most frequent values: none left out is more frequent than one shown.
    shown = {value_key(v.value) for v in summary.top}
    if summary.top:
        least = min(v.count for v in summary.top)
        assert all(n <= least for k, n in counts.items() if k not in shown)
    assert summary.other_values == len(counts) - len(summary.top)
    assert summary.other_rows == sum(n for k, n in counts.items() if k not in shown)
    assert summary.values == sum(counts.values())


@settings(max_examples=150, deadline=None)
@given(
    mixed,
    st.lists(st.integers(0, 120), max_size=6),
    st.sampled_from([None, FieldType.INTEGER, FieldType.DATETIME, FieldType.STRING]),
)
def test_slices_give_what_one_pass_gives(values, cuts, schema):
    accumulator = ColumnAccumulator("c", schema)
    start = 0
    for cut in sorted(c for c in cuts if c <= len(values)):
        accumulator.add(values[start:cut])
        start = cut
    accumulator.add(values[start:])

    assert accumulator.result() == summarize(values, "c", schema)


@settings(max_examples=200, deadline=None)
@given(st.lists(numbers, min_size=1, max_size=200))
def test_histogram_bins_are_round_contiguous_and_hold_every_number_once(values):
    summary = summarize(values, "n")
    assert summary.kind is ColumnKind.NUMBER
    bins = summary.bins
    assert bins[0].low <= min(values)
    assert bins[-1].high > max(values)
    assert all(a.high == b.low for a, b in itertools.pairwise(bins))
    assert sum(b.count for b in bins) == len(values)
    for b in bins:
        assert b.count == sum(1 for v in values if b.low <= v < b.high)
    width = bins[0].high - bins[0].low
    mantissa = width / 10 ** math.floor(math.log10(width))
    assert any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5, 10))
    assert len(bins) <= 2 * 10 + 2
    assert (summary.minimum, summary.maximum) == (min(values), max(values))


def test_whole_numbers_get_whole_bin_edges():
    summary = summarize([3, 4, 4, 5, 9], "n")
    assert summary.integral
    assert [(b.low, b.high, b.count) for b in summary.bins] == [
        (3, 4, 1), (4, 5, 2), (5, 6, 1), (6, 7, 0), (7, 8, 0), (8, 9, 0), (9, 10, 1),
    ]  # fmt: skip


def test_one_repeated_number_is_one_bin():
    summary = summarize([7, 7, 7], "n")
    assert [(b.low, b.high, b.count) for b in summary.bins] == [(7, 8, 3)]


@pytest.mark.parametrize(
    ("raw", "integral", "expected"),
    [
        (0.13, False, 0.2),
        (3.0, False, 5.0),
        (7.0, True, 10),
        (0.3, True, 1),
        (1e9, True, 1_000_000_000),
    ],
)
def test_nice_steps(raw, integral, expected):
    assert nice_step(raw, integral=integral) == expected


def test_bin_edges_are_round_for_decimals():
    assert bin_edges(0.12, 0.91, integral=False) == pytest.approx(
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(dates, min_size=1, max_size=150))
def test_months_count_every_date_and_leave_no_gap(values):
    months = summarize(values, "d").months
    expected = Counter((int(v[:4]), int(v[5:7])) for v in values)
    assert sum(m.count for m in months) == len(values)
    assert {(m.year, m.month): m.count for m in months if m.count} == dict(expected)
    for a, b in itertools.pairwise(months):
        assert a.end == b.start
    summary = summarize(values, "d")
    assert summary.kind is ColumnKind.DATE
    assert (summary.minimum, summary.maximum) == (min(values), max(values))


def test_dates_in_other_zones_count_in_their_utc_month():
    summary = summarize(["2026-03-31T23:30:00-02:00", "2026-04-01T00:10:00+02:00"], "d")
    assert [(m.label, m.count) for m in summary.months] == [("2026-03", 1), ("2026-04", 1)]
    assert summary.minimum == "2026-04-01T00:10:00+02:00"  # 2026-03-31T22:10Z, the earlier one


def test_the_catalog_type_decides_and_other_values_are_unreadable():
    summary = summarize([5, "7", "n/a", None, 2.5], "n", FieldType.NUMBER)
    assert summary.kind is ColumnKind.NUMBER
    assert summary.kind_from_schema
    assert summary.unreadable == 1  # "n/a"; "7" is a number written as text
    assert (summary.minimum, summary.maximum) == (2.5, 7)

    dated = summarize(["2026-01-02", "soon", None], "d", FieldType.DATE)
    assert dated.kind is ColumnKind.DATE
    assert dated.unreadable == 1


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1, 2.5, None, ""], ColumnKind.NUMBER),
        (["2026-01-02T03:04:05Z", "2025-12-01", None], ColumnKind.DATE),
        (["2026-01-02T03:04:05Z", "later"], ColumnKind.TEXT),
        (["42", "43"], ColumnKind.TEXT),  # identifiers that look like numbers stay text
        ([1, "a"], ColumnKind.TEXT),
        ([True, False], ColumnKind.TEXT),
        ([None, ""], ColumnKind.TEXT),
    ],
)
def test_the_kind_is_inferred_from_the_values(values, kind):
    summary = summarize(values, "c")
    assert summary.kind is kind
    assert not summary.kind_from_schema


def test_booleans_are_not_numbers_and_numbers_compare_by_value():
    summary = summarize([True, 1, 1.0, "1", False, 0], "c")
    counts = {(type(v.value).__name__, v.value): v.count for v in summary.top}
    assert counts[("bool", True)] == 1
    assert counts[("int", 1)] == 2  # 1 and 1.0 are one value
    assert counts[("str", "1")] == 1
    assert summary.distinct == 5


def test_ties_are_ordered_by_value_not_by_chance():
    summary = summarize(["b", "a", "c", "a", "b", "c"], "c", top_values=2)
    assert [v.value for v in summary.top] == ["a", "b"]
    assert (summary.other_rows, summary.other_values) == (2, 1)


def test_column_values_tell_null_from_missing_from_empty():
    records = [
        {"site": {"name": "Main"}},
        {"site": {"name": None}},
        {"site": None},
        {},
        {"site": {"name": ""}},
        {"site": {"name": "  "}},
        {"site": {"name": ["a", "b"]}},
    ]
    values = column_values(records, "site.name")
    assert values == ["Main", None, None, None, "", "  ", "a, b"]
    summary = summarize(values, "site.name")
    assert (summary.nulls, summary.blanks, summary.values) == (3, 2, 2)


def test_parse_moment_needs_an_iso_date():
    assert parse_moment("20260301") is None  # a serial number, not a date
    assert parse_moment("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, 0)
    assert parse_moment("2026-03-01T10:00:00+01:00") == datetime(2026, 3, 1, 9, 0)
    assert parse_moment("2026-13-01") is None
    assert datetime(2026, 3, 1, tzinfo=UTC).tzinfo is UTC
