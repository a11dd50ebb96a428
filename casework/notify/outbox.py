"""Reminders into the outbox, and the outbox out through Notify.

``queue_reminders`` (the ``casework reminders send`` job) queues, at most once a day each, a
reminder to the owner of every unfinished action that is due soon or overdue and to the lead
professional of every plan whose review is due soon or overdue. ``deliver`` (``casework outbox
send``) sends what is queued through the Notify adapter. Messages carry no personal data beyond
the recipient's address: what is due, when, and the path of the plan page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import User
from casework.db import new_id, utcnow
from casework.notify.models import FAILED, QUEUED, SENT, Outbox
from casework.plans.work import due_actions, due_reviews

#: Used when no template id is configured (so the outbox still fills for inspection).
DEFAULT_TEMPLATE = "casework-reminder"


class Sender(Protocol):
    def send_email(self, *, email_address: str, template_id: str, personalisation: dict[str, str], reference: str) -> object: ...


@dataclass(frozen=True)
class Queued:
    queued: int
    already: int


def _queue(
    session: Session,
    *,
    user: User | None,
    kind: str,
    subject_id: str,
    family_id: str,
    case_id: str,
    on: date,
    template_id: str,
    personalisation: dict[str, str],
) -> bool:
    if user is None or not user.active:
        return False
    key = f"{kind}:{subject_id}:{user.id}:{on.isoformat()}"
    if session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key)) is not None:
        return False
    row = Outbox(id=new_id(), family_id=family_id, case_id=case_id, user_id=user.id, kind=kind, dedupe_key=key, template_id=template_id)
    row.recipient = user.email
    row.personalisation = json.dumps(personalisation, sort_keys=True)
    session.add(row)
    return True


def queue_reminders(session: Session, on: date, template_id: str | None = None) -> Queued:
    """Queue today's reminders (idempotent: running it again the same day adds nothing)."""
    template = template_id or DEFAULT_TEMPLATE
    queued = already = 0
    for due in due_actions(session, on):
        added = _queue(
            session,
            user=session.get(User, due.action.owner_user_id) if due.action.owner_user_id else None,
            kind="action_due",
            subject_id=due.action.id,
            family_id=due.case.family_id,
            case_id=due.case.id,
            on=on,
            template_id=template,
            personalisation={
                "reminder": "An action you own on a Team Around the Family plan is " + ("overdue" if due.rag == "red" else "due soon"),
                "due_on": due.action.due_on.isoformat(),
                "link_path": f"/cases/{due.case.id}/plan",
            },
        )
        queued, already = queued + added, already + (not added)
    for review in due_reviews(session, on):
        added = _queue(
            session,
            user=session.get(User, review.case.lead_professional_id) if review.case.lead_professional_id else None,
            kind="review_due",
            subject_id=review.plan.id,
            family_id=review.case.family_id,
            case_id=review.case.id,
            on=on,
            template_id=template,
            personalisation={
                "reminder": "A Team Around the Family review for a case you lead is " + ("overdue" if review.overdue else "due soon"),
                "due_on": review.due_on.isoformat(),
                "link_path": f"/cases/{review.case.id}/plan",
            },
        )
        queued, already = queued + added, already + (not added)
    session.flush()
    return Queued(queued, already)


@dataclass(frozen=True)
class Delivered:
    sent: int
    failed: int


def deliver(session: Session, sender: Sender, limit: int = 500) -> Delivered:
    """Send queued messages through ``sender``; a failure is marked and does not stop the rest."""
    from casework.notify.client import DeliveryFailed

    sent = failed = 0
    rows = list(session.scalars(select(Outbox).where(Outbox.status == QUEUED).order_by(Outbox.created_at).limit(limit)))
    for row in rows:
        try:
            result = sender.send_email(
                email_address=row.recipient or "",
                template_id=row.template_id,
                personalisation=json.loads(row.personalisation or "{}"),
                reference=row.id,
            )
        except DeliveryFailed:
            row.status = FAILED
            failed += 1
            continue
        row.status, row.sent_at = SENT, utcnow()
        row.reference = str(getattr(result, "reference", "") or "")[:64] or None
        sent += 1
    session.flush()
    return Delivered(sent, failed)
