"""The case lifecycle rules (casework.cases.rules) with the default practice framework. Pure:
no app, no database. Each refusal is checked for its error type and, for a ValidationFailed,
for the fields it names (the keys the API returns and the forms link to)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.cases import rules
from casework.cases.rules import APPROVED, PENDING, REJECTED, STEP_DOWN, STEP_UP, CaseState, Flags, TransitionPlan
from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.practice import Practice, load_practice, parse_practice
from casework.workdays import add_months

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = ROOT / "config" / "practice" / "default.toml"
PRACTICE = load_practice(DEFAULT_FILE)
FIVE_LEVELS = load_practice(ROOT / "tests" / "fixtures" / "five_levels.toml")
LONG = "x" * (rules.MAX_TEXT + 1)


def variant(change: Callable[[dict[str, Any]], None]) -> Practice:
    """The default framework with ``change`` applied to its parsed TOML."""
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    change(data)
    return parse_practice(data, source="variant.toml")


def _lead_light(data: dict[str, Any]) -> None:
    for level in data["levels"]:
        level["needs_lead_professional"] = level["number"] == 3


#: Only level 3 needs a lead professional; the statutory level does not.
LEAD_LIGHT = variant(_lead_light)


def state(status: str = "requested", level: int = 2, lead: str | None = None, pending: bool = False) -> CaseState:
    return CaseState(status=status, level=level, lead_professional_id=lead, has_pending_transition=pending)


def fields(caught: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return set(caught.value.fields)


# --- CaseState --------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "is_open"), [("requested", True), ("assessment", True), ("plan", True), ("closed", False)])
def test_case_state_is_open_for_every_status_but_closed(status: str, is_open: bool) -> None:
    assert state(status).is_open is is_open


# --- entry_levels -----------------------------------------------------------------------------


def test_entry_levels_default_are_above_universal_and_below_statutory() -> None:
    assert [(level.number, level.name) for level in rules.entry_levels(PRACTICE)] == [(2, "Early Help"), (3, "Targeted / Family Help")]


def test_entry_levels_follow_the_framework_five_levels() -> None:
    assert [level.number for level in rules.entry_levels(FIVE_LEVELS)] == [2, 3, 4]


# --- check_new_case ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("source", rules.SOURCES)
def test_check_new_case_accepts_entry_levels_and_known_sources(level: int, source: str) -> None:
    rules.check_new_case(PRACTICE, level=level, source=source, reason="School worried about attendance", open_case_exists=False)


@pytest.mark.parametrize("level", [1, 4, 0, 5, -1])
def test_check_new_case_level_outside_entry_levels_is_refused(level: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_case(PRACTICE, level=level, source="other", reason="Worried", open_case_exists=False)
    assert fields(caught) == {"level"}
    assert "2, 3" in caught.value.fields["level"][0]


@pytest.mark.parametrize("source", ["", "referral", "REQUEST_FOR_SUPPORT"])
def test_check_new_case_unknown_source_is_refused(source: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_case(PRACTICE, level=2, source=source, reason="Worried", open_case_exists=False)
    assert fields(caught) == {"source"}


@pytest.mark.parametrize("reason", [None, "", "   \n\t"])
def test_check_new_case_reason_is_required(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_case(PRACTICE, level=2, source="other", reason=reason, open_case_exists=False)
    assert fields(caught) == {"reason"}
    assert caught.value.fields["reason"] == ["Enter the reason for the request"]


def test_check_new_case_reason_length_is_limited() -> None:
    rules.check_new_case(PRACTICE, level=2, source="other", reason="x" * rules.MAX_TEXT, open_case_exists=False)
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_case(PRACTICE, level=2, source="other", reason=LONG, open_case_exists=False)
    assert fields(caught) == {"reason"}


def test_check_new_case_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_new_case(PRACTICE, level=4, source="phone", reason=" ", open_case_exists=True)
    assert fields(caught) == {"level", "source", "reason"}


def test_check_new_case_open_case_exists_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition, match="already has an open case"):
        rules.check_new_case(PRACTICE, level=2, source="other", reason="Worried", open_case_exists=True)


# --- assessment_due ---------------------------------------------------------------------------


def test_assessment_due_is_thirty_five_working_days_by_default() -> None:
    # Seven weeks from Mon 2 Mar 2026, plus Good Friday and Easter Monday.
    assert rules.assessment_due(PRACTICE, date(2026, 3, 2)) == date(2026, 4, 22)


def test_assessment_due_follows_the_framework_timescale() -> None:
    assert FIVE_LEVELS.timescales.assessment_due_working_days == 10
    # Thu 17 Dec 2026 + 10 working days, skipping Christmas, Boxing Day (substitute) and New Year.
    assert rules.assessment_due(FIVE_LEVELS, date(2026, 12, 17)) == date(2027, 1, 5)


# --- is_re_referral ---------------------------------------------------------------------------


def test_is_re_referral_without_a_previous_case_is_false() -> None:
    assert rules.is_re_referral(PRACTICE, date(2026, 3, 1), None) is False


@pytest.mark.parametrize(
    ("closed_on", "opened_on", "expected"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), True),  # closed and reopened the same day
        (date(2025, 9, 1), date(2026, 3, 1), True),  # within 12 months
        (date(2025, 3, 1), date(2026, 3, 1), True),  # exactly 12 months
        (date(2025, 3, 1), date(2026, 3, 2), False),  # a day beyond
        (date(2023, 3, 1), date(2026, 3, 1), False),  # long ago
        (date(2024, 2, 29), date(2025, 2, 28), True),  # 12 months after 29 Feb is 28 Feb
        (date(2024, 2, 29), date(2025, 3, 1), False),
    ],
)
def test_is_re_referral_within_exactly_at_and_beyond_twelve_months(closed_on: date, opened_on: date, expected: bool) -> None:
    assert rules.is_re_referral(PRACTICE, opened_on, closed_on) is expected


def test_is_re_referral_follows_the_framework_window() -> None:
    assert FIVE_LEVELS.timescales.re_referral_window_months == 6
    assert rules.is_re_referral(FIVE_LEVELS, date(2026, 3, 1), date(2025, 9, 1)) is True
    assert rules.is_re_referral(FIVE_LEVELS, date(2026, 3, 2), date(2025, 9, 1)) is False


# --- needs_lead -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "status", "expected"),
    [
        (2, "requested", False),
        (3, "requested", False),
        (4, "requested", False),
        (2, "assessment", True),
        (3, "plan", True),
        (4, "assessment", True),
        (1, "assessment", False),  # universal needs no lead professional
        (1, "plan", False),
        (3, "closed", False),
    ],
)
def test_needs_lead_only_beyond_requested_at_levels_that_need_one(level: int, status: str, expected: bool) -> None:
    assert rules.needs_lead(PRACTICE, level, status) is expected


# --- check_status_change ----------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), [("requested", "assessment"), ("assessment", "plan")])
@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_check_status_change_moves_forward_with_a_lead(from_status: str, to_status: str, level: int) -> None:
    rules.check_status_change(PRACTICE, state(from_status, level, "lead-1"), to_status)


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [("assessment", "requested"), ("assessment", "assessment"), ("plan", "assessment"), ("plan", "requested"), ("plan", "plan")],
)
def test_check_status_change_never_moves_backwards_or_stays(from_status: str, to_status: str) -> None:
    with pytest.raises(InvalidTransition, match=f"already at the {from_status} stage"):
        rules.check_status_change(PRACTICE, state(from_status, 2, "lead-1"), to_status)


@pytest.mark.parametrize("to_status", ["closed", "banana", ""])
def test_check_status_change_does_not_close_or_invent_statuses(to_status: str) -> None:
    with pytest.raises(InvalidTransition, match="Use closure"):
        rules.check_status_change(PRACTICE, state("assessment", 2, "lead-1"), to_status)


def test_check_status_change_closed_case_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="closed"):
        rules.check_status_change(PRACTICE, state("closed", 2, "lead-1"), "plan")


@pytest.mark.parametrize("level", [2, 3, 4])
@pytest.mark.parametrize(("from_status", "to_status"), [("requested", "assessment"), ("requested", "plan"), ("assessment", "plan")])
def test_check_status_change_level_needing_a_lead_requires_one(level: int, from_status: str, to_status: str) -> None:
    with pytest.raises(InvalidTransition, match="Assign a lead professional first: this level of need requires one"):
        rules.check_status_change(PRACTICE, state(from_status, level), to_status)


def test_check_status_change_universal_needs_a_lead_because_statutory_does() -> None:
    # An immediate-risk step-up to level 4 may happen at any time and is never blocked, so a case
    # that moves beyond `requested` has its lead professional in place before it can happen.
    with pytest.raises(InvalidTransition, match="could move to a level of need that requires one"):
        rules.check_status_change(PRACTICE, state("requested", 1), "assessment")


def test_check_status_change_without_lead_where_no_level_in_reach_needs_one() -> None:
    rules.check_status_change(LEAD_LIGHT, state("requested", 2), "assessment")
    rules.check_status_change(LEAD_LIGHT, state("assessment", 4), "plan")


def test_check_status_change_without_lead_while_a_change_of_level_waits() -> None:
    # The pending change may be to level 3, which needs a lead; approving it cannot wait for one.
    with pytest.raises(InvalidTransition, match="Assign a lead professional first"):
        rules.check_status_change(LEAD_LIGHT, state("requested", 2, pending=True), "assessment")
    rules.check_status_change(LEAD_LIGHT, state("requested", 2, "lead-1", pending=True), "assessment")


# --- plan_transition --------------------------------------------------------------------------


def plan(current: CaseState, to_level: int, **kwargs: Any) -> TransitionPlan:
    kwargs.setdefault("reason", "Needs have changed")
    kwargs.setdefault("immediate_risk", False)
    return rules.plan_transition(PRACTICE, current, to_level=to_level, **kwargs)


@pytest.mark.parametrize(
    ("from_level", "to_level", "direction"),
    [(2, 3, STEP_UP), (3, 2, STEP_DOWN), (2, 4, STEP_UP), (3, 1, STEP_DOWN), (1, 2, STEP_UP)],
)
def test_plan_transition_direction_and_waits_for_a_manager(from_level: int, to_level: int, direction: str) -> None:
    assert plan(state("assessment", from_level, "lead-1"), to_level) == TransitionPlan(direction, PENDING, needs_receiver=False)


def test_plan_transition_requested_case_without_lead_may_change_level() -> None:
    assert plan(state("requested", 2), 3).status == PENDING


@pytest.mark.parametrize("from_level", [1, 2, 3])
@pytest.mark.parametrize(("status", "lead"), [("requested", None), ("assessment", "lead-1"), ("plan", "lead-1")])
def test_plan_transition_immediate_risk_to_statutory_is_approved_at_once(from_level: int, status: str, lead: str | None) -> None:
    assert plan(state(status, from_level, lead), 4, immediate_risk=True) == TransitionPlan(STEP_UP, APPROVED, needs_receiver=False)


@pytest.mark.parametrize(("from_level", "to_level"), [(2, 3), (1, 3), (3, 2), (3, 1), (4, 3), (4, 1)])
def test_plan_transition_immediate_risk_only_for_a_step_up_to_statutory(from_level: int, to_level: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", from_level, "lead-1"), to_level, immediate_risk=True, receiving_lead_id="lead-2", family_agreement=True)
    assert fields(caught) == {"immediate_risk"}
    assert "level 4" in caught.value.fields["immediate_risk"][0]


def test_plan_transition_immediate_risk_is_never_pending_nor_blocked_by_a_pending_change() -> None:
    current = state("assessment", 2, "lead-1", pending=True)
    with pytest.raises(InvalidTransition, match="already waiting for a decision"):
        plan(current, 3)
    with pytest.raises(InvalidTransition, match="already waiting for a decision"):
        plan(current, 4)  # a step-up to statutory without immediate risk waits its turn
    assert plan(current, 4, immediate_risk=True).status == APPROVED


@pytest.mark.parametrize("to_level", [0, 5, -1, 99])
def test_plan_transition_level_outside_the_continuum_is_refused(to_level: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", 2, "lead-1"), to_level)
    assert fields(caught) == {"to_level"}
    assert caught.value.fields["to_level"] == ["Level must be between 1 and 4"]


def test_plan_transition_to_the_current_level_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", 3, "lead-1"), 3)
    assert fields(caught) == {"to_level"}
    assert caught.value.fields["to_level"] == ["The case is already at level 3"]


@pytest.mark.parametrize("reason", [None, "", "  ", LONG])
def test_plan_transition_reason_is_required_and_limited(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", 2, "lead-1"), 3, reason=reason)
    assert fields(caught) == {"reason"}


def test_plan_transition_reports_level_and_reason_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", 2, "lead-1"), 7, reason="")
    assert fields(caught) == {"to_level", "reason"}


@pytest.mark.parametrize(
    ("receiver", "agreement", "missing"),
    [
        (None, False, {"receiving_lead_id", "family_agreement"}),
        ("", True, {"receiving_lead_id"}),
        ("lead-2", False, {"family_agreement"}),
    ],
)
def test_plan_transition_step_down_from_statutory_needs_receiver_and_agreement(
    receiver: str | None, agreement: bool, missing: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(state("assessment", 4, "lead-1"), 3, receiving_lead_id=receiver, family_agreement=agreement)
    assert fields(caught) == missing


@pytest.mark.parametrize("to_level", [1, 2, 3])
def test_plan_transition_step_down_from_statutory_waits_for_the_receiver(to_level: int) -> None:
    current = state("plan", 4, "social-worker")
    assert plan(current, to_level, receiving_lead_id="lead-2", family_agreement=True) == TransitionPlan(
        STEP_DOWN, PENDING, needs_receiver=True
    )


def test_plan_transition_other_step_downs_need_no_receiver() -> None:
    assert plan(state("assessment", 3, "lead-1"), 2).needs_receiver is False
    assert plan(state("assessment", 3, "lead-1"), 2, receiving_lead_id="lead-2", family_agreement=True).needs_receiver is False


def test_plan_transition_closed_case_is_refused_before_anything_else() -> None:
    with pytest.raises(InvalidTransition, match="closed"):
        plan(state("closed", 2, "lead-1"), 3)
    with pytest.raises(InvalidTransition, match="closed"):
        plan(state("closed", 2, "lead-1"), 99, reason="", immediate_risk=True)


def test_plan_transition_to_a_level_needing_a_lead_requires_one_beyond_requested() -> None:
    # Reachable where the statutory level needs no lead professional: level 2 here needs none either.
    current = state("assessment", 2)
    with pytest.raises(InvalidTransition, match="Assign a lead professional first: level 3 requires one"):
        rules.plan_transition(LEAD_LIGHT, current, to_level=3, reason="More agencies needed", immediate_risk=False)
    assert rules.plan_transition(LEAD_LIGHT, current, to_level=1, reason="Universal services", immediate_risk=False).status == PENDING
    assert rules.plan_transition(LEAD_LIGHT, current, to_level=4, reason="Disclosure", immediate_risk=True).status == APPROVED


def test_plan_transition_immediate_risk_is_never_blocked_by_a_missing_lead() -> None:
    assert plan(state("assessment", 1), 4, immediate_risk=True).status == APPROVED


def test_plan_transition_step_down_from_statutory_without_lead_is_received_by_the_named_lead() -> None:
    planned = rules.plan_transition(
        LEAD_LIGHT,
        state("plan", 4),
        to_level=3,
        reason="CIN plan ended",
        immediate_risk=False,
        receiving_lead_id="lead-2",
        family_agreement=True,
    )
    assert planned == TransitionPlan(STEP_DOWN, PENDING, needs_receiver=True)


def test_plan_transition_follows_the_five_level_framework() -> None:
    current = state("assessment", 3, "lead-1")
    assert rules.plan_transition(FIVE_LEVELS, current, to_level=5, reason="Disclosure", immediate_risk=True).status == APPROVED
    with pytest.raises(ValidationFailed) as caught:
        rules.plan_transition(FIVE_LEVELS, current, to_level=4, reason="Rising risk", immediate_risk=True)
    assert caught.value.fields == {"immediate_risk": ["Immediate risk applies only to a step-up to level 5"]}
    with pytest.raises(ValidationFailed) as caught:
        rules.plan_transition(FIVE_LEVELS, current, to_level=6, reason="x", immediate_risk=False)
    assert caught.value.fields == {"to_level": ["Level must be between 1 and 5"]}


# --- check_decision ---------------------------------------------------------------------------


def decide(**overrides: Any) -> None:
    facts: dict[str, Any] = {
        "status": PENDING,
        "immediate_risk": False,
        "decision": APPROVED,
        "approver_manages_team": True,
        "approver_is_requester": False,
        "already_reviewed": False,
        "receiver_accepted": False,
        "needs_receiver": False,
        "case_open": True,
        "note": None,
    }
    facts.update(overrides)
    rules.check_decision(**facts)


def test_check_decision_manager_approves_or_rejects_with_a_note() -> None:
    decide()
    decide(note="Agreed at the TAF meeting")
    decide(decision=REJECTED, note="Needs are being met at level 2")


def test_check_decision_non_manager_is_not_permitted() -> None:
    with pytest.raises(NotPermitted):
        decide(approver_manages_team=False)
    with pytest.raises(NotPermitted):
        decide(approver_manages_team=False, decision=REJECTED, note=None, status=APPROVED)  # before any other problem


@pytest.mark.parametrize("decision", ["", PENDING, "approve", "banana"])
def test_check_decision_unknown_decision_is_refused(decision: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decide(decision=decision, note="x")
    assert fields(caught) == {"decision"}


@pytest.mark.parametrize("note", [None, "", "   "])
def test_check_decision_reject_without_a_note_is_refused(note: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decide(decision=REJECTED, note=note)
    assert caught.value.fields == {"note": ["Say why the change is rejected"]}


@pytest.mark.parametrize("decision", [APPROVED, REJECTED])
def test_check_decision_note_length_is_limited(decision: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decide(decision=decision, note=LONG)
    assert fields(caught) == {"note"}


def test_check_decision_immediate_risk_is_approved_afterwards() -> None:
    decide(status=APPROVED, immediate_risk=True)
    decide(status=APPROVED, immediate_risk=True, case_open=False)  # the review is owed even once the case has closed


def test_check_decision_immediate_risk_cannot_be_rejected() -> None:
    with pytest.raises(InvalidTransition, match="request a step-down instead"):
        decide(status=APPROVED, immediate_risk=True, decision=REJECTED, note="Disagree")


def test_check_decision_immediate_risk_is_reviewed_once() -> None:
    with pytest.raises(InvalidTransition, match="already been reviewed"):
        decide(status=APPROVED, immediate_risk=True, already_reviewed=True)


@pytest.mark.parametrize("status", [APPROVED, REJECTED])
@pytest.mark.parametrize("decision", [APPROVED, REJECTED])
def test_check_decision_already_decided_is_refused(status: str, decision: str) -> None:
    with pytest.raises(InvalidTransition, match=f"already been {status}"):
        decide(status=status, decision=decision, note="Again", already_reviewed=True)


def test_check_decision_closed_case_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="closed"):
        decide(case_open=False)


@pytest.mark.parametrize("decision", [APPROVED, REJECTED])
def test_check_decision_requester_cannot_decide_their_own_request(decision: str) -> None:
    with pytest.raises(InvalidTransition, match="Another manager"):
        decide(approver_is_requester=True, decision=decision, note="Mine")


def test_check_decision_receiver_must_accept_before_approval() -> None:
    with pytest.raises(InvalidTransition, match="not accepted the case yet"):
        decide(needs_receiver=True, receiver_accepted=False)
    decide(needs_receiver=True, receiver_accepted=False, decision=REJECTED, note="Not ready to step down")
    decide(needs_receiver=True, receiver_accepted=True)


def test_check_decision_stale_level_cannot_be_approved_only_rejected() -> None:
    # An immediate-risk step-up overtook this request: approving it would move the case from
    # the statutory level without the step-down's safeguards.
    with pytest.raises(InvalidTransition, match="level has changed"):
        decide(level_changed=True)
    decide(level_changed=True, decision=REJECTED, note="Overtaken by the referral")


# --- check_closure ----------------------------------------------------------------------------


def close(current: CaseState, reason: str | None = "other", summary: str | None = "Moving on well", final_review: bool = False) -> None:
    rules.check_closure(PRACTICE, current, reason=reason, summary=summary, has_final_review=final_review)


@pytest.mark.parametrize("status", ["requested", "assessment", "plan"])
@pytest.mark.parametrize("reason", [r.code for r in PRACTICE.closure_reasons if not r.needs_final_review])
def test_check_closure_with_a_framework_reason_and_summary(status: str, reason: str) -> None:
    close(state(status, 3, "lead-1"), reason)


def test_check_closure_closed_case_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already closed"):
        close(state("closed", 3, "lead-1"))


@pytest.mark.parametrize("reason", [None, "", "no_such_reason", "NEEDS_MET", "Needs met"])
def test_check_closure_unknown_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        close(state("plan", 3, "lead-1"), reason)
    assert fields(caught) == {"reason"}
    assert "needs_met" in caught.value.fields["reason"][0]


@pytest.mark.parametrize("summary", [None, "", "  \n", LONG])
def test_check_closure_summary_is_required_and_limited(summary: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        close(state("plan", 3, "lead-1"), summary=summary)
    assert fields(caught) == {"summary"}


def test_check_closure_reports_reason_and_summary_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        close(state("plan", 3, "lead-1"), "", "")
    assert fields(caught) == {"reason", "summary"}


def test_check_closure_pending_transition_is_decided_first() -> None:
    with pytest.raises(InvalidTransition, match="pending change of level"):
        close(state("plan", 3, "lead-1", pending=True))


def test_check_closure_needs_met_needs_a_final_review() -> None:
    with pytest.raises(InvalidTransition, match="'Needs met' needs a final review"):
        close(state("plan", 3, "lead-1"), "needs_met")
    close(state("plan", 3, "lead-1"), "needs_met", final_review=True)


def test_check_closure_uses_the_framework_s_own_reasons() -> None:
    current = state("plan", 4, "lead-1")
    with pytest.raises(InvalidTransition, match="final review"):
        rules.check_closure(FIVE_LEVELS, current, reason="outcomes_achieved", summary="Done", has_final_review=False)
    rules.check_closure(FIVE_LEVELS, current, reason="moved_away", summary="Moved to Northshire", has_final_review=False)
    with pytest.raises(ValidationFailed) as caught:
        rules.check_closure(FIVE_LEVELS, current, reason="needs_met", summary="Done", has_final_review=True)
    assert fields(caught) == {"reason"}


# --- check_lead_assignment --------------------------------------------------------------------


def assign(current: CaseState, **overrides: Any) -> rules.LeadChange:
    facts: dict[str, Any] = {
        "candidate_id": "p2",
        "candidate_eligible": True,
        "actor_id": "m1",
        "actor_manages_team": True,
        "actor_in_team": True,
    }
    facts.update(overrides)
    return rules.check_lead_assignment(current, **facts)


@pytest.mark.parametrize("lead", [None, "p1"])
def test_check_lead_assignment_manager_allocates_at_once(lead: str | None) -> None:
    assert assign(state("assessment", 3, lead)).effective_now is True


def test_check_lead_assignment_manager_outside_the_team_still_allocates() -> None:
    assert assign(state("assessment", 3, "p1"), actor_in_team=False).effective_now is True


def test_check_lead_assignment_practitioner_takes_an_unallocated_case_at_once() -> None:
    assert assign(state(), candidate_id="p1", actor_id="p1", actor_manages_team=False).effective_now is True
    assert assign(state(), candidate_id="p2", actor_id="p1", actor_manages_team=False).effective_now is True


def test_check_lead_assignment_handover_waits_for_the_receiver() -> None:
    change = assign(state("plan", 3, "p1"), candidate_id="p2", actor_id="p1", actor_manages_team=False)
    assert change == rules.LeadChange(effective_now=False)


def test_check_lead_assignment_ineligible_candidate_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        assign(state("plan", 3, "p1"), candidate_eligible=False)
    assert fields(caught) == {"user_id"}


def test_check_lead_assignment_same_person_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already the lead professional"):
        assign(state("plan", 3, "p1"), candidate_id="p1")


def test_check_lead_assignment_outsider_is_not_permitted() -> None:
    with pytest.raises(NotPermitted):
        assign(state("plan", 3, "p1"), actor_id="x", actor_manages_team=False, actor_in_team=False)


def test_check_lead_assignment_closed_case_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="closed"):
        assign(state("closed", 3, "p1"))


# --- flags ------------------------------------------------------------------------------------

OPENED_AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
DUE = rules.assessment_due(PRACTICE, OPENED_AT.date())


def flags(current: CaseState, today: date, review_count: int = 0, due: date | None = DUE) -> Flags:
    return rules.flags(PRACTICE, current, opened_at=OPENED_AT, assessment_due_on=due, review_count=review_count, today=today)


@pytest.mark.parametrize("status", ["requested", "assessment"])
def test_flags_assessment_overdue_only_after_the_due_date(status: str) -> None:
    current = state(status, 2, "p1")
    assert flags(current, DUE).assessment_overdue is False
    assert flags(current, DUE + timedelta(days=1)).assessment_overdue is True


def test_flags_assessment_overdue_not_once_a_plan_is_in_place() -> None:
    assert flags(state("plan", 3, "p1"), DUE + timedelta(days=30)).assessment_overdue is False


def test_flags_assessment_overdue_not_without_a_due_date() -> None:
    assert flags(state("assessment", 2, "p1"), DUE + timedelta(days=30), due=None).assessment_overdue is False


def test_flags_drift_after_the_months_open() -> None:
    drift_day = add_months(OPENED_AT.date(), PRACTICE.timescales.drift_open_months)
    assert drift_day == date(2027, 1, 5)
    before = flags(state("plan", 3, "p1"), drift_day - timedelta(days=1))
    assert (before.drift, before.drift_reasons) == (False, ())
    after = flags(state("plan", 3, "p1"), drift_day)
    assert (after.drift, after.drift_reasons) == (True, ("open for more than 12 months",))


def test_flags_drift_after_the_review_count() -> None:
    today = date(2026, 6, 1)
    assert flags(state("plan", 3, "p1"), today, review_count=3).drift is False
    four = flags(state("plan", 3, "p1"), today, review_count=4)
    assert (four.drift, four.drift_reasons) == (True, ("4 reviews held",))


def test_flags_drift_gives_both_reasons() -> None:
    both = flags(state("plan", 3, "p1"), date(2027, 2, 1), review_count=5)
    assert both.drift_reasons == ("open for more than 12 months", "5 reviews held")


def test_flags_closed_case_has_no_flags() -> None:
    assert flags(state("closed", 3, "p1"), date(2028, 1, 1), review_count=9) == Flags(False, False, ())


def test_flags_follow_the_framework_timescales() -> None:
    due = rules.assessment_due(FIVE_LEVELS, OPENED_AT.date())
    flagged = rules.flags(
        FIVE_LEVELS, state("assessment", 3, "p1"), opened_at=OPENED_AT, assessment_due_on=due, review_count=3, today=date(2026, 10, 5)
    )
    assert flagged == Flags(True, True, ("open for more than 9 months", "3 reviews held"))


# --- invariants -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current",
    [
        state("requested", 2),
        state("requested", 4),
        state("assessment", 2, "p1"),
        state("plan", 4, "p1", pending=True),
        state("assessment", 1),  # universal needs no lead professional
        state("closed", 3),
    ],
)
def test_invariants_hold_for_sound_states(current: CaseState) -> None:
    assert rules.invariants(PRACTICE, current) == []


def test_invariants_unknown_status() -> None:
    assert rules.invariants(PRACTICE, state("paused", 2, "p1")) == ["unknown status"]


@pytest.mark.parametrize("level", [0, 5])
def test_invariants_level_outside_the_continuum(level: int) -> None:
    assert rules.invariants(PRACTICE, state("assessment", level, "p1")) == ["level outside the continuum"]
    assert rules.invariants(FIVE_LEVELS, state("assessment", 5, "p1")) == []


@pytest.mark.parametrize(("status", "level"), [("assessment", 2), ("plan", 3), ("assessment", 4)])
def test_invariants_level_needing_a_lead_without_one(status: str, level: int) -> None:
    assert rules.invariants(PRACTICE, state(status, level)) == ["a level needing a lead professional stands without one"]
