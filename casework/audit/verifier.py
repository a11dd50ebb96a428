"""The whole verification of a trail, pure: the chain rules plus its signed checkpoints.

Rows are fed in sequence order, in batches of any size. The verifier checks continuity, links,
MACs and time order (:func:`casework.audit.chain.verify_rows`), the checkpoints' signatures and
order (:func:`casework.audit.checkpoints.check_checkpoints`), that each checkpoint's head is the
MAC of the event at its size and is not dated before it, and at the end that the trail still
holds every event a checkpoint covers. No detail is decrypted. The reported failure is the one
at the lowest position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from casework.audit.chain import AT, GENESIS, MAC, ChainRow, ChainState, Columns, Failure, columns_of, timestamp, verify_columns
from casework.audit.checkpoints import Checkpoint, check_checkpoints


class TrailVerifier:
    def __init__(
        self,
        mac_keys: Mapping[str, bytes],
        public_keys: Mapping[str, Ed25519PublicKey],
        stored: Iterable[Checkpoint] = (),
        external: Iterable[Checkpoint] = (),
    ) -> None:
        stored, external = list(stored), list(external)
        self.mac_keys = mac_keys
        self.state = ChainState()
        self._static = check_checkpoints(stored, external, public_keys)
        self._chain: Failure | None = None
        self._checkpoints = sorted(set(stored) | set(external), key=lambda cp: cp.size)
        self._next = 0  # index of the first checkpoint not yet matched against the chain
        self._match_genesis()

    def _match_genesis(self) -> None:
        while self._next < len(self._checkpoints) and self._checkpoints[self._next].size == 0:
            cp = self._checkpoints[self._next]
            if cp.head != GENESIS:
                self._chain = Failure(0, "checkpoint of size 0 does not name the empty trail")
                return
            self._next += 1

    @property
    def done(self) -> bool:
        """True once a failure makes further rows irrelevant."""
        return self._chain is not None or (self._static is not None and self.state.next_seq > self._static.seq)

    def feed_rows(self, rows: Sequence[ChainRow]) -> bool:
        return self.feed([columns_of(r) for r in rows])

    def feed(self, rows: Sequence[Columns]) -> bool:
        """Verify the next ``rows`` (column tuples, see :data:`casework.audit.chain.Columns`);
        False once a failure is known (stop feeding)."""
        if self.done:
            return False
        first = self.state.next_seq
        failure = verify_columns(rows, self.mac_keys, self.state)
        # Checkpoints whose size falls in the rows verified so far.
        last_good = self.state.next_seq - 1
        cps = self._checkpoints
        while self._next < len(cps) and cps[self._next].size <= last_good:
            cp = cps[self._next]
            row = rows[cp.size - first]
            if row[MAC] != cp.head:
                failure = Failure(cp.size, f"event {cp.size} is not the head its checkpoint signed: the trail was rewritten")
                break
            at = row[AT] if isinstance(row[AT], str) else timestamp(row[AT])
            if at > cp.at:
                failure = Failure(cp.size, f"checkpoint of size {cp.size} is dated before the event it covers")
                break
            self._next += 1
        if failure is not None:
            self._chain = failure
            return False
        return not self.done

    def finish(self) -> Failure | None:
        """The first failure, or None when the whole trail and every checkpoint verify."""
        failures = [self._chain]
        if self._chain is None and self._next < len(self._checkpoints):
            cp = self._checkpoints[-1]
            missing = self.state.next_seq
            failures.append(
                Failure(missing, f"event {missing} is missing: a checkpoint of size {cp.size} covers it (the trail was truncated)")
            )
        failures.append(self._static)
        # The lowest position; at the same position, what the events show before what the checkpoints do.
        return min((f for f in failures if f is not None), key=lambda f: f.seq, default=None)
