"""Steps up and down the continuum: request, accept (receiving lead), approve or reject."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import TeamMembership, User, UserRole
from casework.cases import rules
from casework.cases.leads import start_lead
from casework.cases.models import LevelTransition, Notification
from casework.cases.services import CASE_ROLES, check_version, is_eligible_lead, plausible_id, practice_of, state_of, visible_case
from casework.consent.facts import admit, case_facts
from casework.consent.policy import Actor, decide_case
from casework.db import new_id, today, utcnow
from casework.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from casework.families.services import OWNING_BASES


def _managers(session: Session, team_id: str) -> list[str]:
    return list(
        session.scalars(
            select(User.id)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(TeamMembership.team_id == team_id, UserRole.role == "manager", User.active.is_(True))
        )
    )


def notify(session: Session, user_ids: list[str], kind: str, case_id: str, subject_id: str) -> None:
    """Put a message in each user's outbox (shown in My work)."""
    for user_id in dict.fromkeys(user_ids):
        session.add(Notification(id=new_id(), user_id=user_id, kind=kind, case_id=case_id, subject_id=subject_id))


def request_transition(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    to_level: int,
    reason: str | None,
    immediate_risk: bool = False,
    receiving_lead_id: str | None = None,
    family_agreement: bool = False,
    handover_notes: str | None = None,
) -> LevelTransition:
    """Ask to move a case up or down the continuum.

    An immediate-risk step-up to the statutory level takes effect at once and notifies the
    owning team's managers, who approve it afterwards; nothing delays the referral.
    """
    case, decision = visible_case(session, actor, case_id)
    if not actor.roles & set(CASE_ROLES) or decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case can ask to change its level.")
    plan = rules.plan_transition(
        practice_of(session),
        state_of(session, case),
        to_level=to_level,
        reason=reason,
        immediate_risk=immediate_risk,
        receiving_lead_id=receiving_lead_id,
        family_agreement=family_agreement,
    )
    if plan.needs_receiver and not is_eligible_lead(session, receiving_lead_id, case.owning_team_id):
        raise ValidationFailed(fields={"receiving_lead_id": ["Choose an active practitioner or manager in the team that owns the case"]})
    if handover_notes and len(handover_notes) > rules.MAX_TEXT:
        raise ValidationFailed(fields={"handover_notes": [f"Handover notes must be {rules.MAX_TEXT} characters or fewer"]})
    now = utcnow()
    transition = LevelTransition(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        from_level=case.level,
        to_level=to_level,
        direction=plan.direction,
        immediate_risk=immediate_risk,
        status=plan.status,
        requested_by_id=actor.user_id,
        requested_at=now,
        receiving_lead_id=receiving_lead_id if plan.needs_receiver else None,
        family_agreement=family_agreement,
    )
    transition.reason = (reason or "").strip()
    transition.handover_notes = (handover_notes or "").strip() or None
    session.add(transition)
    if plan.status == rules.APPROVED:
        transition.effective_at = now
        case.level = to_level
        # A change still waiting from the old level is overtaken: close it off, with the reason.
        for stale in session.scalars(
            select(LevelTransition).where(LevelTransition.case_id == case.id, LevelTransition.status == rules.PENDING)
        ):
            if stale is not transition:
                stale.status = rules.REJECTED
                stale.decided_at = now
                stale.decision_note = "Overtaken by an immediate-risk step-up"
        notify(session, _managers(session, case.owning_team_id), "immediate_risk_step_up", case.id, transition.id)
    else:
        notify(session, _managers(session, case.owning_team_id), "transition_to_decide", case.id, transition.id)
    if plan.needs_receiver and receiving_lead_id:
        notify(session, [receiving_lead_id], "transfer_to_accept", case.id, transition.id)
    session.flush()
    return transition


def _visible_transition(session: Session, actor: Actor, transition_id: str) -> LevelTransition:
    transition = session.get(LevelTransition, transition_id) if plausible_id(transition_id) else None
    if transition is None:
        raise NotFound()
    case = transition.case
    admit(session, decide_case(actor, case_facts(session, case, today())))
    return transition


def get_transition(session: Session, actor: Actor, transition_id: str) -> LevelTransition:
    transition = _visible_transition(session, actor, transition_id)
    case = transition.case
    trail.record(session, "transition.read", subject_type="transition", subject_id=transition.id, family_id=case.family_id, case_id=case.id)
    return transition


def accept_transfer(session: Session, actor: Actor, transition_id: str) -> LevelTransition:
    """The receiving lead professional accepts a step-down from the statutory level."""
    transition = _visible_transition(session, actor, transition_id)
    if transition.receiving_lead_id != actor.user_id:
        raise NotPermitted("Only the receiving lead professional can accept this case.")
    if transition.status != rules.PENDING:
        raise InvalidTransition(f"This change has already been {transition.status}.")
    if transition.receiver_accepted_at is None:
        transition.receiver_accepted_at = utcnow()
        session.flush()
    return transition


def decide_transition(
    session: Session, actor: Actor, transition_id: str, *, decision: str, note: str | None, version: int | None = None
) -> LevelTransition:
    """A manager of the owning team approves or rejects a change of level (or, for an
    immediate-risk step-up already in effect, approves it afterwards)."""
    transition = _visible_transition(session, actor, transition_id)
    check_version(transition, version)
    case = transition.case
    rules.check_decision(
        status=transition.status,
        immediate_risk=transition.immediate_risk,
        decision=decision,
        approver_manages_team=case.owning_team_id in actor.managed_team_ids,
        approver_is_requester=transition.requested_by_id == actor.user_id,
        already_reviewed=transition.decided_by_id is not None,
        receiver_accepted=transition.receiver_accepted_at is not None,
        needs_receiver=transition.receiving_lead_id is not None,
        case_open=case.status in rules.OPEN_STATUSES,
        note=note,
        level_changed=transition.from_level != case.level,
    )
    now = utcnow()
    transition.decided_by_id = actor.user_id
    transition.decided_at = now
    transition.decision_note = (note or "").strip() or None
    if not transition.immediate_risk:
        transition.status = decision
        if decision == rules.APPROVED:
            transition.effective_at = now
            case.level = transition.to_level
            if transition.receiving_lead_id and transition.receiving_lead_id != case.lead_professional_id:
                start_lead(session, case, transition.receiving_lead_id, assigned_by=actor.user_id, reason="Received on step-down")
    notify(session, [transition.requested_by_id], f"transition_{decision}", case.id, transition.id)
    session.flush()
    return transition


def list_transitions(session: Session, actor: Actor, case_id: str) -> list[LevelTransition]:
    case, decision = visible_case(session, actor, case_id)
    items = list(session.scalars(select(LevelTransition).where(LevelTransition.case_id == case.id).order_by(LevelTransition.requested_at)))
    trail.record(
        session, "transition.list", subject_type="case", subject_id=case.id, family_id=case.family_id, case_id=case.id, basis=decision.basis
    )
    return items
