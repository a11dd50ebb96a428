"""Audit operations for people: verifying the trail, and a case's events (those with its
``case_id`` and those whose operations or lists touched it, see ``casework/audit/who.py``).

Managers see the audit of their own teams' cases, information governance officers every
case's. Reading a case's audit is itself audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.audit.models import AuditEvent, AuditReference
from casework.audit.read import readable_detail
from casework.audit.verify import VerifyResult, verify_trail
from casework.cases.models import Case
from casework.consent.policy import Actor
from casework.db import database_of
from casework.errors import NotFound, Restricted


def verify(session: Session) -> VerifyResult:
    db = database_of(session)
    return verify_trail(session, db.keyring, db.checkpoints.directory)


def _case_for_audit(session: Session, actor: Actor, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound()
    if actor.has_role("ig_officer"):
        return case
    if case.owning_team_id in actor.managed_team_ids:
        from casework.consent.facts import restrictions

        if restrictions(session, case.family_id)[0]:
            raise Restricted()  # the events' details are the family's content: the managers wait too
        return case
    raise NotFound()


def case_events(session: Session, actor: Actor, case_id: str, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the case's events, newest first, with their detail when it can still be read."""
    case = _case_for_audit(session, actor, case_id)
    refs = select(AuditReference.seq).where(AuditReference.ref_type == "case", AuditReference.ref_id == case.id)
    where = or_(AuditEvent.case_id == case.id, AuditEvent.seq.in_(refs))
    total = int(session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0)
    events = session.scalars(select(AuditEvent).where(where).order_by(AuditEvent.seq.desc()).offset((page - 1) * per_page).limit(per_page))
    items = []
    for event in events:
        detail = readable_detail(session, event)  # None: the family's key was destroyed at disposal
        items.append(
            {
                "seq": event.seq,
                "at": event.at,
                "actor_id": event.actor_id,
                "organisation_id": event.organisation_id,
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "family_id": event.family_id,
                "case_id": event.case_id,
                "basis": event.basis,
                "detail": detail,
            }
        )
    basis = "ig_officer" if actor.has_role("ig_officer") else "manager"
    trail.record(
        session, "case.audit.read", subject_type="case", subject_id=case.id, family_id=case.family_id, case_id=case.id, basis=basis
    )
    return items, total
