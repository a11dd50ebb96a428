"""Disposal at the end of the retention period, with the council's clock moved forward.

Four families, each with a closed or open case, consents and free text holding canary words:
one due for disposal, one past its date but under a legal hold, one past its date with a
restricted person, one with a case still open. ``casework retention review`` names them by id
and date only; ``dispose --dry-run`` changes nothing; ``dispose`` removes the due family's every
row and its data key, leaves a readable tombstone, and the audit trail still verifies. Its audit
details no longer open, and none of its ciphertext (nor its words) is left in the database: in
the SQLite file and its write-ahead log, byte for byte; on PostgreSQL in any row of any table.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import LargeBinary, select

from casework import db as clock
from casework.audit import trail
from casework.audit.models import AuditEvent
from casework.audit.read import open_detail, readable_detail
from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from casework.families.models import Family, Person
from casework.models import metadata
from casework.retention import services as retention
from tests.cli.test_cli import cli  # noqa: F401 - the command against a database of its own
from tests.conftest import World

YEARS_ON = 30  # the youngest children here are born in 2016: 25 in 2041


def _family(session: Any, world: World, lead: Any, tag: str, close: bool) -> dict[str, Any]:
    """A family whose every free-text field holds the canary word ``Canary<tag>``."""
    canary = f"Canary{tag}xq"
    actor = actor_for(lead)
    family = world.family(lead, address_line_1=f"{canary} Cottage", note=f"{canary} household")
    mother = world.person(lead, family, given_name=f"{canary}Mum", family_name=canary, role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name=f"{canary}Kid", family_name=canary, date_of_birth=date(2016, 3, 1))
    case = cases.create_case(session, actor, family_id=family.id, level=2, source="other", reason=f"{canary} worries")
    leads.assign_lead(session, actor, case.id, user_id=lead.id)
    consent.record_consent(
        session, actor, case.id, person_id=mother.id, purpose="assessment", decision="given", method="written", note=f"{canary} agreed"
    )
    if close:
        cases.close_case(session, actor, case.id, reason="other", summary=f"{canary} moved on")
    return {"family": family.id, "case": case.id, "people": [mother.id, child.id], "child": child.id, "canary": canary}


def _ciphertexts(conn: Any, ids: dict[str, Any]) -> set[bytes]:
    """Every binary value (ciphertexts, the wrapped data key) of the family's rows, outside the audit trail."""
    found: set[bytes] = set()
    for table in metadata.sorted_tables:
        if table.name.startswith("audit_"):
            continue
        binary = [c for c in table.c if isinstance(c.type, LargeBinary)]
        if not binary:
            continue
        keys = {"id": [ids["family"]]} if table.name == "family" else {}
        keys |= {"family_id": [ids["family"]], "case_id": [ids["case"]], "person_id": ids["people"]}
        for column, values in keys.items():
            if column in table.c:
                for row in conn.execute(select(*binary).where(table.c[column].in_(values))):
                    found |= {bytes(v) for v in row if v is not None and len(v) >= 24}
                break
    return found


def _all_binary_and_text(conn: Any) -> list[bytes]:
    """Every value of every row of every table, as bytes (the PostgreSQL side of the check)."""
    values: list[bytes] = []
    for table in metadata.sorted_tables:
        for row in conn.execute(select(table)):
            values += [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row if v is not None]
    return values


@pytest.fixture()
def built(fresh_database, cli):  # type: ignore[no-untyped-def]  # noqa: F811
    session = fresh_database.session()
    trail.bind(session, trail.AuditContext("test", None, "test-build"))
    world = World(session)
    la = world.org("local_authority")
    lead = world.user(roles=("practitioner", "manager"), team="Early Help East", org=la)
    ig = world.user(roles=("ig_officer",), team=None, org=la)
    families = {tag: _family(session, world, lead, tag, close=tag != "open") for tag in ("due", "held", "restricted", "open")}
    retention.set_hold(session, actor_for(ig), families["held"]["family"], reason="Public inquiry")
    retention.set_restriction(
        session, actor_for(ig), families["restricted"]["family"], reason="Contested", person_id=families["restricted"]["child"]
    )
    session.commit()
    yield fresh_database, session, families
    session.close()


def test_retention_dispose_with_the_clock_moved_on(built, cli, monkeypatch, fresh_database_url):  # noqa: F811
    database, session, families = built
    due, kept = families["due"], [families[t] for t in ("held", "restricted", "open")]
    with database.engine.connect() as conn:
        doomed, survivors = _ciphertexts(conn, due), _ciphertexts(conn, families["held"])
    assert doomed and survivors
    due_events = list(session.scalars(select(AuditEvent).where(AuditEvent.family_id == due["family"])))
    assert due_events and all(open_detail(session, e) is not None for e in due_events)  # readable before
    session.rollback()  # SQLite: let the command take the write lock

    # today: nothing is due (the children are young and one case is open)
    assert "0 due for disposal" in cli("retention", "review").output
    now = datetime.now(UTC)
    monkeypatch.setattr(clock, "utcnow", lambda: now + timedelta(days=365 * YEARS_ON))

    review = cli("retention", "review")
    assert review.exit_code == 0, review.output
    lines = review.output.splitlines()
    assert any(due["family"] in line and "due" in line for line in lines)
    assert any(families["held"]["family"] in line and "held" in line for line in lines)
    assert any(families["restricted"]["family"] in line and "restricted" in line for line in lines)
    assert families["open"]["family"] not in review.output
    assert "retained until 2041-03-01" in review.output and "youngest_child_age:25" in review.output
    assert not any(f["canary"] in review.output for f in families.values())  # ids and dates only

    dry = cli("retention", "dispose", "--dry-run")
    assert dry.exit_code == 0 and f"would dispose of {due['family']}" in dry.output
    assert session.get(Family, due["family"]) is not None
    session.rollback()

    disposed = cli("retention", "dispose")
    assert disposed.exit_code == 0, disposed.output
    assert f"disposed of {due['family']}" in disposed.output and "1 family disposed of" in disposed.output

    session.info.pop("cipher", None)  # a new transaction: no data key cached from before
    with database.engine.connect() as conn:
        # every row of the family is gone, the family row with its wrapped data key too
        assert _ciphertexts(conn, due) == set()
        for table in metadata.sorted_tables:
            if table.name.startswith("audit_"):
                continue
            for column, values in (("family_id", [due["family"]]), ("case_id", [due["case"]]), ("person_id", due["people"])):
                if column in table.c:
                    assert conn.execute(select(table).where(table.c[column].in_(values))).first() is None, table.name
    assert session.get(Family, due["family"]) is None
    # its audit details no longer open; the events themselves stay, and the chain verifies
    after = list(session.scalars(select(AuditEvent).where(AuditEvent.family_id == due["family"])))
    assert [e.seq for e in after] == [e.seq for e in due_events]
    assert all(readable_detail(session, e) is None for e in after)
    tombstone = session.scalar(select(AuditEvent).where(AuditEvent.action == "family.dispose"))
    assert tombstone is not None and tombstone.subject_id == due["family"] and tombstone.family_id is None
    detail = open_detail(session, tombstone)
    assert detail["family_id"] == due["family"] and detail["counts"]["person"] == 2 and detail["counts"]["family"] == 1
    assert detail["retention"] == {"basis": "youngest_child_age:25", "until": "2041-03-01"}
    assert due["canary"] not in json.dumps(detail)
    session.rollback()
    verify = cli("audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.output, verify.output

    # the held, restricted and open families are untouched and readable
    for f in kept:
        names = {p.given_name for p in session.scalars(select(Person).where(Person.family_id == f["family"]))}
        assert names == {f"{f['canary']}Mum", f"{f['canary']}Kid"}
        assert any(readable_detail(session, e) for e in session.scalars(select(AuditEvent).where(AuditEvent.family_id == f["family"])))

    # nothing of the disposed family is left readable in the database
    if database.dialect == "sqlite":
        path = Path(database.engine.url.database or "")
        stored = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    else:
        with database.engine.connect() as conn:
            stored = b"\x00".join(_all_binary_and_text(conn))
    assert due["canary"].encode() not in stored
    assert [blob for blob in doomed if blob in stored] == []
    assert any(blob in stored for blob in survivors)  # the check finds what is still there


def test_retention_backup_of_a_disposed_family_unreadable_once_its_key_is_retired(built, cli, monkeypatch, tmp_path, settings):  # noqa: F811
    """A backup taken before disposal holds the family's data key wrapped under the key-encryption
    key of the time: rotating and retiring that key leaves nothing in the backup that opens."""
    from casework import build_database
    from casework.security.crypto import unwrap_key
    from casework.security.keyring import Keyring, KeyringError

    database, session, families = built
    due = families["due"]
    keyring = tmp_path / "keyring.json"  # the command's own copy: rotating it leaves the session's alone
    keyring.write_text(settings.keyring_path.read_text())
    monkeypatch.setenv("CASEWORK_KEYRING", str(keyring))
    old = Keyring.from_json(keyring.read_text()).kek.current
    backup = session.execute(select(Family.kek_id, Family.dek_wrapped).where(Family.id == due["family"])).one()
    session.rollback()
    assert backup.kek_id == old

    now = datetime.now(UTC)
    monkeypatch.setattr(clock, "utcnow", lambda: now + timedelta(days=365 * YEARS_ON))
    assert cli("retention", "dispose").exit_code == 0
    # disposed from the database, but the backup's wrapped key still opens while the old key exists
    assert unwrap_key(Keyring.from_json(keyring.read_text()).kek.get(old), old, due["family"], backup.dek_wrapped)

    assert cli("keys", "retire", "--kek", old).exit_code == 1  # still wrapping the other families' keys
    assert cli("keys", "rotate", "--batch", "2").exit_code == 0
    current = Keyring.from_json(keyring.read_text()).kek.current
    assert cli("keys", "retire", "--kek", current).exit_code == 1  # never the current one
    retired = cli("keys", "retire", "--kek", old)
    assert retired.exit_code == 0, retired.output
    ring = Keyring.from_json(keyring.read_text())
    assert old not in ring.kek.keys
    with pytest.raises(KeyringError):
        ring.kek.get(old)  # the backup's copy of the data key can no longer be unwrapped

    # the families kept are still readable under the new key, and the trail still verifies
    rotated = build_database(
        settings.with_overrides(database_url=database.engine.url.render_as_string(hide_password=False), keyring_path=keyring)
    )
    try:
        with rotated.session() as fresh:
            held = families["held"]
            names = {p.given_name for p in fresh.scalars(select(Person).where(Person.family_id == held["family"]))}
            assert names == {f"{held['canary']}Mum", f"{held['canary']}Kid"}
    finally:
        rotated.engine.dispose()
    assert cli("audit", "verify").exit_code == 0
