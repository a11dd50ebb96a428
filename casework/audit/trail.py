"""Recording audit events inside the business transaction.

Writes are captured from the session's ``before_flush`` (with before/after of changed fields);
reads are recorded by the services that show case data (:func:`record`). Events collect on the
session and are appended to the chain in ``before_commit``, in the same transaction as the
change: one lock and one read of the chain head per transaction, and if the append fails the
commit fails and nothing is changed. PostgreSQL serialises appends with a transaction-scoped
advisory lock; SQLite transactions begin IMMEDIATE (casework.db) so they already hold the
write lock when they read the head.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from casework.audit import checkpointing
from casework.audit.chain import chain_row, timestamp
from casework.audit.models import AuditEvent, AuditReference
from casework.db import new_id, utcnow
from casework.security.fields import EncryptedModel, cipher_of, seal_pending

CHAIN_LOCK_KEY = checkpointing.CHAIN_LOCK_KEY
FAMILY_KEY_ID = "family"
_SKIP_COLUMNS = frozenset({"version", "created_at", "updated_at"})
#: Detail keys whose lists name records an event showed (search hits, list pages), and their type.
REFERENCE_KEYS = {"hits": "person", "people": "person", "cases": "case", "families": "family"}


@dataclass(frozen=True)
class AuditContext:
    """Who is acting, for the events of this session."""

    actor_id: str | None
    organisation_id: str | None
    request_id: str | None
    #: Fold the transaction's events into one chained event (a web or API request: one per request).
    one_event: bool = False


SYSTEM = AuditContext(actor_id="system", organisation_id=None, request_id=None)


@dataclass
class PendingEvent:
    action: str
    subject_type: str | None
    subject_id: str | None
    family_id: str | None = None
    case_id: str | None = None
    basis: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    write: bool = False  # captured from a flush (a row created, changed or deleted)
    refs: frozenset[tuple[str, str]] = frozenset()  # further records it touched (see fold)


def bind(session: Session, context: AuditContext) -> None:
    """Set who is acting for every event this session records."""
    session.info["audit"] = context


def context_of(session: Session) -> AuditContext:
    ctx = session.info.get("audit")
    return ctx if isinstance(ctx, AuditContext) else SYSTEM


def record(
    session: Session,
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: str | None = None,
    family_id: str | None = None,
    case_id: str | None = None,
    basis: str | None = None,
    detail: dict[str, Any] | None = None,
    write: bool = False,
) -> None:
    """Record an event (a read, a search, a sign-in) to be appended when the session commits."""
    session.info.setdefault("audit_pending", []).append(
        PendingEvent(action, subject_type, subject_id, family_id, case_id, basis, detail or {}, write)
    )


def pending(session: Session) -> list[PendingEvent]:
    return list(session.info.get("audit_pending", []))


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "<binary>"
    return str(value)


def _subject_id(obj: Any) -> str | None:
    return getattr(obj, "id", None) or getattr(obj, "user_id", None)


def _family_id(obj: Any) -> str | None:
    if isinstance(obj, EncryptedModel):
        return obj.family_key_id  # type: ignore[attr-defined,no-any-return]
    return getattr(obj, "family_id", None)


def _changes(obj: Any, created: bool) -> dict[str, Any]:
    state = inspect(obj)
    exclude: frozenset[str] = getattr(obj, "__audit_exclude__", frozenset())
    encrypted = getattr(obj, "__encrypted__", {})
    enc_columns = {f.column: name for name, f in encrypted.items()}
    before_plain = obj.encrypted_before() if isinstance(obj, EncryptedModel) else {}
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIP_COLUMNS or key.endswith("_bi"):
            continue
        hist = state.attrs[key].history
        if not created and not hist.has_changes():
            continue
        if key in enc_columns and enc_columns[key] in exclude:
            changes[enc_columns[key]] = "changed"
        elif key in enc_columns:
            name = enc_columns[key]
            if name in exclude:  # large encrypted content: only that it changed
                changes[name] = "changed"
                continue
            after = getattr(obj, name)
            before = None if created else before_plain.get(name)
            if created and after is None:
                continue
            changes[name] = [before, after]
        elif key in exclude:
            changes[key] = "changed"
        else:
            after = hist.added[0] if hist.added else getattr(obj, key)
            before = None if created else (hist.deleted[0] if hist.deleted else None)
            if created and after is None:
                continue
            changes[key] = [before, after]
    return changes


def _capture_writes(session: Session) -> None:
    for obj in list(session.new):
        name = getattr(obj, "__audit__", None)
        if name:
            record(
                session,
                f"{name}.create",
                subject_type=name,
                subject_id=_subject_id(obj),
                family_id=_family_id(obj),
                case_id=getattr(obj, "case_id", None),
                detail={"changes": _changes(obj, created=True)},
                write=True,
            )
    for obj in list(session.dirty):
        name = getattr(obj, "__audit__", None)
        if name and session.is_modified(obj, include_collections=False):
            changes = _changes(obj, created=False)
            if changes:
                record(
                    session,
                    f"{name}.update",
                    subject_type=name,
                    subject_id=_subject_id(obj),
                    family_id=_family_id(obj),
                    case_id=getattr(obj, "case_id", None),
                    detail={"changes": changes},
                    write=True,
                )
    for obj in list(session.deleted):
        name = getattr(obj, "__audit__", None)
        if name:
            record(
                session,
                f"{name}.delete",
                subject_type=name,
                subject_id=_subject_id(obj),
                family_id=_family_id(obj),
                case_id=getattr(obj, "case_id", None),
            )


def _touched(ev: PendingEvent) -> set[tuple[str, str]]:
    found = set(ev.refs)
    if ev.case_id:
        found.add(("case", ev.case_id))
    if ev.family_id:
        found.add(("family", ev.family_id))
    if ev.subject_type == "person" and ev.subject_id:
        found.add(("person", ev.subject_id))
    for key, ref_type in REFERENCE_KEYS.items():
        value = ev.detail.get(key)
        if isinstance(value, list):
            found.update((ref_type, item) for item in value if isinstance(item, str) and len(item) <= 36)
    return found


def entry_aad(family_id: str, request_id: str | None) -> bytes:
    return f"casework:audit-entry:{family_id}:{request_id or ''}".encode()


def fold(session: Session, events: list[PendingEvent]) -> PendingEvent:
    """One event for a request: its primary operation (the first row written, else the first
    thing recorded) in the header, every operation in the detail.

    An operation about another family than the header's keeps its detail sealed under that
    family's own key inside the folded detail, so destroying a family's key at disposal still
    makes everything about it unreadable. Every case, family and person the operations touched
    goes into ``audit_reference`` for "who looked".
    """
    primary = next((e for e in events if e.write), events[0])
    cipher = cipher_of(session)
    request_id = context_of(session).request_id
    entries: list[dict[str, Any]] = []
    touched: set[tuple[str, str]] = set()
    for ev in events:
        touched |= _touched(ev)
        entry: dict[str, Any] = {
            "action": ev.action,
            "subject_type": ev.subject_type,
            "subject_id": ev.subject_id,
            "family_id": ev.family_id,
            "case_id": ev.case_id,
            "basis": ev.basis,
        }
        if ev.family_id and ev.family_id != primary.family_id:
            plain = json.dumps(ev.detail, default=_json_default, sort_keys=True).encode()
            sealed = cipher.sealer(ev.family_id).seal(plain, entry_aad(ev.family_id, request_id))
            entry["sealed_detail"] = base64.b64encode(sealed).decode("ascii")
        else:
            entry["detail"] = ev.detail
        entries.append(entry)
    return PendingEvent(
        primary.action,
        primary.subject_type,
        primary.subject_id,
        primary.family_id,
        primary.case_id,
        primary.basis,
        {"operations": entries},
        primary.write,
        frozenset(touched),
    )


def _references(seq: int, ev: PendingEvent) -> list[dict[str, Any]]:
    found: set[tuple[str, str]] = set(ev.refs)
    for key, ref_type in REFERENCE_KEYS.items():
        value = ev.detail.get(key)
        if isinstance(value, list):
            found.update((ref_type, item) for item in value if isinstance(item, str) and len(item) <= 36)
    return [{"seq": seq, "ref_type": t, "ref_id": i} for t, i in sorted(found)]


def append(session: Session, events: list[PendingEvent]) -> list[int]:
    """Append ``events`` to the chain in the session's transaction; returns their sequence numbers.

    Three round trips whatever the number of events: the chain lock, one read of the head with
    what the last checkpoint covers (:func:`checkpointing.read_head`), and the insert.
    """
    if not events:
        return []
    ctx = context_of(session)
    cipher = cipher_of(session)
    keyring = cipher.keyring
    mac_key_id = keyring.mac.current
    mac_key = keyring.mac.get(mac_key_id)
    checkpointing.lock_chain(session)
    head = checkpointing.read_head(session)
    seq, prev = head.seq, head.mac
    at = utcnow()
    at_text = timestamp(at)
    rows = []
    references: list[dict[str, Any]] = []
    for ev in events:
        seq += 1
        references.extend(_references(seq, ev))
        if ev.family_id:
            key_id, sealer = FAMILY_KEY_ID, cipher.sealer(ev.family_id)
        else:
            key_id, sealer = cipher.system_sealer()
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
            detail=json.dumps(ev.detail, default=_json_default, sort_keys=True).encode(),
            seal=sealer.seal,
            prev_mac=prev,
        )
        rows.append(row)
        prev = row["mac"]
    conn = session.connection()
    conn.execute(insert(AuditEvent), rows)
    if references:
        conn.execute(insert(AuditReference), references)
    if checkpointing.due_after(session, head, seq, at):
        checkpointing.make_checkpoint(session)
    return [seq - len(rows) + i + 1 for i in range(len(rows))]


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if "db" not in session.info:
        return
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, EncryptedModel)]
    for obj in session.new:
        if getattr(obj, "id", "absent") is None:
            obj.id = new_id()
    seal_pending(session, touched)
    _capture_writes(session)


def _before_commit(session: Session) -> None:
    if "db" not in session.info:
        return
    session.flush()
    events = session.info.pop("audit_pending", [])
    if len(events) > 1 and context_of(session).one_event:
        events = [fold(session, events)]
    append(session, events)


def _after_rollback(session: Session) -> None:
    session.info.pop("audit_pending", None)
    checkpointing.drop_files(session)


def _after_commit(session: Session) -> None:
    if "db" in session.info:
        checkpointing.write_files(session)


def install() -> None:
    """Register the session hooks (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _after_rollback(s))
