"""After closure: the check that the family's outcomes were sustained (Supporting Families),
scheduled when a case with a plan closes and recorded by the lead professional later."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.cases.services import practice_of, visible_case
from casework.consent.policy import Actor
from casework.db import new_id, utcnow
from casework.errors import Conflict, NotFound
from casework.families.services import OWNING_BASES
from casework.plans import rules
from casework.plans.models import PostClosureCheck
from casework.plans.services import plan_for_case


def schedule_check(session: Session, case: Case) -> PostClosureCheck | None:
    """Called when a case closes: a case that had a plan gets a post-closure check."""
    if plan_for_case(session, case.id) is None or case.closed_at is None:
        return None
    if session.scalar(select(PostClosureCheck).where(PostClosureCheck.case_id == case.id)) is not None:
        return None
    check = PostClosureCheck(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        assigned_to_id=case.lead_professional_id,
        due_on=rules.post_closure_check_due(case.closed_at.date(), practice_of(session)),
    )
    session.add(check)
    session.flush()
    return check


def visible_check(session: Session, actor: Actor, check_id: str) -> tuple[PostClosureCheck, Case]:
    check = session.get(PostClosureCheck, check_id) if check_id and "\x00" not in check_id else None
    if check is None:
        raise NotFound()
    case, decision = visible_case(session, actor, check.case_id)
    if decision.basis not in OWNING_BASES:
        raise NotFound()  # the check is the owning team's work: partners do not see it
    return check, case


def record_check(session: Session, actor: Actor, check_id: str, *, sustained: object, note: str | None = None) -> PostClosureCheck:
    """Record whether the family's outcomes were sustained, once."""
    check, _ = visible_check(session, actor, check_id)
    if check.sustained is not None:
        raise Conflict("This check has already been recorded.")
    rules.check_post_closure_check(sustained, note)
    check.sustained = bool(sustained)
    check.note = (note or "").strip() or None
    check.recorded_by_id = actor.user_id
    check.recorded_at = utcnow()
    session.flush()
    return check
