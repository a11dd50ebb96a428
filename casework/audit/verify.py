"""Verifying the stored trail and its checkpoints (no detail is decrypted).

Rows are read in sequence order in batches and fed to the pure
:class:`casework.audit.verifier.TrailVerifier` together with the checkpoints stored in the
database and those kept in the checkpoint directory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.chain import Failure
from casework.audit.checkpointing import read_directory, stored_checkpoints
from casework.audit.models import AuditEvent
from casework.audit.verifier import TrailVerifier
from casework.security.keyring import Keyring

BATCH = 5000
COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor_id,
    AuditEvent.organisation_id,
    AuditEvent.action,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.family_id,
    AuditEvent.case_id,
    AuditEvent.request_id,
    AuditEvent.basis,
    AuditEvent.key_id,
    AuditEvent.mac_key_id,
    AuditEvent.detail,
    AuditEvent.prev_mac,
    AuditEvent.mac,
)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    failure: Failure | None
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.failure is None


def count_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def verify_trail(
    session: Session,
    keyring: Keyring,
    checkpoint_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Check the whole trail and every checkpoint; the first failure or none.

    ``progress`` is called with the number of events verified in each batch.
    """
    external, unreadable = read_directory(checkpoint_dir)
    stored = stored_checkpoints(session)
    public = {key_id: keyring.verify_key(key_id) for key_id in keyring.signing.keys}
    verifier = TrailVerifier(keyring.mac.keys, public, stored, external)
    checkpoints = len(set(stored) | set(external))
    if unreadable:
        return VerifyResult(0, Failure(0, f"checkpoint file {unreadable[0]} is not a readable checkpoint"), checkpoints)
    last = 0
    while True:
        rows = session.execute(select(*COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH)).all()
        if not rows:
            break
        more = verifier.feed(rows)
        if progress is not None:
            progress(len(rows))
        if not more:
            break
        last = rows[-1][0]
    return VerifyResult(verifier.state.checked, verifier.finish(), checkpoints)
