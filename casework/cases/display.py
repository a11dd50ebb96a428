"""What the case pages share: the practice framework, names instead of ids, labels and tags,
and how a refusal from a service is shown.

Presentation only: every decision is made by the services (and the rules they call); this
module turns what they return into words for the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import User
from casework.cases import rules
from casework.cases.forms import STATUS_LABELS
from casework.cases.models import Case, LevelTransition, Notification
from casework.errors import DomainError, InvalidTransition, StaleVersion, ValidationFailed
from casework.families.models import Family
from casework.practice import Practice
from casework.web.forms import apply_problems
from casework.web.requests import db_session, refuse_as_stale

STATUS_TAGS = {
    "requested": "govuk-tag--light-blue",
    "assessment": "govuk-tag--blue",
    "plan": "govuk-tag--turquoise",
    "closed": "govuk-tag--grey",
}
NOTIFICATION_TEXT = {
    "handover_to_accept": "A case has been handed over to you: accept or decline it",
    "transfer_to_accept": "A step-down names you as the receiving lead professional",
    "transition_to_decide": "A change of level waits for your decision",
    "immediate_risk_step_up": "An immediate-risk step-up took effect: approve it afterwards",
    "transition_approved": "Your change of level was approved",
    "transition_rejected": "Your change of level was rejected",
    "shared_without_consent": "Information was shared without consent on a case your team owns: review the decision",
}
#: Notifications whose subject is a change of level (the others link to the case).
TRANSITION_NOTIFICATIONS = frozenset(NOTIFICATION_TEXT) - {"handover_to_accept", "shared_without_consent"}
CASE_TABS = (("summary", "Summary", "cases.show"), ("family", "Family", "cases.family"), ("timeline", "Timeline", "cases.timeline"))


def practice() -> Practice:
    framework: Practice = current_app.extensions["casework"]["practice"]
    return framework


def level_label(number: int) -> str:
    framework = practice()
    return f"Level {number}: {framework.level(number).name}" if framework.has_level(number) else f"Level {number}"


def level_phrase(number: int) -> str:
    """For use inside a sentence: "level 3 (Targeted / Family Help)"."""
    framework = practice()
    return f"level {number} ({framework.level(number).name})" if framework.has_level(number) else f"level {number}"


def user_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {row.id: row.name for row in session.execute(select(User.id, User.name).where(User.id.in_(wanted)))}


def family_references(session: Session, family_ids: Iterable[str]) -> dict[str, str]:
    """References of families whose cases the caller has already been allowed to see."""
    wanted = sorted(set(family_ids))
    if not wanted:
        return {}
    return {f.id: f.reference or "Family" for f in session.scalars(select(Family).where(Family.id.in_(wanted)))}


def is_open(case: Case) -> bool:
    return case.status in rules.OPEN_STATUSES


def awaiting_decision(transition: LevelTransition) -> bool:
    """Shown as waiting for a manager: pending, or an immediate-risk step-up not yet confirmed."""
    return transition.status == rules.PENDING or (transition.immediate_risk and transition.decided_by_id is None)


def transition_state(transition: LevelTransition) -> tuple[str, str]:
    """Short words (for a tag) and a tag colour for where a change of level stands."""
    if transition.immediate_risk and transition.decided_by_id is None:
        return "Awaiting review", "govuk-tag--red"
    if transition.status == rules.PENDING:
        if transition.receiving_lead_id and transition.receiver_accepted_at is None:
            return "Awaiting receiver", "govuk-tag--yellow"
        return "Awaiting decision", "govuk-tag--yellow"
    if transition.status == rules.APPROVED:
        return ("Approved afterwards" if transition.immediate_risk else "Approved"), "govuk-tag--green"
    return "Rejected", "govuk-tag--grey"


def direction_label(transition: LevelTransition) -> str:
    verb = "Step-up" if transition.direction == rules.STEP_UP else "Step-down"
    return f"{verb} from level {transition.from_level} to {level_phrase(transition.to_level)}"


def case_tabs(case: Case, active: str) -> dict[str, Any]:
    """Parameters for the MOJ sub-navigation of a case (only the tabs that exist)."""
    return {
        "label": "Case sections",
        "items": [{"text": text, "href": url_for(endpoint, case_id=case.id), "active": key == active} for key, text, endpoint in CASE_TABS],
    }


def status_tag(status: str) -> dict[str, str]:
    return {"text": STATUS_LABELS.get(status, status), "classes": STATUS_TAGS.get(status, "govuk-tag--grey")}


def refused(form: FlaskForm, field: str, error: DomainError) -> None:
    """A service said no: undo whatever this request did, and show why against ``field``."""
    db_session().rollback()
    if isinstance(error, StaleVersion):
        refuse_as_stale()  # the form comes back, with a 409: someone else saved first
    if isinstance(error, ValidationFailed):
        apply_problems(form, error)
    else:
        target = getattr(form, field)
        target.errors = [*list(target.errors), error.message]


def version_of(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def require_open(case: Case) -> None:
    """Closed cases are read-only: their action pages answer 409, never a form."""
    if not is_open(case):
        raise InvalidTransition("This case is closed: it can no longer be changed.")


def case_context(case: Case, tab: str | None = None) -> dict[str, Any]:
    """What every case page shows in its heading."""
    return {
        "case": case,
        "family_reference": family_references(db_session(), [case.family_id]).get(case.family_id, "Family"),
        "level_label": level_label(case.level),
        "level_phrase": level_phrase(case.level),
        "status_tag": status_tag(case.status),
        "tabs": case_tabs(case, tab) if tab else None,
        "is_open": is_open(case),
    }


def notification(note: Notification) -> dict[str, Any]:
    """A notification's words and where it leads."""
    href = None
    if note.kind in TRANSITION_NOTIFICATIONS and note.subject_id:
        href = url_for("cases.transition", transition_id=note.subject_id)
    elif note.case_id:
        href = url_for("cases.show", case_id=note.case_id)
    return {"note": note, "text": NOTIFICATION_TEXT.get(note.kind, "Something changed on a case"), "href": href}
