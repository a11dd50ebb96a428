"""Cases for loaded families: the rows and audit events the case services would have written.

For each family :class:`CaseMaker` plans a history (the team's first families get the stories
of :mod:`casework.demo.showcase`, the rest a random one from :mod:`casework.demo.journeys`),
replays it through the lifecycle rules (:class:`~casework.demo.lifecycle.CaseBook`) and turns the
result into rows: every free text sealed under the family's data key with ``field_aad(table,
column, row id)``, as ``casework.security.fields.seal_pending`` seals it, and one
``case.create`` / ``lead_assignment.create`` / ``transition.create`` event per row whose detail
lists the row's values as the trail's flush hook records them. Pure computation, done on the
thread that builds batches.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from casework.assessments.models import Assessment
from casework.audit.trail import PendingEvent
from casework.cases import rules
from casework.cases.models import Case, LeadAssignment, LevelTransition
from casework.consent.models import Consent
from casework.plans.models import Outcome, Plan, Review
from casework.practice import Practice

from .entropy import EntropyPool, PooledSealer
from .households import YEAR, HouseholdSpec
from .journeys import WINDOW_DAYS, Planner, Roster
from .lifecycle import Action, CaseBook, Record
from .records import RecordMaker
from .rows import Batch, ChangePlan, Row, encrypted_columns, seal_fields
from .showcase import STORIES, story_cases
from .texts import ANY, LANGUAGE, SCHOOL, TEEN, YOUNG

MODELS: dict[str, type[Any]] = {
    "case": Case,
    "lead_assignment": LeadAssignment,
    "transition": LevelTransition,
    "consent": Consent,
    "assessment": Assessment,
    "plan": Plan,
    "outcome": Outcome,
    "review": Review,
}


@dataclass(frozen=True)
class FamilyPlan:
    """When the family was registered, and each of its cases' actions (oldest case first)."""

    registered_at: datetime
    cases: list[list[Action]]


def fits_of(household: HouseholdSpec, today: date) -> frozenset[str]:
    """Which request reasons fit the household's children (see :mod:`casework.demo.texts`)."""
    fits = {ANY}
    for person in household.people:
        if person.language not in (None, "English"):
            fits.add(LANGUAGE)
        if person.role == "unborn":
            fits.add(YOUNG)
        elif person.role == "child" and person.date_of_birth is not None:
            age = (today - person.date_of_birth).days // YEAR
            if age < 5:
                fits.add(YOUNG)
            if 5 <= age <= 15:
                fits.add(SCHOOL)
            if age >= 13:
                fits.add(TEEN)
    return frozenset(fits)


@dataclass
class _Table:
    """How rows of one model are sealed and described in their create events."""

    name: str
    table: str
    columns: tuple[tuple[str, str], ...]
    plan: ChangePlan

    @classmethod
    def of(cls, model: type[Any]) -> _Table:
        return cls(model.__audit__, model.__tablename__, encrypted_columns(model), ChangePlan.of(model))


class CaseMaker:
    """Plans and writes the cases of each family, its owning team's staff doing the work."""

    def __init__(
        self, practice: Practice, rosters: Mapping[str, Roster], seed: int, now: datetime, today: date, partners: Sequence[str] = ()
    ) -> None:
        for team_id, roster in rosters.items():
            if len(roster.practitioners) < 2 or not roster.managers:
                raise ValueError(f"team {team_id} needs two practitioners and a manager for demo cases")
        self._practice = practice
        self._rosters = dict(rosters)
        self._now = now
        self._today = today
        self._rng = random.Random(seed)  # nosec B311 - synthetic data, not security
        self._planner = Planner(practice, self._rng, now)
        self._records = RecordMaker(practice, self._rng, now, partners)
        self._made: dict[str, int] = {}
        self._due: dict[date, date] = {}
        self._tables = {name: _Table.of(model) for name, model in MODELS.items()}
        #: Actions the rules refused (an unlikely overlap in a random plan): left out, as a
        #: refused request leaves nothing behind.
        self.refused = 0

    def plan(self, team_id: str, household: HouseholdSpec) -> FamilyPlan:
        """The family's cases, planned: a showcase story for each team's first families."""
        roster = self._rosters[team_id]
        n = self._made.get(team_id, 0)
        self._made[team_id] = n + 1
        fits = fits_of(household, self._today)
        if n < len(STORIES):
            cases = story_cases(self._planner, STORIES[n], roster, fits)
        else:
            cases = self._planner.random_family(roster, fits)
        if cases:
            # Registered as the first request for support came in.
            registered = cases[0][0].at - timedelta(minutes=self._rng.uniform(5, 120))
        else:
            registered = self._planner.at_work(self._now - timedelta(days=self._rng.uniform(1, WINDOW_DAYS)))
        return FamilyPlan(min(registered, self._now), cases)

    def write(
        self,
        batch: Batch,
        plan: FamilyPlan,
        family_id: str,
        team_id: str,
        sealer: PooledSealer,
        entropy: EntropyPool,
        people: Sequence[Row] = (),
    ) -> None:
        """Replay the plan and add its rows and events to ``batch`` (cases before the rows that
        refer to them, in the order they were created), with each case's consents, assessment,
        plan and reviews (:mod:`casework.demo.records`; ``people``: the family's person rows)."""
        if not plan.cases:
            return
        roster = self._rosters[team_id]
        book = CaseBook(
            self._practice, family_id, team_id, roster.staff, roster.manager_set, entropy.record_id, self._now, self._assessment_due
        )
        for actions in plan.cases:
            history = book.run(actions)
            if history is None:
                continue
            case_id = history.case.row["id"]
            batch.cases.append(self._row(batch, "case", history.case, family_id, case_id, sealer))
            for kind, record in history.created:
                target = batch.assignments if kind == "lead_assignment" else batch.transitions
                target.append(self._row(batch, kind, record, family_id, case_id, sealer))
            made = self._records.records(history, people, roster.managers, entropy.record_id)
            for kind, rows, records in (
                ("consent", batch.consents, made.consents),
                ("assessment", batch.assessments, made.assessments),
                ("plan", batch.plans, made.plans),
                ("outcome", batch.outcomes, made.outcomes),
                ("review", batch.reviews, made.reviews),
            ):
                rows.extend(self._row(batch, kind, record, family_id, case_id, sealer) for record in records)
            batch.sharing.extend(made.sharing)
        self.refused += book.refused

    def _assessment_due(self, opened: date) -> date:
        due = self._due.get(opened)
        if due is None:
            due = self._due[opened] = rules.assessment_due(self._practice, opened)
        return due

    def _row(self, batch: Batch, kind: str, record: Record, family_id: str, case_id: str, sealer: PooledSealer) -> Row:
        table = self._tables[kind]
        row_id = record.row["id"]
        row = {**record.row, **seal_fields(table.table, table.columns, sealer, row_id, record.plain)}
        changes = table.plan.changes(row, record.plain)
        batch.events.append(
            PendingEvent(f"{table.name}.create", table.name, row_id, family_id=family_id, case_id=case_id, detail={"changes": changes})
        )
        return row
