"""Lead professionals: allocation, handover (the receiver accepts) and the history of who led."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.cases import rules
from casework.cases.models import Case, LeadAssignment, Notification, names_only
from casework.cases.services import is_eligible_lead, state_of, visible_case
from casework.consent.facts import withheld_users
from casework.consent.policy import Actor
from casework.db import new_id, utcnow
from casework.errors import InvalidTransition, NotFound, ValidationFailed


def _current(session: Session, case_id: str) -> LeadAssignment | None:
    return session.scalar(
        select(LeadAssignment).where(
            LeadAssignment.case_id == case_id, LeadAssignment.started_at.is_not(None), LeadAssignment.ended_at.is_(None)
        )
    )


def _pending(session: Session, case_id: str) -> list[LeadAssignment]:
    return list(
        session.scalars(
            select(LeadAssignment).where(
                LeadAssignment.case_id == case_id,
                LeadAssignment.accepted_at.is_(None),
                LeadAssignment.declined_at.is_(None),
                LeadAssignment.ended_at.is_(None),
            )
        )
    )


def _refuse_named(session: Session, case: Case, user_id: str, field: str) -> None:
    """A practitioner someone in the family asked not to see their details cannot lead the case."""
    if any(user_id in named for named in withheld_users(session, case.family_id).values()):
        who = "this person" if field == "user_id" else "you"
        raise ValidationFailed(
            fields={
                field: [
                    f"Someone in the family asked that their details not be shared with {who}: the case needs another lead professional"
                ]
            }
        )


def start_lead(
    session: Session, case: Case, user_id: str, *, assigned_by: str, reason: str | None, row: LeadAssignment | None = None
) -> LeadAssignment:
    """Make ``user_id`` the lead professional now, ending the previous assignment."""
    now = utcnow()
    current = _current(session, case.id)
    if current is not None:
        current.ended_at = now
    for other in _pending(session, case.id):
        if other is not row:
            other.ended_at = now  # a newer decision supersedes an unanswered handover
    if row is None:
        row = LeadAssignment(
            id=new_id(), case_id=case.id, family_id=case.family_id, user_id=user_id, assigned_by_id=assigned_by, proposed_at=now
        )
        row.reason = (reason or "").strip() or None
        session.add(row)
    row.accepted_at = row.accepted_at or now
    row.started_at = now
    case.lead_professional_id = user_id
    session.flush()
    return row


def assign_lead(session: Session, actor: Actor, case_id: str, *, user_id: str, reason: str | None = None) -> LeadAssignment:
    """Allocate or hand over the lead. Managers allocate at once, as does a practitioner taking
    an unallocated case; a lead professional handing over waits for the receiver to accept."""
    case, _ = visible_case(session, actor, case_id)
    if reason and len(reason) > rules.MAX_TEXT:
        raise ValidationFailed(fields={"reason": [f"Reason must be {rules.MAX_TEXT} characters or fewer"]})
    _refuse_named(session, case, user_id, "user_id")
    change = rules.check_lead_assignment(
        state_of(session, case),
        candidate_id=user_id,
        candidate_eligible=is_eligible_lead(session, user_id, case.owning_team_id),
        actor_id=actor.user_id,
        actor_manages_team=case.owning_team_id in actor.managed_team_ids,
        actor_in_team=case.owning_team_id in actor.team_ids,
    )
    if change.effective_now:
        return start_lead(session, case, user_id, assigned_by=actor.user_id, reason=reason)
    for other in _pending(session, case.id):
        other.ended_at = utcnow()
    row = LeadAssignment(id=new_id(), case_id=case.id, family_id=case.family_id, user_id=user_id, assigned_by_id=actor.user_id)
    row.reason = (reason or "").strip() or None
    session.add(row)
    session.add(Notification(id=new_id(), user_id=user_id, kind="handover_to_accept", case_id=case.id, subject_id=row.id))
    session.flush()
    return row


def answer_handover(session: Session, actor: Actor, case_id: str, *, accept: bool) -> LeadAssignment:
    """The receiver accepts or declines a handover offered to them."""
    case, _ = visible_case(session, actor, case_id)
    offer = next((row for row in _pending(session, case.id) if row.user_id == actor.user_id), None)
    if offer is None:
        raise NotFound("There is no handover waiting for you on this case.")
    if case.status not in rules.OPEN_STATUSES:
        raise InvalidTransition("This case is closed.")
    if accept:
        _refuse_named(session, case, actor.user_id, "accept")
        return start_lead(session, case, actor.user_id, assigned_by=offer.assigned_by_id, reason=None, row=offer)
    offer.declined_at = utcnow()
    session.flush()
    return offer


def lead_history(session: Session, actor: Actor, case_id: str) -> list[LeadAssignment]:
    """Who has led the case, oldest first, with pending and declined handovers (audited)."""
    case, decision = visible_case(session, actor, case_id)
    rows = list(
        session.scalars(
            select(LeadAssignment)
            .where(LeadAssignment.case_id == case.id)
            .options(*names_only(LeadAssignment.user))
            .order_by(LeadAssignment.proposed_at, LeadAssignment.id)
        )
    )
    trail.record(
        session,
        "lead.history.read",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    return sorted(rows, key=lambda r: (r.started_at or r.proposed_at, r.proposed_at))
