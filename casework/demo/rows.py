"""Households turned into the rows and audit events the services would have written.

What ``families.services.create_family`` and ``add_member`` store, done without the ORM unit of
work: a random data key per family wrapped under the keyring's current key-encryption key (as
``FieldCipher.new_family_key`` does, with ``wrap_key``), each encrypted field sealed under that key with
``field_aad(table, column, row id)`` (as ``casework.security.fields.seal_pending`` does), the
blind indexes, and one ``<model>.create`` event whose detail lists the changes exactly as
``casework.audit.trail`` captures them from a flush. Pure computation: no session, so batches
can be built while the previous one is being written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, TypeDecorator, inspect

from casework.audit.trail import PendingEvent
from casework.db import utcnow
from casework.families import rules
from casework.families.models import Family, Person
from casework.security.blind import BlindIndexer, normalise_nhs_number, normalise_postcode
from casework.security.crypto import KEY_BYTES, field_aad, wrap_key
from casework.security.keyring import KeySet

from .entropy import EntropyPool, PooledSealer
from .households import HouseholdSpec, PersonSpec

if TYPE_CHECKING:
    from .caserows import CaseMaker

#: Columns the audit trail leaves out of a change list (as casework.audit.trail does), besides
#: the blind indexes (``*_bi``).
SKIP_COLUMNS = frozenset({"version", "created_at", "updated_at"})

Row = dict[str, Any]


class InvalidDemoData(ValueError):
    """The generator produced something the services would refuse (a bug in the generator)."""


def _is_temporal(column: Any) -> bool:
    """Does ``column`` hold dates or times (which the trail writes as ISO 8601)?"""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, Date | DateTime)


@dataclass(frozen=True)
class ChangePlan:
    """How a created row of ``model`` appears in its audit event's ``changes``: each mapped
    column by its key (dates and times as ISO 8601), each encrypted one by its plain attribute
    name, each one excluded from the trail as ``"changed"``; the timestamps, version and blind
    indexes not at all. Sorted out once per model: the loader describes hundreds of thousands
    of rows.
    """

    columns: tuple[str, ...]
    temporal: frozenset[str]
    encrypted: tuple[str, ...]
    excluded: tuple[str, ...]

    @classmethod
    def of(cls, model: type[Any]) -> ChangePlan:
        encrypted = {f.column: name for name, f in model.__encrypted__.items()}
        exclude: frozenset[str] = getattr(model, "__audit_exclude__", frozenset())
        columns, temporal, sealed, excluded = [], set(), [], []
        for attr in inspect(model).column_attrs:
            key = attr.key
            if key in SKIP_COLUMNS or key.endswith("_bi"):
                continue
            if key in encrypted:
                sealed.append(encrypted[key])
            elif key in exclude:
                excluded.append(key)
            else:
                columns.append(key)
                if _is_temporal(attr.columns[0]):
                    temporal.add(key)
        return cls(tuple(columns), frozenset(temporal), tuple(sealed), tuple(excluded))

    def changes(self, row: Mapping[str, Any], plain: Mapping[str, Any]) -> dict[str, Any]:
        """``{"name": [None, value], ...}`` for a new row, leaving out what is unset."""
        out: dict[str, Any] = dict.fromkeys(self.excluded, "changed")
        temporal = self.temporal
        for key in self.columns:
            value = row[key]
            if value is not None:
                out[key] = [None, value.isoformat() if key in temporal else value]
        for name in self.encrypted:
            value = plain.get(name)
            if value is not None:
                out[name] = [None, value.isoformat() if isinstance(value, date) else value]
        return out


def encrypted_columns(model: type[Any]) -> tuple[tuple[str, str], ...]:
    """``(attribute, column)`` of each encrypted field of ``model``."""
    return tuple((name, enc.column) for name, enc in model.__encrypted__.items())


def seal_fields(
    table: str, columns: tuple[tuple[str, str], ...], sealer: PooledSealer, row_id: str, plain: Mapping[str, str | date | None]
) -> Row:
    """Every encrypted column of a row of ``table``: ciphertext of the plain value, or None."""
    sealed: Row = {}
    for name, column in columns:
        value = plain.get(name)
        if value is None:
            sealed[column] = None
        else:
            text = value.isoformat() if isinstance(value, date) else value
            sealed[column] = sealer.seal_text(text, field_aad(table, column, row_id))
    return sealed


@dataclass
class Batch:
    """Rows for one transaction: families, people, their cases (with lead assignments, changes
    of level, consents and the sharing they allow, assessments, plans with their outcomes and reviews) and the
    audit events of them all, in chain order."""

    families: list[Row] = field(default_factory=list)
    people: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    assignments: list[Row] = field(default_factory=list)
    transitions: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)
    sharing: list[Row] = field(default_factory=list)
    assessments: list[Row] = field(default_factory=list)
    plans: list[Row] = field(default_factory=list)
    outcomes: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)
    #: Each new family's data key, for sealing the details of its audit events.
    keys: dict[str, bytes] = field(default_factory=dict)

    @property
    def family_ids(self) -> list[str]:
        return [row["id"] for row in self.families]


class RowBuilder:
    """Builds batches of family and person rows, each family's fields under its own key, and
    (given a :class:`~casework.demo.caserows.CaseMaker`) their cases.

    With cases, a family is registered just before its first request for support (at a random
    time in the last two years when it has none), its people a second apart after it, as
    someone typing them in would; without, now.
    """

    def __init__(self, keks: KeySet, indexer: BlindIndexer, today: date, cases: CaseMaker | None = None) -> None:
        self._cases = cases
        self._kek_id = keks.current
        self._kek = keks.get(keks.current)
        self._indexer = indexer
        self._today = today
        self._entropy = EntropyPool()  # used by the thread that builds batches, only
        self._family_plan = ChangePlan.of(Family)
        self._person_plan = ChangePlan.of(Person)
        self._family_columns = encrypted_columns(Family)
        self._person_columns = encrypted_columns(Person)
        # Index values of the pooled surnames and postcodes recur: compute each once.
        self._family_name_bi: dict[str, int] = {}
        self._postcode_bi: dict[str, int] = {}

    def batch(self, households: list[tuple[HouseholdSpec, str]]) -> Batch:
        """Rows and events for ``(household, owning team id)`` pairs."""
        batch = Batch()
        for household, team_id in households:
            plan = self._cases.plan(team_id, household) if self._cases is not None else None
            registered = plan.registered_at if plan is not None else utcnow()
            family_id, sealer = self._family(batch, household, team_id, registered)
            first = len(batch.people)
            for n, person in enumerate(household.people, start=1):
                self._person(batch, family_id, sealer, person, registered + timedelta(seconds=n))
            if self._cases is not None and plan is not None:
                self._cases.write(batch, plan, family_id, team_id, sealer, self._entropy, batch.people[first:])
        return batch

    def _family(self, batch: Batch, spec: HouseholdSpec, team_id: str, created: datetime) -> tuple[str, PooledSealer]:
        problems = rules.family_problems(spec.address_line_1, spec.postcode, None)
        if problems:
            raise InvalidDemoData(f"generated family refused: {problems}")
        family_id = self._entropy.record_id()
        data_key = batch.keys[family_id] = self._entropy.take(KEY_BYTES)
        sealer = PooledSealer(data_key, self._entropy)
        postcode_bi = self._postcode_bi.get(spec.postcode)
        if postcode_bi is None:
            postcode_bi = self._postcode_bi[spec.postcode] = self._indexer.postcode(spec.postcode)
        plain = {
            "reference": self._entropy.reference(),
            "address_line_1": spec.address_line_1,
            "postcode": normalise_postcode(spec.postcode),
        }
        row: Row = {
            "id": family_id,
            "version": 1,
            "created_at": created,
            "updated_at": created,
            "owning_team_id": team_id,
            "kek_id": self._kek_id,
            "dek_wrapped": wrap_key(self._kek, self._kek_id, family_id, data_key),
            "postcode_bi": postcode_bi,
            "lsoa_code": None,
            **seal_fields(Family.__tablename__, self._family_columns, sealer, family_id, plain),
        }
        batch.families.append(row)
        batch.events.append(self._event(Family.__audit__, row, family_id, self._family_plan.changes(row, plain)))
        return family_id, sealer

    def _person(self, batch: Batch, family_id: str, sealer: PooledSealer, spec: PersonSpec, created: datetime) -> None:
        problems = rules.member_problems(
            given_name=spec.given_name,
            family_name=spec.family_name,
            role=spec.role,
            date_of_birth=spec.date_of_birth,
            expected_date=spec.expected_date,
            nhs=spec.nhs_number,
            today=self._today,
        )
        if problems:
            raise InvalidDemoData(f"generated person refused: {problems}")
        person_id = self._entropy.record_id()
        idx = self._indexer
        family_name_bi = self._family_name_bi.get(spec.family_name)
        if family_name_bi is None:
            family_name_bi = self._family_name_bi[spec.family_name] = idx.family_name(spec.family_name)
        plain: dict[str, str | date | None] = {
            "given_name": spec.given_name,
            "family_name": spec.family_name,
            "date_of_birth": spec.date_of_birth,
            "expected_date": spec.expected_date,
            "nhs_number": normalise_nhs_number(spec.nhs_number) if spec.nhs_number else None,
            "gender": spec.gender,
            "ethnicity": spec.ethnicity,
            "language": spec.language,
            "school": spec.school,
            "note": None,
        }
        row: Row = {
            "id": person_id,
            "version": 1,
            "created_at": created,
            "updated_at": created,
            "family_id": family_id,
            "role": spec.role,
            "parental_responsibility": spec.parental_responsibility,
            "family_name_bi": family_name_bi,
            "name_dob_bi": idx.name_dob(spec.family_name, spec.date_of_birth) if spec.date_of_birth else None,
            "nhs_number_bi": idx.nhs_number(spec.nhs_number) if spec.nhs_number else None,
            **seal_fields(Person.__tablename__, self._person_columns, sealer, person_id, plain),
        }
        batch.people.append(row)
        batch.events.append(self._event(Person.__audit__, row, family_id, self._person_plan.changes(row, plain)))

    @staticmethod
    def _event(name: str, row: Row, family_id: str, changes: dict[str, Any]) -> PendingEvent:
        return PendingEvent(f"{name}.create", name, row["id"], family_id=family_id, detail={"changes": changes})
