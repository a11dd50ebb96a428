"""Key rotation while families are being written: afterwards every row is readable, no family
is on the retired key-encryption key, the old MAC and signing keys still verify the trail, and
the rotation is in the trail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework import build_database
from casework.audit import checkpointing, trail
from casework.audit.models import AuditEvent
from casework.audit.read import open_detail
from casework.audit.verify import verify_trail
from casework.db import Database
from casework.families.models import Family, Person
from casework.migrate import upgrade
from casework.security.keyring import Keyring
from casework.security.rotation import rotate
from config import Settings
from tests.conftest import World


@pytest.fixture()
def app_settings(fresh_database_url: str, settings: Settings, tmp_path: Path) -> Settings:
    """A keyring file of its own (the rotation rewrites it) and a checkpoint every 25 events."""
    keyring = tmp_path / "keyring.json"
    Keyring.generate().save(keyring)
    return settings.with_overrides(
        database_url=fresh_database_url, keyring_path=keyring, audit_checkpoint_dir=tmp_path / "cp", audit_checkpoint_every_events=25
    )


@pytest.fixture()
def app_db(app_settings: Settings) -> Iterator[Database]:
    db = build_database(app_settings)
    with db.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    yield db
    db.engine.dispose()


def _families(db: Database, n: int, label: str) -> None:
    with db.session() as s:
        trail.bind(s, trail.AuditContext("writer", None, None))
        w = World(s)
        user = w.user(team=f"Team {label}")
        s.commit()
        for i in range(n):
            family = w.family(user, note=f"{label} family {i}")
            w.person(user, family, given_name=f"{label}{i}")
            s.commit()


def test_rotation_under_concurrent_writes_leaves_everything_readable(app_db: Database, app_settings: Settings) -> None:
    old_kek = app_db.keyring.kek.current
    old_mac = app_db.keyring.mac.current
    _families(app_db, 30, "Before")
    with app_db.session() as s:
        checkpointing.make_checkpoint(s)  # signed with the key about to be retired
        s.commit()

    # Another process (its own Database, keyring loaded before the rotation) keeps writing.
    writer_db = build_database(app_settings)
    stop = threading.Event()
    errors: list[Exception] = []
    written = [0]

    def writer() -> None:
        try:
            while not stop.is_set():
                _families(writer_db, 2, f"During{written[0]}")
                written[0] += 2
        except Exception as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 4:
            stop.wait(0.05)
        result = rotate(app_db, batch=7, settle=0.3)
        during = written[0]
        while written[0] < during + 4:  # the writer goes on after the rotation, on the new key
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
        writer_db.engine.dispose()
    assert not errors, errors
    ring = Keyring.from_json(Path(str(app_settings.keyring_path)).read_text())
    assert ring.kek.current == result.kek_id != old_kek
    assert old_kek in ring.kek.keys and old_mac in ring.mac.keys and ring.mac.current != old_mac
    assert result.rewrapped >= 30

    with app_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Family).where(Family.kek_id != result.kek_id)) == 0
        people = list(s.scalars(select(Person)))
        assert len(people) == 30 + written[0]
        assert all(p.given_name for p in people)
        families = list(s.scalars(select(Family)))
        assert all(f.note and f.note.endswith(f"family {f.note.split()[-1]}") for f in families)
        rotation = s.scalars(select(AuditEvent).where(AuditEvent.action == "keys.rotate")).one()
        assert open_detail(s, rotation)["kek"] == result.kek_id
        macs = set(s.scalars(select(AuditEvent.mac_key_id).distinct()))
        assert {old_mac, ring.mac.current} <= macs  # events under both MAC keys
    with app_db.session() as s:
        verdict = verify_trail(s, app_db.keyring, app_db.checkpoints.directory)
    assert verdict.ok, verdict.failure


def test_rotation_skips_families_whose_key_was_destroyed(app_db: Database) -> None:
    import os

    from sqlalchemy import update

    _families(app_db, 5, "Kept")
    with app_db.session() as s:
        gone = s.scalars(select(Family.id).order_by(Family.id)).first()
    with app_db.engine.begin() as conn:
        conn.execute(update(Family).where(Family.id == gone).values(dek_wrapped=os.urandom(60)))
    result = rotate(app_db, batch=2, settle=0)
    assert (result.rewrapped, result.unreadable) == (4, 1)
    with app_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Family).where(Family.kek_id == result.kek_id)) == 4
