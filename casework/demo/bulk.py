"""Writing generated households in bulk: one transaction per batch of families.

Each batch's families, people and audit events are inserted and committed together, in the
session's transaction, as they are through the services: rows with
:func:`casework.demo.store.insert_rows`, events with :func:`casework.demo.appender.append_events`.
The loader only uses the session it is given (never its own connection), so under the tests'
outer transaction each commit is a SAVEPOINT release.

Building a batch (generating, encrypting, indexing) is pure computation and needs no session,
so the next batch is built on a worker thread while this one is written: the database works on
one core while Python works on the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

from sqlalchemy import Table
from sqlalchemy.orm import Session

from casework.families.models import Family, Person
from casework.security.blind import BlindIndexer
from casework.security.keyring import Keyring

from .appender import append_events
from .households import HouseholdGenerator
from .rows import Batch, RowBuilder
from .store import insert_rows

BATCH_SIZE = 1000
FAMILY_TABLE: Table = Family.__table__  # type: ignore[assignment]
PERSON_TABLE: Table = Person.__table__  # type: ignore[assignment]


def write_batch(session: Session, batch: Batch) -> None:
    """Insert one batch, append its audit events and commit."""
    insert_rows(session, FAMILY_TABLE, batch.families)
    insert_rows(session, PERSON_TABLE, batch.people)
    append_events(session, batch.events, batch.keys)
    session.commit()


class BatchMaker:
    """Builds successive batches of households, owned by ``teams`` in turn."""

    def __init__(self, keyring: Keyring, teams: Sequence[str], generator: HouseholdGenerator, today: date) -> None:
        if not teams:
            raise ValueError("demo families need at least one owning team")
        self._teams = list(teams)
        self._generator = generator
        self._builder = RowBuilder(keyring.kek, BlindIndexer(keyring.blind_index_root), today)
        self._made = 0

    def make(self, size: int) -> Batch:
        households = []
        for _ in range(size):
            households.append((self._generator.household(), self._teams[self._made % len(self._teams)]))
            self._made += 1
        return self._builder.batch(households)


def load_households(
    session: Session,
    keyring: Keyring,
    teams: Sequence[str],
    count: int,
    generator: HouseholdGenerator,
    today: date,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[Batch], None] | None = None,
) -> int:
    """Generate and store ``count`` households; returns the number of people stored."""
    maker = BatchMaker(keyring, teams, generator, today)
    sizes = [min(batch_size, count - start) for start in range(0, count, batch_size)]
    people = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-build") as worker:
        upcoming: Future[Batch] | None = worker.submit(maker.make, sizes[0]) if sizes else None
        for n in range(len(sizes)):
            assert upcoming is not None  # nosec B101 - one is submitted for every size
            batch = upcoming.result()
            upcoming = worker.submit(maker.make, sizes[n + 1]) if n + 1 < len(sizes) else None
            try:
                write_batch(session, batch)
            except BaseException:
                if upcoming is not None:
                    upcoming.cancel()
                raise
            people += len(batch.people)
            if on_batch is not None:
                on_batch(batch)
    return people
