"""The access policy as SQL: the filter every list, search, export and report uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import aliased

from casework.auth.models import Team
from casework.cases.models import Case
from casework.consent.models import SharingBasis, TeamMember, WithheldFromUser, WithheldPerson
from casework.consent.policy import CASE_ROLES, Actor, case_team_ids
from casework.consent.rules import OVERRIDE
from casework.db import today as utc_today
from casework.families.models import Family, Person


def restricted_family(family_id: Any) -> ColumnElement[bool]:
    """True where processing of the whole family's information is restricted."""
    from casework.retention.models import Restriction

    return exists().where(Restriction.family_id == family_id, Restriction.scope == "family", Restriction.lifted_at.is_(None))


def restricted_person(person_id: Any) -> ColumnElement[bool]:
    """True where processing of the person's information is restricted."""
    from casework.retention.models import Restriction

    return exists().where(Restriction.person_id == person_id, Restriction.scope == "person", Restriction.lifted_at.is_(None))


def visible_cases(actor: Actor, today: date | None = None) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases :func:`policy.decide_case` allows (restricted
    families are left out of every list and search)."""
    return and_(_visible_cases(actor, today), ~restricted_family(Case.family_id))


def _visible_cases(actor: Actor, today: date | None = None) -> ColumnElement[bool]:
    today = today or utc_today()
    conditions: list[ColumnElement[bool]] = []
    teams = case_team_ids(actor)
    if teams:
        conditions.append(Case.owning_team_id.in_(sorted(teams)))
    if actor.roles & CASE_ROLES:
        member = exists().where(TeamMember.case_id == Case.id, TeamMember.user_id == actor.user_id, TeamMember.removed_at.is_(None))
        same_organisation = Case.owning_team_id.in_(select(Team.id).where(Team.organisation_id == actor.organisation_id))
        basis = exists().where(
            SharingBasis.case_id == Case.id,
            SharingBasis.organisation_id == actor.organisation_id,
            or_(SharingBasis.expires_on.is_(None), SharingBasis.expires_on >= today),
        )
        conditions.append(and_(member, or_(same_organisation, basis)))
    return or_(*conditions) if conditions else false()


def visible_families(actor: Actor, today: date | None = None) -> ColumnElement[bool]:
    """Families of the actor's teams, and families with a case the actor may see."""
    teams = case_team_ids(actor)
    # EXISTS, not IN (SELECT ...): PostgreSQL then checks the few families a search or list is
    # about through the case_episode.family_id index instead of hashing every visible case.
    via_case = exists().where(Case.family_id == Family.id, visible_cases(actor, today))
    if not teams:
        return via_case if actor.roles & CASE_ROLES else false()
    return or_(and_(Family.owning_team_id.in_(sorted(teams)), ~restricted_family(Family.id)), via_case)


def withheld_from(actor: Actor, person_id: Any, today: date | None = None) -> ColumnElement[bool]:
    """True where a person's own details are withheld from the actor: from their organisation on
    every case the actor sees them through (the owning team never has details withheld that way),
    from the actor by name on any case of the family (whoever they are), or from everyone while
    processing of the person's information is restricted."""
    named = exists().where(WithheldFromUser.person_id == person_id, WithheldFromUser.user_id == actor.user_id)
    return or_(_withheld_from_organisation(actor, person_id, today), named, restricted_person(person_id))


def _withheld_from_organisation(actor: Actor, person_id: Any, today: date | None) -> ColumnElement[bool]:
    today = today or utc_today()
    teams = case_team_ids(actor)
    person = aliased(Person)
    covered = exists().where(
        SharingBasis.case_id == WithheldPerson.case_id,
        SharingBasis.organisation_id == WithheldPerson.organisation_id,
        SharingBasis.basis == OVERRIDE,
        SharingBasis.expires_on >= today,
    )
    withheld_on_case: ColumnElement[bool] = exists().where(
        WithheldPerson.case_id == Case.id,
        WithheldPerson.person_id == person.id,
        WithheldPerson.organisation_id == actor.organisation_id,
        ~covered,
    )
    if teams:  # a case seen through the team withholds nothing
        withheld_on_case = and_(Case.owning_team_id.not_in(sorted(teams)), withheld_on_case)
    # the cases of the person's family that the actor sees: only they can withhold anything
    seen = select(Case.id).join(person, person.family_id == Case.family_id).where(person.id == person_id, visible_cases(actor, today))
    withheld = and_(exists(seen), ~exists(seen.where(~withheld_on_case)))
    if teams:
        owner, family = aliased(Person), aliased(Family)
        owned = exists().where(owner.id == person_id, owner.family_id == family.id, family.owning_team_id.in_(sorted(teams)))
        return and_(withheld, ~owned)
    return withheld
