"""The case lifecycle as a state machine: random sequences of what users do to one case, each
applied only when casework.cases.rules allows it, never break the lifecycle's invariants.

The model is a few plain attributes standing in for a Case row and its LevelTransitions. Every
operation asks the rules module exactly what the services ask it and, when the rule does not
raise, applies the effect the services apply (an approved plan changes the level at once; an
approved step-down from the statutory level makes the receiving lead professional the lead).
It runs for the default framework, for a council's five-level framework, and for a framework
where the statutory level does not need a lead professional (other paths to a lead-less level).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from casework.cases import rules
from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.practice import Practice, load_practice, parse_practice

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = ROOT / "config" / "practice" / "default.toml"
DEFAULT = load_practice(DEFAULT_FILE)
FIVE_LEVELS = load_practice(ROOT / "tests" / "fixtures" / "five_levels.toml")


def _lead_light() -> Practice:
    """The default continuum where only level 3 needs a lead professional, not even statutory."""
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for level in data["levels"]:
        level["needs_lead_professional"] = level["number"] == 3
    return parse_practice(data, source="lead-light.toml")


LEAD_LIGHT = _lead_light()

PRACTITIONERS = ("p1", "p2")
MANAGERS = ("m1", "m2")
TEAM = PRACTITIONERS + MANAGERS  # the owning team: who may lead, request and decide
OUTSIDER = "x"  # a practitioner of another team
EVERYONE = (*TEAM, OUTSIDER)
DOMAIN_ERRORS = (InvalidTransition, ValidationFailed, NotPermitted)

CLOSE_AFTER_STEPS = 12
SETTINGS = settings(max_examples=100, stateful_step_count=30, deadline=None)


@dataclass
class Transition:
    from_level: int
    to_level: int
    direction: str
    immediate_risk: bool
    status: str
    requested_by: str
    receiving_lead: str | None
    family_agreement: bool
    receiver_accepted: bool = False
    decided_by: str | None = None


@dataclass(frozen=True)
class LevelChange:
    before: int
    after: int
    transition: Transition


def machine_for(practice: Practice) -> type[RuleBasedStateMachine]:
    n = len(practice.levels)
    statutory = practice.statutory_level.number
    entry = [level.number for level in rules.entry_levels(practice)]
    # Weighted towards what gets past the rules, so that runs go deep, with some of everything.
    # A move is one level up or down, an immediate-risk referral to the statutory level, or a jump
    # to any level (even outside the continuum) with or without immediate risk.
    moves = st.sampled_from(("up", "down", "referral")) | st.tuples(st.integers(min_value=-1, max_value=n + 2), st.booleans())
    closure_codes = st.sampled_from([r.code for r in practice.closure_reasons] + ["", "no_such_reason"])
    written = st.sampled_from(["Worries about attendance", "Agreed at the meeting", "Risk has fallen"])
    texts = st.one_of(written, written, written, st.sampled_from(["", "   ", None]))
    picks = st.none() | st.integers(min_value=0, max_value=20)  # None: the latest transition
    deciders = st.sampled_from(MANAGERS) | st.sampled_from(EVERYONE)
    receivers = st.sampled_from(TEAM) | st.sampled_from((None, OUTSIDER))
    forward = st.sampled_from(("assessment", "plan")) | st.sampled_from((*rules.STATUSES, "banana"))

    class CaseLifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.status = "requested"
            self.level = entry[0]
            self.lead: str | None = None
            self.handover_to: str | None = None
            self.transitions: list[Transition] = []
            self.changes: list[LevelChange] = []
            self.closed_snapshot: tuple[object, ...] | None = None
            self.steps = 0
            self.allocating = True
            self.statuses = ["requested"]  # every status the case has been in, in order

        # --- the model ------------------------------------------------------------------------

        def state(self) -> rules.CaseState:
            pending = any(t.status == rules.PENDING for t in self.transitions)
            return rules.CaseState(self.status, self.level, self.lead, pending)

        def snapshot(self) -> tuple[object, ...]:
            return (self.status, self.level, self.lead, self.handover_to, tuple(t.status for t in self.transitions))

        def change_level(self, to_level: int, transition: Transition) -> None:
            self.changes.append(LevelChange(self.level, to_level, transition))
            self.level = to_level

        # --- operations -----------------------------------------------------------------------

        @initialize(level=st.sampled_from(entry), source=st.sampled_from(rules.SOURCES), allocating=st.booleans())
        def open_case(self, level: int, source: str, allocating: bool) -> None:
            rules.check_new_case(practice, level=level, source=source, reason="School is worried", open_case_exists=False)
            self.level = level
            # Half the runs never allocate a lead professional: they explore the lead-less paths.
            self.allocating = allocating

        @precondition(lambda self: self.allocating)
        @rule(actor=st.sampled_from(EVERYONE), candidate=st.sampled_from(EVERYONE))
        def assign_lead(self, actor: str, candidate: str) -> None:
            self.steps += 1
            try:
                change = rules.check_lead_assignment(
                    self.state(),
                    candidate_id=candidate,
                    candidate_eligible=candidate in TEAM,
                    actor_id=actor,
                    actor_manages_team=actor in MANAGERS,
                    actor_in_team=actor in TEAM,
                )
            except DOMAIN_ERRORS:
                return
            if change.effective_now:
                self.lead, self.handover_to = candidate, None
            else:
                self.handover_to = candidate  # a newer offer supersedes an unanswered one

        @precondition(lambda self: self.handover_to is not None)
        @rule(accept=st.booleans())
        def answer_handover(self, accept: bool) -> None:
            self.steps += 1
            if self.status not in rules.OPEN_STATUSES:
                return  # the service refuses: the case is closed
            if accept:
                self.lead = self.handover_to
            self.handover_to = None

        @rule(actor=st.sampled_from(TEAM), move=moves, reason=texts, receiver=receivers, agreement=st.booleans())
        def request_transition(
            self, actor: str, move: str | tuple[int, bool], reason: str | None, receiver: str | None, agreement: bool
        ) -> None:
            self.steps += 1
            if isinstance(move, tuple):
                to_level, immediate_risk = move
            else:
                to_level, immediate_risk = {"up": (self.level + 1, False), "down": (self.level - 1, False)}.get(move, (statutory, True))
            state = self.state()
            try:
                plan = rules.plan_transition(
                    practice,
                    state,
                    to_level=to_level,
                    reason=reason,
                    immediate_risk=immediate_risk,
                    receiving_lead_id=receiver,
                    family_agreement=agreement,
                )
            except DOMAIN_ERRORS:
                if immediate_risk and state.is_open and practice.has_level(to_level) and to_level == statutory != state.level:
                    # Nothing may block or delay an immediate-risk referral but a missing reason.
                    assert not (reason or "").strip()
                return
            if plan.needs_receiver and receiver not in TEAM:
                return  # the service refuses a receiver outside the owning team
            transition = Transition(
                from_level=self.level,
                to_level=to_level,
                direction=plan.direction,
                immediate_risk=immediate_risk,
                status=plan.status,
                requested_by=actor,
                receiving_lead=receiver if plan.needs_receiver else None,
                family_agreement=agreement,
            )
            self.transitions.append(transition)
            if plan.status == rules.APPROVED:
                self.change_level(to_level, transition)

        def pick(self, pick: int | None) -> Transition:
            return self.transitions[-1 if pick is None else pick % len(self.transitions)]

        @precondition(lambda self: bool(self.transitions))
        @rule(actor=st.none() | receivers, pick=picks)
        def accept_transfer(self, actor: str | None, pick: int | None) -> None:
            self.steps += 1
            transition = self.pick(pick)
            if actor is None:
                actor = transition.receiving_lead  # the one named
            if actor is None or transition.receiving_lead != actor or transition.status != rules.PENDING:
                return  # the service refuses: not the receiver, or already decided
            transition.receiver_accepted = True

        @precondition(lambda self: bool(self.transitions))
        @rule(
            actor=deciders,
            pick=picks,
            decision=st.sampled_from((rules.APPROVED, rules.REJECTED)),
            note=texts,
        )
        def decide(self, actor: str, pick: int | None, decision: str, note: str | None) -> None:
            self.steps += 1
            transition = self.pick(pick)
            try:
                rules.check_decision(
                    status=transition.status,
                    immediate_risk=transition.immediate_risk,
                    decision=decision,
                    approver_manages_team=actor in MANAGERS,
                    approver_is_requester=transition.requested_by == actor,
                    already_reviewed=transition.decided_by is not None,
                    receiver_accepted=transition.receiver_accepted,
                    needs_receiver=transition.receiving_lead is not None,
                    case_open=self.status in rules.OPEN_STATUSES,
                    note=note,
                    level_changed=transition.from_level != self.level,
                )
            except DOMAIN_ERRORS:
                return
            transition.decided_by = actor
            if transition.immediate_risk:
                return  # already in effect: the manager only confirms it afterwards
            transition.status = decision
            if decision == rules.APPROVED:
                self.change_level(transition.to_level, transition)
                if transition.receiving_lead and transition.receiving_lead != self.lead:
                    self.lead, self.handover_to = transition.receiving_lead, None

        @rule(to_status=forward)
        def advance(self, to_status: str) -> None:
            self.steps += 1
            try:
                rules.check_status_change(practice, self.state(), to_status)
            except DOMAIN_ERRORS:
                return
            assert to_status in ("assessment", "plan")
            self.status = to_status
            self.statuses.append(to_status)

        @precondition(lambda self: self.steps >= CLOSE_AFTER_STEPS)  # work on the case first, then close it
        @rule(reason=closure_codes, summary=texts, has_final_review=st.booleans())
        def close(self, reason: str, summary: str | None, has_final_review: bool) -> None:
            self.steps += 1
            try:
                rules.check_closure(practice, self.state(), reason=reason, summary=summary, has_final_review=has_final_review)
            except DOMAIN_ERRORS:
                return
            self.status = "closed"
            self.statuses.append("closed")
            self.closed_snapshot = self.snapshot()

        # --- invariants -----------------------------------------------------------------------

        @invariant()
        def rules_invariants_hold(self) -> None:
            assert rules.invariants(practice, self.state()) == []

        @invariant()
        def level_stays_inside_the_continuum(self) -> None:
            assert practice.has_level(self.level)

        @invariant()
        def closed_is_terminal(self) -> None:
            if self.closed_snapshot is not None:
                assert self.snapshot() == self.closed_snapshot

        @invariant()
        def a_closed_case_left_nothing_waiting(self) -> None:
            if self.status == "closed":
                assert not self.state().has_pending_transition

        @invariant()
        def status_only_moves_forward(self) -> None:
            order = [rules.STATUSES.index(status) for status in self.statuses]
            assert order == sorted(set(order))
            assert self.statuses[-1] == self.status

        @invariant()
        def immediate_risk_step_up_is_never_pending(self) -> None:
            for t in self.transitions:
                if t.immediate_risk:
                    assert (t.status, t.direction, t.to_level) == (rules.APPROVED, rules.STEP_UP, statutory)

        @invariant()
        def at_most_one_change_waits_for_a_decision(self) -> None:
            assert sum(t.status == rules.PENDING for t in self.transitions) <= 1

        @invariant()
        def a_change_takes_effect_from_the_level_it_was_requested_at(self) -> None:
            for change in self.changes:
                assert change.before == change.transition.from_level
                assert change.after == change.transition.to_level

        @invariant()
        def leaving_the_statutory_level_needs_an_accepting_receiver_and_the_family(self) -> None:
            for change in self.changes:
                if change.before == statutory:
                    assert change.transition.receiver_accepted and change.transition.family_agreement

        @invariant()
        def only_the_owning_team_leads(self) -> None:
            assert self.lead is None or self.lead in TEAM

        def check_every_invariant(self) -> None:
            """For replaying a fixed sequence of steps outside Hypothesis."""
            for name, member in vars(CaseLifecycle).items():
                if callable(member) and name != "check_every_invariant" and getattr(member, "hypothesis_stateful_invariant", None):
                    getattr(self, name)()

    return CaseLifecycle


DefaultFrameworkLifecycle = machine_for(DEFAULT)
FiveLevelFrameworkLifecycle = machine_for(FIVE_LEVELS)
LeadLightFrameworkLifecycle = machine_for(LEAD_LIGHT)


class TestCaseLifecycleDefaultFramework(DefaultFrameworkLifecycle.TestCase):  # type: ignore[name-defined,misc]
    settings = SETTINGS


class TestCaseLifecycleFiveLevelFramework(FiveLevelFrameworkLifecycle.TestCase):  # type: ignore[name-defined,misc]
    settings = SETTINGS


class TestCaseLifecycleLeadLightFramework(LeadLightFrameworkLifecycle.TestCase):  # type: ignore[name-defined,misc]
    settings = SETTINGS


# --- sequences the machine found, replayed on every run ---------------------------------------


def replay(machine: type[RuleBasedStateMachine], steps: list[tuple[str, dict[str, Any]]]) -> Any:
    case = machine()
    case.check_every_invariant()  # type: ignore[attr-defined]
    for name, arguments in steps:
        getattr(case, name)(**arguments)
        case.check_every_invariant()  # type: ignore[attr-defined]
    return case


def request(
    move: str | tuple[int, bool], actor: str = "p1", receiver: str | None = None, agreement: bool = False
) -> tuple[str, dict[str, Any]]:
    return ("request_transition", {"actor": actor, "move": move, "reason": "Worries", "receiver": receiver, "agreement": agreement})


def decide(decision: str = rules.APPROVED, actor: str = "m1", pick: int | None = None) -> tuple[str, dict[str, Any]]:
    return ("decide", {"actor": actor, "pick": pick, "decision": decision, "note": "Discussed in supervision"})


def test_case_lifecycle_change_overtaken_by_an_immediate_risk_step_up_is_not_approved() -> None:
    # A pending step-down to universal, then an immediate-risk referral: approving the step-down
    # afterwards would take the case straight out of social care with no receiver or agreement.
    opened = ("open_case", {"level": 2, "source": "other", "allocating": False})
    case = replay(DefaultFrameworkLifecycle, [opened, request("down"), request("referral"), decide(pick=0)])
    assert (case.level, [t.status for t in case.transitions]) == (4, [rules.PENDING, rules.APPROVED])
    closing = ("close", {"reason": "other", "summary": "Social care leads", "has_final_review": False})
    case = replay(DefaultFrameworkLifecycle, [opened, request("down"), request("referral"), decide(rules.REJECTED, pick=0), closing])
    assert (case.status, case.level, [t.status for t in case.transitions]) == ("closed", 4, [rules.REJECTED, rules.APPROVED])


def test_case_lifecycle_lead_less_case_cannot_move_on_where_statutory_needs_a_lead() -> None:
    # Five levels: Universal Plus needs no lead professional, but an immediate-risk step-up to
    # level 5 (which does) may come at any time and is never blocked.
    case = replay(
        FiveLevelFrameworkLifecycle,
        [
            ("open_case", {"level": 2, "source": "other", "allocating": False}),
            ("advance", {"to_status": "assessment"}),
            request("referral"),
        ],
    )
    assert (case.status, case.level, case.lead) == ("requested", 5, None)


def test_case_lifecycle_lead_less_case_cannot_move_on_while_a_change_waits() -> None:
    case = replay(
        LeadLightFrameworkLifecycle,
        [
            ("open_case", {"level": 2, "source": "other", "allocating": False}),
            request("up"),
            ("advance", {"to_status": "assessment"}),
            decide(),
        ],
    )
    assert (case.status, case.level, case.lead) == ("requested", 3, None)


def test_case_lifecycle_lead_less_case_cannot_step_up_to_a_level_needing_a_lead() -> None:
    case = replay(
        LeadLightFrameworkLifecycle,
        [("open_case", {"level": 2, "source": "other", "allocating": False}), ("advance", {"to_status": "assessment"}), request("up")],
    )
    assert (case.status, case.level, case.transitions) == ("assessment", 2, [])


def test_case_lifecycle_step_down_from_statutory_needs_the_receiver_and_the_family() -> None:
    case = replay(
        DefaultFrameworkLifecycle,
        [
            ("open_case", {"level": 3, "source": "other", "allocating": True}),
            ("assign_lead", {"actor": "m1", "candidate": "p1"}),
            ("advance", {"to_status": "assessment"}),
            request("referral"),
            request("down", receiver="p2", agreement=False),
            request("down", receiver="x", agreement=True),
            request("down", receiver="p2", agreement=True),
            decide(),
            ("accept_transfer", {"actor": None, "pick": None}),
            decide(),
        ],
    )
    assert (case.level, case.lead, [t.status for t in case.transitions]) == (3, "p2", [rules.APPROVED, rules.APPROVED])
