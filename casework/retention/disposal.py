"""Review and disposal at the end of the retention period.

Disposal of a family, in one short transaction of its own:
1. lock the family row and assess it again (a case opened, a hold or a restriction placed since
   the review keeps it);
2. delete every row about the family (people, cases, consents, assessments, plans, reviews,
   notifications, the email outbox, restrictions and holds: any table with a ``family_id``,
   ``case_id`` or ``person_id`` column, so a table added later is not forgotten) and finally the
   family row, which holds the only copy of its data key (``dek_wrapped``): the key is destroyed,
   and with it every ciphertext about the family left anywhere -- audit details, backups,
   PostgreSQL's dead tuples (docs/data-protection.md);
3. append a tombstone event ``family.dispose`` (family id, row counts per table, the retention
   rule and date; no personal data), sealed under the audit key so the information governance
   team can still read it. The audit chain covers ciphertext only, so it still verifies.
SQLite connections run with ``secure_delete`` (casework.db), so deleted cells and freed pages
are zeroed; :func:`truncate_wal` then empties the write-ahead log of its older page images.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.cases.models import Case
from casework.cases.services import practice_of
from casework.db import Base, Database
from casework.errors import Conflict, NotFound
from casework.families.models import Family, Person
from casework.retention import rules
from casework.retention.records import all_records, family_records
from casework.security.fields import cipher_of

#: Tables that outlive disposal: the audit trail covers ciphertext and must still verify.
KEPT_TABLES = frozenset({"audit_event", "audit_reference", "audit_checkpoint"})


@dataclass(frozen=True)
class Disposal:
    family_id: str
    until: date
    basis: str
    counts: dict[str, int] = field(default_factory=dict)


def review(session: Session, on: date) -> Iterator[rules.RetentionState]:
    """Every family past its retention date: due, or kept by a legal hold or a restriction."""
    policy = practice_of(session).retention
    for record in all_records(session):
        state = rules.assess(policy, record, on)
        if state.status in (rules.DUE, rules.HELD, rules.RESTRICTED):
            yield state


def record_review(session: Session, states: list[rules.RetentionState], on: date) -> None:
    """Audit a review: how many were found in each state, and which families (ids only)."""
    trail.record(
        session,
        "retention.review",
        basis="retention",
        detail={
            "on": on.isoformat(),
            "counts": {status: sum(s.status == status for s in states) for status in (rules.DUE, rules.HELD, rules.RESTRICTED)},
            "families": [s.family_id for s in states],
        },
    )


def _family_tables() -> list[Any]:
    """Tables holding a family's rows, dependants before what they depend on."""
    tables = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT_TABLES or table.name == "family":
            continue
        if {"family_id", "case_id", "person_id"} & set(table.c.keys()):
            tables.append(table)
    return tables


def dispose_family(session: Session, family_id: str, on: date, dry_run: bool = False) -> Disposal:
    """Dispose of one family whose retention period has ended (see the module's docstring).
    :class:`Conflict` when it is not due (open, retained, held or restricted)."""
    locked = session.scalar(select(Family.id).where(Family.id == family_id).with_for_update())
    if locked is None:
        raise NotFound()
    state = rules.assess(practice_of(session).retention, family_records(session, [family_id], release=True)[family_id], on)
    if state.status != rules.DUE or state.until is None:
        raise Conflict(f"Not due for disposal ({state.status}).")
    conn = session.connection()
    case_ids = list(conn.execute(select(Case.id).where(Case.family_id == family_id)).scalars())
    person_ids = list(conn.execute(select(Person.id).where(Person.family_id == family_id)).scalars())
    counts: dict[str, int] = {}
    for table in _family_tables():
        columns = table.c
        if "family_id" in columns:
            condition = columns.family_id == family_id
        elif "case_id" in columns:
            condition = columns.case_id.in_(case_ids)
        else:
            condition = columns.person_id.in_(person_ids)
        counts[table.name] = int(conn.execute(select(func.count()).select_from(table).where(condition)).scalar() or 0)
        if not dry_run and counts[table.name]:
            conn.execute(delete(table).where(condition))
    counts = {name: n for name, n in counts.items() if n}
    counts["family"] = 1
    result = Disposal(family_id, state.until, state.basis, counts)
    if dry_run:
        return result
    conn.execute(delete(Family).where(Family.id == family_id))
    cipher_of(session).forget(family_id)
    trail.record(
        session,
        "family.dispose",
        subject_type="family",
        subject_id=family_id,
        basis="retention",
        detail={
            "family_id": family_id,
            "counts": counts,
            "retention": {"basis": state.basis, "until": state.until.isoformat()},
            "disposed_on": on.isoformat(),
        },
        write=True,
    )
    return result


def truncate_wal(db: Database) -> bool:
    """On SQLite, copy the write-ahead log into the database file and empty it, so no older page
    image of a disposed row stays in it; outside any transaction (a reader still holding an old
    snapshot makes it report False: run it again). True when done, and on PostgreSQL."""
    if db.dialect != "sqlite":
        return True
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    return row is None or row[0] == 0
