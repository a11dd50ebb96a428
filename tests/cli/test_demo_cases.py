"""`casework demo load`: families come with cases at every stage, stored as the case services
store them (rules, lead history, encryption, one audit event per row)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from itertools import count, pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.audit.read import open_detail
from casework.audit.verify import verify_trail
from casework.auth import services as auth
from casework.cases import leads, rules, services, transitions, work
from casework.cases.models import Case, LeadAssignment, LevelTransition
from casework.db import utcnow
from casework.demo import load_demo
from casework.demo.caserows import CaseMaker
from casework.demo.households import HouseholdGenerator
from casework.demo.journeys import Roster
from casework.demo.lifecycle import ACCEPT, ACCEPTED, ANSWER, ASSIGN, CLOSE, DECIDE, DECLINED, OPEN, REQUEST, Action, CaseBook
from casework.demo.showcase import STORIES
from casework.demo.staff import DEMO_EMAIL
from casework.families.models import Family
from casework.practice import load_practice

FAMILIES = 30
Model = type[Case] | type[LevelTransition] | type[LeadAssignment]


def _ids(session: Session, model: Model) -> set[str]:
    return set(session.scalars(select(model.id)))


@pytest.fixture()
def loaded(database, connection, session, tmp_path):  # type: ignore[no-untyped-def]
    """Thirty demo families (every showcase story for both teams, and six at random) in batches of eleven."""
    before = {model: _ids(session, model) for model in (Case, LevelTransition, LeadAssignment)}
    result = load_demo(database, tmp_path, families=FAMILIES, batch_size=11)
    ids = {model: _ids(session, model) - before[model] for model in before}
    return result, ids


def _cases(session: Session, ids: dict[Any, set[str]]) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.id.in_(ids[Case])).order_by(Case.opened_at)))


def _rows(session: Session, model: Any, case_id: str) -> list[Any]:
    return list(session.scalars(select(model).where(model.case_id == case_id)))


def test_demo_cases_cover_every_stage(loaded, session, database):
    result, ids = loaded
    cases = _cases(session, ids)
    assert result.cases == len(cases) >= len(STORIES) * 2
    assert {c.status for c in cases} == set(rules.STATUSES)
    assert any(c.status == "requested" and c.lead_professional_id is None for c in cases)
    assert {c.level for c in cases} <= {lv.number for lv in database.practice.levels}
    moves = list(session.scalars(select(LevelTransition).where(LevelTransition.id.in_(ids[LevelTransition]))))
    kinds = {(t.direction, t.immediate_risk, t.status, t.decided_by_id is not None) for t in moves}
    # Immediate-risk step-ups awaiting review and reviewed, pending and approved changes, a rejection.
    assert kinds >= {("step_up", True, "approved", False), ("step_up", True, "approved", True), ("step_down", False, "approved", True)}
    assert {("step_up", False, "pending", False), ("step_down", False, "pending", False)} <= kinds
    assert any(status == "rejected" for _, _, status, _ in kinds)
    offers = list(session.scalars(select(LeadAssignment).where(LeadAssignment.id.in_(ids[LeadAssignment]))))
    assert any(a.is_pending for a in offers) and any(a.declined_at for a in offers)
    reasons = {c.closure_reason for c in cases if c.status == "closed"}
    assert reasons and all(not database.practice.closure_reason(r).needs_final_review for r in reasons)


def test_demo_cases_satisfy_the_rules(loaded, session, database):
    _, ids = loaded
    practice = database.practice
    now = utcnow()
    entry = {lv.number for lv in rules.entry_levels(practice)}
    for case in _cases(session, ids):
        family = session.get(Family, case.family_id)
        assert family is not None and case.owning_team_id == family.owning_team_id
        assert family.created_at <= case.opened_at <= now
        assert now - case.opened_at <= timedelta(days=800)
        assert rules.invariants(practice, services.state_of(session, case)) == []
        assert case.assessment_due_on == rules.assessment_due(practice, case.opened_at.date())
        moves = sorted(_rows(session, LevelTransition, case.id), key=lambda t: t.requested_at)
        assert (moves[0].from_level if moves else case.level) in entry
        members = {u.id for u in services.team_members(session, case.owning_team_id)}
        assert case.opened_by_id in members and case.lead_professional_id in members | {None}
        if case.status == "closed":
            assert case.closed_at and case.closed_at >= case.opened_at and case.closed_by_id in members
            assert not any(t.status == rules.PENDING for t in moves)
        else:
            assert case.closed_at is None and case.closure_reason is None
        for t in moves:
            assert t.requested_at >= case.opened_at and t.requested_by_id in members
            if t.immediate_risk:
                assert (t.status, t.effective_at, t.to_level) == ("approved", t.requested_at, practice.statutory_level.number)
                assert t.decided_by_id is None or (t.decided_at and t.decided_at >= t.requested_at)
            elif t.status == "approved":
                assert t.effective_at == t.decided_at and t.decided_by_id != t.requested_by_id
            if t.decided_by_id:
                assert "manager" in auth.get_user(session, t.decided_by_id).roles
            if t.from_level == practice.statutory_level.number and t.direction == "step_down":
                assert t.receiving_lead_id in members and t.family_agreement
                assert t.status == "pending" or t.receiver_accepted_at is not None


def test_demo_cases_lead_history_matches_the_lead(loaded, session):
    _, ids = loaded
    for case in _cases(session, ids):
        history = _rows(session, LeadAssignment, case.id)
        current = [a for a in history if a.started_at and a.ended_at is None]
        if case.lead_professional_id is None:
            assert history == []
            continue
        assert [a.user_id for a in current] == [case.lead_professional_id]
        for a in history:
            assert a.proposed_at >= case.opened_at
            if a.started_at:
                assert a.accepted_at and a.proposed_at <= a.accepted_at <= a.started_at
            if a.ended_at:
                assert a.ended_at >= a.proposed_at
            assert not (a.declined_at and a.started_at)
        started = sorted((a for a in history if a.started_at), key=lambda a: a.started_at)
        for before, after in pairwise(started):
            assert before.ended_at == after.started_at


def test_demo_cases_decrypt_through_the_orm(loaded, database):
    _, ids = loaded
    fresh = database.session()  # nothing cached: every value is opened from its ciphertext
    try:
        for case in fresh.scalars(select(Case).where(Case.id.in_(ids[Case]))):
            assert case.reason and len(case.reason) > 20
            assert (case.closure_summary is not None) == (case.status == "closed")
        for t in fresh.scalars(select(LevelTransition).where(LevelTransition.id.in_(ids[LevelTransition]))):
            assert t.reason
            assert (t.handover_notes is not None) == (t.receiving_lead_id is not None)
            if t.status == "rejected":
                assert t.decision_note
        reasons = [a.reason for a in fresh.scalars(select(LeadAssignment).where(LeadAssignment.id.in_(ids[LeadAssignment])))]
        assert "Received on step-down" in reasons and None in reasons
    finally:
        fresh.close()


def test_demo_re_referrals_link_their_previous_case(loaded, session, database):
    _, ids = loaded
    practice = database.practice
    cases = _cases(session, ids)
    linked = [c for c in cases if c.previous_case_id]
    assert any(c.re_referral for c in linked) and any(not c.re_referral for c in linked)
    for case in cases:
        earlier = [c for c in cases if c.family_id == case.family_id and c.closed_at and c.closed_at <= case.opened_at]
        if not earlier:
            assert case.previous_case_id is None and not case.re_referral
            continue
        previous = max(earlier, key=lambda c: c.closed_at or case.opened_at)
        assert case.previous_case_id == previous.id
        assert previous.closed_at is not None
        assert case.re_referral == rules.is_re_referral(practice, case.opened_at.date(), previous.closed_at.date())


def test_demo_cases_are_listed_only_for_their_team(loaded, session):
    _, ids = loaded
    cases = _cases(session, ids)
    priya, visitor = (auth.user_by_email(session, e) for e in (DEMO_EMAIL, "healthvisitor@demo.casework.test"))
    assert priya is not None and visitor is not None
    mine = {c.id for c in cases if c.owning_team_id in priya.team_ids}
    listed = services.list_cases(session, auth.actor_for(priya), per_page=200)
    assert mine and mine <= {c.id for c in listed.items}
    assert all(c.owning_team_id in priya.team_ids for c in listed.items)
    assert services.list_cases(session, auth.actor_for(visitor), per_page=200).total == 0
    led = services.list_cases(session, auth.actor_for(priya), lead_professional_id=priya.id, per_page=200)
    assert {c.id for c in led.items} == {c.id for c in cases if c.lead_professional_id == priya.id}


def test_demo_case_timeline_and_history_read(loaded, session):
    _, ids = loaded
    manager = auth.user_by_email(session, "manager@demo.casework.test")
    assert manager is not None
    actor = auth.actor_for(manager)
    mine = [c for c in _cases(session, ids) if c.owning_team_id in manager.team_ids]
    case = max(mine, key=lambda c: len(_rows(session, LevelTransition, c.id)) + len(_rows(session, LeadAssignment, c.id)))
    shown, items = work.timeline(session, actor, case.id)
    assert shown.id == case.id
    assert items[-1].title.startswith("Request for support opened") and items[-1].text == case.reason
    assert len(items) >= 1 + len(_rows(session, LevelTransition, case.id))
    assert [a.id for a in leads.lead_history(session, actor, case.id)]
    assert transitions.list_transitions(session, actor, case.id)
    queue = work.approvals_queue(session, actor)
    assert {t.case.owning_team_id for t in queue} <= manager.team_ids


def test_demo_my_work_has_something_in_every_list(loaded, session):
    """The practitioner who signs in leads the showcase cases: My work shows each kind of item."""
    priya, manager = (auth.user_by_email(session, e) for e in (DEMO_EMAIL, "manager@demo.casework.test"))
    assert priya is not None and manager is not None
    mine = work.my_work(session, auth.actor_for(priya))
    assert mine.leading and mine.overdue and mine.handovers and mine.transfers
    approvals = work.my_work(session, auth.actor_for(manager)).approvals
    assert {(t.immediate_risk, t.direction) for t in approvals} >= {(True, "step_up"), (False, "step_up"), (False, "step_down")}


def _expected_changes(record: Any) -> dict[str, object]:
    """The ``changes`` of a create event as the trail's flush hook records them for ``record``."""
    expected: dict[str, object] = {}
    encrypted = {f.column: name for name, f in type(record).__encrypted__.items()}
    for column in type(record).__table__.columns:
        key = column.key
        if key in ("version", "created_at", "updated_at"):
            continue
        name = encrypted.get(key, key)
        value = getattr(record, name)
        if value is not None:
            expected[name] = [None, value.isoformat() if isinstance(value, date | datetime) else value]
    return expected


def _changes(session: Session, subject_id: str) -> dict[str, object]:
    event = session.scalar(select(AuditEvent).where(AuditEvent.subject_id == subject_id, AuditEvent.action.like("%.create")))
    return open_detail(session, event)["changes"]  # type: ignore[no-any-return]


def test_demo_cases_audit_one_create_event_per_row_as_the_services_do(loaded, session, database, world):
    _, ids = loaded
    names = {Case: "case", LevelTransition: "transition", LeadAssignment: "lead_assignment"}
    every = set().union(*ids.values())
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.subject_id.in_(every))))
    assert Counter(e.subject_id for e in events) == Counter(every)
    for model, name in names.items():
        mine = [e for e in events if e.subject_id in ids[model]]
        assert {e.action for e in mine} == {f"{name}.create"} and {e.subject_type for e in mine} == {name}
        for record in session.scalars(select(model).where(model.id.in_(ids[model]))):
            event = next(e for e in mine if e.subject_id == record.id)
            assert (event.family_id, event.case_id, event.key_id) == (record.family_id, record.case_id, "family")
            assert _changes(session, record.id) == _expected_changes(record)
    # The expectation is what the services record when they create each kind of row.
    practitioner = world.user(roles=("practitioner",), team="Team Z")
    manager = world.user(roles=("manager",), team="Team Z", org=practitioner.organisation)
    p, m = auth.actor_for(practitioner), auth.actor_for(manager)
    case = services.create_case(
        session, p, family_id=world.family(practitioner).id, level=2, source="request_for_support", reason="Worried about school"
    )
    session.commit()
    assert _changes(session, case.id) == _expected_changes(case)
    lead = leads.assign_lead(session, m, case.id, user_id=practitioner.id, reason="Allocated")
    move = transitions.request_transition(session, p, case.id, to_level=4, reason="Disclosure", immediate_risk=True)
    session.commit()
    assert _changes(session, lead.id) == _expected_changes(lead)
    assert _changes(session, move.id) == _expected_changes(move)
    result = verify_trail(session, database.keyring)
    assert result.ok, result.failure


def test_demo_case_planner_keeps_to_the_rules_at_scale(project_root: Path):
    """Three thousand random families, replayed without a database: nothing the rules refuse
    (but for a rare overlap), every state sound, about 70% with a case."""
    practice = load_practice(project_root / "config" / "practice" / "default.toml")
    now = datetime(2026, 11, 22, 12, tzinfo=utcnow().tzinfo)
    roster = Roster("t", tuple(f"p{n}" for n in range(12)), ("m1", "m2"))
    maker = CaseMaker(practice, {"t": roster}, 7, now, now.date())
    generator = HouseholdGenerator(7, 3000, now.date())
    with_case, refused, statuses = 0, 0, Counter[str]()
    ids = (f"id{n}" for n in count())
    for n in range(3000):
        plan = maker.plan("t", generator.household())
        book = CaseBook(practice, f"f{n}", "t", roster.staff, roster.manager_set, lambda: next(ids), now)
        histories = [h for h in (book.run(actions) for actions in plan.cases) if h]
        refused += book.refused
        with_case += bool(histories)
        assert plan.registered_at <= now and all(h.case.row["opened_at"] >= plan.registered_at for h in histories)
        for h in histories:
            row = h.case.row
            statuses[row["status"]] += 1
            assert rules.invariants(practice, rules.CaseState(row["status"], row["level"], row["lead_professional_id"])) == []
            assert row["opened_at"] <= now
            assert all(r.row.get("proposed_at", r.row.get("requested_at")) <= now for _, r in h.created)
    assert refused <= 5
    assert 0.65 <= with_case / 3000 <= 0.75
    assert set(statuses) == set(rules.STATUSES) and statuses["closed"] > statuses["plan"] > statuses["assessment"] > statuses["requested"]


def test_demo_case_book_leaves_the_rows_the_services_leave(session, world, database):
    """The same history through the case services and through CaseBook: the same rows, the
    same versions, the same plain texts (times aside)."""
    practitioner = world.user(roles=("practitioner",), team="Team Q")
    org = practitioner.organisation
    colleague = world.user(roles=("practitioner",), team="Team Q", org=org)
    manager = world.user(roles=("manager",), team="Team Q", org=org)
    family = world.family(practitioner)
    p, c, m = (auth.actor_for(u) for u in (practitioner, colleague, manager))
    case = services.create_case(session, p, family_id=family.id, level=2, source="request_for_support", reason="Worried")
    leads.assign_lead(session, m, case.id, user_id=practitioner.id, reason=None)
    up = transitions.request_transition(session, p, case.id, to_level=4, reason="Disclosure", immediate_risk=True)
    transitions.decide_transition(session, m, up.id, decision="approved", note="Right call")
    leads.assign_lead(session, p, case.id, user_id=colleague.id, reason="Leaving the team")
    leads.answer_handover(session, c, case.id, accept=True)
    down = transitions.request_transition(
        session, c, case.id, to_level=3, reason="CIN over", receiving_lead_id=practitioner.id, family_agreement=True, handover_notes="Notes"
    )
    transitions.accept_transfer(session, p, down.id)
    transitions.decide_transition(session, m, down.id, decision="approved", note=None)
    services.close_case(session, p, case.id, reason="single_agency_continues", summary="School carries on")
    again = services.create_case(session, c, family_id=family.id, level=3, source="other", reason="Back again")
    leads.assign_lead(session, c, again.id, user_id=colleague.id, reason=None)
    leads.assign_lead(session, m, again.id, user_id=practitioner.id, reason="Rebalancing")
    leads.assign_lead(session, p, again.id, user_id=colleague.id, reason="Going on leave")
    leads.answer_handover(session, c, again.id, accept=False)
    no = transitions.request_transition(session, p, again.id, to_level=4, reason="Worse")
    transitions.decide_transition(session, m, no.id, decision="rejected", note="Not yet")
    transitions.request_transition(session, p, again.id, to_level=2, reason="Better")
    session.commit()

    start = utcnow()
    steps = [
        Action(start, OPEN, practitioner.id, level=2, code="request_for_support", text="Worried"),
        Action(start, ASSIGN, manager.id, user=practitioner.id),
        Action(start, REQUEST, practitioner.id, level=4, text="Disclosure", immediate_risk=True),
        Action(start, DECIDE, manager.id, code="approved", text="Right call"),
        Action(start, ASSIGN, practitioner.id, user=colleague.id, text="Leaving the team"),
        Action(start, ANSWER, colleague.id, code=ACCEPTED),
        Action(start, REQUEST, colleague.id, user=practitioner.id, level=3, text="CIN over", notes="Notes", family_agreement=True),
        Action(start, ACCEPT, practitioner.id),
        Action(start, DECIDE, manager.id, code="approved"),
        Action(start, CLOSE, practitioner.id, code="single_agency_continues", text="School carries on"),
    ]
    second = [
        Action(start, OPEN, colleague.id, level=3, code="other", text="Back again"),
        Action(start, ASSIGN, colleague.id, user=colleague.id),
        Action(start, ASSIGN, manager.id, user=practitioner.id, text="Rebalancing"),
        Action(start, ASSIGN, practitioner.id, user=colleague.id, text="Going on leave"),
        Action(start, ANSWER, colleague.id, code=DECLINED),
        Action(start, REQUEST, practitioner.id, level=4, text="Worse"),
        Action(start, DECIDE, manager.id, code="rejected", text="Not yet"),
        Action(start, REQUEST, practitioner.id, level=2, text="Better"),
    ]
    ids = (f"id-{n}" for n in count())
    staff = frozenset({practitioner.id, colleague.id, manager.id})
    book = CaseBook(database.practice, family.id, family.owning_team_id, staff, frozenset({manager.id}), lambda: next(ids), start)
    histories = [
        book.run([step._replace(at=start - timedelta(minutes=100 - 50 * first - n)) for n, step in enumerate(plan)])
        for first, plan in enumerate((steps, second))
    ]
    assert book.refused == 0

    def shape(row: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
        skip = {"id", "case_id", "family_id", "created_at", "updated_at", "assessment_due_on", "previous_case_id"}
        values = {k: (v is not None if isinstance(v, datetime) else v) for k, v in row.items() if k not in skip}
        return values | dict(plain)

    def shape_of(record: Any) -> dict[str, Any]:
        row = {column.key: getattr(record, column.key) for column in type(record).__table__.columns if not column.key.endswith("_enc")}
        return shape(row, {name: getattr(record, name) for name in type(record).__encrypted__})

    for history, made in zip(histories, (case, again), strict=True):
        assert history is not None
        assert shape(history.case.row, history.case.plain) == shape_of(made)
        for model, kind, order in (
            (LeadAssignment, "lead_assignment", lambda r: r.proposed_at),
            (LevelTransition, "transition", lambda r: r.requested_at),
        ):
            stored = sorted(_rows(session, model, made.id), key=order)
            assert [shape(r.row, r.plain) for r in history.rows_of(kind)] == [shape_of(r) for r in stored]
    assert (histories[1].case.row["previous_case_id"], again.previous_case_id) == (histories[0].case.row["id"], case.id)


@pytest.mark.parametrize("days", range(0, 364, 9))
def test_demo_showcase_stories_hold_whenever_the_demo_is_loaded(project_root: Path, days: int):
    """Each team's first families tell the same stories on any day of the year (weekends and
    bank holidays move the steps, never the outcome)."""
    practice = load_practice(project_root / "config" / "practice" / "default.toml")
    now = datetime(2026, 1, 1, 7, 30, tzinfo=utcnow().tzinfo) + timedelta(days=days, hours=days % 13)
    roster = Roster("t", ("p1", "p2", "me", "p3"), ("m1",), featured="me")
    maker = CaseMaker(practice, {"t": roster}, days, now, now.date())
    generator = HouseholdGenerator(days, 20, now.date())
    ids = (f"id{n}" for n in count())
    stories = []
    for n in range(len(STORIES)):
        plan = maker.plan("t", generator.household())
        book = CaseBook(practice, f"f{n}", "t", roster.staff, roster.manager_set, lambda: next(ids), now)
        cases = [book.run(actions) for actions in plan.cases]
        assert book.refused == 0 and all(cases)
        stories.append([(h.case.row, h.rows_of("transition"), h.rows_of("lead_assignment")) for h in cases if h])

    def state(n: int) -> tuple[Any, ...]:
        case, moves, leads_ = stories[n][-1]
        waiting = [m.row["direction"] for m in moves if m.row["status"] == "pending" or m.row["decided_by_id"] is None]
        offered = [a.row["user_id"] for a in leads_ if a.row["accepted_at"] is None and a.row["declined_at"] is None]
        return case["status"], case["lead_professional_id"], waiting, offered

    assert state(0) == ("requested", None, [], [])
    assert state(1) == ("requested", "me", [], [])
    assert state(2) == ("assessment", "me", [], []) and stories[2][0][0]["assessment_due_on"] < now.date()
    assert state(3) == ("plan", "me", [], [])
    assert state(4) == ("plan", "me", ["step_up"], [])
    assert state(5) == ("plan", "me", ["step_down"], []) and stories[5][0][1][-1].row["receiver_accepted_at"]
    assert state(6)[0] == "plan" and state(6)[2:] == (["step_up"], ["me"])
    assert state(7)[0] == "closed" and [m.row["status"] for m in stories[7][0][1]] == ["rejected"]
    assert state(8)[0] == "assessment" and stories[8][1][0]["re_referral"] and stories[8][0][0]["status"] == "closed"
    assert state(9)[0] == "plan" and not stories[9][1][0]["re_referral"] and stories[9][1][0]["previous_case_id"]
    assert stories[9][0][0]["closure_reason"] == "stepped_up_to_social_care"
    assert state(10) == ("plan", "me", [], [])
    assert state(11)[0] == "plan" and state(11)[1] != "me" and state(11)[2:] == (["step_down"], [])
    assert stories[11][0][1][-1].row["receiving_lead_id"] == "me" and not stories[11][0][1][-1].row["receiver_accepted_at"]
    assert state(12)[0] == "closed" and stories[12][0][0]["closure_reason"] == "family_disengaged"
