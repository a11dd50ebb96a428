"""Checkpoints and the verifier against a real database: made on demand and by the policy, kept
in the database and the checkpoint directory, and every way of tampering with the stored trail
found at its position. Verification decrypts nothing, so it passes after a family's key is gone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from casework import build_database
from casework.audit import checkpointing, trail
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.audit.read import open_detail
from casework.audit.verify import verify_trail
from casework.db import Database, utcnow
from casework.families.models import Family
from casework.migrate import upgrade
from casework.security.crypto import DecryptionError
from config import Settings
from tests.conftest import World


@pytest.fixture()
def db(fresh_database_url: str, settings: Settings, tmp_path: Path) -> Iterator[Database]:
    """A database of its own with a checkpoint every 10 events, files in ``tmp_path``."""
    database = build_database(
        settings.with_overrides(database_url=fresh_database_url, audit_checkpoint_dir=tmp_path / "cp", audit_checkpoint_every_events=10)
    )
    with database.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    yield database
    database.engine.dispose()


def _session(db: Database) -> Session:
    s = db.session()
    trail.bind(s, trail.AuditContext("tester", None, "req-1"))
    return s


def _events(db: Database, transactions: int, per: int = 3) -> None:
    for t in range(transactions):
        with _session(db) as s:
            for i in range(per):
                trail.record(s, "test.event", subject_type="thing", subject_id=f"{t}-{i}")
            s.commit()


def _verify(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return verify_trail(s, db.keyring, db.checkpoints.directory)


def _sql(db: Database, statement: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_checkpoints_made_every_n_events_stored_and_written(db: Database) -> None:
    _events(db, 9)  # 27 events, checkpoints when 10 more events than the last one are there
    with db.session() as s:
        sizes = list(s.scalars(select(AuditCheckpoint.size).order_by(AuditCheckpoint.id)))
    assert sizes == [12, 24]
    files = sorted(p.name for p in (db.checkpoints.directory or Path()).iterdir())
    assert len(files) == 2 and all(name.startswith("checkpoint-") for name in files)
    result = _verify(db)
    assert result.ok and result.checked == 27 and result.checkpoints == 2


def test_checkpoint_on_demand_and_after_t_minutes(db: Database) -> None:
    _events(db, 2)
    with _session(db) as s:
        cp = checkpointing.make_checkpoint(s)
        s.commit()
    assert cp.size == 6
    with _session(db) as s:
        assert not checkpointing.due(s, 6, utcnow())
        trail.record(s, "test.event")
        s.commit()
    with _session(db) as s:
        assert not checkpointing.due(s, 7, utcnow())
        assert checkpointing.due(s, 7, utcnow() + timedelta(minutes=61))
    assert _verify(db).ok


def test_rolled_back_checkpoint_writes_no_file(db: Database) -> None:
    _events(db, 1)
    with _session(db) as s:
        checkpointing.make_checkpoint(s)
        s.rollback()
    directory = db.checkpoints.directory
    assert directory is None or not directory.exists() or not list(directory.iterdir())


def test_verify_passes_after_a_family_key_is_destroyed(db: Database) -> None:
    with _session(db) as s:
        w = World(s)
        user = w.user()
        family = w.family(user)
        w.person(user, family, given_name="Keyless")
        family_id = family.id
        s.commit()
    _events(db, 4)
    # Disposal: the family's wrapped data key is overwritten, so nothing about it can be read.
    with db.engine.begin() as conn:
        conn.execute(update(Family).where(Family.id == family_id).values(dek_wrapped=os.urandom(60)))
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.family_id == family_id)).first()
        assert event is not None
        with pytest.raises(DecryptionError):
            open_detail(s, event)
    result = _verify(db)
    assert result.ok, result.failure


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE audit_event SET actor_id = 'someone-else' WHERE seq = 7", 7),
        ("UPDATE audit_event SET action = 'test.evenT' WHERE seq = 3", 3),
        ("DELETE FROM audit_event WHERE seq = 15", 15),
        ("UPDATE audit_event SET subject_id = (SELECT subject_id FROM audit_event WHERE seq = 20) WHERE seq = 19", 19),
        ("DELETE FROM audit_event WHERE seq > 20", 21),  # truncation: the checkpoint of size 24 covers 21-24
        ("DELETE FROM audit_checkpoint WHERE size = 12", 12),  # dropped from the database, kept outside
        ("UPDATE audit_checkpoint SET size = 11 WHERE size = 12", 11),  # forged: the signature fails
    ],
)
def test_verify_finds_tampering_in_the_database_at_its_position(db: Database, statement: str, expected: int) -> None:
    _events(db, 9)
    assert _verify(db).ok
    _sql(db, statement)
    result = _verify(db)
    assert result.failure is not None and result.failure.seq == expected, result.failure


def test_verify_truncation_with_its_checkpoints_is_found_from_the_files(db: Database) -> None:
    _events(db, 9)
    _sql(db, "DELETE FROM audit_event WHERE seq > 5")
    _sql(db, "DELETE FROM audit_checkpoint")
    result = _verify(db)
    assert result.failure is not None and result.failure.seq == 6
    assert "truncated" in result.failure.reason


def test_verify_unreadable_checkpoint_file_fails(db: Database) -> None:
    _events(db, 5)
    directory = db.checkpoints.directory
    assert directory is not None
    (directory / "checkpoint-000000000001-x.json").write_text("{not json")
    result = _verify(db)
    assert result.failure is not None and "not a readable checkpoint" in result.failure.reason


def test_append_after_checkpoint_keeps_verifying(db: Database) -> None:
    _events(db, 30, per=1)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditCheckpoint)) == 3
    assert _verify(db).ok
