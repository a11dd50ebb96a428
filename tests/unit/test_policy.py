"""The access policy: team membership with a case role is the only way in (rule 1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.consent.policy import DENY, Actor, Decision, FamilyFacts, case_team_ids, decide, may_create_in_team

ROLES = ["practitioner", "manager", "safeguarding_lead", "ig_officer", "admin"]
TEAMS = ["team-a", "team-b", "team-c", "team-d"]
FAMILY = FamilyFacts(family_id="family-1", owning_team_id="team-a")


def actor(*roles: str, teams: tuple[str, ...] = ("team-a",)) -> Actor:
    return Actor(user_id="user-1", organisation_id="org-1", roles=frozenset(roles), team_ids=frozenset(teams))


def test_decide_practitioner_of_owning_team_allowed_on_team_basis() -> None:
    assert decide(actor("practitioner"), FAMILY) == Decision(True, "team")


def test_decide_manager_of_owning_team_allowed_on_manager_basis() -> None:
    assert decide(actor("manager"), FAMILY) == Decision(True, "manager")


def test_decide_practitioner_and_manager_gets_manager_basis() -> None:
    assert decide(actor("practitioner", "manager"), FAMILY) == Decision(True, "manager")


def test_decide_member_of_several_teams_including_owning_team_allowed() -> None:
    assert decide(actor("practitioner", teams=("team-b", "team-a")), FAMILY).allowed


@pytest.mark.parametrize("roles", [("practitioner",), ("manager",), ("practitioner", "manager", "admin")])
def test_decide_other_team_denied(roles: tuple[str, ...]) -> None:
    assert decide(actor(*roles, teams=("team-b",)), FAMILY) == DENY


def test_decide_admin_only_member_of_owning_team_denied() -> None:
    assert decide(actor("admin"), FAMILY) == DENY


@pytest.mark.parametrize("roles", [("safeguarding_lead",), ("ig_officer",), ("safeguarding_lead", "ig_officer", "admin")])
def test_decide_roles_without_case_access_denied_even_in_owning_team(roles: tuple[str, ...]) -> None:
    assert decide(actor(*roles), FAMILY) == DENY


@pytest.mark.parametrize("roles", [("practitioner",), ("manager",), ()])
def test_decide_user_with_no_teams_denied(roles: tuple[str, ...]) -> None:
    assert decide(actor(*roles, teams=()), FAMILY) == DENY


def test_deny_has_no_basis() -> None:
    assert DENY.allowed is False
    assert DENY.basis is None


def test_case_team_ids_only_for_case_roles() -> None:
    assert case_team_ids(actor("practitioner", teams=("team-a", "team-b"))) == {"team-a", "team-b"}
    assert case_team_ids(actor("manager", teams=("team-c",))) == {"team-c"}
    assert case_team_ids(actor("admin", teams=("team-a", "team-b"))) == frozenset()
    assert case_team_ids(actor("safeguarding_lead", "ig_officer")) == frozenset()


def test_actor_managed_team_ids_only_for_managers() -> None:
    assert actor("manager", teams=("team-a", "team-b")).managed_team_ids == {"team-a", "team-b"}
    assert actor("practitioner", teams=("team-a",)).managed_team_ids == frozenset()
    assert actor("manager").has_role("manager")
    assert not actor("manager").has_role("admin")


@pytest.mark.parametrize(
    ("roles", "team", "expected"),
    [
        (("practitioner",), "team-a", True),
        (("manager",), "team-a", True),
        (("practitioner",), "team-b", False),
        (("admin",), "team-a", False),
        (("safeguarding_lead",), "team-a", False),
        (("ig_officer",), "team-a", False),
    ],
)
def test_may_create_in_team(roles: tuple[str, ...], team: str, expected: bool) -> None:
    assert may_create_in_team(actor(*roles), team) is expected


actors = st.builds(
    Actor,
    user_id=st.just("user-1"),
    organisation_id=st.sampled_from(["org-1", "org-2"]),
    roles=st.frozensets(st.sampled_from(ROLES)),
    team_ids=st.frozensets(st.sampled_from(TEAMS)),
)
families = st.builds(FamilyFacts, family_id=st.just("family-1"), owning_team_id=st.sampled_from(TEAMS))


@settings(max_examples=100, deadline=None)
@given(who=actors, facts=families)
def test_decide_matches_case_team_ids(who: Actor, facts: FamilyFacts) -> None:
    """The pure decision and the helper that the SQL filter is built from give the same answer."""
    decision = decide(who, facts)
    assert decision.allowed == (facts.owning_team_id in case_team_ids(who))
    assert (decision.basis is not None) == decision.allowed
    assert decision.allowed == may_create_in_team(who, facts.owning_team_id)
    if decision.allowed:
        assert who.roles & {"practitioner", "manager"}
        assert facts.owning_team_id in who.team_ids


@settings(max_examples=100, deadline=None)
@given(who=actors, facts=families)
def test_decide_admin_role_never_adds_access(who: Actor, facts: FamilyFacts) -> None:
    without_admin = Actor(who.user_id, who.organisation_id, who.roles - {"admin"}, who.team_ids)
    with_admin = Actor(who.user_id, who.organisation_id, who.roles | {"admin"}, who.team_ids)
    assert decide(with_admin, facts) == decide(without_admin, facts)
    assert case_team_ids(with_admin) == case_team_ids(without_admin)
