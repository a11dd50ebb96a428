"""Reading audit events back: decrypting their detail for those allowed to see it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.chain import Header, timestamp
from casework.audit.models import AuditEvent
from casework.audit.trail import FAMILY_KEY_ID
from casework.security.fields import cipher_of


def header_of(event: AuditEvent) -> Header:
    return Header(
        seq=event.seq,
        at=timestamp(event.at),
        actor_id=event.actor_id,
        organisation_id=event.organisation_id,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        family_id=event.family_id,
        case_id=event.case_id,
        request_id=event.request_id,
        basis=event.basis,
        key_id=event.key_id,
        mac_key_id=event.mac_key_id,
    )


def open_detail(session: Session, event: AuditEvent) -> dict[str, Any]:
    """The decrypted detail of ``event`` (DecryptionError if its key is gone or it was altered)."""
    cipher = cipher_of(session)
    if event.key_id == FAMILY_KEY_ID and event.family_id:
        sealer = cipher.sealer(event.family_id)
    else:
        _, sealer = cipher.system_sealer(event.key_id)
    detail: dict[str, Any] = json.loads(sealer.open(event.detail, header_of(event).encode()))
    return detail


def events_after(session: Session, seq: int) -> list[AuditEvent]:
    """Events appended after sequence number ``seq``, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))


def head_seq(session: Session) -> int:
    return int(session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0)
