"""Retention rules (pure): the date a family's records may be disposed of under the practice
framework, what keeps them past it, and the framework's retention settings."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.practice import PracticeError, Retention, load_practice, parse_practice
from casework.retention import rules
from casework.retention.rules import FamilyRecord, add_years, assess, retained_until

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "practice" / "default.toml"
DEFAULT = Retention(rule="youngest_child_age", age_years=25)
CLOSED = date(2026, 6, 30)


def record(**kwargs: Any) -> FamilyRecord:
    values: dict[str, Any] = {"family_id": "f", "created_on": date(2020, 1, 1), "last_closed_on": CLOSED}
    return FamilyRecord(**(values | kwargs))


def test_retained_until_youngest_childs_25th_birthday() -> None:
    family = record(birth_dates=(date(2010, 2, 1), date(2015, 9, 12)))
    assert retained_until(DEFAULT, family) == (date(2040, 9, 12), "youngest_child_age:25")


def test_retained_until_an_unborn_babys_expected_date_counts_as_the_youngest() -> None:
    family = record(birth_dates=(date(2015, 9, 12), date(2027, 1, 5)))
    assert retained_until(DEFAULT, family)[0] == date(2052, 1, 5)


def test_retained_until_at_least_the_years_after_the_last_closure() -> None:
    devon = Retention(rule="youngest_child_age", age_years=18, years_after_closure=3)
    assert retained_until(devon, record(birth_dates=(date(2000, 1, 1),)))[0] == date(2029, 6, 30)  # 18 in 2018: 3 years on
    assert retained_until(devon, record(birth_dates=(date(2020, 1, 1),)))[0] == date(2038, 1, 1)  # 18 later than that


def test_retained_until_years_after_closure_rule_ignores_ages() -> None:
    policy = Retention(rule="years_after_closure", years_after_closure=6)
    assert retained_until(policy, record(birth_dates=(date(2020, 1, 1),))) == (date(2032, 6, 30), "years_after_closure:6")


def test_retained_until_no_child_recorded_uses_the_years_without_children() -> None:
    assert retained_until(DEFAULT, record()) == (date(2032, 6, 30), "years_without_children:6")


def test_retained_until_never_a_case_runs_from_the_records_creation() -> None:
    assert retained_until(DEFAULT, record(last_closed_on=None))[0] == date(2026, 1, 1)


def test_retained_until_an_open_case_stops_the_clock() -> None:
    assert retained_until(DEFAULT, record(open_cases=1, birth_dates=(date(1990, 1, 1),)))[0] is None


def test_add_years_a_29_february_anniversary_falls_on_1_march() -> None:
    assert add_years(date(2016, 2, 29), 25) == date(2041, 3, 1)
    assert add_years(date(2016, 2, 29), 24) == date(2040, 2, 29)


@pytest.mark.parametrize(
    ("kwargs", "on", "status"),
    [
        ({"open_cases": 1}, date(2099, 1, 1), rules.OPEN),
        ({}, date(2040, 9, 11), rules.RETAINED),
        ({}, date(2040, 9, 12), rules.DUE),
        ({"held": True}, date(2041, 1, 1), rules.HELD),
        ({"restricted": True}, date(2041, 1, 1), rules.RESTRICTED),
        ({"held": True, "restricted": True}, date(2041, 1, 1), rules.HELD),
        ({"held": True}, date(2030, 1, 1), rules.RETAINED),
    ],
)
def test_assess_status(kwargs: dict[str, Any], on: date, status: str) -> None:
    state = assess(DEFAULT, record(birth_dates=(date(2015, 9, 12),), **kwargs), on)
    assert state.status == status


@given(
    births=st.lists(st.dates(date(1990, 1, 1), date(2030, 12, 31)), max_size=4),
    closed=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    on=st.dates(date(2000, 1, 1), date(2080, 12, 31)),
    held=st.booleans(),
    restricted=st.booleans(),
)
def test_assess_never_due_before_the_date_nor_while_held_or_restricted(
    births: list[date], closed: date, on: date, held: bool, restricted: bool
) -> None:
    family = record(birth_dates=tuple(births), last_closed_on=closed, held=held, restricted=restricted)
    state = assess(DEFAULT, family, on)
    if state.status == rules.DUE:
        assert state.until is not None and on >= state.until >= closed and not held and not restricted
        assert all(on >= add_years(b, 25) for b in births)


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        ("youngest_child_age:25", "The youngest child's 25th birthday, once every case is closed"),
        ("years_after_closure:7", "7 years after the last case closed"),
        ("years_without_children:6", "6 years after the last case closed (no child's date of birth recorded)"),
    ],
)
def test_describe_says_the_rule_in_words(basis: str, words: str) -> None:
    assert rules.describe(basis) == words


def test_check_reason_required_and_bounded() -> None:
    assert rules.check_reason("  Inquiry  ") == "Inquiry"
    with pytest.raises(ValueError, match="Enter the reason"):
        rules.check_reason(" ")
    with pytest.raises(ValueError, match="2,000"):
        rules.check_reason("x" * 2001)


# --- the framework's retention settings ------------------------------------------------------


@pytest.fixture
def data() -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8")))


def test_practice_default_retention_is_the_youngest_childs_25th_birthday() -> None:
    assert load_practice(DEFAULT_FILE).retention == Retention("youngest_child_age", 25, 0, 6)


def test_practice_retention_years_after_closure_rule(data: dict[str, Any]) -> None:
    data["retention"] = {"rule": "years_after_closure", "years_after_closure": 7}
    assert parse_practice(data).retention == Retention("years_after_closure", 0, 7, 6)


@pytest.mark.parametrize(
    ("retention", "problem"),
    [
        ({"rule": "years_after_closure"}, "'years_after_closure' must be a whole number of at least 1"),
        ({"rule": "years_after_closure", "years_after_closure": 0}, "'years_after_closure' must be a whole number of at least 1"),
        ({"rule": "youngest_child_age"}, "'age_years' must be a whole number of at least 18"),
        (
            {"rule": "youngest_child_age", "age_years": 25, "years_after_closure": -1},
            "'years_after_closure' must be a whole number of at least 0",
        ),
        (
            {"rule": "youngest_child_age", "age_years": 25, "years_without_children": 0},
            "'years_without_children' must be a whole number of at least 1",
        ),
        ({"rule": "forever"}, "rule must be one of youngest_child_age, years_after_closure"),
    ],
)
def test_practice_invalid_retention_refused_with_the_problem(data: dict[str, Any], retention: dict[str, Any], problem: str) -> None:
    data["retention"] = retention
    with pytest.raises(PracticeError) as caught:
        parse_practice(data, source="test.toml")
    assert problem in str(caught.value)
