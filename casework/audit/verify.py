"""Verifying the stored trail against the chain rules (no detail is decrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit.chain import ChainRow, ChainState, Failure, Header, timestamp, verify_rows
from casework.audit.models import AuditEvent
from casework.security.keyring import Keyring

BATCH = 5000
_COLUMNS = (
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

    @property
    def ok(self) -> bool:
        return self.failure is None


def _row(r: Any) -> ChainRow:
    header = Header(r[0], timestamp(r[1]), *r[2:13])
    return ChainRow(header, bytes(r[13]), bytes(r[14]), bytes(r[15]))


def verify_trail(session: Session, keyring: Keyring, progress: bool = False) -> VerifyResult:
    """Check the whole trail in sequence order, in batches; the first failure or none."""
    state = ChainState()
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="event", desc="Verifying")
    last = 0
    try:
        while True:
            rows = session.execute(select(*_COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH)).all()
            if not rows:
                break
            failure = verify_rows((_row(r) for r in rows), keyring.mac.keys, state)
            if failure is not None:
                return VerifyResult(state.checked, failure)
            last = rows[-1][0]
            if bar is not None:
                bar.update(len(rows))
    finally:
        if bar is not None:
            bar.close()
    return VerifyResult(state.checked, None)
