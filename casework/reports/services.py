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
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import Team, User
from casework.cases.models import Case
from casework.cases.services import CasePage, practice_of
from casework.consent.policy import Actor
from casework.db import today
from casework.errors import NotPermitted, ValidationFailed
from casework.practice import Practice
from casework.reports import measures, queries
from casework.reports.measures import BY_CODE, Filters, Measure
from casework.reports.queries import CALENDAR, Queries, local_day

REPORT_ROLES = ("manager",)


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


def build_report(session: Session, actor: Actor, filters: Filters, *, record: bool = True) -> Report:
    """Every figure, table and case-flow stage for ``filters`` (one audited read of the report:
    the filters and the figures; aggregates name no case)."""
    practice = practice_of(session)
    q = Queries(practice, actor, filters)
    rows = queries.case_rows(session, q)
    counts = {code: rows[code].get("total", 0) for code in q.case_conditions()} | queries.counts(session, q)
    calendar = queries.calendar(session, practice, q)
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


def _case_ids(session: Session, practice: Practice, q: Queries, code: str) -> ColumnElement[bool]:
    """A condition selecting the cases behind counted measure ``code``."""
    if code in CALENDAR:
        ids = sorted(set(queries.calendar(session, practice, q).events[code]))
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
    return _case_ids(session, practice, Queries(practice, actor, filters), measures.drill_code(measure))


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
    found = [CaseRow(r[0], r[1], r[2], r[3], r[4], r[5], local_day(r[6]), local_day(r[7]) if r[7] is not None else None) for r in rows]
    record_export(session, filters, [r.case_id for r in found], f"cases:{code}", "csv")
    return found


def counted_cases(session: Session, actor: Actor, filters: Filters, codes: Iterable[str] = measures.COUNTED) -> list[str]:
    """Every case counted in any of ``codes`` (an export names them all in its audit event)."""
    practice = practice_of(session)
    q = Queries(practice, actor, filters)
    found: set[str] = set()
    calendar = queries.calendar(session, practice, q)
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
