"""A click on a summary's bar: the filter the API gets (with the operators it allows, one condition
per field), the filter the loaded rows get, and the bars themselves."""

from __future__ import annotations

from datetime import date

import pytest

from explorer.core.catalog import Endpoint, FieldType, FilterField, Operator
from explorer.core.drilldown import (
    InDateRange,
    InNumberRange,
    IsEmpty,
    IsOther,
    IsValue,
    bars_for,
    periods,
    plan_drilldown,
)
from explorer.core.query import FilterCondition, Query, build_params
from explorer.core.summary import summarize

ENDPOINT = Endpoint(
    "GET",
    "/things",
    filters=(
        FilterField("type", FieldType.ENUM, (Operator.EQ, Operator.IN), ("SERVER", "WORKSTATION")),
        FilterField("ram", FieldType.INTEGER, (Operator.EQ, Operator.LT, Operator.GTE)),
        FilterField("size", FieldType.INTEGER, (Operator.EQ, Operator.GT, Operator.LTE)),
        FilterField("created", FieldType.DATETIME, (Operator.GTE, Operator.LT)),
        FilterField("day", FieldType.DATE, (Operator.GTE, Operator.LT)),
        FilterField("name", FieldType.STRING, (Operator.CONT,)),
    ),
)
QUERY = Query(endpoint_id=ENDPOINT.id)


def plan(column, selection, values, *, query=QUERY, all_loaded=False, schema=None):
    return plan_drilldown(
        ENDPOINT, query, column, selection, summarize(values, column, schema), all_loaded=all_loaded
    )


def test_a_value_of_a_filterable_field_becomes_eq_and_replaces_the_fields_condition():
    query = Query(
        ENDPOINT.id, filters=(FilterCondition("type", Operator.IN, ("SERVER", "WORKSTATION")),)
    )
    drill = plan("type", IsValue("SERVER"), ["SERVER", "WORKSTATION"], query=query)
    assert drill.conditions == (FilterCondition("type", Operator.EQ, ("SERVER",)),)
    assert drill.local is None
    assert build_params(drill.apply(query), ENDPOINT) == [("filter[type]", "eq:SERVER")]


def test_a_value_the_field_cannot_take_is_filtered_locally():
    drill = plan("type", IsValue("UNKNOWN"), ["UNKNOWN"])
    assert not drill.runs_query
    assert drill.local == IsValue("UNKNOWN")
    assert "cannot filter type on that value" in drill.explanation


def test_a_field_the_api_cannot_filter_on_is_filtered_locally():
    drill = plan("site", IsValue("Main"), ["Main"])
    assert (drill.conditions, drill.local) == ((), IsValue("Main"))
    assert "The API cannot filter on site" in drill.explanation


@pytest.mark.parametrize("selection", [IsEmpty(), IsOther(frozenset({"SERVER"}), 3)])
def test_empty_and_other_are_always_local(selection):
    drill = plan("type", selection, ["SERVER", None])
    assert (drill.conditions, drill.local) == ((), selection)


def test_a_middle_bin_sends_its_more_selective_bound_and_narrows_the_rows_too():
    values = [1] * 10 + [15] * 3 + [25] * 2  # bins of 10: [0,10) 10, [10,20) 3, [20,30) 2
    drill = plan("ram", InNumberRange(10, 20), values)
    # gte:10 keeps 5 loaded rows, lt:20 keeps 13: the API gets gte.
    assert drill.conditions == (FilterCondition("ram", Operator.GTE, ("10",)),)
    assert drill.local == InNumberRange(10, 20)
    assert "one condition per field" in drill.explanation


def test_a_bound_every_record_meets_is_left_out_when_all_are_loaded():
    values = [1, 5, 12, 25]
    lowest = plan("ram", InNumberRange(0, 10), values, all_loaded=True)
    assert lowest.conditions == (FilterCondition("ram", Operator.LT, ("10",)),)
    assert lowest.local is None  # exact: nothing below 0 exists
    highest = plan("ram", InNumberRange(20, 30), values, all_loaded=True)
    assert highest.conditions == (FilterCondition("ram", Operator.GTE, ("20",)),)
    assert highest.local is None
    # With more records on the server, the same bar needs both bounds.
    partial = plan("ram", InNumberRange(0, 10), values, all_loaded=False)
    assert partial.local == InNumberRange(0, 10)


def test_whole_numbers_use_gt_and_lte_when_those_are_the_operators():
    drill = plan("size", InNumberRange(10, 20), [1, 15, 25], all_loaded=True)
    assert set(drill.conditions) <= {
        FilterCondition("size", Operator.GT, ("9",)),
        FilterCondition("size", Operator.LTE, ("19",)),
    }
    assert len(drill.conditions) == 1
    assert drill.local == InNumberRange(10, 20)


def test_a_range_on_a_field_the_query_filters_already_is_local():
    query = Query(ENDPOINT.id, filters=(FilterCondition("ram", Operator.GTE, ("5",)),))
    drill = plan("ram", InNumberRange(10, 20), [5, 15, 25], query=query)
    assert (drill.conditions, drill.local) == ((), InNumberRange(10, 20))
    assert "filters on ram already" in drill.explanation


def test_a_month_becomes_a_datetime_range_in_the_apis_form():
    values = ["2026-01-05T10:00:00Z", "2026-02-10T10:00:00Z", "2026-03-01T00:00:00Z"]
    month = InDateRange(date(2026, 2, 1), date(2026, 3, 1), "2026-02")
    drill = plan("created", month, values)
    assert drill.conditions[0].values[0] in ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    assert drill.local == month
    [(name, value)] = build_params(drill.apply(QUERY), ENDPOINT)
    assert name == "filter[created]"
    assert value.startswith(("gte:", "lt:"))

    days = plan("day", month, ["2026-01-05", "2026-02-10"], all_loaded=True)
    assert days.conditions == (FilterCondition("day", Operator.GTE, ("2026-02-01",)),)
    assert days.local is None


def test_selections_match_the_values_they_stand_for():
    assert IsValue(1).matches(1.0)
    assert not IsValue(1).matches(True)
    assert IsEmpty().matches(None)
    assert IsEmpty().matches("  ")
    assert not IsEmpty().matches(0)
    other = IsOther(frozenset({"a"}), 2)
    assert other.matches("b")
    assert not other.matches("a")
    assert not other.matches(None)
    assert InNumberRange(10, 20).matches(10)
    assert not InNumberRange(10, 20).matches(20)
    assert not InNumberRange(10, 20).matches("15")
    assert InNumberRange(10, 20, numeric_text=True).matches("15")
    month = InDateRange(date(2026, 2, 1), date(2026, 3, 1), "2026-02")
    assert month.matches("2026-02-28T23:59:59Z")
    assert month.matches("2026-03-01T00:30:00+01:00")  # 2026-02-28T23:30Z
    assert not month.matches("2026-03-01T00:00:00Z")


def test_bars_are_bins_months_or_values_with_other_and_empty():
    numbers = bars_for(summarize([1, 2, 15, None], "n"))
    assert [(b.label, b.count) for b in numbers] == [
        ("0", 1), ("2", 1), ("4", 0), ("6", 0), ("8", 0), ("10", 0), ("12", 0), ("14", 1),
    ]  # fmt: skip
    assert numbers[0].selection == InNumberRange(0, 2)

    months = bars_for(summarize(["2026-01-01", "2026-03-01"], "d"))
    assert [(b.label, b.count) for b in months] == [("2026-01", 1), ("2026-02", 0), ("2026-03", 1)]

    text = bars_for(summarize(["a", "a", "b", "c", "", None], "t", top_values=1))
    assert [(b.label, b.count) for b in text] == [("a", 2), ("Other (2)", 2), ("(empty)", 2)]


def test_many_months_are_grouped_by_quarter_then_by_year():
    quarters = periods(summarize(["2020-01-15", "2023-12-15"], "d"))
    assert len(quarters) == 16
    assert (quarters[0].label, quarters[0].start, quarters[0].end) == (
        "2020 Q1",
        date(2020, 1, 1),
        date(2020, 4, 1),
    )
    assert quarters[-1].end == date(2024, 1, 1)
    assert sum(p.count for p in quarters) == 2
    years = periods(summarize(["2001-01-15", "2026-12-15"], "d"))
    assert [p.label for p in years][:2] == ["2001", "2002"]
    assert len(years) == 26
