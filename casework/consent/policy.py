"""The access policy: one gate for every read of family and case data. Pure.

Deny by default. :func:`decide` answers for one record from plain facts; the SQL filter in
``casework.consent.query`` applies the same rule to lists, searches, exports and reports, built
from the same helper (:func:`case_team_ids`) so the two cannot drift apart (a property-based test
holds them to the same answer).

Rules (DESIGN.md "The access policy"):
1. Practitioners and managers see the families and cases of the teams they belong to.
2. A Team Around the Family member outside the owning team sees the case only while a sharing
   basis covers their organisation (an active ``share`` consent, or an active decision to share
   without consent); a member from the owning team's own organisation needs no further basis.
3. A person's own details are withheld from an organisation they (or, for a younger child, a
   parent) refused or withdrew, or that is on a do-not-share list, unless a share-without-consent
   decision covers it (``Decision.withheld``).
4. A person's own details are withheld from a practitioner named on their do-not-share list,
   whatever that practitioner's basis of access (the owning team included): a share-without-consent
   decision names organisations and does not lift it. It holds across the family's cases.
5. Restriction of processing (UK GDPR Art 18): while a family is restricted nobody who would
   otherwise see it does (``Decision.restricted``: the gate answers "restricted", not "unknown",
   to those who knew of it; lists and searches leave it out); a restricted person's own details are
   withheld from everyone. Only the information governance team works on restricted records, and
   not through this policy.
Admins see no case data by virtue of being admin. Everyone else: the record does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from casework.errors import NotFound, Restricted

#: Roles that give sight of the owning team's case data.
CASE_ROLES = frozenset({"practitioner", "manager"})


@dataclass(frozen=True)
class Actor:
    """Who is asking, as plain facts."""

    user_id: str
    organisation_id: str
    roles: frozenset[str]
    team_ids: frozenset[str]

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def managed_team_ids(self) -> frozenset[str]:
        """A manager manages the teams they belong to."""
        return self.team_ids if "manager" in self.roles else frozenset()


@dataclass(frozen=True)
class FamilyFacts:
    """What the policy needs to know about a family record."""

    family_id: str
    owning_team_id: str
    #: person -> named practitioners (user ids) their details are withheld from, on any case of the family
    withheld_users: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: processing of the whole family's information is restricted
    restricted: bool = False
    #: people whose processing is restricted
    restricted_people: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CaseFacts:
    """What the policy needs to know about a case."""

    case_id: str
    family_id: str
    owning_team_id: str
    owning_organisation_id: str = ""
    taf_user_ids: frozenset[str] = frozenset()
    #: organisation -> basis ("consent" or "share_without_consent"), as it stands today
    bases: Mapping[str, str] = field(default_factory=dict)
    #: person -> organisations their details are withheld from, as it stands today
    withheld: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: person -> named practitioners their details are withheld from (family-wide)
    withheld_users: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: processing of the family's information is restricted (every case of the family)
    restricted: bool = False
    #: people of the family whose processing is restricted
    restricted_people: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: why access was granted: "team", "manager", "organisation", "consent", "share_without_consent"
    basis: str | None = None
    withheld: frozenset[str] = frozenset()  # people whose own details this actor may not see
    #: the actor would see the record, but processing of it is restricted (not allowed)
    restricted: bool = False
    #: people withheld because processing of their information is restricted (among ``withheld``)
    restricted_people: frozenset[str] = frozenset()


DENY = Decision(False)


def case_team_ids(actor: Actor) -> frozenset[str]:
    """The teams whose case data ``actor`` sees through team membership."""
    return actor.team_ids if actor.roles & CASE_ROLES else frozenset()


def named_withheld(actor: Actor, withheld_users: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The people who asked that their details not be shared with ``actor`` by name."""
    return frozenset(person for person, users in withheld_users.items() if actor.user_id in users)


def restrict(decision: Decision, restricted: bool, restricted_people: frozenset[str]) -> Decision:
    """Apply a restriction of processing to a decision that would grant access."""
    if not decision.allowed:
        return decision
    if restricted:
        return Decision(False, decision.basis, restricted=True)
    if restricted_people:
        return Decision(True, decision.basis, decision.withheld | restricted_people, restricted_people=restricted_people)
    return decision


def decide(actor: Actor, facts: FamilyFacts) -> Decision:
    """May ``actor`` see this family and its people? With the basis when the answer is yes."""
    if facts.owning_team_id in case_team_ids(actor):
        basis = "manager" if facts.owning_team_id in actor.managed_team_ids else "team"
        return restrict(Decision(True, basis, named_withheld(actor, facts.withheld_users)), facts.restricted, facts.restricted_people)
    return DENY


def decide_case(actor: Actor, facts: CaseFacts) -> Decision:
    """May ``actor`` see this case, on what basis, and whose details are withheld from them?"""
    return restrict(_decide_case(actor, facts), facts.restricted, facts.restricted_people)


def _decide_case(actor: Actor, facts: CaseFacts) -> Decision:
    team = decide(actor, FamilyFacts(facts.family_id, facts.owning_team_id, facts.withheld_users))
    if team.allowed:
        return team
    if not (actor.roles & CASE_ROLES) or actor.user_id not in facts.taf_user_ids:
        return DENY
    if actor.organisation_id == facts.owning_organisation_id:
        basis: str | None = "organisation"
    else:
        basis = facts.bases.get(actor.organisation_id)
    if basis is None:
        return DENY
    withheld = frozenset(person for person, orgs in facts.withheld.items() if actor.organisation_id in orgs)
    return Decision(True, basis, withheld | named_withheld(actor, facts.withheld_users))


def refuse(decision: Decision) -> NoReturn:
    """:class:`Restricted` to someone who would see a restricted record; :class:`NotFound`
    otherwise (unknown and hidden alike)."""
    if decision.restricted:
        raise Restricted()
    raise NotFound()


def gate(decision: Decision) -> Decision:
    """The single-record gate: the decision when it grants access, else :func:`refuse`."""
    if not decision.allowed:
        refuse(decision)
    return decision


def may_create_in_team(actor: Actor, team_id: str) -> bool:
    """Practitioners and managers create families in teams they belong to."""
    return team_id in case_team_ids(actor)
