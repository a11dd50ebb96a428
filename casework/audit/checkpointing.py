"""Making signed checkpoints: on demand, and automatically every N events or T minutes.

A checkpoint is made inside a transaction that holds the chain lock (the same lock as
:func:`casework.audit.trail.append`), so its head is the real head. It is stored in the
database and, once the transaction commits, written as a file to the checkpoint directory
(the copy the IG team keeps elsewhere). A checkpoint's time is never earlier than its head
event's time, so checkpoints and events share one clock order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from casework.audit.chain import GENESIS, timestamp
from casework.audit.checkpoints import Checkpoint, sign
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.db import database_of, utcnow
from casework.security.fields import cipher_of

#: Advisory lock key for the chain head (one chain per deployment; per tenant later).
CHAIN_LOCK_KEY = 0x63617365  # "case"
_FILES = "audit_checkpoint_files"


def lock_chain(session: Session) -> None:
    """Serialise appends and checkpoints (SQLite transactions already begin IMMEDIATE)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def make_checkpoint(session: Session) -> Checkpoint:
    """Sign the trail as it stands in this transaction; the file is written after commit."""
    lock_chain(session)
    conn = session.connection()
    head = conn.execute(select(AuditEvent.seq, AuditEvent.mac, AuditEvent.at).order_by(AuditEvent.seq.desc()).limit(1)).first()
    size, head_mac, head_at = (head.seq, bytes(head.mac), head.at) if head else (0, GENESIS, None)
    at = utcnow() if head_at is None else max(utcnow(), head_at)
    keyring = cipher_of(session).keyring
    checkpoint = sign(keyring.signing_key(), keyring.signing.current, size, head_mac, timestamp(at))
    conn.execute(
        insert(AuditCheckpoint),
        [{"size": size, "head": head_mac, "at": at, "key_id": checkpoint.key_id, "signature": checkpoint.signature}],
    )
    session.info.setdefault(_FILES, []).append(checkpoint)
    return checkpoint


@dataclass(frozen=True)
class Head:
    """The chain's head as an append finds it, and what the latest checkpoint covers."""

    seq: int
    mac: bytes
    covered: int
    #: The time of the first event no checkpoint covers (None when every event is covered).
    oldest_uncovered: datetime | None


def read_head(session: Session) -> Head:
    """The head and the checkpoint coverage in one round trip (call with the chain lock held)."""
    covered = select(AuditCheckpoint.size).order_by(AuditCheckpoint.id.desc()).limit(1).scalar_subquery()
    oldest = select(AuditEvent.at).where(AuditEvent.seq == func.coalesce(covered, 0) + 1).scalar_subquery()
    row = (
        session.connection()
        .execute(
            select(AuditEvent.seq, AuditEvent.mac, covered.label("covered"), oldest.label("oldest"))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        .first()
    )
    if row is None:
        return Head(0, GENESIS, 0, None)
    return Head(row.seq, bytes(row.mac), int(row.covered or 0), row.oldest)


def due_after(session: Session, head: Head, head_seq: int, now: datetime) -> bool:
    """Whether the policy asks for a checkpoint once the trail read as ``head`` has grown to
    ``head_seq`` with events timed ``now`` (the same answer as :func:`due`, without a query)."""
    policy = database_of(session).checkpoints
    if head_seq - head.covered >= policy.every_events:
        return True
    if head_seq <= head.covered:
        return False
    # The oldest uncovered event is an earlier one, or else the first of those just appended.
    oldest = head.oldest_uncovered or now
    return now - oldest >= timedelta(minutes=policy.every_minutes)


def due(session: Session, head_seq: int, now: datetime) -> bool:
    """Whether the policy asks for a checkpoint now that the trail's head is ``head_seq``."""
    policy = database_of(session).checkpoints
    conn = session.connection()
    last = conn.execute(select(AuditCheckpoint.size).order_by(AuditCheckpoint.id.desc()).limit(1)).scalar()
    covered = int(last or 0)
    if head_seq - covered >= policy.every_events:
        return True
    if head_seq <= covered:
        return False
    oldest = conn.execute(select(AuditEvent.at).where(AuditEvent.seq == covered + 1)).scalar()
    return oldest is not None and now - oldest >= timedelta(minutes=policy.every_minutes)


def write_files(session: Session) -> None:
    """After commit: write this transaction's checkpoints to the checkpoint directory."""
    checkpoints: list[Checkpoint] = session.info.pop(_FILES, [])
    directory = database_of(session).checkpoints.directory
    if not checkpoints or directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for cp in checkpoints:
        write_file(directory, cp)


def write_file(directory: Path, checkpoint: Checkpoint) -> Path:
    path = directory / checkpoint.file_name()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(checkpoint.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


def drop_files(session: Session) -> None:
    session.info.pop(_FILES, None)


def read_directory(directory: Path | None) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints kept in ``directory`` and the names of files that are not checkpoints."""
    if directory is None or not directory.is_dir():
        return [], []
    found, unreadable = [], []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            found.append(Checkpoint.from_json(path.read_text(encoding="utf-8")))
        except ValueError:
            unreadable.append(path.name)
    return found, unreadable


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.execute(
        select(AuditCheckpoint.size, AuditCheckpoint.head, AuditCheckpoint.at, AuditCheckpoint.key_id, AuditCheckpoint.signature).order_by(
            AuditCheckpoint.id
        )
    ).all()
    return [Checkpoint(r.size, bytes(r.head), timestamp(r.at), r.key_id, bytes(r.signature)) for r in rows]
