"""The access policy for cases (decide_case): the owning team, the Team Around the Family with
a sharing basis, and nobody else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.consent.policy import DENY, Actor, CaseFacts, Decision, decide_case

OWNING_TEAM, OTHER_LA_TEAM = "team-north", "team-south"
LA, HEALTH, SCHOOL, POLICE, HOUSING = "org-la", "org-health", "org-school", "org-police", "org-housing"

FACTS = CaseFacts(
    case_id="case-1",
    family_id="family-1",
    owning_team_id=OWNING_TEAM,
    owning_organisation_id=LA,
    taf_user_ids=frozenset({"u-health", "u-school", "u-police", "u-la-south", "u-admin", "u-lead", "u-ig"}),
    bases={HEALTH: "consent", POLICE: "share_without_consent"},
    withheld={"mum": frozenset({HEALTH, LA}), "child": frozenset({POLICE}), "gran": frozenset({SCHOOL})},
)


def actor(user_id: str, organisation_id: str, *roles: str, teams: tuple[str, ...] = ()) -> Actor:
    return Actor(user_id=user_id, organisation_id=organisation_id, roles=frozenset(roles), team_ids=frozenset(teams))


# --- the owning team --------------------------------------------------------------------------


def test_owning_team_practitioner_sees_everything_on_team_basis() -> None:
    assert decide_case(actor("u-p", LA, "practitioner", teams=(OWNING_TEAM,)), FACTS) == Decision(True, "team")


def test_owning_team_manager_sees_everything_on_manager_basis() -> None:
    assert decide_case(actor("u-m", LA, "manager", teams=(OWNING_TEAM,)), FACTS) == Decision(True, "manager")
    assert decide_case(actor("u-m", LA, "manager", "practitioner", teams=(OTHER_LA_TEAM, OWNING_TEAM)), FACTS) == Decision(True, "manager")


def test_owning_team_member_who_is_also_in_the_taf_still_has_nothing_withheld() -> None:
    decision = decide_case(actor("u-la-south", LA, "practitioner", teams=(OWNING_TEAM,)), FACTS)
    assert decision == Decision(True, "team")
    assert decision.withheld == frozenset()


def test_owning_team_needs_no_consent_at_all() -> None:
    bare = CaseFacts("case-1", "family-1", OWNING_TEAM, LA, withheld={"mum": frozenset({LA})})
    assert decide_case(actor("u-p", LA, "practitioner", teams=(OWNING_TEAM,)), bare) == Decision(True, "team")


# --- the Team Around the Family ---------------------------------------------------------------


def test_taf_member_of_another_organisation_without_basis_denied() -> None:
    assert decide_case(actor("u-school", SCHOOL, "practitioner", teams=("school-pastoral",)), FACTS) == DENY


def test_taf_member_with_consent_basis_sees_the_case_with_their_organisations_withholding() -> None:
    decision = decide_case(actor("u-health", HEALTH, "practitioner", teams=("health-visiting",)), FACTS)
    assert decision == Decision(True, "consent", frozenset({"mum"}))


def test_taf_member_with_override_basis_sees_the_case() -> None:
    decision = decide_case(actor("u-police", POLICE, "practitioner"), FACTS)
    assert decision == Decision(True, "share_without_consent", frozenset({"child"}))


def test_taf_member_manager_of_another_team_is_allowed_on_the_sharing_basis_not_as_manager() -> None:
    assert decide_case(actor("u-health", HEALTH, "manager", teams=("health-visiting",)), FACTS) == Decision(
        True, "consent", frozenset({"mum"})
    )


def test_taf_member_of_the_owning_organisation_allowed_on_organisation_basis() -> None:
    decision = decide_case(actor("u-la-south", LA, "practitioner", teams=(OTHER_LA_TEAM,)), FACTS)
    assert decision == Decision(True, "organisation", frozenset({"mum"}))


def test_taf_member_of_the_owning_organisation_needs_no_sharing_basis() -> None:
    facts = CaseFacts("case-1", "family-1", OWNING_TEAM, LA, taf_user_ids=frozenset({"u-la-south"}))
    assert decide_case(actor("u-la-south", LA, "practitioner", teams=(OTHER_LA_TEAM,)), facts) == Decision(True, "organisation")


@pytest.mark.parametrize(
    ("user_id", "organisation_id"),
    [("u-health-2", HEALTH), ("u-police-2", POLICE), ("u-la-east", LA), ("u-housing", HOUSING)],
)
def test_non_member_denied_whatever_the_basis(user_id: str, organisation_id: str) -> None:
    """Membership of the Team Around the Family is required: a basis for the organisation is not enough."""
    for roles in (("practitioner",), ("manager",), ("practitioner", "manager")):
        assert decide_case(actor(user_id, organisation_id, *roles, teams=(OTHER_LA_TEAM,)), FACTS) == DENY


def test_basis_of_another_organisation_does_not_help() -> None:
    facts = CaseFacts("case-1", "family-1", OWNING_TEAM, LA, taf_user_ids=frozenset({"u-housing"}), bases={HEALTH: "consent"})
    assert decide_case(actor("u-housing", HOUSING, "practitioner"), facts) == DENY


def test_case_with_no_owning_organisation_recorded_gives_no_organisation_basis() -> None:
    facts = CaseFacts("case-1", "family-1", OWNING_TEAM, taf_user_ids=frozenset({"u-x"}))
    for organisation_id in ORGS:
        assert decide_case(actor("u-x", organisation_id, "practitioner"), facts) == DENY


# --- roles without case access ----------------------------------------------------------------


@pytest.mark.parametrize("roles", [("admin",), ("safeguarding_lead",), ("ig_officer",), ("admin", "safeguarding_lead", "ig_officer"), ()])
@pytest.mark.parametrize(
    ("user_id", "organisation_id", "teams"),
    [
        ("u-admin", LA, (OWNING_TEAM,)),  # in the owning team and the TAF
        ("u-lead", HEALTH, ()),  # TAF member with a consent basis
        ("u-ig", POLICE, ()),  # TAF member with an override basis
        ("u-other", LA, (OWNING_TEAM,)),
    ],
)
def test_roles_without_case_access_denied(roles: tuple[str, ...], user_id: str, organisation_id: str, teams: tuple[str, ...]) -> None:
    assert decide_case(actor(user_id, organisation_id, *roles, teams=teams), FACTS) == DENY


# --- withholding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("organisation_id", "withheld"),
    [(HEALTH, {"mum"}), (POLICE, {"child"}), (SCHOOL, {"gran"}), (LA, {"mum"}), (HOUSING, set())],
)
def test_withheld_people_reported_for_the_members_organisation_only(organisation_id: str, withheld: set[str]) -> None:
    facts = CaseFacts(
        "case-1",
        "family-1",
        OWNING_TEAM,
        LA,
        taf_user_ids=frozenset({"u-x"}),
        bases=dict.fromkeys((HEALTH, POLICE, SCHOOL, HOUSING), "consent"),
        withheld=FACTS.withheld,
    )
    decision = decide_case(actor("u-x", organisation_id, "practitioner"), facts)
    assert decision.allowed
    assert decision.withheld == withheld


def test_person_withheld_from_several_organisations() -> None:
    facts = CaseFacts(
        "case-1",
        "family-1",
        OWNING_TEAM,
        LA,
        taf_user_ids=frozenset({"u-h", "u-s"}),
        bases={HEALTH: "consent", SCHOOL: "consent"},
        withheld={"mum": frozenset({HEALTH, SCHOOL}), "dad": frozenset({SCHOOL})},
    )
    assert decide_case(actor("u-h", HEALTH, "practitioner"), facts).withheld == {"mum"}
    assert decide_case(actor("u-s", SCHOOL, "practitioner"), facts).withheld == {"mum", "dad"}


# --- the rule as a whole ----------------------------------------------------------------------

ORGS = [LA, HEALTH, SCHOOL, POLICE]
TEAMS = [OWNING_TEAM, OTHER_LA_TEAM, "team-x"]
ROLES = ["practitioner", "manager", "safeguarding_lead", "ig_officer", "admin"]
USERS = ["u1", "u2", "u3"]
PEOPLE = ["mum", "child", "baby"]

actors = st.builds(
    Actor,
    user_id=st.sampled_from(USERS),
    organisation_id=st.sampled_from(ORGS),
    roles=st.frozensets(st.sampled_from(ROLES)),
    team_ids=st.frozensets(st.sampled_from(TEAMS)),
)
cases = st.builds(
    CaseFacts,
    case_id=st.just("case-1"),
    family_id=st.just("family-1"),
    owning_team_id=st.sampled_from(TEAMS),
    owning_organisation_id=st.sampled_from(ORGS),
    taf_user_ids=st.frozensets(st.sampled_from(USERS)),
    bases=st.dictionaries(st.sampled_from(ORGS), st.sampled_from(["consent", "share_without_consent"])),
    withheld=st.dictionaries(st.sampled_from(PEOPLE), st.frozensets(st.sampled_from(ORGS), min_size=1)),
)


@settings(max_examples=300, deadline=None)
@given(who=actors, facts=cases)
def test_decide_case_is_the_documented_rule(who: Actor, facts: CaseFacts) -> None:
    decision = decide_case(who, facts)
    case_role = bool(who.roles & {"practitioner", "manager"})
    in_team = case_role and facts.owning_team_id in who.team_ids
    in_taf = case_role and who.user_id in facts.taf_user_ids
    covered = who.organisation_id == facts.owning_organisation_id or who.organisation_id in facts.bases
    assert decision.allowed == (in_team or (in_taf and covered))
    assert (decision.basis is None) == (not decision.allowed)
    if in_team:
        assert decision == Decision(True, "manager" if "manager" in who.roles else "team")
    elif decision.allowed:
        expected = "organisation" if who.organisation_id == facts.owning_organisation_id else facts.bases[who.organisation_id]
        assert decision.basis == expected
        assert decision.withheld == {p for p, orgs in facts.withheld.items() if who.organisation_id in orgs}
    else:
        assert decision == DENY


# --- a practitioner named on a do-not-share list ------------------------------------------------

NAMED_FACTS = CaseFacts(
    case_id="case-1",
    family_id="family-1",
    owning_team_id=OWNING_TEAM,
    owning_organisation_id=LA,
    taf_user_ids=frozenset({"u-health", "u-police"}),
    bases={HEALTH: "consent", POLICE: "share_without_consent"},
    withheld={"child": frozenset({HEALTH})},
    withheld_users={"mum": frozenset({"u-p", "u-police"}), "gran": frozenset({"u-elsewhere"})},
)


def test_named_practitioner_in_the_owning_team_sees_the_case_without_that_person() -> None:
    assert decide_case(actor("u-p", LA, "practitioner", teams=(OWNING_TEAM,)), NAMED_FACTS) == Decision(True, "team", frozenset({"mum"}))
    assert decide_case(actor("u-q", LA, "practitioner", teams=(OWNING_TEAM,)), NAMED_FACTS) == Decision(True, "team")


def test_named_partner_is_withheld_by_name_on_top_of_their_organisations_withholding() -> None:
    health = decide_case(actor("u-health", HEALTH, "practitioner"), NAMED_FACTS)
    assert health == Decision(True, "consent", frozenset({"child"}))
    police = decide_case(actor("u-police", POLICE, "practitioner"), NAMED_FACTS)  # an override does not lift a name
    assert police == Decision(True, "share_without_consent", frozenset({"mum"}))


def test_being_named_gives_no_access() -> None:
    assert decide_case(actor("u-elsewhere", SCHOOL, "practitioner"), NAMED_FACTS) == DENY
