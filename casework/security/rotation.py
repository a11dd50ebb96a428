"""Key rotation while the app runs (``casework keys rotate``).

1. A new key-encryption key, audit MAC key, audit detail key and checkpoint signing key are
   added to the keyring file and made current; the old ones stay in the ring, so everything
   MAC'd, signed or encrypted under them still verifies and opens. Running processes reload
   the file when it changes (:meth:`casework.db.Database.refresh_keyring`), so new families,
   events and checkpoints use the new keys from their next request.
2. Every family's data key is unwrapped with its old key-encryption key and rewrapped under
   the new one, in batches of short transactions. The update names the old wrapping, so it
   never overwrites a concurrent change, and it leaves the row's ``version`` alone, so nobody's
   edit is refused as stale. Families created meanwhile by a process that had not yet reloaded
   the keyring are caught by the next pass; passes repeat until none is left on a retired key.
3. The rotation is audited: one ``keys.rotate`` event with the new key ids and the count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import func, select, update

from casework.audit import trail
from casework.db import Database
from casework.families.models import Family
from casework.security.crypto import DecryptionError, new_key, unwrap_key, wrap_key
from casework.security.keyring import Keyring, KeyringError, KeySet

MAX_PASSES = 20


@dataclass(frozen=True)
class RotationResult:
    kek_id: str
    rewrapped: int
    passes: int
    unreadable: int = 0  # families whose data key was already destroyed: nothing to rewrap


def rotated(ring: Keyring) -> Keyring:
    """``ring`` with a new current key of each kind; the old keys stay."""
    signing = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return Keyring(
        kek=ring.kek.with_new("kek", new_key()),
        mac=ring.mac.with_new("mac", new_key()),
        audit=ring.audit.with_new("aud", new_key()),
        signing=ring.signing.with_new("sig", signing),
        blind_index_root=ring.blind_index_root,
    )


def remaining(db: Database, kek_id: str, skip: frozenset[str] = frozenset()) -> int:
    """Families not yet under ``kek_id`` (leaving out ``skip``: keys already destroyed)."""
    query = select(func.count()).select_from(Family).where(Family.kek_id != kek_id)
    if skip:
        query = query.where(Family.id.not_in(skip))
    with db.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


@dataclass
class Pass:
    rewrapped: int = 0
    unreadable: set[str] = field(default_factory=set)  # data keys already destroyed (disposal)


def rewrap_batch(db: Database, kek_id: str, batch: int, after: str, found: Pass) -> str | None:
    """Rewrap up to ``batch`` families with ids after ``after`` not yet under ``kek_id``; the
    last id looked at, or None when there were none."""
    ring = db.keyring
    kek = ring.kek.get(kek_id)
    with db.session() as session:
        rows = session.execute(
            select(Family.id, Family.kek_id, Family.dek_wrapped)
            .where(Family.kek_id != kek_id, Family.id > after)
            .order_by(Family.id)
            .limit(batch)
        ).all()
        for family_id, old_id, wrapped in rows:
            try:
                data_key = unwrap_key(ring.kek.get(old_id), old_id, family_id, wrapped)
            except (DecryptionError, KeyringError):
                found.unreadable.add(family_id)
                continue
            result = session.execute(
                update(Family)
                .where(Family.id == family_id, Family.kek_id == old_id, Family.dek_wrapped == wrapped)
                .values(kek_id=kek_id, dek_wrapped=wrap_key(kek, kek_id, family_id, data_key))
                .execution_options(synchronize_session=False)
            )
            found.rewrapped += result.rowcount  # type: ignore[attr-defined]
        session.commit()
    return rows[-1][0] if rows else None


def rotate(
    db: Database,
    *,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    settle: float = 1.0,
) -> RotationResult:
    """Add new keys to the keyring file and rewrap every family's data key under the new KEK."""
    if db.keyring_path is None:
        raise KeyringError("the keyring file is not known: cannot rotate")
    db.refresh_keyring()
    new_ring = rotated(db.keyring)
    new_ring.save(db.keyring_path)
    db.refresh_keyring()
    kek_id = new_ring.kek.current
    if on_total is not None:
        on_total(remaining(db, kek_id))
    found, passes = Pass(), 0
    while passes < MAX_PASSES:
        passes += 1
        after: str | None = ""
        while after is not None:
            before = found.rewrapped
            after = rewrap_batch(db, kek_id, batch, after, found)
            if progress is not None and found.rewrapped > before:
                progress(found.rewrapped - before)
        # Let sessions that began before the keyring changed finish, then look again.
        time.sleep(settle)
        if remaining(db, kek_id, frozenset(found.unreadable)) == 0:
            break
    total = found.rewrapped
    left = remaining(db, kek_id, frozenset(found.unreadable))
    with db.session() as session:
        trail.bind(session, trail.AuditContext("cli", None, None))
        trail.record(
            session,
            "keys.rotate",
            subject_type="keyring",
            detail={
                "kek": kek_id,
                "mac": new_ring.mac.current,
                "audit": new_ring.audit.current,
                "signing": new_ring.signing.current,
                "rewrapped": total,
                "unreadable": len(found.unreadable),
                "left": left,
            },
        )
        session.commit()
    if left:
        raise KeyringError(f"{left} families are still on a retired key-encryption key: run the rotation again")
    return RotationResult(kek_id, total, passes, len(found.unreadable))


def retire_kek(db: Database, kek_id: str) -> None:
    """Destroy a key-encryption key that no family's data key is wrapped under any more (after
    ``rotate``). Backups taken while it was current hold data keys wrapped under it -- among them
    the keys of families disposed of since -- so once it is gone, and every copy of the keyring
    that held it has expired, nothing in those backups can be opened (docs/data-protection.md)."""
    if db.keyring_path is None:
        raise KeyringError("the keyring file is not known: cannot retire a key")
    db.refresh_keyring()
    ring = db.keyring
    if kek_id not in ring.kek.keys:
        raise KeyringError(f"there is no key-encryption key {kek_id} in the keyring")
    if kek_id == ring.kek.current:
        raise KeyringError(f"{kek_id} is the current key-encryption key: rotate first")
    with db.engine.connect() as conn:
        left = int(conn.execute(select(func.count()).select_from(Family).where(Family.kek_id == kek_id)).scalar() or 0)
    if left:
        raise KeyringError(f"{left} families still have their data key wrapped under {kek_id}: run casework keys rotate first")
    kept = KeySet(ring.kek.current, {key_id: key for key_id, key in ring.kek.keys.items() if key_id != kek_id})
    replace(ring, kek=kept).save(db.keyring_path)
    db.refresh_keyring()
    with db.session() as session:
        trail.bind(session, trail.AuditContext("cli", None, None))
        trail.record(session, "keys.retire", subject_type="keyring", detail={"kek": kek_id})
        session.commit()
