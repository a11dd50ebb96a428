"""Families and people through the services: access, search, and exactly one audit event."""

from __future__ import annotations

from datetime import date

import pytest

from casework.audit.read import events_after, head_seq, open_detail
from casework.audit.verify import verify_trail
from casework.auth.services import actor_for
from casework.errors import NotFound, NotPermitted, ValidationFailed
from casework.families import services


def _actions(session, since: int) -> list[str]:
    session.flush()
    session.commit()
    return [e.action for e in events_after(session, since)]


def test_families_create_family_records_one_event_with_encrypted_detail(session, world):
    user = world.user()
    session.commit()
    before = head_seq(session)
    family = world.family(user, note="Mum asked us to call after 3pm")
    assert _actions(session, before) == ["family.create"]
    event = events_after(session, before)[0]
    assert event.family_id == family.id
    assert event.actor_id == "test"
    detail = open_detail(session, event)
    assert detail["changes"]["note"] == [None, "Mum asked us to call after 3pm"]
    assert b"call after 3pm" not in event.detail


def test_families_each_read_and_write_leaves_exactly_one_event(session, world):
    user = world.user()
    actor = actor_for(user)
    family = world.family(user)
    session.commit()
    steps = [
        ("person.create", lambda: world.person(user, family, family_name="Okafor", date_of_birth=date(2015, 5, 1))),
        ("family.read", lambda: services.get_family(session, actor, family.id)),
        ("family.members.read", lambda: services.list_members(session, actor, family.id)),
        ("family.list", lambda: services.list_families(session, actor)),
        ("person.search", lambda: services.search_people(session, actor, family_name="Okafor")),
        ("family.read", lambda: services.get_family_with_members(session, actor, family.id)),
    ]
    for action, step in steps:
        before = head_seq(session)
        step()
        assert _actions(session, before) == [action]
    assert verify_trail(session, session.info["db"].keyring).ok


def test_families_read_audit_names_the_basis(session, world):
    manager = world.user(roles=("manager",), team="Team M")
    practitioner = world.user(roles=("practitioner",), team="Team M", org=manager.organisation)
    family = world.family(practitioner)
    session.commit()
    for user, basis in ((practitioner, "team"), (manager, "manager")):
        before = head_seq(session)
        services.get_family(session, actor_for(user), family.id)
        session.commit()
        assert [e.basis for e in events_after(session, before)] == [basis]


def test_families_other_team_gets_not_found_and_empty_search(session, world):
    owner = world.user(team="North")
    other_team = world.user(team="South", org=owner.organisation)
    other_org = world.user(team="North")  # same team name, different organisation
    admin = world.user(roles=("admin",), team="North", org=owner.organisation)
    family = world.family(owner)
    world.person(owner, family, family_name="Nakamura", date_of_birth=date(2014, 2, 3), nhs_number="9434765919")
    session.commit()
    for user in (other_team, other_org, admin):
        actor = actor_for(user)
        with pytest.raises(NotFound):
            services.get_family(session, actor, family.id)
        with pytest.raises(NotFound):
            services.list_members(session, actor, family.id)
        with pytest.raises(NotFound):
            services.add_member(session, actor, family.id, given_name="X", family_name="Y", role="child")
        assert services.search_people(session, actor, family_name="Nakamura") == []
        assert services.search_people(session, actor, nhs_number="9434765919") == []
        assert services.list_families(session, actor).total == 0


def test_families_search_matches_exactly_for_callers_who_may_see(session, world):
    user = world.user()
    actor = actor_for(user)
    family = world.family(user)
    mia = world.person(
        user, family, given_name="Mia", family_name="Van der Berg", date_of_birth=date(2016, 4, 1), nhs_number="943 476 5919"
    )
    world.person(user, family, given_name="Leo", family_name="Van der Berg", date_of_birth=date(2018, 9, 9))
    world.person(user, family, given_name="Ana", family_name="Vanderberg", date_of_birth=date(2016, 4, 1))
    session.commit()

    def ids(**criteria: object) -> list[str]:
        return sorted(p.id for p in services.search_people(session, actor, **criteria))

    assert len(ids(family_name="van der berg")) == 2  # case-folded, exact
    assert len(ids(family_name="  VAN  DER BERG ")) == 2  # white space folded
    assert ids(family_name="Van der Berg", date_of_birth=date(2016, 4, 1)) == [mia.id]
    assert ids(nhs_number="9434765919") == [mia.id]
    assert ids(family_name="Van der") == []  # no partial matches
    assert ids(family_name="Van der Berg", date_of_birth=date(2016, 4, 2)) == []


def test_families_search_needs_a_name_or_nhs_number(session, world):
    actor = actor_for(world.user())
    with pytest.raises(ValidationFailed) as exc:
        services.search_people(session, actor, date_of_birth=date(2016, 4, 1))
    assert "family_name" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.search_people(session, actor, nhs_number="1234567890")
    assert "nhs_number" in exc.value.fields


def test_families_member_validation_names_each_problem(session, world):
    user = world.user()
    family = world.family(user)
    with pytest.raises(ValidationFailed) as exc:
        services.add_member(session, actor_for(user), family.id, given_name="", family_name="Smith", role="cousin", nhs_number="9434765918")
    assert set(exc.value.fields) == {"given_name", "role", "nhs_number"}


def test_families_creator_needs_a_team(session, world):
    loner = world.user(team=None)
    with pytest.raises(NotPermitted):
        services.create_family(session, actor_for(loner))
    with pytest.raises(ValidationFailed):
        world.family(world.user(), postcode="NOT A POSTCODE")


def test_families_creator_in_two_teams_must_choose(session, world):
    from casework.auth import services as auth

    user = world.user(team="One")
    auth.add_to_team(session, user, auth.ensure_team(session, user.organisation, "Two"))
    actor = actor_for(user)
    with pytest.raises(ValidationFailed) as exc:
        services.create_family(session, actor)
    assert "team" in exc.value.fields
    team_two = next(m.team_id for m in user.memberships if m.team.name == "Two")
    assert services.create_family(session, actor, team_id=team_two).owning_team_id == team_two
    outsider_team = world.user(team="Elsewhere").memberships[0].team_id
    with pytest.raises(ValidationFailed):
        services.create_family(session, actor, team_id=outsider_team)
