"""The share-without-consent report: every decision to share without consent that the reader
oversees, so that each is reviewed before its review date and none is left standing unexamined.

Who sees which decisions:
- an ig_officer: every decision (information governance reviews them all);
- a manager: decisions on cases owned by the teams they manage;
- a safeguarding lead: decisions on cases owned by their organisation's teams (they may record
  such decisions for those cases, see ``services._case_for_override``).
Reading the report is audited: one event naming every decision and case listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import Team
from casework.cases.models import Case
from casework.consent.models import ShareWithoutConsent
from casework.consent.policy import Actor
from casework.consent.rules import OVERRIDE_STATES, override_state
from casework.db import today as utc_today
from casework.errors import NotPermitted, ValidationFailed

REPORT_ROLES = ("manager", "safeguarding_lead", "ig_officer")


@dataclass(frozen=True)
class ReportRow:
    decision: ShareWithoutConsent
    case: Case
    team: str
    state: str  # one of OVERRIDE_STATES


def _scope(actor: Actor) -> ColumnElement[bool]:
    """The cases whose decisions ``actor`` oversees (see the module docstring)."""
    if actor.has_role("ig_officer"):
        return true()
    conditions: list[ColumnElement[bool]] = []
    if actor.managed_team_ids:
        conditions.append(Case.owning_team_id.in_(sorted(actor.managed_team_ids)))
    if actor.has_role("safeguarding_lead"):
        conditions.append(Case.owning_team_id.in_(select(Team.id).where(Team.organisation_id == actor.organisation_id)))
    if not conditions:
        raise NotPermitted("The share-without-consent report is for managers, safeguarding leads and information governance.")
    return or_(*conditions)


def share_without_consent_report(session: Session, actor: Actor, *, state: str | None = None, on: date | None = None) -> list[ReportRow]:
    """The decisions ``actor`` oversees, soonest review date first; ``state`` narrows to
    ``active``, ``review_due`` or ``lapsed``."""
    if state is not None and state not in OVERRIDE_STATES:
        raise ValidationFailed(fields={"state": [f"State must be one of {', '.join(OVERRIDE_STATES)}"]})
    on = on or utc_today()
    found = session.execute(
        select(ShareWithoutConsent, Case, Team.name)
        .join(Case, Case.id == ShareWithoutConsent.case_id)
        .join(Team, Team.id == Case.owning_team_id)
        .where(_scope(actor))
        .order_by(ShareWithoutConsent.expires_on, ShareWithoutConsent.decided_at, ShareWithoutConsent.id)
    ).all()
    rows = [ReportRow(decision, case, team, override_state(decision.expires_on, on)) for decision, case, team in found]
    if state is not None:
        rows = [r for r in rows if r.state == state]
    trail.record(
        session,
        "share_without_consent.report",
        subject_type="report",
        detail={"decisions": [r.decision.id for r in rows], "cases": sorted({r.case.id for r in rows}), "state": state},
    )
    return rows
