"""Drift: reviews and actions due or overdue, and post-closure checks due, for "My work" and for
the reminders job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.audit import trail
from casework.cases import rules as case_rules
from casework.cases.models import Case
from casework.cases.services import practice_of
from casework.consent.policy import Actor
from casework.consent.query import visible_cases
from casework.db import LOCAL_TIME
from casework.plans import rules
from casework.plans.models import Action, Plan, PostClosureCheck
from casework.workdays import add_working_days


@dataclass(frozen=True)
class DueReview:
    plan: Plan
    case: Case
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class DueFirstMeeting:
    """A case with a submitted assessment and no plan yet: its first TAF meeting is due."""

    case: Case
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class DueAction:
    action: Action
    case: Case
    rag: str


@dataclass
class PlanWork:
    reviews: list[DueReview] = field(default_factory=list)
    actions: list[DueAction] = field(default_factory=list)
    checks: list[PostClosureCheck] = field(default_factory=list)
    first_meetings: list[DueFirstMeeting] = field(default_factory=list)

    @property
    def cases(self) -> list[Case]:
        return [r.case for r in self.reviews] + [a.case for a in self.actions] + [m.case for m in self.first_meetings]

    @property
    def case_ids(self) -> set[str]:
        return {c.id for c in self.cases} | {c.case_id for c in self.checks}

    @property
    def family_ids(self) -> set[str]:
        return {c.family_id for c in self.cases} | {c.family_id for c in self.checks}


def _window_end(session: Session, on: date) -> date:
    return add_working_days(on, practice_of(session).timescales.action_amber_working_days)


def due_reviews(session: Session, on: date, lead_id: str | None = None, actor: Actor | None = None) -> list[DueReview]:
    """Plans of open cases whose next review is due within the amber window or overdue."""
    query = (
        select(Plan, Case)
        .join(Case, Case.id == Plan.case_id)
        .where(
            Case.status.in_(sorted(case_rules.OPEN_STATUSES)),
            Plan.next_review_on.is_not(None),
            Plan.next_review_on <= _window_end(session, on),
        )
        .order_by(Plan.next_review_on)
    )
    if lead_id:
        query = query.where(Case.lead_professional_id == lead_id)
    if actor is not None:
        query = query.where(visible_cases(actor))
    return [
        DueReview(p, c, p.next_review_on, rules.review_overdue(p.next_review_on, on)) for p, c in session.execute(query) if p.next_review_on
    ]


def due_first_meetings(session: Session, on: date, lead_id: str | None = None, actor: Actor | None = None) -> list[DueFirstMeeting]:
    """Open cases with a submitted assessment and no plan: the first TAF meeting is due within the
    framework's working days of the first submission (shown from the amber window, like reviews)."""
    practice = practice_of(session)
    submitted = (
        select(Assessment.case_id, func.min(Assessment.submitted_at).label("submitted_at"))
        .where(Assessment.submitted_at.is_not(None))
        .group_by(Assessment.case_id)
        .subquery()
    )
    query = (
        select(Case, submitted.c.submitted_at)
        .join(submitted, submitted.c.case_id == Case.id)
        .where(Case.status.in_(sorted(case_rules.OPEN_STATUSES)), ~exists().where(Plan.case_id == Case.id))
    )
    if lead_id:
        query = query.where(Case.lead_professional_id == lead_id)
    if actor is not None:
        query = query.where(visible_cases(actor))
    window = _window_end(session, on)
    due = []
    for case, submitted_at in session.execute(query):
        due_on = rules.first_review_due(submitted_at.astimezone(LOCAL_TIME).date(), practice)
        if due_on <= window:
            due.append(DueFirstMeeting(case, due_on, rules.review_overdue(due_on, on)))
    return sorted(due, key=lambda d: d.due_on)


def due_actions(session: Session, on: date, owner_id: str | None = None, actor: Actor | None = None) -> list[DueAction]:
    """Unfinished actions of open cases, owned by a practitioner, that are amber or red today."""
    amber = practice_of(session).timescales.action_amber_working_days
    query = (
        select(Action, Case)
        .join(Case, Case.id == Action.case_id)
        .where(
            Case.status.in_(sorted(case_rules.OPEN_STATUSES)),
            Action.owner_user_id.is_not(None),
            Action.status.not_in(sorted(rules.FINISHED)),
            Action.due_on <= _window_end(session, on),
        )
        .order_by(Action.due_on)
    )
    if owner_id:
        query = query.where(Action.owner_user_id == owner_id)
    if actor is not None:
        query = query.where(visible_cases(actor))
    return [DueAction(a, c, rules.action_rag(a.status, a.due_on, on, amber)) for a, c in session.execute(query)]


def plan_work(session: Session, actor: Actor, on: date) -> PlanWork:
    """What "My work" shows from plans: reviews of cases I lead, actions I own, checks I hold."""
    checks = list(
        session.scalars(
            select(PostClosureCheck)
            .join(Case, Case.id == PostClosureCheck.case_id)
            .where(
                visible_cases(actor),
                PostClosureCheck.assigned_to_id == actor.user_id,
                PostClosureCheck.sustained.is_(None),
                PostClosureCheck.due_on <= on,
            )
            .order_by(PostClosureCheck.due_on)
        )
    )
    found = PlanWork(
        reviews=due_reviews(session, on, lead_id=actor.user_id, actor=actor),
        actions=due_actions(session, on, owner_id=actor.user_id, actor=actor),
        checks=checks,
        first_meetings=due_first_meetings(session, on, lead_id=actor.user_id, actor=actor),
    )
    if found.case_ids:
        trail.record(session, "plan_work.read", subject_type="case", detail={"cases": sorted(found.case_ids)})
    return found
