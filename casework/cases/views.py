"""Case pages: start a request for support, the case (summary, family, timeline), lead
professional, closure. Changes of level are in transition_views.py, lists of work in
work_views.py; all are routes of this blueprint.

Views parse input, call a service and render what it returns. When a service refuses, the
request's changes are rolled back and the reason is shown against the form's field.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.cases import display, leads, services, transition_views, transitions, work, work_views
from casework.cases.display import case_context, refused, require_open, version_of
from casework.cases.forms import SOURCE_LABELS, CloseForm, LeadForm, NewCaseForm
from casework.cases.rules import entry_levels
from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.families import services as families
from casework.families.forms import ROLE_CHOICES
from casework.web.access import roles_required
from casework.web.requests import db_session

bp = Blueprint("cases", __name__, template_folder="templates")
CASE_ROLES = ("practitioner", "manager")


@bp.route("/families/<family_id>/cases/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new(family_id: str) -> Response | str:
    dbs = db_session()
    form = NewCaseForm()
    entry = entry_levels(display.practice())
    form.level.choices = [(str(level.number), f"Level {level.number}: {level.name}") for level in entry]
    if form.validate_on_submit():
        try:
            case = services.create_case(
                dbs,
                g.actor,
                family_id=family_id,
                level=int(form.level.data or 0),
                source=form.source.data or "",
                reason=form.reason.data,
            )
        except (ValidationFailed, InvalidTransition) as exc:
            refused(form, "level", exc)
        else:
            flash("Request for support started. Next, assign a lead professional.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    family = families.get_family(dbs, g.actor, family_id)
    existing = services.list_cases(dbs, g.actor, family_id=family.id, per_page=20).items
    open_case = next((c for c in existing if display.is_open(c)), None)
    return render_template(
        "cases/new.html",
        form=None if open_case else form,  # the page then points to the open case instead
        family=family,
        open_case=open_case,
        level_hints=[{"hint": {"text": level.description}} for level in entry],
        page_title="Start a request for support",
    )


@bp.get("/cases/<case_id>")
@roles_required(*CASE_ROLES)
def show(case_id: str) -> str:
    dbs = db_session()
    case = services.get_case(dbs, g.actor, case_id)
    history = leads.lead_history(dbs, g.actor, case.id)
    changes = transitions.list_transitions(dbs, g.actor, case.id)
    waiting = [t for t in changes if display.awaiting_decision(t)]
    handover = next((a for a in history if a.is_pending), None)
    names = display.user_names(
        dbs,
        [case.opened_by_id, case.closed_by_id, case.lead_professional_id]
        + [a.user_id for a in history]
        + [t.requested_by_id for t in waiting]
        + [t.receiving_lead_id for t in waiting],
    )
    closure = display.practice().closure_reason(case.closure_reason or "")
    return render_template(
        "cases/show.html",
        **case_context(case, "summary"),
        flags=services.case_flags(dbs, case),
        handover=handover,
        handover_is_mine=handover is not None and handover.user_id == g.actor.user_id,
        waiting=[(t, display.direction_label(t), display.transition_state(t)) for t in waiting],
        names=names,
        source_label=SOURCE_LABELS.get(case.source, case.source),
        closure_label=closure.label if closure else case.closure_reason,
        page_title="Case summary",
    )


@bp.get("/cases/<case_id>/family")
@roles_required(*CASE_ROLES)
def family(case_id: str) -> str:
    dbs = db_session()
    case = services.get_case(dbs, g.actor, case_id)
    household, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    return render_template(
        "cases/family.html",
        **case_context(case, "family"),
        family=household,
        people=people,
        role_labels=dict(ROLE_CHOICES),
        page_title="Family on this case",
    )


@bp.get("/cases/<case_id>/timeline")
@roles_required(*CASE_ROLES)
def timeline(case_id: str) -> str:
    case, items = work.timeline(db_session(), g.actor, case_id)
    return render_template("cases/timeline.html", **case_context(case, "timeline"), items=items, page_title="Case timeline")


@bp.route("/cases/<case_id>/lead-professional", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def assign_lead(case_id: str) -> Response | str:
    dbs = db_session()
    case = services.get_case(dbs, g.actor, case_id)
    require_open(case)
    form = LeadForm()
    members = services.team_members(dbs, case.owning_team_id)
    form.user_id.choices = [("", "Choose a person")] + [(u.id, u.name) for u in members]
    if form.validate_on_submit():
        chosen = dict(form.user_id.choices).get(form.user_id.data or "", "They")
        try:
            row = leads.assign_lead(dbs, g.actor, case_id, user_id=form.user_id.data or "", reason=form.reason.data)
        except (ValidationFailed, InvalidTransition, NotPermitted) as exc:
            refused(form, "user_id", exc)
            case = services.get_case(dbs, g.actor, case_id)
        else:
            if row.started_at is not None:
                flash(f"{chosen} is now the lead professional", "success")
            else:
                flash(f"Handover offered to {chosen}. They become lead professional when they accept it.", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return render_template(
        "cases/lead.html",
        **case_context(case),
        form=form,
        current_lead=case.lead_professional.name if case.lead_professional else None,
        page_title="Assign a lead professional",
    )


@bp.post("/cases/<case_id>/lead-professional/accept")
@roles_required(*CASE_ROLES)
def accept_handover(case_id: str) -> Response:
    try:
        leads.answer_handover(db_session(), g.actor, case_id, accept=True)
    except ValidationFailed as exc:
        flash(" ".join(m for messages in exc.fields.values() for m in messages), "important")
        return redirect(url_for("cases.my_work"))
    flash("You are now the lead professional for this case", "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/cases/<case_id>/lead-professional/decline")
@roles_required(*CASE_ROLES)
def decline_handover(case_id: str) -> Response:
    leads.answer_handover(db_session(), g.actor, case_id, accept=False)
    flash("You declined the handover. The person who offered it will see that you declined.", "success")
    return redirect(url_for("cases.my_work"))


@bp.route("/cases/<case_id>/close", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def close(case_id: str) -> Response | str:
    dbs = db_session()
    form = CloseForm()
    reasons = display.practice().closure_reasons
    form.reason.choices = [(r.code, r.label) for r in reasons]
    if form.validate_on_submit():
        try:
            services.close_case(
                dbs, g.actor, case_id, reason=form.reason.data, summary=form.summary.data, version=version_of(form.version.data)
            )
        except (ValidationFailed, InvalidTransition, NotPermitted) as exc:
            refused(form, "reason", exc)
        else:
            flash("Case closed", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    case = services.get_case(dbs, g.actor, case_id)
    require_open(case)
    if not form.version.data:
        form.version.data = str(case.version)
    return render_template(
        "cases/close.html",
        **case_context(case),
        form=form,
        reason_hints=[{"hint": {"text": "Needs a final review with scores first"}} if r.needs_final_review else {} for r in reasons],
        page_title="Close case",
    )


for _rule, _endpoint, _view, _methods in (*transition_views.ROUTES, *work_views.ROUTES):
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)
