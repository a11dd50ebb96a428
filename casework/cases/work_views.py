"""Lists of work: My work, a team's caseload, the approvals queue. Routes of the ``cases``
blueprint (registered in cases/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.auth.models import Team
from casework.cases import display, services, work
from casework.cases.forms import STATUS_LABELS, CaseloadFilterForm
from casework.cases.models import LevelTransition
from casework.db import today
from casework.errors import NotFound
from casework.plans import work as plans_work
from casework.web.access import roles_required
from casework.web.requests import db_session

CASE_ROLES = ("practitioner", "manager")
PER_PAGE = 50


def _changes(changes: list[LevelTransition]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rows for a table of changes of level, with names and family references."""
    dbs = db_session()
    names = display.user_names(dbs, [t.requested_by_id for t in changes] + [t.receiving_lead_id for t in changes])
    families = display.family_references(dbs, [t.family_id for t in changes])
    rows = [
        {
            "change": t,
            "family": families.get(t.family_id, "Family"),
            "label": display.direction_label(t),
            "state": display.transition_state(t),
            "requested_by": names.get(t.requested_by_id, "a colleague"),
        }
        for t in changes
    ]
    return rows, names


@roles_required(*CASE_ROLES)
def my_work() -> str:
    dbs = db_session()
    mine = work.my_work(dbs, g.actor)
    plan_work = plans_work.plan_work(dbs, g.actor, today())
    families = display.family_references(
        dbs,
        [w.case.family_id for w in mine.leading]
        + [h.family_id for h in mine.handovers]
        + [t.family_id for t in mine.transfers]
        + sorted(plan_work.family_ids),
    )
    transfers, names = _changes(mine.transfers)
    approvals, approval_names = _changes(mine.approvals)
    names |= approval_names | display.user_names(dbs, [h.assigned_by_id for h in mine.handovers])
    return render_template(
        "cases/my_work.html",
        leading=[(w, display.status_tag(w.case.status), display.level_label(w.case.level)) for w in mine.leading],
        handovers=mine.handovers,
        transfers=transfers,
        approvals=approvals,
        notifications=[display.notification(n) for n in mine.notifications],
        families=families,
        names=names,
        plan_work=plan_work,
        page_title="My work",
    )


@roles_required(*CASE_ROLES)
def read_notifications() -> Response:
    work.mark_notifications_read(db_session(), g.actor)
    flash("Notifications marked as read", "success")
    return redirect(url_for("cases.my_work"))


def _managed_teams() -> list[tuple[str, str]]:
    dbs = db_session()
    teams = [dbs.get(Team, team_id) for team_id in g.actor.managed_team_ids]
    return sorted(((t.id, t.name) for t in teams if t is not None), key=lambda pair: pair[1])


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@roles_required("manager")
def caseload() -> str:
    dbs = db_session()
    teams = _managed_teams()
    if not teams:
        return render_template("cases/caseload.html", teams=[], form=None, page_title="Caseload")
    team_id = request.args.get("team") or teams[0][0]
    if team_id not in dict(teams):
        raise NotFound()
    members = services.team_members(dbs, team_id)
    form = CaseloadFilterForm(formdata=request.args)
    form.team.choices = teams
    form.team.data = team_id
    form.status.choices = [("", "Any status"), *STATUS_LABELS.items()]
    form.level.choices = [("", "Any level")] + [(str(lv.number), display.level_label(lv.number)) for lv in display.practice().levels]
    form.lead.choices = [("", "Anyone")] + [(u.id, u.name) for u in members]
    status: str | None = None
    level: int | None = None
    lead: str | None = None
    if form.validate():
        status, lead = form.status.data or None, form.lead.data or None
        level = int(form.level.data) if form.level.data else None
    result = services.list_cases(
        dbs, g.actor, team_id=team_id, status=status, level=level, lead_professional_id=lead, page=_page_number(), per_page=PER_PAGE
    )
    flags = services.flags_for(dbs, result.items)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    args["team"] = team_id
    last_page = max(1, -(-result.total // result.per_page))
    return render_template(
        "cases/caseload.html",
        teams=teams,
        team_name=dict(teams)[team_id],
        form=form,
        result=result,
        rows=[(c, display.status_tag(c.status), display.level_label(c.level), flags[c.id]) for c in result.items],
        families=display.family_references(dbs, [c.family_id for c in result.items]),
        caseload=work.caseload(dbs, g.actor, team_id, members),
        team_id=team_id,
        last_page=last_page,
        page_url=lambda n: url_for("cases.caseload", **args, page=n),
        page_title="Caseload",
    )


@roles_required("manager")
def approvals() -> str:
    queue = work.approvals_queue(db_session(), g.actor)
    rows, _ = _changes(queue)
    return render_template(
        "cases/approvals.html",
        immediate=[r for r in rows if r["change"].immediate_risk],
        waiting=[r for r in rows if not r["change"].immediate_risk],
        page_title="Approvals",
    )


ROUTES: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    ("/my-work", "my_work", my_work, ["GET"]),
    ("/my-work/notifications/read", "read_notifications", read_notifications, ["POST"]),
    ("/caseload", "caseload", caseload, ["GET"]),
    ("/approvals", "approvals", approvals, ["GET"]),
]
