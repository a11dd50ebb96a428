"""The last line of restriction: no write to a restricted family's or person's records gets to
the database, whichever service attempted it.

The gates (``consent.policy.gate``) already refuse a restricted record before a service changes
anything; this ``before_flush`` hook holds the rule for code that reaches a record another way
(a background job, a service written later). Restriction and legal hold rows themselves are the
information governance team's own work and pass, and so do subject access exports (the officer's
answer to the person's own request, which restriction must not stop). Disposal never meets a restricted family (it
leaves them alone) and deletes with SQL statements, not through the session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from casework.errors import Restricted

_PERSON_COLUMNS = ("person_id", "given_by_person_id", "owner_person_id")


def _touches(obj: Any) -> tuple[str | None, set[str]]:
    """The family a written row belongs to, and the people it is about."""
    from casework.families.models import Family, Person

    if isinstance(obj, Family):
        return obj.id, set()
    if isinstance(obj, Person):
        return obj.family_id, {obj.id}
    people = {value for name in _PERSON_COLUMNS if isinstance(value := getattr(obj, name, None), str)}
    return getattr(obj, "family_id", None), people


def check_writes(session: Session) -> None:
    """Raise :class:`Restricted` when the pending flush writes to a restricted family or person."""
    from casework.dataprotection.models import SubjectAccessExport
    from casework.retention.models import LegalHold, Restriction

    families: set[str] = set()
    people: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not getattr(obj, "__audit__", None) or isinstance(obj, Restriction | LegalHold | SubjectAccessExport):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        family_id, about = _touches(obj)
        if family_id:
            families.add(family_id)
            people |= about
    if not families:
        return
    with session.no_autoflush:
        rows = session.execute(
            select(Restriction.scope, Restriction.person_id).where(
                Restriction.family_id.in_(sorted(families)), Restriction.lifted_at.is_(None)
            )
        ).all()
    if any(scope == "family" for scope, _ in rows):
        raise Restricted()
    if people & {person for scope, person in rows if scope == "person"}:
        raise Restricted(Restricted.person_message)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if "db" in session.info:
        check_writes(session)


def install() -> None:
    """Register the hook (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
