"""How each measure of the managers' report is queried (see services.py for the scope and the
promise that a figure and its list of cases agree).

``Queries`` holds every counted measure as a SELECT of one row per event with the case id
first: case-row measures as conditions on the case (counted together by ``case_rows``), the
others per joined table (counted together by ``counts``). ``calendar`` fetches the rows of the
measures the calendar decides and finishes them in :mod:`casework.reports.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, and_, distinct, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.cases import rules as case_rules
from casework.cases.models import Case, LevelTransition
from casework.consent.models import Consent, ShareWithoutConsent
from casework.consent.policy import Actor
from casework.consent.query import visible_cases
from casework.db import LOCAL_TIME, today
from casework.errors import NotPermitted
from casework.families.models import Family
from casework.plans import rules as plan_rules
from casework.plans.models import Plan, PostClosureCheck, Review
from casework.practice import Practice
from casework.reports import measures
from casework.reports.measures import Filters, PlanHistory, ReviewRecord

#: A measure's rows: one per event counted, the case id first.
Rows = Select[Any]
#: Counted measures finished in Python (the calendar decides them); the rest are pure SQL.
CALENDAR = frozenset({"assessments_completed_in_timescale", "reviews_held", "reviews_on_time", "reviews_overdue"})


def bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The period as UTC instants: from local midnight at its start to local midnight after it."""
    start = datetime.combine(filters.period.start, time.min, LOCAL_TIME).astimezone(UTC)
    after = datetime.combine(filters.period.after, time.min, LOCAL_TIME).astimezone(UTC)
    return start, after


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TIME).date()


def scope(actor: Actor, filters: Filters) -> list[ColumnElement[bool]]:
    """The cases every figure is drawn from (see the module docstring)."""
    teams = [filters.team] if filters.team else sorted(actor.managed_team_ids)
    if not teams or not set(teams) <= actor.managed_team_ids:
        raise NotPermitted("The report is for managers, for the teams they manage.")
    conditions = [visible_cases(actor), Case.owning_team_id.in_(teams)]
    if filters.level is not None:
        conditions.append(Case.level == filters.level)
    if filters.locality:
        conditions.append(Case.family_id.in_(select(Family.id).where(Family.lsoa_code == filters.locality)))
    if filters.lead == measures.UNALLOCATED:
        conditions.append(Case.lead_professional_id.is_(None))
    elif filters.lead:
        conditions.append(Case.lead_professional_id == filters.lead)
    if filters.reason:
        conditions.append(Case.closure_reason == filters.reason)
    return conditions


class Queries:
    """Each counted measure as a SELECT of one row per event, the case id first."""

    def __init__(self, practice: Practice, actor: Actor, filters: Filters) -> None:
        self.filters = filters
        self.scope = scope(actor, filters)
        self.start, self.after = bounds(filters)
        self.statutory = sorted(level.number for level in practice.levels if level.statutory)

    def during(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.after)

    def days(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.filters.period.start, column <= self.filters.period.end)

    def cases(self, *conditions: ColumnElement[bool]) -> Rows:
        return select(Case.id).where(*self.scope, *conditions)

    def requested(self) -> ColumnElement[bool]:
        return self.during(Case.opened_at)

    def open_at_end(self) -> ColumnElement[bool]:
        return and_(Case.opened_at < self.after, or_(Case.closed_at.is_(None), Case.closed_at >= self.after))

    def case_conditions(self) -> dict[str, ColumnElement[bool]]:
        """The measures that are a condition on the case row alone."""
        requested, closed = self.requested(), self.during(Case.closed_at)
        return {
            "requests_received": requested,
            "re_referrals_12m": and_(requested, Case.re_referral.is_(True)),
            "open_cases": self.open_at_end(),
            "closures": closed,
            "closures_needs_met": and_(closed, Case.closure_reason == measures.NEEDS_MET),
            "flow_requested": requested,
            "flow_closed": and_(requested, Case.closed_at.is_not(None)),
        }

    def alive(self) -> ColumnElement[bool]:
        """Cases open at some time in the period: every case-row measure is among them."""
        return and_(Case.opened_at < self.after, or_(Case.closed_at.is_(None), Case.closed_at >= self.start))

    def joined(self) -> dict[str, tuple[Any, ColumnElement[bool], dict[str, ColumnElement[bool]]]]:
        """The measures counted over a table joined to the cases: per table, the join, a condition
        every row counted meets, and each measure's own condition (one row per event; the
        case-flow stages count each case once)."""
        first = Assessment.number == 1
        approved = LevelTransition.status == case_rules.APPROVED
        effective = self.during(LevelTransition.effective_at)
        to_statutory = and_(LevelTransition.direction == case_rules.STEP_UP, LevelTransition.to_level.in_(self.statutory))
        return {
            "assessment": (
                Assessment,
                Assessment.case_id == Case.id,
                {
                    "assessments_started": and_(first, self.during(Assessment.started_at)),
                    "assessments_completed": and_(first, self.during(Assessment.submitted_at)),
                    "flow_assessed": self.requested(),
                },
            ),
            # A step that counts took effect in the period, or (a case-flow stage) after a request
            # of the period: never before the period starts, and on a case open in it.
            "transition": (
                LevelTransition,
                and_(LevelTransition.case_id == Case.id, approved, LevelTransition.effective_at >= self.start, self.alive()),
                {
                    "step_ups": and_(LevelTransition.direction == case_rules.STEP_UP, effective),
                    "step_downs": and_(LevelTransition.direction == case_rules.STEP_DOWN, effective),
                    "flow_stepped_up": and_(self.requested(), to_statutory),
                },
            ),
            "plan": (Plan, Plan.case_id == Case.id, {"plans_started": self.days(Plan.agreed_on), "flow_planned": self.requested()}),
            "consent": (
                Consent,
                and_(Consent.case_id == Case.id, Consent.purpose == "share", self.during(Consent.recorded_at)),
                {"share_decisions": true(), "share_agreements": Consent.decision == "given"},
            ),
            "check": (
                PostClosureCheck,
                and_(PostClosureCheck.case_id == Case.id, self.days(PostClosureCheck.due_on)),
                {
                    "post_closure_checks_due": true(),
                    "post_closure_checks_recorded": PostClosureCheck.sustained.is_not(None),
                    "outcomes_sustained": PostClosureCheck.sustained.is_(True),
                },
            ),
            "swc": (
                ShareWithoutConsent,
                and_(ShareWithoutConsent.case_id == Case.id, self.during(ShareWithoutConsent.decided_at)),
                {"shares_without_consent": true()},
            ),
        }

    def query(self, code: str) -> Rows:
        """The rows of a counted SQL measure (KeyError for an unknown code)."""
        conditions = self.case_conditions()
        if code in conditions:
            return self.cases(conditions[code])
        for table, on, codes in self.joined().values():
            if code in codes:
                return select(Case.id).join(table, on).where(*self.scope, codes[code])
        raise KeyError(code)


SQL_COUNTED = tuple(code for code in measures.COUNTED if code not in CALENDAR)


@dataclass(frozen=True)
class Calendar:
    """The figures the calendar decides, with the day spans of the median measures."""

    events: dict[str, tuple[str, ...]]  # code -> a case id per event
    days: dict[str, list[int]]


def _assessment_rows(session: Session, q: Queries) -> list[tuple[str, datetime, datetime, date | None]]:
    rows = session.execute(
        select(Case.id, Case.opened_at, Assessment.submitted_at, Assessment.due_on)
        .join(Assessment, and_(Assessment.case_id == Case.id, Assessment.number == 1))
        .where(*q.scope, q.during(Assessment.submitted_at))
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows if row[2] is not None]


def _plan_rows(session: Session, q: Queries) -> list[tuple[str, datetime, date, datetime | None]]:
    first_submitted = (
        select(Assessment.submitted_at).where(Assessment.case_id == Case.id, Assessment.number == 1).correlate(Case).scalar_subquery()
    )
    rows = session.execute(
        select(Case.id, Case.opened_at, Plan.agreed_on, first_submitted)
        .join(Plan, Plan.case_id == Case.id)
        .where(*q.scope, q.days(Plan.agreed_on))
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _plan_histories(session: Session, q: Queries, at: date) -> list[PlanHistory]:
    after_at = datetime.combine(at, time.min, LOCAL_TIME).astimezone(UTC)
    rows = session.execute(
        select(Plan.id, Case.id, Plan.agreed_on, Case.closed_at, Review.held_on, Review.next_review_on)
        .join(Case, Case.id == Plan.case_id)
        .outerjoin(Review, and_(Review.plan_id == Plan.id, Review.held_on <= at))
        .where(*q.scope, Plan.agreed_on <= q.filters.period.end)
        .order_by(Plan.id, Review.held_on, Review.recorded_at)
    ).all()
    plans: dict[str, PlanHistory] = {}
    reviews: dict[str, list[ReviewRecord]] = {}
    for plan_id, case_id, agreed_on, closed_at, held_on, next_review_on in rows:
        if plan_id not in plans:
            open_at_end = closed_at is None or closed_at >= after_at
            plans[plan_id] = PlanHistory(case_id, agreed_on, open_at_end, ())
            reviews[plan_id] = []
        if held_on is not None:
            reviews[plan_id].append(ReviewRecord(held_on, next_review_on))
    return [PlanHistory(p.case_id, p.agreed_on, p.open_at_end, tuple(reviews[key])) for key, p in plans.items()]


def calendar(session: Session, practice: Practice, q: Queries) -> Calendar:
    assessed = _assessment_rows(session, q)
    in_timescale = tuple(
        case_id for case_id, opened_at, submitted_at, due_on in assessed if due_on is None or local_day(submitted_at) <= due_on
    )
    planned = _plan_rows(session, q)
    at = min(q.filters.period.end, today())
    reviews = measures.review_figures(
        _plan_histories(session, q, at), q.filters.period, at, lambda agreed: plan_rules.next_review_due(agreed, practice)
    )
    days = {
        "median_days_request_to_assessment": [measures.days_between(local_day(o), local_day(s)) for _, o, s, _ in assessed],
        "median_days_assessment_to_plan": [measures.days_between(local_day(s), agreed) for _, _, agreed, s in planned if s is not None],
        "median_days_request_to_plan": [measures.days_between(local_day(o), agreed) for _, o, agreed, _ in planned],
    }
    events = {
        "assessments_completed_in_timescale": in_timescale,
        "reviews_held": reviews.held,
        "reviews_on_time": reviews.on_time,
        "reviews_overdue": reviews.overdue,
    }
    return Calendar(events, days)


def counts(session: Session, q: Queries) -> dict[str, int]:
    """The measures over joined tables, in one statement: an aggregate per table (each joins the
    cases once), a count per measure."""
    subqueries: list[Any] = []
    codes: list[str] = []
    for name, (table, on, conditions) in q.joined().items():
        counts = [
            (func.count(distinct(Case.id)) if code.startswith("flow_") else func.count()).filter(condition).label(code)
            for code, condition in conditions.items()
        ]
        subqueries.append(select(*counts).select_from(Case).join(table, on).where(*q.scope).subquery(name))
        codes += list(conditions)
    joined = subqueries[0]
    for sub in subqueries[1:]:
        joined = joined.join(sub, true())
    row = session.execute(select(*[column for sub in subqueries for column in sub.c]).select_from(joined)).one()
    return {code: int(row[index] or 0) for index, code in enumerate(codes)}


def case_rows(session: Session, q: Queries) -> dict[str, dict[Any, int]]:
    """The case-row measures in one pass over the cases alive in the period, by level and by
    closure reason; and open cases at the end by lead professional (one statement, two parts)."""
    conditions = q.case_conditions()
    codes = list(conditions)
    no_text, no_level = null().cast(String(36)), null().cast(Integer)
    by_group = (
        select(literal("group"), Case.level, Case.closure_reason, no_text, *[func.count().filter(conditions[code]) for code in codes])
        .where(*q.scope, q.alive())
        .group_by(Case.level, Case.closure_reason)
    )
    by_lead = (
        select(literal("lead"), no_level, no_text, Case.lead_professional_id, func.count(), *[literal(0)] * (len(codes) - 1))
        .where(*q.scope, conditions["open_cases"])
        .group_by(Case.lead_professional_id)
    )
    found: dict[str, dict[Any, int]] = {code: {} for code in codes}
    found |= {"open_by_level": {}, "closures_by_reason": {}, "open_by_lead": {}}
    rows: list[Any] = list(session.execute(union_all(by_group, by_lead)))
    for row in rows:
        if row[0] == "lead":
            found["open_by_lead"][row[3]] = int(row[4])
            continue
        level, reason = row[1], row[2]
        for index, code in enumerate(codes):
            value = int(row[4 + index] or 0)
            found[code]["total"] = found[code].get("total", 0) + value
            if code == "open_cases" and value:
                found["open_by_level"][level] = found["open_by_level"].get(level, 0) + value
            if code == "closures" and value:
                found["closures_by_reason"][reason] = found["closures_by_reason"].get(reason, 0) + value
    return found
