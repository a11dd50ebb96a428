"""The audit hash chain, pure.

Each event has a header (sequence, time, who, what, which record, key ids), an encrypted
detail, the previous event's MAC and its own MAC: HMAC-SHA256 under the audit MAC key over
the header, the detail ciphertext and the previous MAC. Links are MACs, so the chain verifies
without decrypting any detail (and still verifies after a family's key is destroyed), and
nobody without the MAC key can recompute it after an edit.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = bytes(32)
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_QUOTE = json.encoder.encode_basestring_ascii


@dataclass(frozen=True)
class Header:
    seq: int
    at: str  # ISO 8601, UTC, microseconds
    actor_id: str | None
    organisation_id: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    family_id: str | None
    case_id: str | None
    request_id: str | None
    basis: str | None
    key_id: str
    mac_key_id: str

    def encode(self) -> bytes:
        """Canonical bytes: the detail's associated data and the MAC's first input.

        The JSON of the header's fields with sorted keys, no spaces and ASCII escapes (what
        ``json.dumps(asdict(h), sort_keys=True, separators=(",", ":"))`` gives), written field
        by field because the verifier encodes every header it checks.
        """
        return encode_header(
            self.seq,
            self.at,
            self.actor_id,
            self.organisation_id,
            self.action,
            self.subject_type,
            self.subject_id,
            self.family_id,
            self.case_id,
            self.request_id,
            self.basis,
            self.key_id,
            self.mac_key_id,
        )


def _j(value: object) -> str:
    if value is None:
        return "null"
    if value.__class__ is str:
        return _QUOTE(value)
    return _ENCODE(value)


def encode_header(
    seq: int,
    at: str,
    actor_id: str | None,
    organisation_id: str | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    family_id: str | None,
    case_id: str | None,
    request_id: str | None,
    basis: str | None,
    key_id: str,
    mac_key_id: str,
) -> bytes:
    """The canonical header bytes from the header's fields (see :meth:`Header.encode`)."""
    j = _j
    return (
        f'{{"action":{j(action)},"actor_id":{j(actor_id)},"at":{j(at)},"basis":{j(basis)},"case_id":{j(case_id)},'
        f'"family_id":{j(family_id)},"key_id":{j(key_id)},"mac_key_id":{j(mac_key_id)},'
        f'"organisation_id":{j(organisation_id)},"request_id":{j(request_id)},"seq":{_ENCODE(seq)},'
        f'"subject_id":{j(subject_id)},"subject_type":{j(subject_type)}}}'
    ).encode("ascii")


def timestamp(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def link_mac(key: bytes, header: bytes, detail: bytes, prev_mac: bytes) -> bytes:
    """HMAC-SHA256 over length-prefixed header, detail and previous MAC."""
    message = b"".join(
        (
            len(header).to_bytes(8, "big"),
            header,
            len(detail).to_bytes(8, "big"),
            detail,
            len(prev_mac).to_bytes(8, "big"),
            prev_mac,
        )
    )
    return hmac.digest(key, message, "sha256")


def chain_row(
    *,
    seq: int,
    at: datetime,
    at_text: str,
    actor_id: str | None,
    organisation_id: str | None,
    request_id: str | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    family_id: str | None,
    case_id: str | None,
    basis: str | None,
    key_id: str,
    mac_key_id: str,
    mac_key: bytes,
    detail: bytes,
    seal: Callable[[bytes, bytes], bytes],
    prev_mac: bytes,
) -> dict[str, Any]:
    """The ``audit_event`` row of one event linked after ``prev_mac``: the plain ``detail``
    sealed with the canonical header as associated data, and the MAC over header, sealed
    detail and previous MAC. The one place a row is made, for a request's append and for the
    demo loader's bulk append alike; ``at_text`` is ``timestamp(at)``, passed in because a
    transaction's events share one time."""
    header = encode_header(
        seq, at_text, actor_id, organisation_id, action, subject_type, subject_id, family_id, case_id, request_id, basis, key_id, mac_key_id
    )
    sealed = seal(detail, header)
    return {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "organisation_id": organisation_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "family_id": family_id,
        "case_id": case_id,
        "request_id": request_id,
        "basis": basis,
        "key_id": key_id,
        "mac_key_id": mac_key_id,
        "detail": sealed,
        "prev_mac": prev_mac,
        "mac": link_mac(mac_key, header, sealed, prev_mac),
    }


@dataclass(frozen=True)
class ChainRow:
    header: Header
    detail: bytes
    prev_mac: bytes
    mac: bytes


@dataclass(frozen=True)
class Failure:
    seq: int
    reason: str


@dataclass
class ChainState:
    """Where verification has got to; carried between batches."""

    next_seq: int = 1
    prev_mac: bytes = GENESIS
    last_at: str = ""
    checked: int = 0


def verify_rows(rows: Iterable[ChainRow], mac_keys: Mapping[str, bytes], state: ChainState) -> Failure | None:
    """Check continuity, links, MACs and time order; update ``state``; first failure or None."""
    for row in rows:
        h = row.header
        if h.seq != state.next_seq:
            return Failure(state.next_seq, f"sequence gap or duplicate: expected {state.next_seq}, found {h.seq}")
        if not hmac.compare_digest(row.prev_mac, state.prev_mac):
            return Failure(h.seq, "link to the previous event is broken")
        key = mac_keys.get(h.mac_key_id)
        if key is None:
            return Failure(h.seq, f"unknown MAC key {h.mac_key_id!r}")
        if not hmac.compare_digest(link_mac(key, h.encode(), row.detail, row.prev_mac), row.mac):
            return Failure(h.seq, "MAC does not match: the event was altered")
        if h.at < state.last_at:
            return Failure(h.seq, "time runs backwards")
        state.next_seq += 1
        state.prev_mac = row.mac
        state.last_at = h.at
        state.checked += 1
    return None


#: A stored event as plain columns, in this order (the verifier's fast path reads rows so):
#: seq, at (text, or an aware UTC datetime), actor_id, organisation_id, action, subject_type, subject_id, family_id,
#: case_id, request_id, basis, key_id, mac_key_id, detail, prev_mac, mac.
Columns = Sequence[Any]
AT, DETAIL, PREV_MAC, MAC = 1, 13, 14, 15


def columns_of(row: ChainRow) -> tuple[Any, ...]:
    h = row.header
    return (
        h.seq,
        h.at,
        h.actor_id,
        h.organisation_id,
        h.action,
        h.subject_type,
        h.subject_id,
        h.family_id,
        h.case_id,
        h.request_id,
        h.basis,
        h.key_id,
        h.mac_key_id,
        row.detail,
        row.prev_mac,
        row.mac,
    )


def verify_columns(rows: Iterable[Columns], mac_keys: Mapping[str, bytes], state: ChainState) -> Failure | None:
    """:func:`verify_rows` over plain column tuples: the same checks, in the same order, with the
    same failures, without building a :class:`Header` per event (the verifier's hot loop)."""
    encode, digest, compare = encode_header, hmac.digest, hmac.compare_digest
    expected, prev, last_at, checked = state.next_seq, state.prev_mac, state.last_at, state.checked
    failure: Failure | None = None
    for r in rows:
        seq = r[0]
        if seq != expected:
            failure = Failure(expected, f"sequence gap or duplicate: expected {expected}, found {seq}")
            break
        if not compare(r[14], prev):
            failure = Failure(seq, "link to the previous event is broken")
            break
        key = mac_keys.get(r[12])
        if key is None:
            failure = Failure(seq, f"unknown MAC key {r[12]!r}")
            break
        at = r[1]
        if at.__class__ is not str:  # a datetime straight from the database
            at = at.isoformat(timespec="microseconds")
        header = encode(seq, at, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12])
        detail = r[13]
        message = b"".join(
            (len(header).to_bytes(8, "big"), header, len(detail).to_bytes(8, "big"), detail, len(prev).to_bytes(8, "big"), prev)
        )
        mac = r[15]
        if not compare(digest(key, message, "sha256"), mac):
            failure = Failure(seq, "MAC does not match: the event was altered")
            break
        if at < last_at:
            failure = Failure(seq, "time runs backwards")
            break
        expected += 1
        prev = mac
        last_at = at
        checked += 1
    state.next_seq, state.prev_mac, state.last_at, state.checked = expected, prev, last_at, checked
    return failure
