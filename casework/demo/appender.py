"""Appending a batch's audit events to the hash chain in bulk (the demo loader's path).

The same chain as :func:`casework.audit.trail.append` builds, event for event: the same lock
and head read, one time for the whole transaction, and each row made by the same pure
:func:`casework.audit.chain.chain_row` (header, sealed detail, MAC linking it to the event
before), so ``casework audit verify`` cannot tell the two apart. Only what was measured to be
slow differs: the rows go in with :func:`casework.demo.store.insert_rows` (COPY on
PostgreSQL), the details are sealed under the families' new keys without a session, and
nonces come from an :class:`~casework.demo.entropy.EntropyPool`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import checkpointing, trail
from casework.audit.chain import chain_row, timestamp
from casework.audit.models import AuditEvent
from casework.db import database_of, utcnow

from .entropy import EntropyPool, PooledSealer
from .store import insert_rows

AUDIT_TABLE = AuditEvent.__table__


def append_events(session: Session, events: Sequence[trail.PendingEvent], family_keys: Mapping[str, bytes]) -> list[int]:
    """Append ``events`` in the session's transaction; returns their sequence numbers.

    ``family_keys`` holds the data key of every family the events are about (new families,
    whose keys the session's cipher has never seen). Details must be JSON-ready (dates as ISO
    text).
    """
    if not events:
        return []
    ctx = trail.context_of(session)
    keyring = database_of(session).keyring
    mac_key_id = keyring.mac.current
    mac_key = keyring.mac.get(mac_key_id)
    entropy = EntropyPool()  # this call's own: the batch builder's pool is another thread's
    system_key_id = keyring.audit.current
    system_sealer = PooledSealer(keyring.audit.get(system_key_id), entropy)
    sealers: dict[str, PooledSealer] = {}
    checkpointing.lock_chain(session)
    head = checkpointing.read_head(session)
    seq, prev = head.seq, head.mac
    at = utcnow()
    at_text = timestamp(at)
    rows: list[dict[str, Any]] = []
    for ev in events:
        seq += 1
        if ev.family_id:
            sealer = sealers.get(ev.family_id)
            if sealer is None:
                sealer = sealers[ev.family_id] = PooledSealer(family_keys[ev.family_id], entropy)
            key_id = trail.FAMILY_KEY_ID
        else:
            key_id, sealer = system_key_id, system_sealer
        row = chain_row(
            seq=seq,
            at=at,
            at_text=at_text,
            actor_id=ctx.actor_id,
            organisation_id=ctx.organisation_id,
            request_id=ctx.request_id,
            action=ev.action,
            subject_type=ev.subject_type,
            subject_id=ev.subject_id,
            family_id=ev.family_id,
            case_id=ev.case_id,
            basis=ev.basis,
            key_id=key_id,
            mac_key_id=mac_key_id,
            mac_key=mac_key,
            detail=json.dumps(ev.detail, sort_keys=True).encode(),
            seal=sealer.seal,
            prev_mac=prev,
        )
        rows.append(row)
        prev = row["mac"]
    insert_rows(session, AUDIT_TABLE, rows)  # type: ignore[arg-type]
    return [r["seq"] for r in rows]
