"""The randomised tamper suite: every kind of tampering the issue names, found at its position.

Trails are built in memory exactly as the appender builds them (events in transactions sharing
a time, linked with the MAC key, signed checkpoints every few events, some of them also kept
outside the database) and then tampered with as someone holding the database would: rows are
what ``ORDER BY seq`` returns, so sequence numbers stay unique. The pure verifier (the one
``casework audit verify`` runs) must report the first failing position for every case, and
nothing at all for untouched copies.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.audit.chain import GENESIS, ChainRow, Failure, Header, link_mac, timestamp
from casework.audit.checkpoints import Checkpoint, sign
from casework.audit.verifier import TrailVerifier

MAC_KEYS = {"mac1": bytes(range(32)), "mac2": bytes(range(1, 33))}
SIGNING = {"sig1": Ed25519PrivateKey.from_private_bytes(bytes(range(32)))}
PUBLIC = {k: v.public_key() for k, v in SIGNING.items()}
ATTACKER = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
START = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
TEXT_COLUMNS = (
    "actor_id",
    "organisation_id",
    "action",
    "subject_type",
    "subject_id",
    "family_id",
    "case_id",
    "request_id",
    "basis",
    "key_id",
)
CASES = 1200
UNTOUCHED = 100


@dataclass
class Trail:
    rows: list[ChainRow]
    stored: list[Checkpoint]
    external: list[Checkpoint]
    times: list[datetime] = field(default_factory=list)


def _header(rng: random.Random, seq: int, at: datetime, mac_key_id: str) -> Header:
    family = rng.choice([None, f"fam-{rng.randrange(5)}"])
    return Header(
        seq=seq,
        at=timestamp(at),
        actor_id=rng.choice(["system", "cli", f"user-{rng.randrange(9)}"]),
        organisation_id=rng.choice([None, f"org-{rng.randrange(3)}"]),
        action=rng.choice(["case.read", "person.update", "family.search", "consent.create"]),
        subject_type=rng.choice(["case", "person", "family"]),
        subject_id=f"sub-{rng.randrange(50)}",
        family_id=family,
        case_id=rng.choice([None, f"case-{rng.randrange(7)}"]),
        request_id=f"req-{rng.randrange(10**6)}",
        basis=rng.choice([None, "team", "consent", "share_without_consent"]),
        key_id="family" if family else "aud1",
        mac_key_id=mac_key_id,
    )


def build_trail(rng: random.Random) -> Trail:
    """Events in transactions of 1 to 5 sharing one time; a signed checkpoint every few events."""
    n = rng.randint(12, 60)
    every = rng.randint(3, 12)
    rotate_at = rng.choice([None, rng.randint(2, n)])  # the MAC key may be rotated part way
    rows: list[ChainRow] = []
    stored: list[Checkpoint] = []
    prev, at, seq = GENESIS, START, 0
    times = []
    while seq < n:
        at += timedelta(microseconds=rng.randint(1, 10**8))
        for _ in range(min(rng.randint(1, 5), n - seq)):
            seq += 1
            mac_key_id = "mac2" if rotate_at is not None and seq >= rotate_at else "mac1"
            h = _header(rng, seq, at, mac_key_id)
            detail = rng.randbytes(rng.randint(29, 120))
            mac = link_mac(MAC_KEYS[mac_key_id], h.encode(), detail, prev)
            rows.append(ChainRow(h, detail, prev, mac))
            times.append(at)
            prev = mac
        if seq // every > (stored[-1].size if stored else 0) // every:
            stored.append(sign(SIGNING["sig1"], "sig1", seq, prev, timestamp(at)))
    if not stored:
        stored.append(sign(SIGNING["sig1"], "sig1", seq, prev, timestamp(at)))
    # Files can be lost (a crash between commit and write); the latest one is always kept.
    external = [cp for cp in stored[:-1] if rng.random() < 0.8] + [stored[-1]]
    return Trail(rows, stored, external, times)


def verify(trail: Trail, rng: random.Random) -> Failure | None:
    verifier = TrailVerifier(MAC_KEYS, PUBLIC, trail.stored, trail.external)
    rows, i = trail.rows, 0
    while i < len(rows):
        step = rng.randint(1, 25)
        if not verifier.feed_rows(rows[i : i + step]):
            break
        i += step
    return verifier.finish()


def with_header(row: ChainRow, **changes: object) -> ChainRow:
    return dataclasses.replace(row, header=dataclasses.replace(row.header, **changes))  # type: ignore[arg-type]


def relink(rows: list[ChainRow], start: int, mac: Callable[[bytes, bytes, bytes, bytes], bytes]) -> None:
    prev = rows[start - 1].mac if start else GENESIS
    for i in range(start, len(rows)):
        r = rows[i]
        this = mac(MAC_KEYS[r.header.mac_key_id], r.header.encode(), r.detail, prev)
        rows[i] = dataclasses.replace(r, prev_mac=prev, mac=this)
        prev = this


def _other_text(rng: random.Random, value: str | None) -> str:
    if not value:
        return rng.choice("abcdefxyz")
    pos = rng.randrange(len(value))
    ch = rng.choice([c for c in "0123456789abcdefghijklmnopqrstuvwxyz-." if c != value[pos]])
    return value[:pos] + ch + value[pos + 1 :]


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    out[rng.randrange(len(out))] ^= rng.randint(1, 255)
    return bytes(out)


# Each tamper edits the trail in place and returns the position that must be reported.


def edit_byte(t: Trail, rng: random.Random) -> int:
    """Change one byte (one character, one bit of a number or time) of any column of any event."""
    i = rng.randrange(len(t.rows))
    row = t.rows[i]
    column = rng.choice(["seq", "at", "detail", "prev_mac", "mac", "mac_key_id", *TEXT_COLUMNS])
    if column == "seq":
        # The row moves to a number past the end (the primary key stays unique): a gap here.
        t.rows[i] = with_header(row, seq=row.header.seq + (1 << rng.randint(7, 40)))
        t.rows.sort(key=lambda r: r.header.seq)
    elif column == "at":
        changed = t.times[i] + timedelta(microseconds=rng.choice([-1, 1]) * (1 << rng.randint(0, 36)))
        t.rows[i] = with_header(row, at=timestamp(changed))
    elif column in ("detail", "prev_mac", "mac"):
        t.rows[i] = dataclasses.replace(row, **{column: _flip(getattr(row, column), rng)})  # type: ignore[arg-type]
    else:
        t.rows[i] = with_header(row, **{column: _other_text(rng, getattr(row.header, column))})
    return i + 1


def delete_middle(t: Trail, rng: random.Random) -> int:
    i = rng.randrange(1, len(t.rows) - 1)
    del t.rows[i]
    return i + 1


def swap(t: Trail, rng: random.Random) -> int:
    """Exchange the contents of two events (each keeps its row's sequence number)."""
    i, j = sorted(rng.sample(range(len(t.rows)), 2))
    a, b = t.rows[i], t.rows[j]
    t.rows[i] = dataclasses.replace(with_header(b, seq=a.header.seq))
    t.rows[j] = dataclasses.replace(with_header(a, seq=b.header.seq))
    return i + 1


def truncate_after_checkpoint(t: Trail, rng: random.Random) -> int:
    """Cut the newest events, and the database's checkpoints that cover them."""
    covered = max(cp.size for cp in t.external)
    keep = rng.randrange(0, covered)
    del t.rows[keep:]
    t.stored = [cp for cp in t.stored if cp.size <= keep]
    return keep + 1


def rehash_without_key(t: Trail, rng: random.Random) -> int:
    """Edit an event and recompute the chain from there with plain SHA-256 (no MAC key)."""
    i = rng.randrange(len(t.rows))
    t.rows[i] = with_header(t.rows[i], action="case.delete")

    def sha(_key: bytes, header: bytes, detail: bytes, prev: bytes) -> bytes:
        return hashlib.sha256(header + detail + prev).digest()

    relink(t.rows, i, sha)
    return i + 1


def forge_checkpoint(t: Trail, rng: random.Random) -> int:
    """Add a checkpoint signed with another key, or alter a stored one."""
    if rng.random() < 0.5:
        i = rng.randrange(len(t.rows))
        forged = sign(ATTACKER, "sig1", i + 1, t.rows[i].mac, t.rows[i].header.at)
        t.stored.append(forged)
        return i + 1
    k = rng.randrange(len(t.stored))
    cp = t.stored[k]
    t.stored[k] = dataclasses.replace(cp, signature=_flip(cp.signature, rng))
    return cp.size


def drop_checkpoint(t: Trail, rng: random.Random) -> int:
    cp = rng.choice(t.external)
    t.stored.remove(cp)
    return cp.size


def time_backwards(t: Trail, rng: random.Random) -> int:
    """Date an event before the one it follows: without the key (MAC breaks), or re-MAC'd by a
    key holder (the time rule breaks), or a checkpoint dated before the event it covers."""
    kind = rng.choice(["event", "event_rekeyed", "checkpoint"])
    if kind == "checkpoint":
        k = rng.randrange(len(t.stored))
        cp = t.stored[k]
        if cp.size == 0:
            return time_backwards(t, rng)
        earlier = t.times[cp.size - 1] - timedelta(microseconds=rng.randint(1, 10**9))
        resigned = sign(SIGNING["sig1"], "sig1", cp.size, cp.head, timestamp(earlier))
        t.stored[k] = resigned
        t.external = [resigned if e == cp else e for e in t.external]
        return cp.size
    i = rng.randrange(1, len(t.rows))
    earlier = t.times[i - 1] - timedelta(microseconds=rng.randint(1, 10**9))
    t.rows[i] = with_header(t.rows[i], at=timestamp(earlier))
    if kind == "event_rekeyed":
        relink(t.rows, i, link_mac)
        t.stored = [cp for cp in t.stored if cp.size < i + 1]
        t.external = [cp for cp in t.external if cp.size < i + 1]
    return i + 1


TAMPERS: list[Callable[[Trail, random.Random], int]] = [
    edit_byte,
    delete_middle,
    swap,
    truncate_after_checkpoint,
    rehash_without_key,
    forge_checkpoint,
    drop_checkpoint,
    time_backwards,
]


def test_tamper_suite_finds_every_case_at_its_position() -> None:
    rng = random.Random(20251122)
    found: dict[str, int] = dict.fromkeys((t.__name__ for t in TAMPERS), 0)
    for case in range(CASES):
        trail = build_trail(rng)
        assert verify(trail, rng) is None
        tamper = TAMPERS[case % len(TAMPERS)]
        expected = tamper(trail, rng)
        failure = verify(trail, rng)
        assert failure is not None, f"case {case}: {tamper.__name__} not detected"
        assert failure.seq == expected, f"case {case}: {tamper.__name__} at {expected}, reported {failure}"
        found[tamper.__name__] += 1
    assert sum(found.values()) == CASES >= 1000
    assert min(found.values()) >= CASES // len(TAMPERS)


def test_tamper_suite_untouched_copies_raise_no_alarm() -> None:
    rng = random.Random(7)
    for _ in range(UNTOUCHED):
        trail = build_trail(rng)
        copy = Trail(list(trail.rows), list(trail.stored), list(trail.external), trail.times)
        assert verify(copy, rng) is None


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
def test_tamper_kind_names_its_problem(tamper: Callable[[Trail, random.Random], int]) -> None:
    """Each kind at least once with a fixed seed, so a failure points at the kind."""
    rng = random.Random(tamper.__name__)
    trail = build_trail(rng)
    expected = tamper(trail, rng)
    failure = verify(trail, rng)
    assert failure is not None and failure.seq == expected and failure.reason


def test_fast_path_agrees_with_verify_rows() -> None:
    """The verifier's column loop reports exactly what :func:`verify_rows` reports."""
    from casework.audit.chain import ChainState, columns_of, verify_columns, verify_rows

    rng = random.Random(99)
    for case in range(400):
        trail = build_trail(rng)
        if case % 4:
            [edit_byte, delete_middle, swap, rehash_without_key, time_backwards][case % 5](trail, rng)
        a, b = ChainState(), ChainState()
        assert verify_rows(trail.rows, MAC_KEYS, a) == verify_columns([columns_of(r) for r in trail.rows], MAC_KEYS, b)
        assert a == b


def test_header_encoding_is_the_canonical_json() -> None:
    """The field-by-field encoding equals ``json.dumps(asdict(h), sort_keys=True, ...)`` for any text."""
    import json

    rng = random.Random(5)
    alphabet = 'abc"\\\n\t\u00e9\u2603\U0001f600/<>&\x00\x7f'
    for n in range(300):
        text = lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))  # noqa: E731
        h = Header(n, text(), text(), None, text(), text(), text(), None, text(), text(), None, text(), text())
        assert h.encode() == json.dumps(dataclasses.asdict(h), sort_keys=True, separators=(",", ":")).encode("utf-8")
