"""Team Around the Family plans through the services: plan, outcomes, actions, reviews, closure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from casework.db import LOCAL_TIME
from casework.errors import Conflict, InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationFailed
from casework.plans import closure, rules, services, work
from casework.plans.models import PostClosureCheck
from tests.assessment_world import submitted_assessment


@pytest.fixture()
def plan_world(session, world):  # type: ignore[no-untyped-def]
    lead = world.user(roles=("practitioner",), team="Early Help North")
    org = lead.organisation
    manager = world.user(roles=("manager",), team="Early Help North", org=org)
    stranger = world.user(roles=("practitioner",), team="Early Help South", org=org)
    family = world.family(lead)
    mum = world.person(lead, family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name="Mia", family_name="Quill", date_of_birth=date(2016, 4, 1))
    a = actor_for(lead)
    case = cases.create_case(session, a, family_id=family.id, level=3, source="request_for_support", reason="Worried")
    leads.assign_lead(session, a, case.id, user_id=lead.id)
    submitted_assessment(session, lead, case.id)
    return {"lead": lead, "manager": manager, "stranger": stranger, "family": family, "mum": mum, "child": child, "case": case, "a": a}


def _outcome(session, w, plan, score=3, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("person_ids", [w["child"].id])
    return services.add_outcome(
        session,
        w["a"],
        plan.id,
        need="School attendance",
        what_better_looks_like="Mia goes to school every day",
        baseline_score=score,
        **kwargs,
    )


def test_plans_start_moves_the_case_to_plan_and_sets_the_first_review(session, plan_world):
    w = plan_world
    agreed = date.today() - timedelta(days=3)
    plan = services.start_plan(session, w["a"], w["case"].id, agreed_on=agreed, strengths="We love each other", contingency="Call the hub")
    assert w["case"].status == "plan"
    practice = cases.practice_of(session)
    assert plan.next_review_on == rules.next_review_due(agreed, practice)
    with pytest.raises(Conflict):
        services.start_plan(session, w["a"], w["case"].id)
    with pytest.raises(NotFound):
        services.start_plan(session, actor_for(w["stranger"]), w["case"].id)


def test_plans_need_a_lead_professional_where_the_level_needs_one(session, world, plan_world):
    w = plan_world
    family = world.family(w["lead"])
    case = cases.create_case(session, w["a"], family_id=family.id, level=3, source="other", reason="Worried")
    with pytest.raises(InvalidTransition):
        services.start_plan(session, w["a"], case.id)


def test_plans_outcomes_actions_and_reviews(session, plan_world):
    w = plan_world
    plan = services.start_plan(session, w["a"], w["case"].id, agreed_on=date.today() - timedelta(days=10))
    outcome = _outcome(session, w, plan)
    with pytest.raises(ValidationFailed) as bad:
        services.add_outcome(session, w["a"], plan.id, person_ids=[], need="", what_better_looks_like="x", baseline_score=11)
    assert set(bad.value.fields) == {"person_ids", "need", "baseline_score"}
    action = services.add_action(
        session,
        w["a"],
        plan.id,
        outcome_id=outcome.id,
        description="Walk Mia to school",
        owner_person_id=w["mum"].id,
        due_on=date.today() + timedelta(days=30),
    )
    mine = services.add_action(
        session, w["a"], plan.id, outcome_id=outcome.id, description="Meet the school", owner_user_id=w["lead"].id, due_on=date.today()
    )
    with pytest.raises(ValidationFailed) as bad:
        services.add_action(
            session, w["a"], plan.id, outcome_id=outcome.id, description="x", owner_user_id=w["stranger"].id, due_on=date.today()
        )
    assert "owner" in bad.value.fields
    updated = services.update_action(session, w["a"], action.id, version=action.version, status="in_progress", note="Going well")
    with pytest.raises(StaleVersion):
        services.update_action(session, w["a"], action.id, version=updated.version - 1, status="done")
    review = services.hold_review(
        session,
        w["a"],
        plan.id,
        held_on=date.today() - timedelta(days=1),
        attendance={w["lead"].id: "present", w["mum"].id: "present", w["child"].id: "not_invited"},
        scores={outcome.id: 5},
        conclusion="better",
        summary="Mia went to school most days",
        action_updates={mine.id: "done"},
    )
    assert mine.status == "done"
    assert plan.next_review_on == review.next_review_on == rules.next_review_due(review.held_on, cases.practice_of(session))
    with pytest.raises(ValidationFailed) as bad:
        services.hold_review(
            session,
            w["a"],
            plan.id,
            held_on=date.today() - timedelta(days=30),
            attendance={w["lead"].id: "present"},
            scores={outcome.id: 99},
            conclusion="meh",
            summary="",
        )
    assert set(bad.value.fields) == {"held_on", "scores", "conclusion", "summary"}
    view = services.get_plan(session, w["a"], w["case"].id)
    assert [o.id for o in view.outcomes] == [outcome.id] and view.scores[review.id] == {outcome.id: 5}


def test_plans_partners_read_without_withheld_people_and_cannot_write(session, world, plan_world):
    w = plan_world
    health = world.org(kind="health")
    nurse = world.user(roles=("practitioner",), team="Health Visiting", org=health)
    consent.add_team_member(session, w["a"], w["case"].id, user_id=nurse.id, role_in_team="Health visitor")
    share = {"purpose": "share", "method": "written", "decision": "given", "organisation_ids": [health.id]}
    consent.record_consent(session, w["a"], w["case"].id, person_id=w["mum"].id, **share)
    consent.record_consent(session, w["a"], w["case"].id, person_id=w["child"].id, given_by_person_id=w["mum"].id, **share)
    plan = services.start_plan(session, w["a"], w["case"].id)
    for_mia = _outcome(session, w, plan)
    for_ava = _outcome(session, w, plan, person_ids=[w["mum"].id])
    refusal = {"purpose": "share", "method": "verbal", "decision": "refused", "organisation_ids": [health.id]}
    consent.record_consent(session, w["a"], w["case"].id, person_id=w["mum"].id, **refusal)
    n = actor_for(nurse)
    view = services.get_plan(session, n, w["case"].id)
    assert [o.id for o in view.outcomes] == [for_mia.id] and for_ava.id not in {o.id for o in view.outcomes}
    with pytest.raises(NotPermitted):
        _outcome(session, {**w, "a": n}, plan)


def test_plans_closure_with_needs_met_needs_a_final_review_scoring_every_outcome(session, plan_world):
    w = plan_world
    plan = services.start_plan(session, w["a"], w["case"].id, agreed_on=date.today() - timedelta(days=20))
    first, second = _outcome(session, w, plan), _outcome(session, w, plan, person_ids=[w["mum"].id])
    with pytest.raises(InvalidTransition):
        cases.close_case(session, w["a"], w["case"].id, reason="needs_met", summary="Moving on")
    with pytest.raises(ValidationFailed):
        services.hold_review(
            session,
            w["a"],
            plan.id,
            held_on=date.today(),
            attendance={w["lead"].id: "present"},
            scores={first.id: 8},
            conclusion="better",
            summary="Done",
            final=True,
        )
    final = services.hold_review(
        session,
        w["a"],
        plan.id,
        held_on=date.today(),
        attendance={w["lead"].id: "present"},
        scores={first.id: 8, second.id: 9},
        conclusion="better",
        summary="Done",
        final=True,
    )
    assert final.next_review_on is None and plan.next_review_on is None
    assert services.has_final_review(session, w["case"].id)
    cases.close_case(session, w["a"], w["case"].id, reason="needs_met", summary="Mia is settled at school")
    check = session.scalar(select(PostClosureCheck).where(PostClosureCheck.case_id == w["case"].id))
    assert check is not None and check.due_on == rules.post_closure_check_due(w["case"].closed_at.date(), cases.practice_of(session))
    assert check.assigned_to_id == w["lead"].id
    assert work.plan_work(session, w["a"], check.due_on).checks == [check]
    with pytest.raises(ValidationFailed):
        closure.record_check(session, w["a"], check.id, sustained=None)
    closure.record_check(session, w["a"], check.id, sustained=True, note="Still at school")
    assert check.sustained is True
    with pytest.raises(Conflict):
        closure.record_check(session, w["a"], check.id, sustained=False)
    with pytest.raises(InvalidTransition):
        _outcome(session, w, plan)


def test_plans_my_work_shows_reviews_and_actions_due(session, plan_world):
    w = plan_world
    plan = services.start_plan(session, w["a"], w["case"].id, agreed_on=date.today() - timedelta(days=60))
    outcome = _outcome(session, w, plan)
    action = services.add_action(
        session, w["a"], plan.id, outcome_id=outcome.id, description="Meet the school", owner_user_id=w["lead"].id, due_on=date.today()
    )
    mine = work.plan_work(session, w["a"], date.today())
    assert [r.plan.id for r in mine.reviews] == [plan.id] and mine.reviews[0].overdue
    assert [(a.action.id, a.rag) for a in mine.actions] == [(action.id, "amber")]
    later = work.plan_work(session, w["a"], date.today() + timedelta(days=1))
    assert later.actions[0].rag == "red"
    assert work.plan_work(session, actor_for(w["stranger"]), date.today()).actions == []


def test_plans_free_text_is_encrypted_at_rest(session, plan_world):
    from sqlalchemy import text

    w = plan_world
    secret = "Quillfeather-Biscuitbarrel"
    plan = services.start_plan(session, w["a"], w["case"].id, strengths=secret, contingency=secret, analysis=secret)
    outcome = services.add_outcome(
        session, w["a"], plan.id, person_ids=[w["child"].id], need=secret, what_better_looks_like=secret, baseline_score=2
    )
    services.add_action(
        session, w["a"], plan.id, outcome_id=outcome.id, description=secret, owner_user_id=w["lead"].id, due_on=date.today()
    )
    services.hold_review(
        session,
        w["a"],
        plan.id,
        held_on=date.today(),
        attendance={w["lead"].id: "present"},
        scores={outcome.id: 4},
        conclusion="same",
        summary=secret,
        decisions=secret,
        internal_notes=secret,
    )
    session.flush()
    for table in ("taf_plan", "taf_outcome", "taf_action", "taf_review"):
        for row in session.execute(text(f"SELECT * FROM {table}")):
            for value in row:
                blob = value if isinstance(value, bytes) else str(value).encode()
                assert secret.encode() not in blob, f"plain text in {table}"


def test_plans_reviews_count_towards_drift(session, plan_world):
    w = plan_world
    practice = cases.practice_of(session)
    plan = services.start_plan(session, w["a"], w["case"].id, agreed_on=date.today() - timedelta(days=10))
    outcome = _outcome(session, w, plan)
    for n in range(practice.timescales.drift_review_count):
        assert not cases.case_flags(session, w["case"]).drift
        services.hold_review(
            session,
            w["a"],
            plan.id,
            held_on=date.today() - timedelta(days=5 - n),
            attendance={w["lead"].id: "present"},
            scores={outcome.id: 4},
            conclusion="same",
            summary="Meeting",
        )
    flags = cases.case_flags(session, w["case"])
    assert flags.drift and flags.drift_reasons == (f"{practice.timescales.drift_review_count} reviews held",)


def test_plans_start_from_a_submitted_assessment_and_the_first_meeting_is_due_in_my_work(session, world, plan_world):
    w = plan_world
    family = world.family(w["lead"])
    world.person(w["lead"], family, given_name="Ola", family_name="Quill", role="parent_carer", parental_responsibility=True)
    case = cases.create_case(session, w["a"], family_id=family.id, level=2, source="other", reason="Worried")
    leads.assign_lead(session, w["a"], case.id, user_id=w["lead"].id)
    with pytest.raises(InvalidTransition, match="Submit the Early Help Assessment first"):
        services.start_plan(session, w["a"], case.id)
    on = date.today()
    assert case.id not in {m.case.id for m in work.due_first_meetings(session, on, lead_id=w["lead"].id)}
    submitted = submitted_assessment(session, w["lead"], case.id)
    due_on = rules.first_review_due(submitted.submitted_at.astimezone(LOCAL_TIME).date(), cases.practice_of(session))
    later = due_on + timedelta(days=1)  # the meeting has not been held by its due date
    [meeting] = [m for m in work.due_first_meetings(session, later, lead_id=w["lead"].id) if m.case.id == case.id]
    assert (meeting.due_on, meeting.overdue) == (due_on, True)
    assert case.id in {m.case.id for m in work.plan_work(session, w["a"], later).first_meetings}
    assert not [m for m in work.due_first_meetings(session, on, lead_id=w["manager"].id) if m.case.id == case.id]
    services.start_plan(session, w["a"], case.id)
    assert not [m for m in work.due_first_meetings(session, later) if m.case.id == case.id]
