"""Writing generated households in bulk: one transaction per batch of families.

Each batch's families, people, cases (with their lead assignments and changes of level) and
audit events are inserted and committed together, in the
session's transaction, as they are through the services: rows with
:func:`casework.demo.store.insert_rows`, events with :func:`casework.demo.appender.append_events`.
The loader only uses the session it is given (never its own connection), so under the tests'
outer transaction each commit is a SAVEPOINT release.

Building a batch (generating, encrypting, indexing) is pure computation and needs no session,
so the next batch is built on a worker thread while this one is written: the database works on
one core while Python works on the other.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Table
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.cases.models import Case, LeadAssignment, LevelTransition
from casework.consent.models import Consent, SharingBasis
from casework.families.models import Family, Person
from casework.plans.models import Outcome, Plan, Review
from casework.security.blind import BlindIndexer
from casework.security.keyring import Keyring

from .appender import append_events
from .caserows import CaseMaker
from .households import HouseholdGenerator
from .rows import Batch, RowBuilder
from .store import insert_rows

BATCH_SIZE = 1000
FAMILY_TABLE: Table = Family.__table__  # type: ignore[assignment]
PERSON_TABLE: Table = Person.__table__  # type: ignore[assignment]
CASE_TABLE: Table = Case.__table__  # type: ignore[assignment]
ASSIGNMENT_TABLE: Table = LeadAssignment.__table__  # type: ignore[assignment]
TRANSITION_TABLE: Table = LevelTransition.__table__  # type: ignore[assignment]
CONSENT_TABLE: Table = Consent.__table__  # type: ignore[assignment]
SHARING_TABLE: Table = SharingBasis.__table__  # type: ignore[assignment]
ASSESSMENT_TABLE: Table = Assessment.__table__  # type: ignore[assignment]
PLAN_TABLE: Table = Plan.__table__  # type: ignore[assignment]
OUTCOME_TABLE: Table = Outcome.__table__  # type: ignore[assignment]
REVIEW_TABLE: Table = Review.__table__  # type: ignore[assignment]


def write_batch(session: Session, batch: Batch) -> None:
    """Insert one batch, append its audit events and commit."""
    insert_rows(session, FAMILY_TABLE, batch.families)
    insert_rows(session, PERSON_TABLE, batch.people)
    insert_rows(session, CASE_TABLE, batch.cases)  # an earlier case before the one it links to
    insert_rows(session, ASSIGNMENT_TABLE, batch.assignments)
    insert_rows(session, TRANSITION_TABLE, batch.transitions)
    insert_rows(session, CONSENT_TABLE, batch.consents)
    insert_rows(session, SHARING_TABLE, batch.sharing)
    insert_rows(session, ASSESSMENT_TABLE, batch.assessments)
    insert_rows(session, PLAN_TABLE, batch.plans)
    insert_rows(session, OUTCOME_TABLE, batch.outcomes)
    insert_rows(session, REVIEW_TABLE, batch.reviews)
    append_events(session, batch.events, batch.keys)
    session.commit()


class BatchMaker:
    """Builds successive batches of households, owned by ``teams`` in turn (with their cases,
    given a :class:`CaseMaker`)."""

    def __init__(
        self, keyring: Keyring, teams: Sequence[str], generator: HouseholdGenerator, today: date, cases: CaseMaker | None = None
    ) -> None:
        if not teams:
            raise ValueError("demo families need at least one owning team")
        self._teams = list(teams)
        self._generator = generator
        self._builder = RowBuilder(keyring.kek, BlindIndexer(keyring.blind_index_root), today, cases)
        self._made = 0

    def make(self, size: int) -> Batch:
        households = []
        for _ in range(size):
            households.append((self._generator.household(), self._teams[self._made % len(self._teams)]))
            self._made += 1
        return self._builder.batch(households)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let Python's cycle collector run less often while batches are built and written.

    A batch is some hundred thousand dicts, lists and bytes that live until it is written, none
    of them in a cycle; the collector kept re-scanning them, and every module's objects, for
    cycles that are not there: measured here, about a fifth of the load's CPU time with cases.
    Objects alive at the start are frozen (left out of collections) and young collections wait
    for 50,000 allocations instead of 700; both are restored afterwards.
    """
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def load_households(
    session: Session,
    keyring: Keyring,
    teams: Sequence[str],
    count: int,
    generator: HouseholdGenerator,
    today: date,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[Batch], None] | None = None,
    cases: CaseMaker | None = None,
) -> int:
    """Generate and store ``count`` households (and their cases); returns the number of people stored."""
    maker = BatchMaker(keyring, teams, generator, today, cases)
    sizes = [min(batch_size, count - start) for start in range(0, count, batch_size)]
    people = 0
    with fewer_collections(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-build") as worker:
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
