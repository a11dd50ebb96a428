"""A council that assesses by the six Supporting Families areas (with scores, a date and its own
timescale) gets that assessment from its practice framework file alone
(tests/fixtures/supporting_families.toml): the same code, the same services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from casework.assessments import services
from casework.audit import trail
from casework.auth.services import actor_for
from casework.db import Database
from casework.errors import ValidationFailed
from casework.practice import Practice, load_practice
from casework.workdays import add_working_days
from tests.assessment_world import answers_for, assessment_world

SIX_AREAS_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "supporting_families.toml"
SIX_AREAS = ["crime", "school", "children_need_help", "worklessness", "domestic_abuse", "health"]


@pytest.fixture(scope="module")
def six() -> Practice:
    return load_practice(SIX_AREAS_FILE)


@pytest.fixture()
def session6(database: Database, connection: Connection, six: Practice) -> Iterator[Session]:
    db = Database(engine=database.engine, keyring=database.keyring, practice=six)
    db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    s = db.session()
    trail.bind(s, trail.AuditContext("test", None, "t"))
    yield s
    s.close()


def test_six_areas_framework_shapes_the_assessment(session6: Session) -> None:
    from tests.conftest import World

    t = assessment_world(session6, World(session6))
    view = services.start_assessment(session6, actor_for(t.lead), t.case.id)
    session6.commit()
    a = view.assessment
    assert [s["domain"] for s in view.template if s["person_id"] is None] == [
        "crime",
        "worklessness",
        "domestic_abuse",
        "health",
        "next_steps",
    ]
    per_child = [s["key"] for s in view.template if s["person_id"]]
    assert sorted(per_child) == sorted(f"{d}.{c.id}" for d in ("school", "children_need_help") for c in (t.older, t.younger))
    assert {s["domain"] for s in view.template} == {*SIX_AREAS, "next_steps"}
    assert not any(s["domain"] in ("development", "parenting") for s in view.template)
    assert a.due_on == add_working_days(t.case.opened_at.date(), 20)

    with pytest.raises(ValidationFailed) as refused:
        services.save_assessment(
            session6,
            actor_for(t.lead),
            a.id,
            version=a.version,
            sections={"crime": {"scale": 11}, "next_steps": {"review_by": "2026-02-30"}},
        )
    assert set(refused.value.fields) == {"sections.crime.scale", "sections.next_steps.review_by"}
    session6.rollback()
    services.save_assessment(session6, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template))
    assert a.sections["crime"]["scale"] == 5 and a.sections["next_steps"]["review_by"] == "2026-01-15"
    assert services.submit_assessment(session6, actor_for(t.lead), a.id).assessment.status == "submitted"
