"""Case operations: open, read, list, close. Every read is checked by the policy and audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, lazyload

from casework.audit import trail
from casework.auth.models import TeamMembership, User, UserRole
from casework.cases import rules
from casework.cases.models import Case, LevelTransition, names_only
from casework.consent.facts import admit, case_facts
from casework.consent.policy import Actor, Decision, decide_case
from casework.consent.query import visible_cases
from casework.db import Database, database_of, new_id, today, utcnow
from casework.errors import NotFound, NotPermitted, StaleVersion
from casework.families.services import visible_family
from casework.practice import Practice

CASE_ROLES = ("practitioner", "manager")


def practice_of(session: Session) -> Practice:
    db: Database = database_of(session)
    practice: Practice = db.practice
    return practice


def plausible_id(value: str | None) -> bool:
    """Could ``value`` name a record? (PostgreSQL refuses a NUL in a query parameter: that is
    an unknown record, not a server error.)"""
    return bool(value) and "\x00" not in (value or "")


def visible_case(session: Session, actor: Actor, case_id: str) -> tuple[Case, Decision]:
    """The case if ``actor`` may see it; :class:`NotFound` otherwise (unknown and hidden alike)."""
    case = session.get(Case, case_id, options=names_only(Case.lead_professional)) if plausible_id(case_id) else None
    if case is None:
        raise NotFound()
    decision = admit(session, decide_case(actor, case_facts(session, case, today())))
    return case, decision


def check_version(record: Case | LevelTransition, version: int | None) -> None:
    """Refuse an edit made from a stale copy (409), never overwrite silently."""
    if version is not None and version != record.version:
        raise StaleVersion()


def has_pending_transition(session: Session, case_id: str) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(LevelTransition)
            .where(LevelTransition.case_id == case_id, LevelTransition.status == rules.PENDING)
        )
        or 0
    ) > 0


def state_of(session: Session, case: Case) -> rules.CaseState:
    return rules.CaseState(case.status, case.level, case.lead_professional_id, has_pending_transition(session, case.id))


def open_case_for(session: Session, family_id: str) -> Case | None:
    return session.scalar(select(Case).where(Case.family_id == family_id, Case.status.in_(sorted(rules.OPEN_STATUSES))).limit(1))


def team_members(session: Session, team_id: str) -> list[User]:
    """Active practitioners and managers of a team: who may lead its cases (by id and name: their
    own roles and teams load only if asked for)."""
    return list(
        session.scalars(
            select(User)
            .options(lazyload(User.role_rows), lazyload(User.memberships))
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .where(TeamMembership.team_id == team_id, User.active.is_(True))
            .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(CASE_ROLES))))
            .order_by(User.name)
        ).unique()
    )


def is_eligible_lead(session: Session, user_id: str | None, team_id: str) -> bool:
    return bool(user_id) and any(u.id == user_id for u in team_members(session, team_id))


def create_case(
    session: Session,
    actor: Actor,
    *,
    family_id: str,
    level: int,
    source: str,
    reason: str | None,
) -> Case:
    """Open a case (a request for support) for a family the actor may see."""
    family, _ = visible_family(session, actor, family_id)
    if not actor.roles & set(CASE_ROLES):
        raise NotPermitted()
    practice = practice_of(session)
    rules.check_new_case(
        practice, level=level, source=source, reason=reason, open_case_exists=open_case_for(session, family.id) is not None
    )
    opened = utcnow()
    last_closed = session.execute(
        select(Case.id, Case.closed_at)
        .where(Case.family_id == family.id, Case.closed_at.is_not(None))
        .order_by(Case.closed_at.desc())
        .limit(1)
    ).first()
    case = Case(
        id=new_id(),
        family_id=family.id,
        owning_team_id=family.owning_team_id,
        status="requested",
        level=level,
        source=source,
        opened_at=opened,
        opened_by_id=actor.user_id,
        assessment_due_on=rules.assessment_due(practice, opened.date()),
        re_referral=rules.is_re_referral(practice, opened.date(), last_closed.closed_at.date() if last_closed else None),
        previous_case_id=last_closed.id if last_closed else None,
    )
    case.reason = (reason or "").strip()
    session.add(case)
    session.flush()
    return case


def get_case(session: Session, actor: Actor, case_id: str) -> Case:
    """Read a case (audited with the basis of access)."""
    case, decision = visible_case(session, actor, case_id)
    trail.record(
        session, "case.read", subject_type="case", subject_id=case.id, family_id=case.family_id, case_id=case.id, basis=decision.basis
    )
    return case


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    page: int
    per_page: int
    total: int


def list_cases(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    level: int | None = None,
    lead_professional_id: str | None = None,
    team_id: str | None = None,
    family_id: str | None = None,
    among: ColumnElement[bool] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> CasePage:
    """The cases ``actor`` may see, filtered, newest first (one audited read for the page).
    ``among``: a further condition on ``Case`` (the cases behind a report's figure)."""
    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    where = [visible_cases(actor)]
    if among is not None:
        where.append(among)
    if status:
        where.append(Case.status == status)
    if level is not None:
        where.append(Case.level == level)
    if lead_professional_id:
        where.append(Case.lead_professional_id == lead_professional_id)
    if team_id:
        where.append(Case.owning_team_id == team_id)
    if family_id:
        where.append(Case.family_id == family_id)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    items = list(
        session.scalars(
            select(Case)
            .where(*where)
            .options(*names_only(Case.lead_professional))
            .order_by(Case.opened_at.desc(), Case.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    if items:
        trail.record(session, "case.list", subject_type="case", detail={"cases": [c.id for c in items]})
    return CasePage(items, page, per_page, total)


def close_case(
    session: Session, actor: Actor, case_id: str, *, reason: str | None, summary: str | None, version: int | None = None
) -> Case:
    """Close a case with a framework reason and a moving-on summary (lead professional or manager)."""
    case, _ = visible_case(session, actor, case_id)
    check_version(case, version)
    if actor.user_id != case.lead_professional_id and case.owning_team_id not in actor.managed_team_ids:
        raise NotPermitted("Only the lead professional or a manager of the team can close this case.")
    from casework.plans.closure import schedule_check
    from casework.plans.services import has_final_review

    rules.check_closure(
        practice_of(session), state_of(session, case), reason=reason, summary=summary, has_final_review=has_final_review(session, case.id)
    )
    case.status = "closed"
    case.closed_at = utcnow()
    case.closed_by_id = actor.user_id
    case.closure_reason = reason
    case.closure_summary = (summary or "").strip()  # the "moving on" summary
    session.flush()
    schedule_check(session, case)
    return case


def case_flags(session: Session, case: Case, on: date | None = None) -> rules.Flags:
    return flags_for(session, [case], on)[case.id]


def flags_for(session: Session, cases: Sequence[Case], on: date | None = None) -> dict[str, rules.Flags]:
    """Each case's flags (overdue assessment, drift), for a whole list in two queries."""
    from casework.assessments.services import cases_with_submitted_assessment
    from casework.plans.models import Review

    if not cases:
        return {}
    ids = sorted({c.id for c in cases})
    reviews = {
        case_id: int(n)
        for case_id, n in session.execute(select(Review.case_id, func.count()).where(Review.case_id.in_(ids)).group_by(Review.case_id))
    }
    submitted = cases_with_submitted_assessment(session, [c.id for c in cases if c.status == "assessment"])
    practice, day = practice_of(session), on or today()
    return {
        c.id: rules.flags(
            practice,
            rules.CaseState(c.status, c.level, c.lead_professional_id),
            opened_at=c.opened_at,
            assessment_due_on=c.assessment_due_on,
            review_count=reviews.get(c.id, 0),
            today=day,
            assessment_submitted=c.id in submitted,
        )
        for c in cases
    }
