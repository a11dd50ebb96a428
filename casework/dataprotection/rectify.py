"""Rectification and statements of disagreement.

A correction changes a person's or a family's recorded detail and keeps the previous value in a
``correction`` row (old and new value, reason, who, when; encrypted under the family's key), so
the history stays visible on the person's page. A statement of disagreement is the person's own
word against a practitioner's opinion (an assessment's section, a review's summary, a plan's
analysis), shown wherever that opinion is shown. Both are recorded by the team that owns the
family record (on the person's behalf) or by an information governance officer, and both are
audited by the flush hook; reading a person's page is audited with the basis of access.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.audit import trail
from casework.cases.services import plausible_id
from casework.consent.policy import Actor
from casework.dataprotection import rules
from casework.dataprotection.models import Correction, DisagreementStatement
from casework.db import new_id, today
from casework.errors import NotFound, NotPermitted, ValidationFailed
from casework.families.models import Family, Person
from casework.families.services import OWNING_BASES, reindex_family, reindex_person, visible_family
from casework.plans.models import Plan, Review
from casework.security.blind import normalise_nhs_number, normalise_postcode

IG_BASIS = "ig_officer"


def _person(session: Session, person_id: str) -> tuple[Person, Family]:
    person = session.get(Person, person_id) if plausible_id(person_id) else None
    family = session.get(Family, person.family_id) if person is not None else None
    if person is None or family is None:
        raise NotFound()
    return person, family


def _writer_basis(session: Session, actor: Actor, family: Family) -> str:
    """Information governance, or the team that owns the family record; others are refused
    (and anyone who may not see the family finds nothing)."""
    if actor.has_role("ig_officer"):
        return IG_BASIS
    _, decision = visible_family(session, actor, family.id)
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this family record, or information governance, can record this.")
    return decision.basis


def _reader_basis(session: Session, actor: Actor, person: Person, family: Family) -> str:
    if actor.has_role("ig_officer"):
        return IG_BASIS
    _, decision = visible_family(session, actor, family.id)
    if person.id in decision.withheld or decision.basis is None:
        raise NotFound()
    return decision.basis


@dataclass
class PersonRecord:
    person: Person
    family: Family
    basis: str
    corrections: list[Correction]
    statements: list[DisagreementStatement]

    @property
    def may_write(self) -> bool:
        return self.basis in OWNING_BASES or self.basis == IG_BASIS


def _corrections(session: Session, person: Person) -> list[Correction]:
    where = or_(Correction.person_id == person.id, (Correction.subject_type == "family") & (Correction.family_id == person.family_id))
    return list(session.scalars(select(Correction).where(where).order_by(Correction.recorded_at.desc(), Correction.id)))


def _statements(session: Session, person: Person) -> list[DisagreementStatement]:
    query = (
        select(DisagreementStatement).where(DisagreementStatement.person_id == person.id).order_by(DisagreementStatement.recorded_at.desc())
    )
    return list(session.scalars(query))


def person_record(session: Session, actor: Actor, person_id: str) -> PersonRecord:
    """A person's details with the history of corrections and their statements (one audited read)."""
    person, family = _person(session, person_id)
    basis = _reader_basis(session, actor, person, family)
    found = PersonRecord(person, family, basis, _corrections(session, person), _statements(session, person))
    trail.record(session, "person.read", subject_type="person", subject_id=person.id, family_id=family.id, basis=basis)
    return found


def family_record(session: Session, actor: Actor, family_id: str) -> Family:
    """A family's details for correcting them (one audited read)."""
    if actor.has_role("ig_officer"):
        family = session.get(Family, family_id) if plausible_id(family_id) else None
        if family is None:
            raise NotFound()
        basis: str | None = IG_BASIS
    else:
        family, decision = visible_family(session, actor, family_id)
        basis = decision.basis
    trail.record(session, "family.read", subject_type="family", subject_id=family.id, family_id=family.id, basis=basis)
    return family


def list_corrections(session: Session, actor: Actor, person_id: str) -> list[Correction]:
    return person_record(session, actor, person_id).corrections


def list_statements(session: Session, actor: Actor, person_id: str) -> list[DisagreementStatement]:
    return person_record(session, actor, person_id).statements


def _correct(
    session: Session, actor: Actor, target: Person | Family, family: Family, *, field: str, value: str | None, reason: str | None
) -> Correction:
    subject_type = "person" if isinstance(target, Person) else "family"
    _writer_basis(session, actor, family)
    parsed, problems = rules.read_value(subject_type, field, value, today())
    problems = {**problems, **rules.reason_problems(reason)}
    if problems:
        raise ValidationFailed(fields=problems)
    if field == "nhs_number" and isinstance(parsed, str):
        parsed = normalise_nhs_number(parsed)
    if field == "postcode" and isinstance(parsed, str):
        parsed = normalise_postcode(parsed)
    old = getattr(target, field)
    if rules.as_text(old) == rules.as_text(parsed):
        raise ValidationFailed(fields={"value": ["That is the value already recorded: enter the correct one"]})
    setattr(target, field, parsed)
    if isinstance(target, Person):
        reindex_person(session, target)
    else:
        reindex_family(session, target)
    row = Correction(
        id=new_id(),
        family_id=family.id,
        person_id=target.id if isinstance(target, Person) else None,
        subject_type=subject_type,
        field=field,
        recorded_by_id=actor.user_id,
    )
    row.old_value, row.new_value, row.reason = rules.as_text(old), rules.as_text(parsed), (reason or "").strip()
    session.add(row)
    session.flush()
    return row


def correct_person(session: Session, actor: Actor, person_id: str, *, field: str, value: str | None, reason: str | None) -> Correction:
    """Correct one of a person's details, keeping the previous value in the history."""
    person, family = _person(session, person_id)
    return _correct(session, actor, person, family, field=field, value=value, reason=reason)


def correct_family(session: Session, actor: Actor, family_id: str, *, field: str, value: str | None, reason: str | None) -> Correction:
    """Correct one of a family's details (address, postcode), keeping the previous value."""
    family = session.get(Family, family_id) if plausible_id(family_id) else None
    if family is None:
        raise NotFound()
    return _correct(session, actor, family, family, field=field, value=value, reason=reason)


@dataclass(frozen=True)
class Opinion:
    """A practitioner's opinion a person may disagree with."""

    record_type: str
    record_id: str
    section_key: str | None
    case_id: str
    label: str

    @property
    def value(self) -> str:
        return ":".join(p for p in (self.record_type, self.record_id, self.section_key) if p)


def opinions(session: Session, person: Person) -> list[Opinion]:
    """The opinions recorded about the person's family that concern them: the assessments'
    sections (family-wide, or about this person), the plans' analysis, the reviews' summaries."""
    found: list[Opinion] = []
    for a in session.scalars(select(Assessment).where(Assessment.family_id == person.family_id).order_by(Assessment.started_at)):
        for section in a.template:
            if section.get("person_id") in (None, person.id):
                label = f"Early Help Assessment {a.number}: {section['title']}"
                found.append(Opinion("assessment", a.id, section["key"], a.case_id, label))
    for plan in session.scalars(select(Plan).where(Plan.family_id == person.family_id).order_by(Plan.created_at)):
        found.append(Opinion("plan", plan.id, None, plan.case_id, f"Plan agreed {plan.agreed_on:%d %B %Y}: practitioners' analysis"))
    for r in session.scalars(select(Review).where(Review.family_id == person.family_id).order_by(Review.held_on)):
        found.append(Opinion("review", r.id, None, r.case_id, f"Review held {r.held_on:%d %B %Y}: summary"))
    return found


def add_statement(
    session: Session, actor: Actor, person_id: str, *, record_type: str, record_id: str, section_key: str | None, text: str | None
) -> DisagreementStatement:
    """Record the person's statement of disagreement with an opinion about them."""
    person, family = _person(session, person_id)
    _writer_basis(session, actor, family)
    problems = rules.statement_problems(text)
    target = next(
        (
            o
            for o in opinions(session, person)
            if (o.record_type, o.record_id, o.section_key) == (record_type, record_id, section_key or None)
        ),
        None,
    )
    if target is None:
        problems["opinion"] = ["Choose an opinion recorded about this person"]
    if problems or target is None:
        raise ValidationFailed(fields=problems)
    row = DisagreementStatement(
        id=new_id(),
        family_id=family.id,
        case_id=target.case_id,
        person_id=person.id,
        record_type=target.record_type,
        record_id=target.record_id,
        section_key=target.section_key,
        recorded_by_id=actor.user_id,
    )
    row.text = (text or "").strip()
    session.add(row)
    session.flush()
    return row


def statements_on(session: Session, record_type: str, record_ids: Iterable[str]) -> list[DisagreementStatement]:
    """The statements against these records, oldest first: shown beside the opinion by whoever
    shows it (the caller has already checked and audited the read of the opinion)."""
    ids = list(record_ids)
    if not ids:
        return []
    query = (
        select(DisagreementStatement)
        .where(DisagreementStatement.record_type == record_type, DisagreementStatement.record_id.in_(ids))
        .order_by(DisagreementStatement.recorded_at, DisagreementStatement.id)
    )
    return list(session.scalars(query))
