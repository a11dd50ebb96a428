"""Retention: when a family's records may be disposed of, and what keeps them. Pure.

The period comes from the practice framework (``practice.Retention``); councils differ
(DOMAIN.md "Retention"): until the youngest child's 25th birthday, until 30, 18 plus some years
after the last case closed. Nothing is due while a case is open. A record past its date is
*due* unless a legal hold stands (a public inquiry, litigation) or processing of the family or
of one of its people is restricted: a restriction is often asked for precisely so that records
are kept for a legal claim (UK GDPR Art 18(1)(c)), so it keeps the whole family's records until
the information governance team lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.practice import Retention

OPEN = "open"  # a case is open: retention has not started
RETAINED = "retained"  # within the retention period
HELD = "held"  # past the period, kept by a legal hold
RESTRICTED = "restricted"  # past the period, kept while processing is restricted
DUE = "due"  # past the period: dispose of it
STATUSES = (OPEN, RETAINED, HELD, RESTRICTED, DUE)


@dataclass(frozen=True)
class FamilyRecord:
    """What retention needs to know about a family: dates and flags, no personal data."""

    family_id: str
    created_on: date
    #: children's dates of birth and unborn babies' expected dates
    birth_dates: tuple[date, ...] = ()
    open_cases: int = 0
    last_closed_on: date | None = None
    held: bool = False
    restricted: bool = False


@dataclass(frozen=True)
class RetentionState:
    family_id: str
    status: str
    #: the first day the records may be disposed of (None while a case is open)
    until: date | None
    #: which rule set the date, e.g. "youngest_child_age:25" (no personal data)
    basis: str


def add_years(day: date, years: int) -> date:
    """The anniversary ``years`` on; a 29 February anniversary falls on 1 March in a common
    year (as a birthday does in English law: the later date, so nothing is disposed early)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def retained_until(policy: Retention, record: FamilyRecord) -> tuple[date | None, str]:
    """The first day ``record`` may be disposed of under ``policy``, and the rule that set it.
    The period runs from the last case's closure (or the record's creation, if it never had a case)."""
    closed = record.last_closed_on or record.created_on
    after = add_years(closed, policy.years_after_closure)
    if policy.rule == "years_after_closure":
        until, basis = after, f"years_after_closure:{policy.years_after_closure}"
    elif not record.birth_dates:
        until = max(after, add_years(closed, policy.years_without_children))
        basis = f"years_without_children:{policy.years_without_children}"
    else:
        until, basis = max(after, add_years(max(record.birth_dates), policy.age_years)), f"youngest_child_age:{policy.age_years}"
    if record.open_cases:
        return None, basis
    return until, basis


def assess(policy: Retention, record: FamilyRecord, today: date) -> RetentionState:
    """Where ``record`` stands today: open, retained, held, restricted or due."""
    until, basis = retained_until(policy, record)
    if until is None:
        status = OPEN
    elif today < until:
        status = RETAINED
    elif record.held:
        status = HELD
    elif record.restricted:
        status = RESTRICTED
    else:
        status = DUE
    return RetentionState(record.family_id, status, until, basis)


def describe(basis: str) -> str:
    """The retention rule behind a date, in words (``basis`` as :func:`retained_until` gives it)."""
    rule, _, years = basis.partition(":")
    if rule == "youngest_child_age":
        return f"The youngest child's {years}th birthday, once every case is closed"
    if rule == "years_after_closure":
        return f"{years} years after the last case closed"
    if rule == "years_without_children":
        return f"{years} years after the last case closed (no child's date of birth recorded)"
    return basis


def check_reason(reason: str | None) -> str:
    """A restriction or legal hold, and lifting one, needs a reason (kept, encrypted)."""
    text = (reason or "").strip()
    if not text:
        raise ValueError("Enter the reason")
    if len(text) > 2000:
        raise ValueError("The reason must be 2,000 characters or fewer")
    return text
