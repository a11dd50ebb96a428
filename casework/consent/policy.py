"""The access policy: one gate for every read of family and case data. Pure.

Deny by default. :func:`decide` answers for one record from plain facts; the SQL filter in
``casework.consent.query`` applies the same rule to lists, searches, exports and reports, built
from the same helper (:func:`case_team_ids`) so the two cannot drift apart (a property-based test
holds them to the same answer).

Current rules (DESIGN.md "The access policy", rule 1): practitioners and managers see the
families and cases of the teams they belong to. Admins see no case data by virtue of being
admin. Everyone else: the record does not exist for them.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class CaseFacts:
    """What the policy needs to know about a case: it is seen as its family is seen."""

    case_id: str
    family_id: str
    owning_team_id: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str | None = None  # why access was granted: "team" or "manager"


DENY = Decision(False)


def case_team_ids(actor: Actor) -> frozenset[str]:
    """The teams whose case data ``actor`` sees through team membership."""
    return actor.team_ids if actor.roles & CASE_ROLES else frozenset()


def decide(actor: Actor, facts: FamilyFacts) -> Decision:
    """May ``actor`` see this family and its people? With the basis when the answer is yes."""
    if facts.owning_team_id in case_team_ids(actor):
        return Decision(True, "manager" if facts.owning_team_id in actor.managed_team_ids else "team")
    return DENY


def decide_case(actor: Actor, facts: CaseFacts) -> Decision:
    """May ``actor`` see this case? Cases follow the rule of their owning team."""
    return decide(actor, FamilyFacts(family_id=facts.family_id, owning_team_id=facts.owning_team_id))


def may_create_in_team(actor: Actor, team_id: str) -> bool:
    """Practitioners and managers create families in teams they belong to."""
    return team_id in case_team_ids(actor)
