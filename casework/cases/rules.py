"""The case lifecycle and the continuum of need, driven by the practice framework. Pure.

A case is one episode of early help for one family: ``requested → assessment → plan → closed``,
at one level of the council's continuum at a time. One episode continues across a step-up to
the statutory level and a step-down back, keeping its history. Every function here takes plain
values and either returns a decision or raises the domain error the user should see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from casework.errors import InvalidTransition, ValidationFailed
from casework.practice import Level, Practice
from casework.workdays import add_months, add_working_days

STATUSES = ("requested", "assessment", "plan", "closed")
OPEN_STATUSES = frozenset({"requested", "assessment", "plan"})
SOURCES = ("request_for_support", "step_down_from_social_care", "other")
STEP_UP, STEP_DOWN = "step_up", "step_down"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
#: The status order: a case only moves forward (closing is allowed from any open status).
_ORDER = {status: i for i, status in enumerate(STATUSES)}
MAX_TEXT = 10_000


@dataclass(frozen=True)
class CaseState:
    """What the rules need to know about a case."""

    status: str
    level: int
    lead_professional_id: str | None
    has_pending_transition: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _text_problem(problems: dict[str, list[str]], field: str, value: str | None, what: str, required: bool = True) -> None:
    if required and not (value or "").strip():
        problems[field] = [f"Enter {what}"]
    elif value and len(value) > MAX_TEXT:
        problems[field] = [f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer"]


def entry_levels(practice: Practice) -> tuple[Level, ...]:
    """Levels a new case may open at: above universal (the first level), below statutory."""
    return tuple(level for level in practice.levels if level.number > practice.levels[0].number and not level.statutory)


def check_new_case(practice: Practice, *, level: int, source: str, reason: str | None, open_case_exists: bool) -> None:
    """A request for support may open a case: valid level, source and reason, no open case."""
    problems: dict[str, list[str]] = {}
    if level not in {lv.number for lv in entry_levels(practice)}:
        allowed = ", ".join(str(lv.number) for lv in entry_levels(practice))
        problems["level"] = [f"Level must be one of {allowed}: a new case opens above universal and below statutory services"]
    if source not in SOURCES:
        problems["source"] = [f"Source must be one of {', '.join(SOURCES)}"]
    _text_problem(problems, "reason", reason, "the reason for the request")
    if problems:
        raise ValidationFailed(fields=problems)
    if open_case_exists:
        raise InvalidTransition("This family already has an open case. Add to that case instead of opening another.")


def assessment_due(practice: Practice, opened_on: date) -> date:
    return add_working_days(opened_on, practice.timescales.assessment_due_working_days)


def is_re_referral(practice: Practice, opened_on: date, last_closed_on: date | None) -> bool:
    """A new case is a re-referral when the family's last case closed within the window."""
    if last_closed_on is None:
        return False
    return add_months(last_closed_on, practice.timescales.re_referral_window_months) >= opened_on


def needs_lead(practice: Practice, level: int, status: str) -> bool:
    """Must a case at ``level`` in ``status`` have a lead professional? (Not while requested.)"""
    return status in OPEN_STATUSES and status != "requested" and practice.level(level).needs_lead_professional


def check_status_change(practice: Practice, state: CaseState, to_status: str) -> None:
    """Moving a case forward (assessment, plan); closing has its own rule.

    Beyond ``requested`` a case needs a lead professional when its level needs one, and also
    when the statutory level needs one (an immediate-risk step-up there is never blocked, so the
    lead must be in place before it can happen) or when a change of level awaits a decision (it
    may be to a level that needs one, and approving it cannot wait for an allocation).
    """
    if to_status not in STATUSES or to_status == "closed":
        raise InvalidTransition("Use closure to close a case.")
    if not state.is_open:
        raise InvalidTransition("This case is closed.")
    if _ORDER[to_status] <= _ORDER[state.status]:
        raise InvalidTransition(f"The case is already at the {state.status} stage.")
    if state.lead_professional_id:
        return
    if needs_lead(practice, state.level, to_status):
        raise InvalidTransition("Assign a lead professional first: this level of need requires one.")
    if needs_lead(practice, practice.statutory_level.number, to_status) or state.has_pending_transition:
        raise InvalidTransition("Assign a lead professional first: the case could move to a level of need that requires one.")


@dataclass(frozen=True)
class TransitionPlan:
    direction: str
    status: str  # pending, or approved at once for an immediate-risk step-up
    needs_receiver: bool  # step-down from statutory: a receiving lead professional must accept


def plan_transition(
    practice: Practice,
    state: CaseState,
    *,
    to_level: int,
    reason: str | None,
    immediate_risk: bool,
    receiving_lead_id: str | None = None,
    family_agreement: bool = False,
) -> TransitionPlan:
    """Decide how a requested change of level proceeds, or refuse it.

    An immediate-risk step-up to the statutory level takes effect at once (approval afterwards,
    never before); a step-down from the statutory level needs a named receiving lead professional
    and the family's agreement; every other change waits for a manager of the owning team.
    """
    if not state.is_open:
        raise InvalidTransition("This case is closed: its level cannot change.")
    problems: dict[str, list[str]] = {}
    if not practice.has_level(to_level):
        problems["to_level"] = [f"Level must be between 1 and {len(practice.levels)}"]
    elif to_level == state.level:
        problems["to_level"] = [f"The case is already at level {to_level}"]
    _text_problem(problems, "reason", reason, "the reason for the change")
    if problems:
        raise ValidationFailed(fields=problems)
    statutory = practice.statutory_level.number
    direction = STEP_UP if to_level > state.level else STEP_DOWN
    if immediate_risk and not (direction == STEP_UP and to_level == statutory):
        raise ValidationFailed(fields={"immediate_risk": [f"Immediate risk applies only to a step-up to level {statutory}"]})
    from_statutory = state.level == statutory and direction == STEP_DOWN
    if from_statutory:
        found: dict[str, list[str]] = {}
        if not receiving_lead_id:
            found["receiving_lead_id"] = ["Name the lead professional who will receive the case"]
        if not family_agreement:
            found["family_agreement"] = ["Record that the family agrees to the step-down"]
        if found:
            raise ValidationFailed(fields=found)
    # The receiving lead professional of a step-down from statutory becomes the lead on approval.
    if not (immediate_risk or from_statutory or state.lead_professional_id) and needs_lead(practice, to_level, state.status):
        raise InvalidTransition(f"Assign a lead professional first: level {to_level} requires one.")
    if state.has_pending_transition and not immediate_risk:
        raise InvalidTransition("A change of level is already waiting for a decision.")
    return TransitionPlan(direction=direction, status=APPROVED if immediate_risk else PENDING, needs_receiver=from_statutory)


def check_decision(
    *,
    status: str,
    immediate_risk: bool,
    decision: str,
    approver_manages_team: bool,
    approver_is_requester: bool,
    already_reviewed: bool,
    receiver_accepted: bool,
    needs_receiver: bool,
    case_open: bool,
    note: str | None,
    level_changed: bool = False,
) -> None:
    """May this manager approve or reject this transition now?

    ``level_changed``: the case is no longer at the level the change was requested from (an
    immediate-risk step-up overtook it), so approving it would move the case from the wrong place.
    """
    if not approver_manages_team:
        raise_forbidden()
    if decision not in (APPROVED, REJECTED):
        raise ValidationFailed(fields={"decision": [f"Decision must be {APPROVED} or {REJECTED}"]})
    if decision == REJECTED and not (note or "").strip():
        raise ValidationFailed(fields={"note": ["Say why the change is rejected"]})
    if note and len(note) > MAX_TEXT:
        raise ValidationFailed(fields={"note": [f"Note must be {MAX_TEXT} characters or fewer"]})
    if immediate_risk:
        # Already in effect: a manager confirms it afterwards; it cannot be undone by rejection.
        if decision == REJECTED:
            raise InvalidTransition("An immediate-risk step-up has already taken effect; request a step-down instead.")
        if already_reviewed:
            raise InvalidTransition("This step-up has already been reviewed.")
        if approver_is_requester:
            raise InvalidTransition("Another manager must review a step-up you made.")
        return
    if status != PENDING:
        raise InvalidTransition(f"This change has already been {status}.")
    if not case_open:
        raise InvalidTransition("This case is closed.")
    if approver_is_requester:
        raise InvalidTransition("Another manager must decide a change you requested.")
    if decision == APPROVED and level_changed:
        raise InvalidTransition("The case's level has changed since this was requested. Reject it and ask again.")
    if decision == APPROVED and needs_receiver and not receiver_accepted:
        raise InvalidTransition("The receiving lead professional has not accepted the case yet.")


def raise_forbidden() -> None:
    from casework.errors import NotPermitted

    raise NotPermitted("Only a manager of the team that owns this case can decide.")


def check_closure(practice: Practice, state: CaseState, *, reason: str | None, summary: str | None, has_final_review: bool) -> None:
    """Closing needs an open case, a reason from the framework and a summary; ``needs_met``
    (any reason marked needs_final_review) needs a final review with scores."""
    if not state.is_open:
        raise InvalidTransition("This case is already closed.")
    problems: dict[str, list[str]] = {}
    chosen = practice.closure_reason(reason or "")
    if chosen is None:
        problems["reason"] = [f"Reason must be one of {', '.join(r.code for r in practice.closure_reasons)}"]
    _text_problem(problems, "summary", summary, "a moving-on summary")
    if problems:
        raise ValidationFailed(fields=problems)
    if state.has_pending_transition:
        raise InvalidTransition("Decide the pending change of level before closing.")
    if chosen is not None and chosen.needs_final_review and not has_final_review:
        raise InvalidTransition(f"'{chosen.label}' needs a final review with scores first.")


@dataclass(frozen=True)
class LeadChange:
    effective_now: bool  # False: a handover the receiver must accept


def check_lead_assignment(
    state: CaseState,
    *,
    candidate_id: str,
    candidate_eligible: bool,
    actor_id: str,
    actor_manages_team: bool,
    actor_in_team: bool,
) -> LeadChange:
    """Who may become lead professional, and whether the change waits for them to accept.

    Managers allocate work and a practitioner may take an unallocated case or one they are
    given; a lead professional handing over to a colleague waits for the colleague to accept.
    """
    if not state.is_open:
        raise InvalidTransition("This case is closed.")
    if not candidate_eligible:
        raise ValidationFailed(fields={"user_id": ["Choose an active practitioner or manager in the team that owns the case"]})
    if candidate_id == state.lead_professional_id:
        raise InvalidTransition("That person is already the lead professional.")
    if not (actor_manages_team or actor_in_team):
        raise_forbidden()
    if state.lead_professional_id and not actor_manages_team and actor_id != state.lead_professional_id:
        from casework.errors import NotPermitted

        raise NotPermitted("Only the lead professional or a manager can change who leads an allocated case.")
    immediate = actor_manages_team or state.lead_professional_id is None or candidate_id == actor_id
    return LeadChange(effective_now=immediate)


@dataclass(frozen=True)
class Flags:
    assessment_overdue: bool
    drift: bool
    drift_reasons: tuple[str, ...]


def flags(
    practice: Practice,
    state: CaseState,
    *,
    opened_at: datetime,
    assessment_due_on: date | None,
    review_count: int,
    today: date,
    assessment_submitted: bool = False,
) -> Flags:
    """Overdue and drift flags for an open case (an assessment once submitted is no longer overdue)."""
    if not state.is_open:
        return Flags(False, False, ())
    overdue = (
        state.status in ("requested", "assessment")
        and not assessment_submitted
        and assessment_due_on is not None
        and today > assessment_due_on
    )
    reasons = []
    if today >= add_months(opened_at.date(), practice.timescales.drift_open_months):
        reasons.append(f"open for more than {practice.timescales.drift_open_months} months")
    if review_count >= practice.timescales.drift_review_count:
        reasons.append(f"{review_count} reviews held")
    return Flags(overdue, bool(reasons), tuple(reasons))


def invariants(practice: Practice, state: CaseState) -> list[str]:
    """Broken invariants of a case state (empty when sound)."""
    broken = []
    if state.status not in STATUSES:
        broken.append("unknown status")
    if not practice.has_level(state.level):
        broken.append("level outside the continuum")
    elif needs_lead(practice, state.level, state.status) and not state.lead_professional_id:
        broken.append("a level needing a lead professional stands without one")
    return broken
