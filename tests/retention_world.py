"""A family with a case, its owning team, a partner with a sharing basis, another team and an
information governance officer: the world the restriction and retention tests share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.consent import services as consent

CHILD_NAME = "Zinnia"
MOTHER_NAME = "Philippa"
FAMILY_NAME = "Wolstenholme"
ADDRESS = "17 Quarry Lane"


@dataclass
class RestrictionWorld:
    lead: Any
    manager: Any
    partner: Any
    other_team: Any
    ig: Any
    family: Any
    mother: Any
    child: Any
    case: Any


def build(session: Any, world: Any) -> RestrictionWorld:
    la, health = world.org("local_authority"), world.org("health")
    lead = world.user(roles=("practitioner",), team="Early Help East", org=la)
    manager = world.user(roles=("manager",), team="Early Help East", org=la)
    partner = world.user(roles=("practitioner",), team="Health Visiting", org=health)
    other_team = world.user(roles=("practitioner",), team="Early Help West", org=la)
    ig = world.user(roles=("ig_officer",), team=None, org=la)
    family = world.family(lead, address_line_1=ADDRESS)
    mother = world.person(lead, family, given_name=MOTHER_NAME, family_name=FAMILY_NAME, role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name=CHILD_NAME, family_name=FAMILY_NAME, date_of_birth=date(2019, 5, 4))
    actor = actor_for(lead)
    case = cases.create_case(session, actor, family_id=family.id, level=2, source="request_for_support", reason="Worried")
    consent.add_team_member(session, actor, case.id, user_id=partner.id, role_in_team="Health visitor")
    consent.record_consent(
        session, actor, case.id, person_id=mother.id, purpose="share", decision="given", method="written", organisation_ids=[health.id]
    )
    session.commit()
    return RestrictionWorld(lead, manager, partner, other_team, ig, family, mother, child, case)
