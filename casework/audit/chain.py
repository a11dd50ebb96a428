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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

GENESIS = bytes(32)
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


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

        JSON with sorted keys and no spaces; the dict is written in key order (rather than
        ``asdict`` and ``sort_keys``) because the verifier encodes every header it checks.
        """
        return _ENCODE(
            {
                "action": self.action,
                "actor_id": self.actor_id,
                "at": self.at,
                "basis": self.basis,
                "case_id": self.case_id,
                "family_id": self.family_id,
                "key_id": self.key_id,
                "mac_key_id": self.mac_key_id,
                "organisation_id": self.organisation_id,
                "request_id": self.request_id,
                "seq": self.seq,
                "subject_id": self.subject_id,
                "subject_type": self.subject_type,
            }
        ).encode("utf-8")


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
