"""The report's pure definitions: periods, filters, medians, percentages, review timeliness."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.reports import measures
from casework.reports.measures import Filters, Period, PlanHistory, ReviewRecord

TODAY = date(2026, 6, 15)
TEAMS = {"team-a", "team-b"}


def _parse(**args: str) -> Filters:
    return measures.parse_filters(args, TODAY, teams=TEAMS, levels=[1, 2, 3, 4], reasons=["needs_met", "other"])


def test_measures_api_codes_are_all_defined() -> None:
    contract = {
        "requests_received",
        "assessments_started",
        "assessments_completed",
        "assessments_completed_in_timescale",
        "open_cases",
        "step_ups",
        "step_downs",
        "closures",
        "closures_needs_met",
        "re_referrals_12m",
        "shares_without_consent",
        "reviews_overdue",
    }
    assert contract <= set(measures.BY_CODE)
    assert len(measures.BY_CODE) == len(measures.MEASURES)


def test_measures_every_rate_and_median_is_made_of_counted_measures() -> None:
    for measure in measures.MEASURES:
        assert measures.drill_code(measure) in measures.COUNTED, measure.code
        for part in measure.parts:
            assert measures.BY_CODE[part].kind == measures.COUNT


def test_measures_default_period_is_the_last_twelve_months() -> None:
    assert measures.default_period(TODAY) == Period(date(2025, 6, 16), TODAY)
    assert measures.default_period(date(2028, 2, 29)) == Period(date(2027, 3, 1), date(2028, 2, 29))


def test_measures_parse_filters_reads_every_filter() -> None:
    f = _parse(**{"from": "2026-01-01", "to": "2026-03-31", "team": "team-a", "level": "3", "locality": "e01000001"})
    assert f.period == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert (f.team, f.level, f.locality) == ("team-a", 3, "E01000001")
    assert f.query()["from"] == "2026-01-01" and f.query(measure="closures")["measure"] == "closures"
    assert "level" not in _parse().query()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ({"from": "2000-01-01"}, "from"),
        ({"team": "someone-elses"}, "team"),
        ({"level": "9"}, "level"),
        ({"level": "two"}, "level"),
        ({"locality": "Leeds"}, "locality"),
        ({"closure_reason": "vanished"}, "closure_reason"),
        ({"lead_professional_id": "'; drop table"}, "lead_professional_id"),
    ],
)
def test_measures_parse_filters_names_the_bad_filter(args: dict[str, str], field: str) -> None:
    with pytest.raises(measures.FilterProblem) as caught:
        _parse(**args)
    assert field in caught.value.fields


def test_measures_median_and_percent() -> None:
    assert measures.median([]) is None
    assert measures.median([5, 1, 3]) == 3
    assert measures.median([4, 1, 3, 2]) == 2.5
    assert measures.percent(1, 3) == 33.3
    assert measures.percent(2, 3) == 66.7
    assert measures.percent(0, 0) is None
    assert measures.percent(5, 5) == 100.0


def test_measures_value_of_each_kind() -> None:
    counts = {"closures": 4, "closures_needs_met": 1}
    assert measures.value_of(measures.BY_CODE["closures"], counts, {}) == 4
    assert measures.value_of(measures.BY_CODE["closures_needs_met_rate"], counts, {}) == 25.0
    assert measures.value_of(measures.BY_CODE["median_days_request_to_plan"], counts, {"median_days_request_to_plan": [10, 30]}) == 20
    assert measures.value_of(measures.BY_CODE["reviews_on_time_rate"], counts, {}) is None


def test_measures_shown() -> None:
    assert measures.shown(None, measures.PERCENT) == "–"
    assert measures.shown(12.5, measures.PERCENT) == "12.5%"
    assert measures.shown(3.5, measures.DAYS) == "3.5"
    assert measures.shown(12345, measures.COUNT) == "12,345"


def _first_due(agreed: date) -> date:
    return agreed + timedelta(days=42)


def test_measures_review_figures_on_time_late_and_overdue() -> None:
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    at = period.end
    plans = [
        # first review on time (due 12 Feb), second late (due 1 Mar, held 10 Mar), next due 1 Apr: not yet overdue
        PlanHistory(
            "on-time-then-late",
            date(2026, 1, 1),
            True,
            (ReviewRecord(date(2026, 2, 1), date(2026, 3, 1)), ReviewRecord(date(2026, 3, 10), date(2026, 4, 1))),
        ),
        # no review since it was agreed: first review due 12 Jan 2026 has passed
        PlanHistory("never-reviewed", date(2025, 12, 1), True, ()),
        # overdue, but the case was closed by the end of the period
        PlanHistory("closed", date(2025, 12, 1), False, ()),
        # a final review leaves nothing due
        PlanHistory("final", date(2025, 11, 1), True, (ReviewRecord(date(2025, 12, 1), None),)),
        # a review before the period is not counted, but sets the next due date (passed: overdue)
        PlanHistory("lapsed", date(2025, 10, 1), True, (ReviewRecord(date(2025, 11, 1), date(2025, 12, 15)),)),
    ]
    figures = measures.review_figures(plans, period, at, _first_due)
    assert figures.held == ("on-time-then-late", "on-time-then-late")
    assert figures.on_time == ("on-time-then-late",)
    assert figures.overdue == ("never-reviewed", "lapsed")
