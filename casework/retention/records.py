"""The facts retention decides on, read from the database in batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases import rules as case_rules
from casework.cases.models import Case
from casework.db import LOCAL_TIME
from casework.families.models import Family, Person
from casework.retention.models import LegalHold, Restriction
from casework.retention.rules import FamilyRecord

OPEN_STATUSES = sorted(case_rules.OPEN_STATUSES)
BATCH = 500


def family_records(session: Session, family_ids: Sequence[str], release: bool = False) -> dict[str, FamilyRecord]:
    """Retention facts for these families (children's dates are decrypted under each family's
    key); ``release`` lets go of the people read, for a batch job going through every family."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    created = {fid: at for fid, at in session.execute(select(Family.id, Family.created_at).where(Family.id.in_(ids)))}  # noqa: C416 - a Result is not a mapping
    open_cases = {
        fid: int(n)
        for fid, n in session.execute(
            select(Case.family_id, func.count()).where(Case.family_id.in_(ids), Case.status.in_(OPEN_STATUSES)).group_by(Case.family_id)
        )
    }
    last_closed = select(Case.family_id, func.max(Case.closed_at)).where(Case.family_id.in_(ids)).group_by(Case.family_id)
    closed = {fid: at for fid, at in session.execute(last_closed)}  # noqa: C416 - a Result is not a mapping
    births: dict[str, list[date]] = {}
    for person in session.scalars(select(Person).where(Person.family_id.in_(ids), Person.role.in_(("child", "unborn")))):
        day = person.date_of_birth if person.role == "child" else person.expected_date
        if day is not None:
            births.setdefault(person.family_id, []).append(day)
        if release:
            session.expunge(person)
    held = set(session.scalars(select(LegalHold.family_id).where(LegalHold.family_id.in_(ids), LegalHold.lifted_at.is_(None))))
    restricted = set(session.scalars(select(Restriction.family_id).where(Restriction.family_id.in_(ids), Restriction.lifted_at.is_(None))))
    records = {}
    for family_id, created_at in created.items():
        last = closed.get(family_id)
        records[family_id] = FamilyRecord(
            family_id=family_id,
            created_on=created_at.astimezone(LOCAL_TIME).date(),
            birth_dates=tuple(sorted(births.get(family_id, []))),
            open_cases=open_cases.get(family_id, 0),
            last_closed_on=last.astimezone(LOCAL_TIME).date() if last else None,
            held=family_id in held,
            restricted=family_id in restricted,
        )
    return records


def all_records(session: Session, batch: int = BATCH) -> Iterator[FamilyRecord]:
    """Every family without an open case, in batches (retention only starts once all are closed)."""
    after = ""
    while True:
        ids = list(
            session.scalars(
                select(Family.id)
                .where(Family.id > after, ~Family.id.in_(select(Case.family_id).where(Case.status.in_(OPEN_STATUSES))))
                .order_by(Family.id)
                .limit(batch)
            )
        )
        if not ids:
            return
        yield from family_records(session, ids, release=True).values()
        after = ids[-1]
