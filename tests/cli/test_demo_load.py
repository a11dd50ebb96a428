"""`casework demo load`: bulk-loaded families are stored exactly as the services store them."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.audit.read import open_detail
from casework.audit.verify import verify_trail
from casework.auth import services as auth
from casework.auth.models import User
from casework.cli import main
from casework.demo import ensure_demo, load_demo
from casework.demo.entropy import EntropyPool
from casework.demo.households import HouseholdGenerator
from casework.demo.staff import DEMO_EMAIL
from casework.families import rules
from casework.families import services as families
from casework.families.models import Family, Person
from casework.security.crypto import unwrap_key

FAMILIES = 20


def _ids(session: Session, model: type[Family] | type[Person]) -> set[str]:
    return set(session.scalars(select(model.id)))


@pytest.fixture()
def loaded(database, connection, session, tmp_path):  # type: ignore[no-untyped-def]
    """Twenty demo families loaded in batches of seven (three transactions)."""
    before_families, before_people = _ids(session, Family), _ids(session, Person)
    result = load_demo(database, tmp_path, families=FAMILIES, batch_size=7)
    family_ids = _ids(session, Family) - before_families
    person_ids = _ids(session, Person) - before_people
    return result, family_ids, person_ids


def _team_user(session: Session, team_id: str, other: bool = False) -> User:
    """A demo practitioner in ``team_id`` (or, with ``other``, in another team)."""
    for email in (DEMO_EMAIL, "south@demo.casework.test", "healthvisitor@demo.casework.test"):
        user = auth.user_by_email(session, email)
        assert user is not None
        if (team_id in user.team_ids) != other:
            return user
    raise AssertionError("no such demo user")


def test_load_demo_stores_families_people_and_staff(loaded, session, tmp_path):
    result, family_ids, person_ids = loaded
    assert result.families == FAMILIES and len(family_ids) == FAMILIES
    assert 1.5 * FAMILIES <= len(person_ids) <= 4 * FAMILIES
    assert result.email == DEMO_EMAIL
    assert result.credentials_file == tmp_path / "demo-credentials.txt"
    assert result.credentials_file.read_text().splitlines() == [DEMO_EMAIL, result.password]
    assert result.credentials_file.stat().st_mode & 0o077 == 0
    assert auth.authenticate(session, DEMO_EMAIL, result.password) is not None
    teams = Counter(f.owning_team_id for f in session.scalars(select(Family).where(Family.id.in_(family_ids))))
    assert sorted(teams.values()) == [FAMILIES // 2, FAMILIES // 2]  # the two early help teams in turn
    for team_id in teams:
        assert "practitioner" in _team_user(session, team_id).roles


def test_load_demo_people_decrypt_under_their_family_key(loaded, database):
    _, family_ids, person_ids = loaded
    keyring = database.keyring
    fresh = database.session()  # nothing cached: every value is opened from its ciphertext
    try:
        for family in fresh.scalars(select(Family).where(Family.id.in_(family_ids))):
            assert family.kek_id == keyring.kek.current
            assert len(unwrap_key(keyring.kek.get(family.kek_id), family.kek_id, family.id, family.dek_wrapped)) == 32
            assert family.reference and re.fullmatch(r"EH-[A-HJ-NP-Z2-9]{8}", family.reference)
            assert family.address_line_1 and family.postcode and rules.is_valid_postcode(family.postcode)
        people = list(fresh.scalars(select(Person).where(Person.id.in_(person_ids))))
        assert {p.id for p in people} == person_ids
        roles = Counter(p.role for p in people)
        assert roles["parent_carer"] >= FAMILIES and roles["child"] + roles["unborn"] >= FAMILIES
        for person in people:
            assert person.given_name and person.family_name
            assert not rules.member_problems(
                given_name=person.given_name,
                family_name=person.family_name,
                role=person.role,
                date_of_birth=person.date_of_birth,
                expected_date=person.expected_date,
                nhs=person.nhs_number,
                today=date.today(),
            )
            assert person.parental_responsibility == (person.role == "parent_carer")
            assert (person.date_of_birth is None) == (person.role == "unborn")
    finally:
        fresh.close()


def test_load_demo_people_are_found_by_search_only_by_their_team(loaded, session):
    _, _, person_ids = loaded
    person = next(
        p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)) if p.date_of_birth and p.nhs_number
    )
    team_id = person.family.owning_team_id
    owner = auth.actor_for(_team_user(session, team_id))
    stranger = auth.actor_for(_team_user(session, team_id, other=True))
    by_name = families.search_people(session, owner, family_name=person.family_name, date_of_birth=person.date_of_birth)
    assert person.id in {p.id for p in by_name}
    by_nhs = families.search_people(session, owner, nhs_number=person.nhs_number)
    assert [p.id for p in by_nhs] == [person.id]
    assert families.search_people(session, stranger, family_name=person.family_name, date_of_birth=person.date_of_birth) == []
    assert families.search_people(session, stranger, nhs_number=person.nhs_number) == []


def test_load_demo_records_one_create_event_per_row_and_the_trail_verifies(loaded, session, database):
    _, family_ids, person_ids = loaded
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.subject_id.in_(family_ids | person_ids))))
    assert Counter(e.subject_id for e in events) == Counter(family_ids | person_ids)
    assert {(e.action, e.subject_id in family_ids) for e in events} == {("family.create", True), ("person.create", False)}
    assert {e.actor_id for e in events} == {"demo-loader"}
    assert all(e.family_id in family_ids and e.key_id == "family" for e in events)
    person = session.get(Person, next(iter(person_ids)))
    detail = open_detail(session, next(e for e in events if e.subject_id == person.id))
    changes = detail["changes"]
    assert changes["id"] == [None, person.id] and changes["family_id"] == [None, person.family_id]
    assert changes["given_name"] == [None, person.given_name] and changes["role"] == [None, person.role]
    result = verify_trail(session, database.keyring)
    assert result.ok, result.failure
    assert result.checked >= len(events)


def _expected_changes(record: Family | Person) -> dict[str, object]:
    """The ``changes`` of a create event as the trail's flush hook records them for ``record``."""
    if isinstance(record, Family):
        plain: dict[str, object] = {"id": record.id, "owning_team_id": record.owning_team_id}
        expected: dict[str, object] = {"kek_id": "changed", "dek_wrapped": "changed"}
    else:
        plain = {"id": record.id, "family_id": record.family_id, "role": record.role}
        expected = {"parental_responsibility": [None, record.parental_responsibility]}
    plain.update({name: getattr(record, name) for name in type(record).__encrypted__})
    for name, value in plain.items():
        if value is not None:
            expected[name] = [None, value.isoformat() if isinstance(value, date) else value]
    return expected


def test_load_demo_audit_details_are_those_the_services_record(loaded, session, world):
    _, family_ids, person_ids = loaded
    user = world.user()
    made_family = world.family(user, address_line_1="1 Demo Street", postcode="SW1A 1AA")
    made_person = world.person(
        user,
        made_family,
        given_name="Ada",
        family_name="Lovell",
        role="parent_carer",
        parental_responsibility=True,
        date_of_birth=date(1990, 1, 2),
        nhs_number="943 476 5919",
        gender="Female",
        ethnicity="White: Irish",
        language="English",
    )
    session.commit()

    def changes(subject_id: str) -> dict[str, object]:
        event = session.scalar(select(AuditEvent).where(AuditEvent.subject_id == subject_id))
        return open_detail(session, event)["changes"]  # type: ignore[no-any-return]

    # The expectation is what the services record ...
    assert changes(made_family.id) == _expected_changes(made_family)
    assert changes(made_person.id) == _expected_changes(made_person)
    # ... and the loader records the same for every row it writes.
    for family in session.scalars(select(Family).where(Family.id.in_(family_ids))):
        assert changes(family.id) == _expected_changes(family)
    for person in session.scalars(select(Person).where(Person.id.in_(person_ids))):
        assert changes(person.id) == _expected_changes(person)


def test_ensure_demo_loads_once(database, connection, session, tmp_path):
    first = ensure_demo(database, tmp_path, families=3)
    second = ensure_demo(database, tmp_path, families=3)
    assert first.families == 3 and second.families == 0
    assert (second.email, second.password) == (first.email, first.password)


def test_demo_load_command_loads_and_the_trail_verifies(fresh_database_url, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEWORK_ENV", "testing")
    monkeypatch.setenv("CASEWORK_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("CASEWORK_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("CASEWORK_KEYRING", str(settings.keyring_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    load = runner.invoke(main, ["demo", "load", "--families", "5"], catch_exceptions=False)
    assert load.exit_code == 0, load.output
    assert "Loaded 5 families" in load.output
    verify = runner.invoke(main, ["audit", "verify"], catch_exceptions=False)
    assert verify.exit_code == 0 and "intact" in verify.output


def test_household_generator_makes_households_the_services_accept():
    today = date(2026, 11, 22)
    generator = HouseholdGenerator(7, 2000, today)
    households = [generator.household() for _ in range(2000)]
    people = [p for h in households for p in h.people]
    assert 2.3 <= len(people) / len(households) <= 2.8
    roles = Counter(p.role for p in people)
    assert roles["unborn"] > 0 and roles["other_adult"] > 0
    assert len({p.nhs_number for p in people if p.nhs_number}) == sum(1 for p in people if p.nhs_number)
    for household in households:
        assert not rules.family_problems(household.address_line_1, household.postcode, None)
        assert any(p.parental_responsibility for p in household.people)
        for p in household.people:
            assert not rules.member_problems(
                given_name=p.given_name,
                family_name=p.family_name,
                role=p.role,
                date_of_birth=p.date_of_birth,
                expected_date=p.expected_date,
                nhs=p.nhs_number,
                today=today,
            )
    again = HouseholdGenerator(7, 2000, today)
    assert [again.household() for _ in range(50)] == households[:50]


def test_entropy_pool_record_ids_are_uuid4_text():
    pool = EntropyPool()
    ids = [pool.record_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        value = uuid.UUID(text)
        assert str(value) == text and value.version == 4 and value.variant == uuid.RFC_4122


def test_load_demo_practice_records_are_those_the_services_leave(loaded, session):
    """Consents, assessments, plans, outcomes and reviews: one create event each; the family's
    agreement recorded before the assessment, signed off before the plan, reviews at the
    framework's cadence on working days, and the sharing rows those the consent rules derive."""
    from casework.assessments.models import Assessment
    from casework.cases.models import Case
    from casework.consent import services as consent
    from casework.consent.models import Consent, SharingBasis
    from casework.plans.models import Outcome, Plan, Review
    from casework.plans.rules import next_review_due
    from casework.workdays import is_working_day

    _, family_ids, _ = loaded
    rows = {
        model: list(session.scalars(select(model).where(model.family_id.in_(family_ids))))
        for model in (Case, Consent, Assessment, Plan, Outcome, Review)
    }
    assert all(rows.values()), {m.__name__: len(r) for m, r in rows.items()}
    for model in (Consent, Assessment, Plan, Outcome, Review):
        ids = [r.id for r in rows[model]]
        events = session.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.action == f"{model.__audit__}.create", AuditEvent.subject_id.in_(ids))
        )
        assert Counter(events) == Counter(ids), model.__name__
    practice = session.info["db"].practice
    cases = {c.id: c for c in rows[Case]}
    for assessment in rows[Assessment]:
        case = cases[assessment.case_id]
        assert consent.has_family_agreement(session, case)
        agreed = min(c.recorded_at for c in rows[Consent] if c.case_id == case.id and c.purpose == "assessment")
        assert agreed <= assessment.started_at
    for plan in rows[Plan]:
        assessment = next(a for a in rows[Assessment] if a.case_id == plan.case_id)
        assert assessment.status == "signed_off" and assessment.decided_at is not None and assessment.decided_at <= plan.created_at
        held = sorted(r.held_on for r in rows[Review] if r.plan_id == plan.id)
        expected, due = [], next_review_due(plan.agreed_on, practice)
        for day in held:
            expected.append(due)
            due = next_review_due(day, practice)
        assert held == expected and all(is_working_day(day) for day in held)
        assert plan.strengths and 1 <= sum(o.plan_id == plan.id for o in rows[Outcome]) <= 3
    for case in rows[Case]:
        stored = {(b.organisation_id, b.expires_on) for b in session.scalars(select(SharingBasis).where(SharingBasis.case_id == case.id))}
        assert stored == set(consent.derive_sharing(session, case).consent.items())
