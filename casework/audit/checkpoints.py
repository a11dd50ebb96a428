"""Signed checkpoints of the audit trail, pure.

A checkpoint is an Ed25519-signed statement of (size, head MAC, time): "the trail had ``size``
events and the last of them had this MAC at this time". Checkpoints are kept in the database
and also written outside it (the copy the IG team holds), so that truncating the trail or
rewriting it wholesale is caught by someone with database access but not the signing key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from casework.audit.chain import Failure

STATEMENT_VERSION = 1


def statement(size: int, head: bytes, at: str, key_id: str) -> bytes:
    """The canonical bytes that are signed."""
    body = {"at": at, "head": head.hex(), "key_id": key_id, "size": size, "v": STATEMENT_VERSION}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class Checkpoint:
    size: int
    head: bytes  # the MAC of event ``size`` (GENESIS when the trail is empty)
    at: str  # ISO 8601 UTC with microseconds, as event times are written
    key_id: str
    signature: bytes

    def statement(self) -> bytes:
        return statement(self.size, self.head, self.at, self.key_id)

    def to_json(self) -> str:
        return json.dumps(
            {
                "size": self.size,
                "head": self.head.hex(),
                "at": self.at,
                "key_id": self.key_id,
                "signature": base64.b64encode(self.signature).decode("ascii"),
                "v": STATEMENT_VERSION,
            },
            sort_keys=True,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """Parse a checkpoint file (ValueError when it is not one)."""
        try:
            data: Any = json.loads(text)
            return cls(
                size=int(data["size"]),
                head=bytes.fromhex(str(data["head"])),
                at=str(data["at"]),
                key_id=str(data["key_id"]),
                signature=base64.b64decode(str(data["signature"]), validate=True),
            )
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a checkpoint: {exc}") from None

    def file_name(self) -> str:
        stamp = self.at.replace(":", "").replace("+", "Z").replace(".", "")
        return f"checkpoint-{self.size:012d}-{stamp}.json"


def sign(private_key: Ed25519PrivateKey, key_id: str, size: int, head: bytes, at: str) -> Checkpoint:
    return Checkpoint(size, head, at, key_id, private_key.sign(statement(size, head, at, key_id)))


def signature_ok(checkpoint: Checkpoint, public_keys: Mapping[str, Ed25519PublicKey]) -> bool:
    key = public_keys.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        key.verify(checkpoint.signature, checkpoint.statement())
    except InvalidSignature:
        return False
    return True


def check_checkpoints(
    stored: Iterable[Checkpoint], external: Iterable[Checkpoint], public_keys: Mapping[str, Ed25519PublicKey]
) -> Failure | None:
    """Signatures, that the database holds every external checkpoint, and that checkpoints never
    shrink or run backwards in time. The failure names the position (size) of the checkpoint;
    the lowest position wins."""
    stored, external = list(stored), list(external)
    failures: list[Failure] = []
    for where, checkpoints in (("in the database", stored), ("outside the database", external)):
        for cp in checkpoints:
            if not signature_ok(cp, public_keys):
                failures.append(Failure(cp.size, f"checkpoint of size {cp.size} {where}: signature does not verify"))
    held = set(stored)
    for cp in external:
        if cp not in held:
            failures.append(Failure(cp.size, f"checkpoint of size {cp.size} kept outside the database is missing from it"))
    ordered = sorted(set(stored) | set(external), key=lambda cp: (cp.size, cp.at))
    for before, after in pairwise(ordered):
        if after.at < before.at:
            failures.append(
                Failure(after.size, f"checkpoints shrink or time runs backwards: size {after.size} is dated before size {before.size}")
            )
    return min(failures, key=lambda f: f.seq, default=None)
