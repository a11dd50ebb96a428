"""The managers' report: every measure of :mod:`casework.reports.measures` as a query over the
cases the reader may see, and the cases behind each figure.

The scope of every figure is the access policy's SQL filter (``consent.query.visible_cases``)
intersected with the teams the reader manages (all of them, or the one chosen), then the level,
locality, lead professional and closure reason filters. A measure is a query yielding one row per
event counted, its first column the case id: the figure counts the rows, the drill-down lists
their cases, so a figure and its list cannot disagree. All counted figures are computed in one
statement (one scalar subquery each); the few that need the calendar (timescales, review due
dates, medians) fetch their rows and are finished in :mod:`casework.reports.measures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, false, func, or_, select, true
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.audit import trail
from casework.auth.models import Team, User
from casework.cases import rules as case_rules
from casework.cases.models import Case, LevelTransition
from casework.cases.services import CasePage, practice_of
from casework.consent.models import Consent, ShareWithoutConsent
from casework.consent.policy import Actor
from casework.consent.query import visible_cases
from casework.db import LOCAL_TIME, today
from casework.errors import NotPermitted, ValidationFailed
from casework.families.models import Family
from casework.plans import rules as plan_rules
from casework.plans.models import Plan, PostClosureCheck, Review
from casework.practice import Practice
from casework.reports import measures
from casework.reports.measures import BY_CODE, Filters, Measure, PlanHistory, ReviewRecord

#: A measure's rows: one per event counted, the case id first.
Rows = Select[Any]
REPORT_ROLES = ("manager",)
#: Counted measures finished in Python (the calendar decides them); the rest are pure SQL.
CALENDAR = frozenset({"assessments_completed_in_timescale", "reviews_held", "reviews_on_time", "reviews_overdue"})


@dataclass(frozen=True)
class Figure:
    measure: Measure
    value: float | int | None
    #: the counted measure whose cases are behind the figure (see measures.drill_code)
    drill: str


@dataclass(frozen=True)
class Breakdown:
    """One row of a table beside the figures: a label, a count, and the filters of its cases."""

    key: str
    label: str
    value: int
    drill: str
    narrowing: dict[str, str]


@dataclass(frozen=True)
class Report:
    filters: Filters
    figures: dict[str, Figure]
    open_by_level: list[Breakdown]
    caseload: list[Breakdown]
    closures_by_reason: list[Breakdown]
    flow: list[Breakdown]


def managed_teams(session: Session, actor: Actor) -> list[Team]:
    """The teams whose figures ``actor`` may see, by name; NotPermitted for a non-manager."""
    if not actor.managed_team_ids:
        raise NotPermitted("The report is for managers, for the teams they manage.")
    return list(session.scalars(select(Team).where(Team.id.in_(sorted(actor.managed_team_ids))).order_by(Team.name)))


def read_filters(session: Session, actor: Actor, args: dict[str, str | None]) -> Filters:
    """The report's filters from query-string text, checked against the reader's teams and the
    practice framework (ValidationFailed naming each bad filter)."""
    practice = practice_of(session)
    try:
        return measures.parse_filters(
            args,
            today(),
            teams=actor.managed_team_ids,
            levels=[level.number for level in practice.levels],
            reasons=[reason.code for reason in practice.closure_reasons],
        )
    except measures.FilterProblem as problem:
        raise ValidationFailed("Check the report's filters.", problem.fields) from None


def _bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The period as UTC instants: from local midnight at its start to local midnight after it."""
    start = datetime.combine(filters.period.start, time.min, LOCAL_TIME).astimezone(UTC)
    after = datetime.combine(filters.period.after, time.min, LOCAL_TIME).astimezone(UTC)
    return start, after


def _local_day(moment: datetime) -> date:
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


class _Queries:
    """Each counted measure as a SELECT of one row per event, the case id first."""

    def __init__(self, practice: Practice, actor: Actor, filters: Filters) -> None:
        self.filters = filters
        self.scope = scope(actor, filters)
        self.start, self.after = _bounds(filters)
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
class _Calendar:
    """The figures the calendar decides, with the day spans of the median measures."""

    events: dict[str, tuple[str, ...]]  # code -> a case id per event
    days: dict[str, list[int]]


def _assessment_rows(session: Session, q: _Queries) -> list[tuple[str, datetime, datetime, date | None]]:
    rows = session.execute(
        select(Case.id, Case.opened_at, Assessment.submitted_at, Assessment.due_on)
        .join(Assessment, and_(Assessment.case_id == Case.id, Assessment.number == 1))
        .where(*q.scope, q.during(Assessment.submitted_at))
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows if row[2] is not None]


def _plan_rows(session: Session, q: _Queries) -> list[tuple[str, datetime, date, datetime | None]]:
    first_submitted = (
        select(Assessment.submitted_at).where(Assessment.case_id == Case.id, Assessment.number == 1).correlate(Case).scalar_subquery()
    )
    rows = session.execute(
        select(Case.id, Case.opened_at, Plan.agreed_on, first_submitted)
        .join(Plan, Plan.case_id == Case.id)
        .where(*q.scope, q.days(Plan.agreed_on))
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _plan_histories(session: Session, q: _Queries, at: date) -> list[PlanHistory]:
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


def _calendar(session: Session, practice: Practice, q: _Queries) -> _Calendar:
    assessed = _assessment_rows(session, q)
    in_timescale = tuple(
        case_id for case_id, opened_at, submitted_at, due_on in assessed if due_on is None or _local_day(submitted_at) <= due_on
    )
    planned = _plan_rows(session, q)
    at = min(q.filters.period.end, today())
    reviews = measures.review_figures(
        _plan_histories(session, q, at), q.filters.period, at, lambda agreed: plan_rules.next_review_due(agreed, practice)
    )
    days = {
        "median_days_request_to_assessment": [measures.days_between(_local_day(o), _local_day(s)) for _, o, s, _ in assessed],
        "median_days_assessment_to_plan": [measures.days_between(_local_day(s), agreed) for _, _, agreed, s in planned if s is not None],
        "median_days_request_to_plan": [measures.days_between(_local_day(o), agreed) for _, o, agreed, _ in planned],
    }
    events = {
        "assessments_completed_in_timescale": in_timescale,
        "reviews_held": reviews.held,
        "reviews_on_time": reviews.on_time,
        "reviews_overdue": reviews.overdue,
    }
    return _Calendar(events, days)


def _counts(session: Session, q: _Queries) -> dict[str, int]:
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


def _case_rows(session: Session, q: _Queries) -> dict[str, dict[Any, int]]:
    """The case-row measures in one pass over the cases alive in the period, by level and by
    closure reason; and open cases at the end by lead professional."""
    conditions = q.case_conditions()
    codes = list(conditions)
    statement = (
        select(Case.level, Case.closure_reason, *[func.count().filter(conditions[code]) for code in codes])
        .where(*q.scope, q.alive())
        .group_by(Case.level, Case.closure_reason)
    )
    found: dict[str, dict[Any, int]] = {code: {} for code in codes}
    found |= {"open_by_level": {}, "closures_by_reason": {}, "open_by_lead": {}}
    for row in session.execute(statement):
        level, reason = row[0], row[1]
        for index, code in enumerate(codes):
            value = int(row[2 + index] or 0)
            found[code]["total"] = found[code].get("total", 0) + value
            if code == "open_cases" and value:
                found["open_by_level"][level] = found["open_by_level"].get(level, 0) + value
            if code == "closures" and value:
                found["closures_by_reason"][reason] = found["closures_by_reason"].get(reason, 0) + value
    leads = select(Case.lead_professional_id, func.count()).where(*q.scope, conditions["open_cases"]).group_by(Case.lead_professional_id)
    found["open_by_lead"] = {lead: int(count) for lead, count in session.execute(leads)}
    return found


def build_report(session: Session, actor: Actor, filters: Filters, *, record: bool = True) -> Report:
    """Every figure, table and case-flow stage for ``filters`` (one audited read of the report:
    the filters and the figures; aggregates name no case)."""
    practice = practice_of(session)
    q = _Queries(practice, actor, filters)
    rows = _case_rows(session, q)
    counts = {code: rows[code].get("total", 0) for code in q.case_conditions()} | _counts(session, q)
    calendar = _calendar(session, practice, q)
    counts.update({code: len(events) for code, events in calendar.events.items()})
    figures = {m.code: Figure(m, measures.value_of(m, counts, calendar.days), measures.drill_code(m)) for m in measures.MEASURES}
    by_level = rows["open_by_level"]
    open_by_level = [
        Breakdown(
            str(level.number), f"{level.number} {level.name}", by_level.get(level.number, 0), "open_cases", {"level": str(level.number)}
        )
        for level in practice.levels
        if filters.level is None or filters.level == level.number
    ]
    leads = rows["open_by_lead"]
    names: dict[str, str] = {
        row[0]: row[1] for row in session.execute(select(User.id, User.name).where(User.id.in_([k for k in leads if k])))
    }
    caseload = sorted(
        (
            Breakdown(
                lead or "",
                names.get(lead, "Not allocated") if lead else "Not allocated",
                count,
                "open_cases",
                {"lead_professional_id": lead or measures.UNALLOCATED},
            )
            for lead, count in leads.items()
        ),
        key=lambda b: (-b.value, b.label),
    )
    reasons = rows["closures_by_reason"]
    closures_by_reason = [
        Breakdown(r.code, r.label, reasons.get(r.code, 0), "closures", {"closure_reason": r.code})
        for r in practice.closure_reasons
        if filters.reason is None or filters.reason == r.code
    ]
    flow = [Breakdown(code, BY_CODE[code].label, counts[code], code, {}) for code in measures.FLOW_STAGES]
    report = Report(filters, figures, open_by_level, caseload, closures_by_reason, flow)
    if record:
        trail.record(session, "report.read", subject_type="report", detail={"filters": filters.query(), "figures": _plain(report)})
    return report


def _plain(report: Report) -> dict[str, float | int | None]:
    return {code: figure.value for code, figure in report.figures.items()}


def _case_ids(session: Session, practice: Practice, q: _Queries, code: str) -> ColumnElement[bool]:
    """A condition selecting the cases behind counted measure ``code``."""
    if code in CALENDAR:
        ids = sorted(set(_calendar(session, practice, q).events[code]))
        return Case.id.in_(ids) if ids else false()
    rows = q.case_conditions()
    if code in rows:  # the same condition as the figure's, on the case row itself: the page reads the index in order
        return and_(*q.scope, rows[code])
    return Case.id.in_(q.query(code))


def cases_behind(session: Session, actor: Actor, filters: Filters, code: str) -> ColumnElement[bool]:
    """The cases behind figure ``code`` (any measure: a percentage's whole, a median's cohort),
    as a condition on ``Case``; ValidationFailed for an unknown code."""
    measure = BY_CODE.get(code)
    if measure is None:
        raise ValidationFailed(fields={"measure": ["Choose a measure of the report"]})
    practice = practice_of(session)
    return _case_ids(session, practice, _Queries(practice, actor, filters), measures.drill_code(measure))


def list_cases_behind(session: Session, actor: Actor, filters: Filters, code: str, *, page: int = 1, per_page: int = 50) -> CasePage:
    """A page of the cases behind a figure, newest first (one audited read naming the cases shown)."""
    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    where = [cases_behind(session, actor, filters, code)]
    total = int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    items = list(
        session.scalars(select(Case).where(*where).order_by(Case.opened_at.desc(), Case.id).offset((page - 1) * per_page).limit(per_page))
    )
    trail.record(
        session, "report.cases", subject_type="report", detail={"measure": code, "filters": filters.query(), "cases": [c.id for c in items]}
    )
    return CasePage(items, page, per_page, total)


@dataclass(frozen=True)
class CaseRow:
    """A case behind a figure, as an export lists it: ids, codes and dates, no personal data
    (the family's reference is encrypted under its key; its id finds the family in the app)."""

    case_id: str
    family_id: str
    team: str
    level: int
    status: str
    lead_professional: str | None
    opened_on: date
    closed_on: date | None


def export_cases_behind(session: Session, actor: Actor, filters: Filters, code: str) -> list[CaseRow]:
    """Every case behind a figure, newest first, for an export (one audited read naming them all)."""
    columns: list[Any] = [Case.id, Case.family_id, Team.name, Case.level, Case.status, User.name, Case.opened_at, Case.closed_at]
    rows = session.execute(
        select(*columns)
        .select_from(Case)
        .join(Team, Team.id == Case.owning_team_id)
        .outerjoin(User, User.id == Case.lead_professional_id)
        .where(cases_behind(session, actor, filters, code))
        .order_by(Case.opened_at.desc(), Case.id)
    ).all()
    found = [CaseRow(r[0], r[1], r[2], r[3], r[4], r[5], _local_day(r[6]), _local_day(r[7]) if r[7] is not None else None) for r in rows]
    record_export(session, filters, [r.case_id for r in found], f"cases:{code}", "csv")
    return found


def counted_cases(session: Session, actor: Actor, filters: Filters, codes: Iterable[str] = measures.COUNTED) -> list[str]:
    """Every case counted in any of ``codes`` (an export names them all in its audit event)."""
    practice = practice_of(session)
    q = _Queries(practice, actor, filters)
    found: set[str] = set()
    calendar = _calendar(session, practice, q)
    for code in codes:
        if code in CALENDAR:
            found.update(calendar.events[code])
        else:
            found.update(session.scalars(q.query(code)))
    return sorted(found)


def record_export(session: Session, filters: Filters, case_ids: Sequence[str], table: str, file_format: str) -> None:
    """One audited read for an export, listing every case its figures counted."""
    trail.record(
        session,
        "report.export",
        subject_type="report",
        detail={"filters": filters.query(), "table": table, "format": file_format, "cases": list(case_ids)},
    )
