"""A council with five levels, other level names, other timescales and its own closure reasons
runs on the same code: only the practice framework file changes (tests/fixtures/five_levels.toml).

The services here run against a Database made with that framework, sharing the test database's
engine, keyring and rolled-back connection with the rest of the suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from casework import build_database, create_app
from casework.audit import trail
from casework.auth.services import actor_for
from casework.cases import leads, services, transitions, work
from casework.db import Database
from casework.errors import InvalidTransition, ValidationFailed
from casework.practice import Practice, PracticeError, load_practice
from casework.workdays import add_working_days
from config import Settings
from tests.conftest import World

FIVE_LEVELS_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "five_levels.toml"


@pytest.fixture(scope="module")
def five() -> Practice:
    return load_practice(FIVE_LEVELS_FILE)


@pytest.fixture()
def db5(database: Database, connection: Connection, five: Practice) -> Iterator[Database]:
    """The test database, as a council with the five-level framework sees it."""
    db = Database(engine=database.engine, keyring=database.keyring, practice=five)
    db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield db


@pytest.fixture()
def session5(db5: Database) -> Iterator[Session]:
    s = db5.session()
    trail.bind(s, trail.AuditContext("test", None, "t"))
    yield s
    s.close()


@pytest.fixture()
def team(session5: Session):  # type: ignore[no-untyped-def]
    """Two practitioners and two managers of one team, and a family the team owns."""
    world = World(session5)
    practitioner = world.user(roles=("practitioner",), team="Family Help East")
    org = practitioner.organisation
    colleague = world.user(roles=("practitioner",), team="Family Help East", org=org)
    manager = world.user(roles=("manager",), team="Family Help East", org=org)
    other_manager = world.user(roles=("manager",), team="Family Help East", org=org)
    family = world.family(practitioner)
    return world, practitioner, colleague, manager, other_manager, family


def test_five_level_framework_is_what_the_services_see(session5: Session, five: Practice) -> None:
    assert services.practice_of(session5) is five
    assert [level.name for level in five.levels] == ["Universal", "Universal Plus", "Early Help", "Family Help", "Statutory social care"]
    assert five.statutory_level.number == 5


def test_five_level_framework_case_journey_up_to_statutory_and_back(session5: Session, team, five: Practice) -> None:  # type: ignore[no-untyped-def]
    _world, practitioner, colleague, manager, _other_manager, family = team
    p, c, m = actor_for(practitioner), actor_for(colleague), actor_for(manager)

    case = services.create_case(
        session5, p, family_id=family.id, level=3, source="request_for_support", reason="School worried about attendance"
    )
    assert (case.status, case.level, case.lead_professional_id) == ("requested", 3, None)
    opened_on = case.opened_at.date()
    assert case.assessment_due_on == add_working_days(opened_on, 10)  # the file's timescale, not the default 35
    assert case.assessment_due_on < add_working_days(opened_on, 35)

    leads.assign_lead(session5, m, case.id, user_id=practitioner.id, reason="Allocated at the hub")
    assert case.lead_professional_id == practitioner.id

    # Immediate risk: the step-up to level 5 takes effect at once; the manager approves afterwards.
    up = transitions.request_transition(session5, p, case.id, to_level=5, reason="Disclosure of harm", immediate_risk=True)
    assert (up.status, up.direction, up.from_level, up.to_level, case.level) == ("approved", "step_up", 3, 5, 5)
    assert up.effective_at is not None and up.decided_by_id is None
    assert up in work.my_work(session5, m).approvals
    with pytest.raises(InvalidTransition):
        transitions.decide_transition(session5, m, up.id, decision="rejected", note="Not convinced")
    transitions.decide_transition(session5, m, up.id, decision="approved", note="Right call")
    assert (up.decided_by_id, case.level) == (manager.id, 5)
    assert up not in work.approvals_queue(session5, m)

    # Step-down from statutory to level 4: a receiving lead professional accepts, then a manager approves.
    down = transitions.request_transition(
        session5,
        p,
        case.id,
        to_level=4,
        reason="Child protection plan ended",
        receiving_lead_id=colleague.id,
        family_agreement=True,
        handover_notes="Prefers texts to calls",
    )
    assert (down.status, down.direction, down.receiving_lead_id, case.level) == ("pending", "step_down", colleague.id, 5)
    with pytest.raises(InvalidTransition):
        transitions.decide_transition(session5, m, down.id, decision="approved", note=None)  # not accepted yet
    assert down in work.my_work(session5, c).transfers
    transitions.accept_transfer(session5, c, down.id)
    transitions.decide_transition(session5, m, down.id, decision="approved", note="Agreed at the transfer meeting")
    assert (down.status, case.level, case.lead_professional_id) == ("approved", 4, colleague.id)

    # Closure with the file's own reasons: one that needs a final review, one unknown here, one that closes.
    with pytest.raises(InvalidTransition, match="final review"):
        services.close_case(session5, c, case.id, reason="outcomes_achieved", summary="Going well")
    with pytest.raises(ValidationFailed) as caught:
        services.close_case(session5, c, case.id, reason="needs_met", summary="Going well")  # the default file's reason
    assert set(caught.value.fields) == {"reason"}
    assert "one_agency_continues" in caught.value.fields["reason"][0]
    services.close_case(session5, c, case.id, reason="one_agency_continues", summary="The school carries on supporting")
    assert (case.status, case.closure_reason) == ("closed", "one_agency_continues")

    _, items = work.timeline(session5, m, case.id)
    titles = [item.title for item in items]
    assert titles[0] == "Closed: One agency carries on supporting"
    assert "Request for support opened at level 3 (Early Help)" in titles
    assert "Step-up to level 5 (Statutory social care) requested with immediate risk: took effect at once" in titles
    assert "Step-down to level 4 (Family Help) approved" in titles


@pytest.mark.parametrize("level", [2, 4])
def test_five_level_framework_opens_cases_at_every_entry_level(session5: Session, team, level: int) -> None:  # type: ignore[no-untyped-def]
    _world, practitioner, *_rest, family = team
    case = services.create_case(session5, actor_for(practitioner), family_id=family.id, level=level, source="other", reason="Worried")
    assert case.level == level


@pytest.mark.parametrize("level", [1, 5, 6])
def test_five_level_framework_refuses_universal_statutory_and_unknown_entry_levels(session5: Session, team, level: int) -> None:  # type: ignore[no-untyped-def]
    _world, practitioner, *_rest, family = team
    with pytest.raises(ValidationFailed) as caught:
        services.create_case(session5, actor_for(practitioner), family_id=family.id, level=level, source="other", reason="Worried")
    assert caught.value.status == 422
    assert set(caught.value.fields) == {"level"}
    assert "2, 3, 4" in caught.value.fields["level"][0]


def test_five_level_framework_refuses_a_sixth_level(session5: Session, team) -> None:  # type: ignore[no-untyped-def]
    _world, practitioner, *_rest, family = team
    p = actor_for(practitioner)
    case = services.create_case(session5, p, family_id=family.id, level=3, source="other", reason="Worried")
    with pytest.raises(ValidationFailed) as caught:
        transitions.request_transition(session5, p, case.id, to_level=6, reason="Higher still")
    assert caught.value.status == 422
    assert caught.value.fields == {"to_level": ["Level must be between 1 and 5"]}
    with pytest.raises(ValidationFailed) as caught:
        transitions.request_transition(session5, p, case.id, to_level=4, reason="Rising risk", immediate_risk=True)
    assert caught.value.fields == {"immediate_risk": ["Immediate risk applies only to a step-up to level 5"]}
    assert case.level == 3
    assert transitions.list_transitions(session5, p, case.id) == []


def test_five_level_framework_flags_follow_its_timescales(session5: Session, team) -> None:  # type: ignore[no-untyped-def]
    _world, practitioner, *_rest, family = team
    case = services.create_case(session5, actor_for(practitioner), family_id=family.id, level=3, source="other", reason="Worried")
    assert case.assessment_due_on is not None
    assert services.case_flags(session5, case, on=case.assessment_due_on).assessment_overdue is False
    assert services.case_flags(session5, case, on=case.assessment_due_on + timedelta(days=1)).assessment_overdue is True
    nine_months = services.case_flags(session5, case, on=case.opened_at.date() + timedelta(days=280))
    assert nine_months.drift_reasons == ("open for more than 9 months",)


def test_five_level_framework_is_loaded_by_the_app_from_settings(settings: Settings) -> None:
    db = build_database(settings.with_overrides(practice_file=FIVE_LEVELS_FILE))
    try:
        assert db.practice.name == "Fiveshire Family Help continuum"
        assert len(db.practice.levels) == 5
        app = create_app(settings.with_overrides(practice_file=FIVE_LEVELS_FILE), db)
        assert app.extensions["casework"]["practice"] is db.practice
    finally:
        db.engine.dispose()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('name = "Family Help"\n', 'name = "Family Help"\nstatutory = true\n'), "exactly one level must be marked statutory = true"),
        (("number = 5\n", "number = 6\n"), "levels must be numbered 1 to 5 in order, found [1, 2, 3, 4, 6]"),
        (("assessment_due_working_days = 10", "assessment_due_working_days = 0"), "'assessment_due_working_days' must be a whole number"),
        (('code = "moved_away"', 'code = "agreement_withdrawn"'), "closure_reasons: 'agreement_withdrawn' appears more than once"),
    ],
)
def test_five_level_framework_invalid_variant_refuses_to_start(
    settings: Settings, tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    text = FIVE_LEVELS_FILE.read_text(encoding="utf-8")
    assert text.count(change[0]) == 1
    path = tmp_path / "fiveshire.toml"
    path.write_text(text.replace(*change), encoding="utf-8")
    broken = settings.with_overrides(practice_file=path)
    with pytest.raises(PracticeError) as caught:
        create_app(broken)
    assert "fiveshire.toml: " in str(caught.value)
    assert problem in str(caught.value)
    with pytest.raises(PracticeError, match=re.escape(problem)):
        build_database(broken)
