"""Working days in England: weekends and England and Wales bank holidays are skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.workdays import add_months, add_working_days, is_working_day, working_days_between

# Inside the years the `holidays` package knows in detail; timescales are counted from today.
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


# --- is_working_day ---------------------------------------------------------------------------


def test_is_working_day_weekdays_are_working_days() -> None:
    assert [is_working_day(date(2026, 3, d)) for d in range(2, 9)] == [True, True, True, True, True, False, False]


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # Early May bank holiday
        date(2026, 5, 25),  # Spring bank holiday
        date(2026, 8, 31),  # Summer bank holiday (England, not Scotland's first Monday)
        date(2026, 12, 25),  # Christmas Day
        date(2026, 12, 28),  # Boxing Day, substitute day (26th is a Saturday)
        date(2022, 9, 19),  # one-off: the State Funeral of Queen Elizabeth II
        date(2023, 5, 8),  # one-off: the Coronation
        date(2020, 5, 8),  # Early May bank holiday moved to VE Day
    ],
)
def test_is_working_day_england_bank_holidays_are_not(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 17),  # St Patrick's Day: a bank holiday in Northern Ireland only
        date(2026, 8, 3),  # Summer bank holiday in Scotland only
        date(2026, 11, 30),  # St Andrew's Day: Scotland only
        date(2020, 5, 4),  # the usual early May Monday, moved that year
    ],
)
def test_is_working_day_other_nations_holidays_are_working_days_in_england(day: date) -> None:
    assert is_working_day(day)


# --- add_working_days -------------------------------------------------------------------------


def test_add_working_days_skips_christmas_and_boxing_day_substitute() -> None:
    # Thu 24 Dec 2026 + 1: Fri 25 (Christmas), Sat 26, Sun 27, Mon 28 (Boxing Day substitute).
    assert date(2026, 12, 24).weekday() == 3
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_add_working_days_skips_good_friday_and_easter_monday() -> None:
    # Thu 2 Apr 2026 + 1: Fri 3 (Good Friday), the weekend, Mon 6 (Easter Monday).
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_add_working_days_crosses_the_new_year_holiday() -> None:
    # Thu 31 Dec 2026 + 1: Fri 1 Jan 2027 is New Year's Day.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_add_working_days_skips_a_weekend() -> None:
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday → Monday


def test_add_working_days_thirty_five_days_across_easter() -> None:
    # 35 working days is seven weeks (Mon 20 Apr), plus Good Friday and Easter Monday.
    assert add_working_days(date(2026, 3, 2), 35) == date(2026, 4, 22)


def test_add_working_days_thirty_five_days_without_holidays() -> None:
    assert add_working_days(date(2026, 9, 7), 35) == date(2026, 10, 26)


def test_add_working_days_zero_is_the_same_day_even_at_a_weekend() -> None:
    assert add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


@pytest.mark.parametrize("n", [-1, -35])
def test_add_working_days_negative_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(date(2026, 3, 4), n)


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_add_working_days_lands_on_a_working_day_n_working_days_later(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert end > start
    assert is_working_day(end)
    assert working_days_between(start, end) == n
    assert working_days_between(start, end - timedelta(days=1)) == n - 1


@settings(max_examples=100, deadline=None)
@given(start=days, a=st.integers(min_value=0, max_value=40), b=st.integers(min_value=0, max_value=40))
def test_add_working_days_composes(start: date, a: int, b: int) -> None:
    assert add_working_days(add_working_days(start, a), b) == add_working_days(start, a + b)


# --- working_days_between ---------------------------------------------------------------------


def test_working_days_between_counts_after_start_up_to_and_including_end() -> None:
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 3)) == 1
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 6)) == 4
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5  # over a weekend


def test_working_days_between_skips_bank_holidays() -> None:
    # 29, 30, 31 Dec 2026 and Mon 4 Jan 2027 (25, 28 Dec and 1 Jan are bank holidays).
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1


def test_working_days_between_is_zero_when_end_is_not_after_start() -> None:
    assert working_days_between(date(2026, 3, 4), date(2026, 3, 4)) == 0
    assert working_days_between(date(2026, 3, 4), date(2026, 3, 1)) == 0


def test_working_days_between_ending_on_a_weekend_or_holiday_does_not_count_it() -> None:
    assert working_days_between(date(2026, 3, 5), date(2026, 3, 8)) == 1  # Fri counted; Sat, Sun not
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0


# --- add_months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),  # across the year end
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),  # backwards too
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 1, 31), -13, date(2024, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@settings(max_examples=200, deadline=None)
@given(start=days, months=st.integers(min_value=-120, max_value=120))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    if result.day != start.day:
        assert result.day < start.day
        assert (result + timedelta(days=1)).day == 1  # clamped to the last day of the month
