"""Cases through the services: the lifecycle across the continuum, with history kept."""

from __future__ import annotations

import pytest

from casework.auth.services import actor_for
from casework.cases import leads, services, transitions, work
from casework.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed


@pytest.fixture()
def team(world):  # type: ignore[no-untyped-def]
    practitioner = world.user(roles=("practitioner",), team="Early Help North")
    org = practitioner.organisation
    colleague = world.user(roles=("practitioner",), team="Early Help North", org=org)
    manager = world.user(roles=("manager",), team="Early Help North", org=org)
    other_manager = world.user(roles=("manager",), team="Early Help North", org=org)
    family = world.family(practitioner)
    return practitioner, colleague, manager, other_manager, family


def test_cases_journey_across_the_continuum(session, team):
    practitioner, colleague, manager, _other_manager, family = team
    p, c, m = actor_for(practitioner), actor_for(colleague), actor_for(manager)
    case = services.create_case(
        session, p, family_id=family.id, level=2, source="request_for_support", reason="School worried about attendance"
    )
    assert (case.status, case.level, case.lead_professional_id, case.re_referral) == ("requested", 2, None, False)
    assert case.assessment_due_on is not None
    with pytest.raises(InvalidTransition):
        services.create_case(session, p, family_id=family.id, level=2, source="request_for_support", reason="Again")

    leads.assign_lead(session, p, case.id, user_id=practitioner.id, reason="Allocated at the hub")
    assert case.lead_professional_id == practitioner.id

    up = transitions.request_transition(session, p, case.id, to_level=4, reason="Disclosure of harm", immediate_risk=True)
    assert (up.status, up.direction, case.level) == ("approved", "step_up", 4)
    assert up in work.my_work(session, m).approvals
    with pytest.raises(InvalidTransition):
        transitions.decide_transition(session, m, up.id, decision="rejected", note="No")
    transitions.decide_transition(session, m, up.id, decision="approved", note="Right call")
    assert up.decided_by_id == manager.id

    down = transitions.request_transition(
        session,
        p,
        case.id,
        to_level=3,
        reason="Child in need plan ended",
        receiving_lead_id=colleague.id,
        family_agreement=True,
        handover_notes="Prefers texts",
    )
    assert (down.status, case.level) == ("pending", 4)
    with pytest.raises(InvalidTransition):
        transitions.decide_transition(session, m, down.id, decision="approved", note=None)  # receiver has not accepted
    assert down in work.my_work(session, c).transfers
    transitions.accept_transfer(session, c, down.id)
    with pytest.raises(NotPermitted):
        transitions.decide_transition(session, p, down.id, decision="approved", note=None)
    transitions.decide_transition(session, m, down.id, decision="approved", note=None)
    assert (down.status, case.level, case.lead_professional_id) == ("approved", 3, colleague.id)

    history = leads.lead_history(session, m, case.id)
    assert [h.user_id for h in history] == [practitioner.id, colleague.id]
    assert history[0].ended_at is not None and history[1].ended_at is None

    with pytest.raises(InvalidTransition):
        services.close_case(session, c, case.id, reason="needs_met", summary="Done")  # needs a final review
    services.close_case(session, c, case.id, reason="stepped_down_to_universal", summary="Moving on well")
    assert case.status == "closed"
    with pytest.raises(InvalidTransition):
        transitions.request_transition(session, m, case.id, to_level=2, reason="Again")

    _, items = work.timeline(session, m, case.id)
    assert len(items) >= 6 and items[0].title.startswith("Closed")

    again = services.create_case(session, p, family_id=family.id, level=2, source="other", reason="New worries")
    assert again.re_referral and again.previous_case_id == case.id


def test_cases_other_team_cannot_see(session, world, team):
    practitioner, *_, family = team
    case = services.create_case(session, actor_for(practitioner), family_id=family.id, level=3, source="other", reason="x")
    outsider = actor_for(world.user(team="Elsewhere"))
    with pytest.raises(NotFound):
        services.get_case(session, outsider, case.id)
    assert services.list_cases(session, outsider).total == 0
    with pytest.raises(NotFound):
        transitions.request_transition(session, outsider, case.id, to_level=2, reason="x")


def test_cases_refusals(session, team):
    practitioner, _colleague, manager, _, family = team
    p = actor_for(practitioner)
    with pytest.raises(ValidationFailed):
        services.create_case(session, p, family_id=family.id, level=4, source="other", reason="x")
    case = services.create_case(session, p, family_id=family.id, level=2, source="other", reason="x")
    with pytest.raises(ValidationFailed):
        transitions.request_transition(session, p, case.id, to_level=9, reason="x")
    with pytest.raises(ValidationFailed):
        transitions.request_transition(session, p, case.id, to_level=3, reason="x", immediate_risk=True)
    pending = transitions.request_transition(session, p, case.id, to_level=3, reason="More agencies needed")
    with pytest.raises(InvalidTransition):
        transitions.request_transition(session, p, case.id, to_level=1, reason="x")
    with pytest.raises(ValidationFailed):
        transitions.decide_transition(session, actor_for(manager), pending.id, decision="rejected", note="")
    transitions.decide_transition(session, actor_for(manager), pending.id, decision="rejected", note="Not yet")
    assert case.level == 2


def test_cases_handover_waits_for_the_receiver(session, team):
    practitioner, colleague, *_ = team
    family = team[-1]
    p, c = actor_for(practitioner), actor_for(colleague)
    case = services.create_case(session, p, family_id=family.id, level=2, source="other", reason="x")
    leads.assign_lead(session, p, case.id, user_id=practitioner.id)
    offer = leads.assign_lead(session, p, case.id, user_id=colleague.id, reason="Going on leave")
    assert offer.is_pending and case.lead_professional_id == practitioner.id
    leads.answer_handover(session, c, case.id, accept=True)
    assert case.lead_professional_id == colleague.id
