"""Restriction of processing at the service layer: the facts and the policy, the last-line
flush hook that refuses any write to a restricted family or person, and who may set one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.consent.facts import case_facts
from casework.consent.models import Consent
from casework.db import new_id, today, utcnow
from casework.errors import NotPermitted, Restricted
from casework.families import services as families
from casework.families.models import Person
from casework.retention import services as retention
from tests.retention_world import build


def test_restriction_family_facts_and_gate(session, world):
    w = build(session, world)
    assert not case_facts(session, w.case, today()).restricted
    row = retention.set_restriction(session, actor_for(w.ig), w.family.id, reason="Contested")
    facts = case_facts(session, w.case, today())
    assert facts.restricted and facts.restricted_people == frozenset()
    for user in (w.lead, w.manager, w.partner):
        with pytest.raises(Restricted):
            cases.get_case(session, actor_for(user), w.case.id)
        with pytest.raises(Restricted):
            families.get_family(session, actor_for(user), w.family.id)
    retention.lift_restriction(session, actor_for(w.ig), row.id, reason="Resolved")
    assert cases.get_case(session, actor_for(w.lead), w.case.id).id == w.case.id


def test_restriction_flush_hook_refuses_writes_that_bypass_the_gate(session, world):
    w = build(session, world)
    retention.set_restriction(session, actor_for(w.ig), w.family.id, person_id=w.child.id, reason="Objection")
    session.commit()
    child = session.get(Person, w.child.id)
    child.school = "Changed without asking the policy"
    with pytest.raises(Restricted) as caught:
        session.flush()
    assert "person's information is restricted" in caught.value.message
    session.rollback()

    # a write about someone else in the family goes ahead; about the restricted person it does not
    mother = session.get(Person, w.mother.id)
    mother.school = "Adult learning"
    session.flush()
    session.add(
        Consent(
            id=new_id(),
            case_id=w.case.id,
            family_id=w.family.id,
            person_id=w.child.id,
            given_by_person_id=w.mother.id,
            purpose="share",
            decision="given",
            method="verbal",
            recorded_by_id=w.lead.id,
            recorded_at=utcnow(),
        )
    )
    with pytest.raises(Restricted):
        session.flush()
    session.rollback()

    retention.set_restriction(session, actor_for(w.ig), w.family.id, reason="Whole family")
    session.get(Person, w.mother.id).school = "Anything"
    with pytest.raises(Restricted):
        session.flush()


def test_restriction_person_withheld_from_everyone_but_the_family_still_seen(session, world):
    w = build(session, world)
    retention.set_restriction(session, actor_for(w.ig), w.family.id, person_id=w.child.id, reason="Objection")
    for user in (w.lead, w.partner):
        people = families.list_members(session, actor_for(user), w.family.id)
        assert w.child.id not in [p.id for p in people]
    assert session.info["restricted_people"] == {w.child.id}
    found = families.search_people(session, actor_for(w.lead), family_name="Wolstenholme", date_of_birth=None, nhs_number=None)
    assert [p.id for p in found] == [w.mother.id]


def test_restriction_only_ig_sets_and_lifts(session, world):
    w = build(session, world)
    with pytest.raises(NotPermitted):
        retention.set_restriction(session, actor_for(w.manager), w.family.id, reason="Contested")
    row = retention.set_hold(session, actor_for(w.ig), w.family.id, reason="Inquiry")
    with pytest.raises(NotPermitted):
        retention.lift_hold(session, actor_for(w.lead), row.id, reason="Over")
    view = retention.data_protection_view(session, actor_for(w.ig), w.family.id)
    assert view.held and not view.restricted and view.retention.status == "open"
    assert {p.id for p in view.people} == {w.mother.id, w.child.id}
    assert session.scalar(select(Person.id).where(Person.id == w.child.id)) == w.child.id
