"""The share-without-consent report page. Routes of the ``consent`` blueprint (registered in
consent/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, render_template, request
from sqlalchemy import select

from casework.cases import display
from casework.cases.models import Case
from casework.consent import pages, report
from casework.consent.query import visible_cases
from casework.consent.rules import OVERRIDE_STATES, REVIEW_SOON_DAYS
from casework.web.access import roles_required
from casework.web.requests import db_session

STATE_TAGS = {"active": "govuk-tag--green", "review_due": "govuk-tag--yellow", "lapsed": "govuk-tag--grey"}


@roles_required(*report.REPORT_ROLES)
def share_without_consent_report() -> str:
    dbs = db_session()
    state = request.args.get("state") or None
    if state not in OVERRIDE_STATES:
        state = None  # an unknown filter shows everything rather than an error page
    rows = report.share_without_consent_report(dbs, g.actor, state=state)
    orgs = pages.organisation_names(dbs)
    names = display.user_names(dbs, [r.decision.decided_by_id for r in rows])
    case_ids = sorted({r.case.id for r in rows})
    openable = set(dbs.scalars(select(Case.id).where(Case.id.in_(case_ids), visible_cases(g.actor)))) if case_ids else set()
    references = display.family_references(dbs, [r.case.family_id for r in rows])
    table: list[dict[str, Any]] = [
        {
            "row": r,
            "family": references.get(r.case.family_id, "Family"),
            "openable": r.case.id in openable,
            "organisations": pages.listed(r.decision.organisation_ids or (), orgs),
            "decided_by": names.get(r.decision.decided_by_id, "a colleague"),
            "state": OVERRIDE_STATES[r.state],
            "tag": STATE_TAGS[r.state],
        }
        for r in rows
    ]
    return render_template(
        "consent/report.html",
        rows=table,
        state=state,
        states=OVERRIDE_STATES,
        soon_days=REVIEW_SOON_DAYS,
        page_title="Decisions to share without consent",
    )


ROUTES: tuple[tuple[str, str, Callable[..., Any], list[str]], ...] = (
    ("/reports/share-without-consent", "share_without_consent_report", share_without_consent_report, ["GET"]),
)
