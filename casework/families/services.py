"""Family and person operations. Every read is checked by the access policy and audited."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.consent.policy import DENY, Actor, Decision, case_team_ids, decide, may_create_in_team, refuse
from casework.consent.query import visible_families, withheld_from
from casework.db import new_id, today
from casework.errors import NotFound, NotPermitted, ValidationFailed
from casework.families import rules
from casework.families.models import Family, Person
from casework.security.blind import BlindIndexer, normalise_name, normalise_nhs_number, normalise_postcode
from casework.security.fields import cipher_of


def _indexer(session: Session) -> BlindIndexer:
    cipher = cipher_of(session)
    cached = session.info.get("blind_indexer")
    if cached is None:
        cached = session.info["blind_indexer"] = BlindIndexer(cipher.keyring.blind_index_root)
    return cached


#: Bases of access that make the actor part of the team holding the record.
OWNING_BASES = frozenset({"team", "manager"})


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def visible_family(session: Session, actor: Actor, family_id: str) -> tuple[Family, Decision]:
    """The family if ``actor`` may see it (through its owning team, or through a case they may
    see); :class:`NotFound` otherwise (unknown and hidden alike)."""
    from casework.cases.models import Case
    from casework.consent.facts import admit, case_facts, family_facts
    from casework.consent.policy import decide_case

    family = session.get(Family, family_id) if family_id else None
    if family is None:
        raise NotFound()
    decision = decide(actor, family_facts(session, family.id, family.owning_team_id))
    if decision.restricted:
        refuse(decision)
    if decision.allowed:
        return family, admit(session, decision)
    cases = session.scalars(select(Case).where(Case.family_id == family.id))
    decisions = [decide_case(actor, case_facts(session, case, today())) for case in cases]
    through_cases = [d for d in decisions if d.allowed]
    if not through_cases:
        refuse(next((d for d in decisions if d.restricted), DENY))
    withheld = frozenset.intersection(*(d.withheld for d in through_cases))
    return family, admit(session, Decision(True, through_cases[0].basis, withheld, restricted_people=through_cases[0].restricted_people))


def _people(session: Session, family: Family, decision: Decision) -> list[Person]:
    """The family's people the decision lets the actor see (withheld people are left out)."""
    people = session.scalars(select(Person).where(Person.family_id == family.id).order_by(Person.created_at, Person.id))
    return [p for p in people if p.id not in decision.withheld]


def blind_indexer(session: Session) -> BlindIndexer:
    """The session's blind indexer (for searches beyond this module's, e.g. subject access)."""
    return _indexer(session)


def reindex_person(session: Session, person: Person) -> None:
    """Recompute a person's blind indexes from their details (after a correction)."""
    idx = _indexer(session)
    person.family_name_bi = idx.family_name(person.family_name) if person.family_name else None
    dob = person.date_of_birth
    person.name_dob_bi = idx.name_dob(person.family_name, dob) if dob and person.family_name else None
    person.nhs_number_bi = idx.nhs_number(person.nhs_number) if person.nhs_number else None


def reindex_family(session: Session, family: Family) -> None:
    """Recompute a family's postcode index (after a correction)."""
    family.postcode_bi = _indexer(session).postcode(family.postcode) if family.postcode else None


def choose_team(actor: Actor, team_id: str | None) -> str:
    """The team that will own a new record: the one named, or the actor's only team."""
    teams = sorted(case_team_ids(actor))
    if team_id:
        if not may_create_in_team(actor, team_id):
            raise ValidationFailed(fields={"team": ["Choose one of your own teams"]})
        return team_id
    if not teams:
        raise NotPermitted("Only practitioners and managers in a team can create family records.")
    if len(teams) > 1:
        raise ValidationFailed(fields={"team": ["Choose which of your teams will own this family"]})
    return teams[0]


def create_family(
    session: Session,
    actor: Actor,
    *,
    address_line_1: str | None = None,
    postcode: str | None = None,
    note: str | None = None,
    team_id: str | None = None,
) -> Family:
    """Create a household owned by the creator's team, with its own data key."""
    address_line_1, postcode, note = _clean(address_line_1), _clean(postcode), _clean(note)
    problems = rules.family_problems(address_line_1, postcode, note)
    if problems:
        raise ValidationFailed(fields=problems)
    owning_team = choose_team(actor, team_id)
    family = Family(id=new_id(), owning_team_id=owning_team)
    family.kek_id, family.dek_wrapped = cipher_of(session).new_family_key(family.id)
    family.reference = rules.new_reference()
    family.address_line_1 = address_line_1
    if postcode:
        family.postcode = normalise_postcode(postcode)
        family.postcode_bi = _indexer(session).postcode(postcode)
    family.note = note
    session.add(family)
    session.flush()
    return family


def get_family(session: Session, actor: Actor, family_id: str) -> Family:
    """Read a family (audited with the basis of access)."""
    family, decision = visible_family(session, actor, family_id)
    trail.record(session, "family.read", subject_type="family", subject_id=family.id, family_id=family.id, basis=decision.basis)
    return family


def list_members(session: Session, actor: Actor, family_id: str) -> list[Person]:
    """The people in a family (one audited read for the list)."""
    family, decision = visible_family(session, actor, family_id)
    people = _people(session, family, decision)
    trail.record(
        session,
        "family.members.read",
        subject_type="family",
        subject_id=family.id,
        family_id=family.id,
        basis=decision.basis,
        detail={"people": [p.id for p in people]},
    )
    return people


def get_family_with_members(session: Session, actor: Actor, family_id: str) -> tuple[Family, list[Person]]:
    """A family and its people for one page: one audited read."""
    family, decision = visible_family(session, actor, family_id)
    people = _people(session, family, decision)
    trail.record(
        session,
        "family.read",
        subject_type="family",
        subject_id=family.id,
        family_id=family.id,
        basis=decision.basis,
        detail={"people": [p.id for p in people]},
    )
    return family, people


@dataclass(frozen=True)
class Page:
    items: list[Family]
    page: int
    per_page: int
    total: int
    #: each listed family's people that the actor may see (withheld people left out)
    people: dict[str, list[Person]] = dataclasses.field(default_factory=dict)


def list_families(session: Session, actor: Actor, page: int = 1, per_page: int = 50) -> Page:
    """The families ``actor`` may see, newest first (one audited read for the page shown)."""
    page, per_page = max(page, 1), min(max(per_page, 1), 200)
    where = visible_families(actor)
    total = session.scalar(select(func.count()).select_from(Family).where(where)) or 0
    items = list(
        session.scalars(
            select(Family).where(where).order_by(Family.created_at.desc(), Family.id).offset((page - 1) * per_page).limit(per_page)
        )
    )
    people: dict[str, list[Person]] = {f.id: [] for f in items}
    if items:
        for person in session.scalars(
            select(Person)
            .where(Person.family_id.in_(list(people)), ~withheld_from(actor, Person.id))
            .order_by(Person.created_at, Person.id)
        ):
            people[person.family_id].append(person)
        trail.record(session, "family.list", subject_type="family", detail={"families": [f.id for f in items]})
    return Page(items, page, per_page, total, people)


def add_member(
    session: Session,
    actor: Actor,
    family_id: str,
    *,
    given_name: str | None,
    family_name: str | None,
    role: str | None,
    parental_responsibility: bool = False,
    date_of_birth: date | None = None,
    expected_date: date | None = None,
    nhs_number: str | None = None,
    gender: str | None = None,
    ethnicity: str | None = None,
    language: str | None = None,
    school: str | None = None,
    note: str | None = None,
) -> Person:
    """Add a person to a family owned by the actor's team (partners see, the owning team records)."""
    family, decision = visible_family(session, actor, family_id)
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this family record can add people to it.")
    given_name, family_name, nhs_number = _clean(given_name), _clean(family_name), _clean(nhs_number)
    problems = rules.member_problems(
        given_name=given_name,
        family_name=family_name,
        role=role,
        date_of_birth=date_of_birth,
        expected_date=expected_date,
        nhs=nhs_number,
        today=today(),
    )
    for field, value, limit in (
        ("gender", gender, rules.MAX_LINE),
        ("ethnicity", ethnicity, rules.MAX_LINE),
        ("language", language, rules.MAX_LINE),
        ("school", school, rules.MAX_LINE),
        ("note", note, rules.MAX_TEXT),
    ):
        if value and len(value) > limit:
            problems.setdefault(field, []).append(f"{field.capitalize()} must be {limit} characters or fewer")
    if problems or not (given_name and family_name and role):
        raise ValidationFailed(fields=problems)
    idx = _indexer(session)
    person = Person(id=new_id(), family_id=family.id, role=role, parental_responsibility=bool(parental_responsibility))
    person.given_name = given_name
    person.family_name = family_name
    person.date_of_birth = date_of_birth
    person.expected_date = expected_date
    person.nhs_number = normalise_nhs_number(nhs_number) if nhs_number else None
    person.gender, person.ethnicity = _clean(gender), _clean(ethnicity)
    person.language, person.school, person.note = _clean(language), _clean(school), _clean(note)
    person.family_name_bi = idx.family_name(family_name)
    person.name_dob_bi = idx.name_dob(family_name, date_of_birth) if date_of_birth else None
    person.nhs_number_bi = idx.nhs_number(nhs_number) if nhs_number else None
    session.add(person)
    session.flush()
    return person


def search_people(
    session: Session,
    actor: Actor,
    *,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    nhs_number: str | None = None,
    limit: int = 50,
) -> list[Person]:
    """Exact-match search over the blind indexes, returning only people the actor may see.

    The truncated index narrows to candidates; each candidate is decrypted and compared
    exactly, so a shared index value never yields a false match.
    """
    family_name, nhs_number = _clean(family_name), _clean(nhs_number)
    if not family_name and not nhs_number:
        raise ValidationFailed(fields={"family_name": ["Enter a last name or an NHS number to search"]})
    if nhs_number and not rules.is_valid_nhs_number(nhs_number):
        raise ValidationFailed(fields={"nhs_number": ["Enter a valid NHS number, like 485 777 3456"]})
    idx = _indexer(session)
    conditions = []
    if nhs_number:
        conditions.append(Person.nhs_number_bi == idx.nhs_number(nhs_number))
    if family_name and date_of_birth:
        conditions.append(Person.name_dob_bi == idx.name_dob(family_name, date_of_birth))
    elif family_name:
        conditions.append(Person.family_name_bi == idx.family_name(family_name))
    query = (
        select(Person)
        .join(Family, Family.id == Person.family_id)
        .where(visible_families(actor), ~withheld_from(actor, Person.id), or_(*conditions) if len(conditions) > 1 else conditions[0])
        .order_by(Person.id)
        .limit(max(limit * 20, 200))
    )
    hits = []
    for person in session.scalars(query):
        if nhs_number and person.nhs_number != normalise_nhs_number(nhs_number):
            continue
        if family_name and normalise_name(person.family_name or "") != normalise_name(family_name):
            continue
        if date_of_birth and person.date_of_birth != date_of_birth:
            continue
        hits.append(person)
        if len(hits) >= limit:
            break
    trail.record(
        session,
        "person.search",
        subject_type="person",
        detail={
            "hits": [p.id for p in hits],
            "criteria": sorted(
                k for k, v in {"family_name": family_name, "date_of_birth": date_of_birth, "nhs_number": nhs_number}.items() if v
            ),
        },
    )
    return hits
