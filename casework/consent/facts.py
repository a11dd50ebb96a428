"""Gathering the facts the access policy decides on, from the derived sharing tables."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.auth.models import Team
from casework.cases.models import Case
from casework.consent.models import SharingBasis, TeamMember, WithheldFromUser, WithheldPerson
from casework.consent.policy import CaseFacts, Decision, FamilyFacts, gate
from casework.consent.rules import CONSENT, OVERRIDE


def case_facts(session: Session, case: Case, today: date) -> CaseFacts:
    """The policy's view of ``case`` today (two small queries, cached for the session)."""
    cache: dict[tuple[str, date], CaseFacts] = session.info.setdefault("case_facts", {})
    key = (case.id, today)
    if key in cache:
        return cache[key]
    org = session.scalar(select(Team.organisation_id).where(Team.id == case.owning_team_id)) or ""
    members = frozenset(
        uid
        for uid in session.scalars(select(TeamMember.user_id).where(TeamMember.case_id == case.id, TeamMember.removed_at.is_(None)))
        if uid
    )
    rows = session.execute(
        select(SharingBasis.organisation_id, SharingBasis.basis).where(
            SharingBasis.case_id == case.id, or_(SharingBasis.expires_on.is_(None), SharingBasis.expires_on >= today)
        )
    ).all()
    bases: dict[str, str] = {}
    for organisation_id, basis in rows:
        if basis == CONSENT or organisation_id not in bases:
            bases[organisation_id] = basis
    covered = {o for o, b in rows if b == OVERRIDE}
    withheld: dict[str, set[str]] = {}
    for person_id, organisation_id in session.execute(
        select(WithheldPerson.person_id, WithheldPerson.organisation_id).where(WithheldPerson.case_id == case.id)
    ):
        if organisation_id not in covered:
            withheld.setdefault(person_id, set()).add(organisation_id)
    restricted, restricted_people = restrictions(session, case.family_id)
    facts = CaseFacts(
        case_id=case.id,
        family_id=case.family_id,
        owning_team_id=case.owning_team_id,
        owning_organisation_id=org,
        taf_user_ids=members,
        bases=bases,
        withheld={p: frozenset(o) for p, o in withheld.items()},
        withheld_users=withheld_users(session, case.family_id),
        restricted=restricted,
        restricted_people=restricted_people,
    )
    cache[key] = facts
    return facts


def withheld_users(session: Session, family_id: str) -> dict[str, frozenset[str]]:
    """Person -> named practitioners their details are withheld from, on any case of the family."""
    named: dict[str, set[str]] = {}
    for person_id, user_id in session.execute(
        select(WithheldFromUser.person_id, WithheldFromUser.user_id)
        .join(Case, Case.id == WithheldFromUser.case_id)
        .where(Case.family_id == family_id)
    ):
        named.setdefault(person_id, set()).add(user_id)
    return {p: frozenset(u) for p, u in named.items()}


def restrictions(session: Session, family_id: str) -> tuple[bool, frozenset[str]]:
    """Whether processing of the whole family is restricted, and which of its people are."""
    from casework.retention.models import Restriction

    rows = session.execute(
        select(Restriction.scope, Restriction.person_id).where(Restriction.family_id == family_id, Restriction.lifted_at.is_(None))
    ).all()
    return any(scope == "family" for scope, _ in rows), frozenset(p for scope, p in rows if scope == "person" and p)


def family_facts(session: Session, family_id: str, owning_team_id: str) -> FamilyFacts:
    restricted, restricted_people = restrictions(session, family_id)
    return FamilyFacts(family_id, owning_team_id, withheld_users(session, family_id), restricted, restricted_people)


def forget_facts(session: Session, case_id: str) -> None:
    """Drop cached facts after the sharing state of a case changes (withdrawal takes effect at
    once). A named practitioner's withholding holds family-wide, so every cached case goes."""
    session.info.get("case_facts", {}).clear()


def admit(session: Session, decision: Decision) -> Decision:
    """The single-record gate (``policy.gate``); the people restricted on a record the actor sees
    are noted on the session, so every page about the family says that some of it is restricted."""
    decision = gate(decision)
    if decision.restricted_people:
        session.info.setdefault("restricted_people", set()).update(decision.restricted_people)
    return decision
