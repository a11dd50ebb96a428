"""Verify throughput on a large audit trail, as a ratio to a loop that only hashes the same rows.

Builds a trail of ``--events`` events (default 1,000,000) exactly as the appender links them
(MAC chain, a signed checkpoint every ``--checkpoint-every`` events, also written as files),
in a fresh SQLite file (or the PostgreSQL database of ``--url``, which must be empty). Then it
times, over the same rows read with the same query in the same batches:

- ``hash loop``: a plain Python loop that reads each row and SHA-256-hashes its columns;
- ``verify``: :func:`casework.audit.verify.verify_trail` (sequence, links, MACs, time order,
  every checkpoint signature, checkpoints against the files).

and prints both rates and their ratio (target: verify at least half the loop's speed). Exit 1
when the trail does not verify or the ratio is under ``--target``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casework.audit.chain import GENESIS, Header, link_mac, timestamp
from casework.audit.checkpointing import write_file
from casework.audit.checkpoints import sign
from casework.audit.models import AuditCheckpoint, AuditEvent
from casework.audit.verify import BATCH, COLUMNS, verify_trail
from casework.db import make_engine
from casework.migrate import upgrade
from casework.security.keyring import Keyring

ACTIONS = ("case.read", "person.update", "family.search", "consent.create", "case.create", "transition.create")
BASES = (None, "team", "consent", "share_without_consent")


def build(engine, keyring: Keyring, events: int, checkpoint_every: int, directory: Path) -> None:  # type: ignore[no-untyped-def]
    mac_id = keyring.mac.current
    mac_key = keyring.mac.get(mac_id)
    signer, sig_id = keyring.signing_key(), keyring.signing.current
    families = [os.urandom(16).hex() for _ in range(2000)]
    users = [os.urandom(16).hex() for _ in range(300)]
    orgs = [os.urandom(16).hex() for _ in range(20)]
    at = datetime(2024, 1, 1, tzinfo=UTC)
    prev, seq = GENESIS, 0
    chunk = 20_000
    while seq < events:
        rows, checkpoints = [], []
        for _ in range(min(chunk, events - seq)):
            seq += 1
            if seq % 3 == 1:
                at += timedelta(microseconds=1 + (seq * 7919) % 5_000_000)
            family = families[seq % len(families)] if seq % 5 else None
            header = Header(
                seq=seq,
                at=timestamp(at),
                actor_id=users[seq % len(users)],
                organisation_id=orgs[seq % len(orgs)],
                action=ACTIONS[seq % len(ACTIONS)],
                subject_type="case",
                subject_id=families[(seq * 31) % len(families)],
                family_id=family,
                case_id=family,
                request_id=os.urandom(6).hex(),
                basis=BASES[seq % len(BASES)],
                key_id="family" if family else keyring.audit.current,
                mac_key_id=mac_id,
            )
            detail = os.urandom(60 + seq % 120)
            mac = link_mac(mac_key, header.encode(), detail, prev)
            row = {f: getattr(header, f) for f in Header.__dataclass_fields__}
            row.update(at=at, detail=detail, prev_mac=prev, mac=mac)
            rows.append(row)
            prev = mac
            if seq % checkpoint_every == 0:
                checkpoints.append(sign(signer, sig_id, seq, mac, timestamp(at)))
        with engine.begin() as conn:
            conn.execute(insert(AuditEvent), rows)
            if checkpoints:
                values = [
                    {"size": c.size, "head": c.head, "at": datetime.fromisoformat(c.at), "key_id": c.key_id, "signature": c.signature}
                    for c in checkpoints
                ]
                conn.execute(insert(AuditCheckpoint), values)
        for cp in checkpoints:
            write_file(directory, cp)
        print(f"\r  built {seq:,} events", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def hash_loop(session: Session) -> int:
    """Read the same rows in the same batches and only hash their columns."""
    last, n = 0, 0
    while True:
        rows = session.execute(select(*COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH)).all()
        if not rows:
            return n
        for r in rows:
            h = hashlib.sha256()
            h.update(r[0].to_bytes(8, "big"))
            h.update(r[1].isoformat().encode())
            for value in r[2:13]:
                if value is not None:
                    h.update(value.encode())
            h.update(r[13])
            h.update(r[14])
            h.update(r[15])
            h.digest()
        n += len(rows)
        last = rows[-1][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="an empty database (default: a new SQLite file)")
    parser.add_argument("--target", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=2, help="time each loop this many times, keep the best")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        url = args.url or f"sqlite:///{tmp}/audit.sqlite3"
        directory = Path(tmp) / "checkpoints"
        directory.mkdir()
        engine = make_engine(url)
        with engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
        keyring = Keyring.generate()
        started = time.perf_counter()
        build(engine, keyring, args.events, args.checkpoint_every, directory)
        print(f"Built {args.events:,} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        loop_best = verify_best = float("inf")
        result = None
        for _ in range(args.repeat):
            with Session(engine) as session:
                t0 = time.perf_counter()
                hashed = hash_loop(session)
                loop_best = min(loop_best, time.perf_counter() - t0)
            with Session(engine) as session:
                t0 = time.perf_counter()
                result = verify_trail(session, keyring, directory)
                verify_best = min(verify_best, time.perf_counter() - t0)
        engine.dispose()
    assert result is not None
    ratio = loop_best / verify_best
    print(f"database        {engine.dialect.name}")
    print(f"events          {args.events:,} ({result.checkpoints} checkpoints)")
    print(f"hash loop       {loop_best:8.2f} s  {hashed / loop_best:12,.0f} events/s")
    print(f"verify          {verify_best:8.2f} s  {result.checked / verify_best:12,.0f} events/s")
    print(f"ratio           {ratio:8.2f}  (verify speed / hash loop speed; target >= {args.target})")
    if not result.ok:
        print(f"FAILED: {result.failure}")
        return 1
    return 0 if ratio >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
