"""Restriction of processing and legal holds: set and lifted by the information governance team,
with a reason, keeping their history. Every change is audited by the flush hook (the rows carry
``__audit__``); what the team reads here is recorded with :func:`trail.record`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.services import require_role
from casework.cases.models import Case
from casework.cases.services import plausible_id, practice_of
from casework.consent.facts import forget_facts
from casework.consent.policy import Actor
from casework.db import new_id, today, utcnow
from casework.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from casework.families.models import Family, Person
from casework.retention import rules
from casework.retention.models import LegalHold, Restriction
from casework.retention.records import family_records

IG = "ig_officer"
R = TypeVar("R", Restriction, LegalHold)


def _reason(value: str | None) -> str:
    try:
        return rules.check_reason(value)
    except ValueError as exc:
        raise ValidationFailed(fields={"reason": [str(exc)]}) from None


def _family(session: Session, family_id: str) -> Family:
    family = session.get(Family, family_id) if plausible_id(family_id) else None
    if family is None:
        raise NotFound()
    return family


def _check_version(row: Restriction | LegalHold, version: int | None) -> None:
    if version is not None and version != row.version:
        raise StaleVersion()


def set_restriction(session: Session, actor: Actor, family_id: str, *, reason: str | None, person_id: str | None = None) -> Restriction:
    """Restrict processing of a family's information, or of one person's (UK GDPR Art 18)."""
    require_role(actor, IG)
    family = _family(session, family_id)
    text = _reason(reason)
    person_id = person_id or None
    if person_id:
        person = session.get(Person, person_id) if plausible_id(person_id) else None
        if person is None or person.family_id != family.id:
            raise ValidationFailed(fields={"person_id": ["Choose a person in this family"]})
    scope = "person" if person_id else "family"
    already = session.scalar(
        select(Restriction.id).where(
            Restriction.family_id == family.id,
            Restriction.scope == scope,
            Restriction.person_id.is_(None) if person_id is None else Restriction.person_id == person_id,
            Restriction.lifted_at.is_(None),
        )
    )
    if already:
        raise Conflict("Processing is already restricted.")
    row = Restriction(id=new_id(), family_id=family.id, person_id=person_id, scope=scope, set_by_id=actor.user_id, set_at=utcnow())
    row.reason = text
    session.add(row)
    session.flush()
    forget_facts(session, "")
    return row


def find(session: Session, actor: Actor, model: type[R], row_id: str) -> R:
    """A restriction or legal hold, for the information governance team; :class:`NotFound` otherwise."""
    require_role(actor, IG)
    row = session.get(model, row_id) if plausible_id(row_id) else None
    if row is None:
        raise NotFound()
    return row


def _lift(session: Session, actor: Actor, model: type[R], row_id: str, reason: str | None, version: int | None) -> R:
    row = find(session, actor, model, row_id)
    _check_version(row, version)
    if not row.active:
        raise Conflict("That has already been lifted.")
    row.lift_reason = _reason(reason)
    row.lifted_at, row.lifted_by_id = utcnow(), actor.user_id
    session.flush()
    return row


def lift_restriction(session: Session, actor: Actor, restriction_id: str, *, reason: str | None, version: int | None = None) -> Restriction:
    """Lift a restriction (the record of it stays, with who lifted it, when and why)."""
    row = _lift(session, actor, Restriction, restriction_id, reason, version)
    forget_facts(session, "")
    return row


def set_hold(session: Session, actor: Actor, family_id: str, *, reason: str | None) -> LegalHold:
    """Place a legal hold: the family's records are not disposed of while it stands."""
    require_role(actor, IG)
    family = _family(session, family_id)
    text = _reason(reason)
    if session.scalar(select(LegalHold.id).where(LegalHold.family_id == family.id, LegalHold.lifted_at.is_(None))):
        raise Conflict("A legal hold is already in place.")
    row = LegalHold(id=new_id(), family_id=family.id, set_by_id=actor.user_id, set_at=utcnow())
    row.reason = text
    session.add(row)
    session.flush()
    return row


def lift_hold(session: Session, actor: Actor, hold_id: str, *, reason: str | None, version: int | None = None) -> LegalHold:
    """Lift a legal hold (its record stays)."""
    return _lift(session, actor, LegalHold, hold_id, reason, version)


@dataclass(frozen=True)
class CaseSummary:
    id: str
    status: str
    level: int
    opened_on: date
    closed_on: date | None


@dataclass(frozen=True)
class DataProtectionView:
    """What the information governance team sees of a family, restricted or not."""

    family: Family
    people: list[Person]
    cases: list[CaseSummary]
    restrictions: list[Restriction]
    holds: list[LegalHold]
    retention: rules.RetentionState

    @property
    def restricted(self) -> bool:
        return any(r.active and r.scope == "family" for r in self.restrictions)

    @property
    def restricted_people(self) -> frozenset[str]:
        return frozenset(r.person_id for r in self.restrictions if r.active and r.person_id)

    @property
    def held(self) -> bool:
        return any(h.active for h in self.holds)


def data_protection_view(session: Session, actor: Actor, family_id: str) -> DataProtectionView:
    """The family as the information governance team reads it: who is in it, its cases, its
    restrictions and legal holds with their history, and where its retention stands. Audited."""
    from casework.db import LOCAL_TIME

    require_role(actor, IG)
    family = _family(session, family_id)
    people = list(session.scalars(select(Person).where(Person.family_id == family.id).order_by(Person.created_at, Person.id)))
    cases = [
        CaseSummary(
            c.id,
            c.status,
            c.level,
            c.opened_at.astimezone(LOCAL_TIME).date(),
            c.closed_at.astimezone(LOCAL_TIME).date() if c.closed_at else None,
        )
        for c in session.scalars(select(Case).where(Case.family_id == family.id).order_by(Case.opened_at))
    ]
    restrictions = list(session.scalars(select(Restriction).where(Restriction.family_id == family.id).order_by(Restriction.set_at)))
    holds = list(session.scalars(select(LegalHold).where(LegalHold.family_id == family.id).order_by(LegalHold.set_at)))
    record = family_records(session, [family.id])[family.id]
    state = rules.assess(practice_of(session).retention, record, today())
    trail.record(
        session,
        "family.data_protection.read",
        subject_type="family",
        subject_id=family.id,
        family_id=family.id,
        basis=IG,
        detail={"people": [p.id for p in people]},
    )
    return DataProtectionView(family, people, cases, restrictions, holds, state)


def due(session: Session, actor: Actor, on: date) -> list[rules.RetentionState]:
    """For the information governance team: every family past its retention date (ids and dates
    only). Audited as a retention review."""
    from casework.retention.disposal import record_review, review

    require_role(actor, IG)
    states = list(review(session, on))
    record_review(session, states, on)
    return states
