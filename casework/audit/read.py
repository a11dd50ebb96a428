"""Reading audit events back: decrypting their detail for those allowed to see it."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.chain import Header, timestamp
from casework.audit.models import AuditEvent
from casework.audit.trail import FAMILY_KEY_ID, entry_aad
from casework.security.crypto import DecryptionError
from casework.security.fields import FieldCipher, cipher_of


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
    for entry in detail.get("operations", []):
        sealed = entry.pop("sealed_detail", None)
        if sealed is not None:
            entry["detail"] = _open_entry(cipher, entry["family_id"], event.request_id, sealed)
    return detail


def readable_detail(session: Session, event: AuditEvent) -> dict[str, Any] | None:
    """The decrypted detail of ``event``, or None once its family's key is destroyed (disposal)."""
    try:
        return open_detail(session, event)
    except (DecryptionError, LookupError):
        return None


def _open_entry(cipher: FieldCipher, family_id: str, request_id: str | None, sealed: str) -> dict[str, Any] | None:
    """An operation's detail sealed under another family's key (None once that key is destroyed)."""
    try:
        opened: dict[str, Any] = json.loads(cipher.sealer(family_id).open(base64.b64decode(sealed), entry_aad(family_id, request_id)))
    except (DecryptionError, LookupError):
        return None
    return opened


def events_after(session: Session, seq: int) -> list[AuditEvent]:
    """Events appended after sequence number ``seq``, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))


def head_seq(session: Session) -> int:
    return int(session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0)
