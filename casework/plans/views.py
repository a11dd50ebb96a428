"""Plan pages: the case's Plan tab (outcomes, actions, reviews, distance travelled), starting the
plan at the first TAF meeting, adding outcomes and actions, updating an action, holding a
review, the family's own plan (page and PDF) and the post-closure check.

Views parse input, call a service and render what it returns; the services decide access and
refuse what the rules do not allow, shown against the form's fields. Pages work without
JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.audit import trail
from casework.cases import display
from casework.cases import services as cases
from casework.cases.display import case_context, refused, version_of
from casework.db import today
from casework.errors import Conflict, InvalidTransition, NotPermitted, ValidationFailed
from casework.families.services import OWNING_BASES
from casework.plans import closure, family, pages, services
from casework.plans.forms import ActionForm, ActionUpdateForm, CheckForm, OutcomeForm, PlanForm, ReviewForm
from casework.plans.models import Action
from casework.web.access import roles_required
from casework.web.requests import db_session

bp = Blueprint("plans", __name__, template_folder="templates")
CASE_ROLES = ("practitioner", "manager")
REFUSALS = (ValidationFailed, InvalidTransition, NotPermitted, Conflict)


def _writable(view: services.PlanView) -> None:
    if view.decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case can change its plan.")
    display.require_open(view.case)


def _read(dbs: Any, action: str, subject_type: str, subject_id: str, case: Any, basis: str | None) -> None:
    """A form page shows the case's data: audit the read."""
    trail.record(dbs, action, subject_type=subject_type, subject_id=subject_id, family_id=case.family_id, case_id=case.id, basis=basis)


@bp.get("/cases/<case_id>/plan")
@roles_required(*CASE_ROLES)
def plan(case_id: str) -> str:
    dbs = db_session()
    case = cases.get_case(dbs, g.actor, case_id)
    existing = services.plan_for_case(dbs, case.id)
    context: dict[str, Any] = {}
    if existing is not None:
        view = services.get_plan(dbs, g.actor, case.id)
        context = pages.plan_page(dbs, view)
    _, decision = cases.visible_case(dbs, g.actor, case.id)
    return render_template(
        "plans/plan.html",
        **case_context(case, "plan"),
        case_tab="plan",
        may_start=existing is None and decision.basis in OWNING_BASES and display.is_open(case),
        page_title="Team Around the Family plan",
        **context,
    )


@bp.route("/cases/<case_id>/plan/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def start(case_id: str) -> Response | str:
    dbs = db_session()
    form = PlanForm()
    if form.validate_on_submit():
        try:
            services.start_plan(
                dbs,
                g.actor,
                case_id,
                agreed_on=form.agreed_on.data,
                strengths=form.strengths.data,
                contingency=form.contingency.data,
                analysis=form.analysis.data,
            )
        except REFUSALS as exc:
            refused(form, "agreed_on", exc)
        else:
            flash("Plan started. Next, add the outcomes the family wants.", "success")
            return redirect(url_for("plans.plan", case_id=case_id))
    case, decision = cases.visible_case(dbs, g.actor, case_id)
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case can start its plan.")
    display.require_open(case)
    _read(dbs, "case.read", "case", case.id, case, decision.basis)
    if form.agreed_on.data is None and request.method == "GET":
        form.agreed_on.data = today()
    return render_template("plans/start.html", **case_context(case), form=form, page_title="Start the plan")


@bp.route("/plans/<plan_id>/outcomes/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def add_outcome(plan_id: str) -> Response | str:
    dbs = db_session()
    form = OutcomeForm()
    view = services.get_plan_by_id(dbs, g.actor, plan_id)
    _writable(view)
    people = pages.family_people(dbs, view)
    form.person_ids.choices = [(p.id, p.full_name) for p in people]
    scale = cases.practice_of(dbs).scoring
    if form.validate_on_submit():
        raw = (form.baseline_score.data or "").strip()
        try:
            services.add_outcome(
                dbs,
                g.actor,
                plan_id,
                person_ids=list(form.person_ids.data or []),
                need=form.need.data,
                what_better_looks_like=form.what_better_looks_like.data,
                baseline_score=int(raw) if raw.lstrip("-").isdigit() else raw,
                shared_without_consent=bool(form.shared_without_consent.data),
            )
        except REFUSALS as exc:
            refused(form, "what_better_looks_like", exc)
        else:
            flash("Outcome added", "success")
            return redirect(url_for("plans.plan", case_id=view.case.id))
    return render_template("plans/outcome_new.html", **case_context(view.case), form=form, scale=scale, page_title="Add an outcome")


@bp.route("/plans/<plan_id>/actions/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def add_action(plan_id: str) -> Response | str:
    dbs = db_session()
    form = ActionForm()
    view = services.get_plan_by_id(dbs, g.actor, plan_id)
    _writable(view)
    form.outcome_id.choices = [(o.id, o.what_better_looks_like or "Outcome") for o in view.outcomes]
    form.owner.choices = [("", "Choose who"), *pages.owner_choices(dbs, view)]
    if form.validate_on_submit():
        owner = form.owner.data or ""
        kind, _, owner_id = owner.partition(":")
        try:
            services.add_action(
                dbs,
                g.actor,
                plan_id,
                outcome_id=form.outcome_id.data,
                description=form.description.data,
                owner_user_id=owner_id if kind == "user" else None,
                owner_person_id=owner_id if kind == "person" else None,
                due_on=form.due_on.data,
                shared_without_consent=bool(form.shared_without_consent.data),
            )
        except REFUSALS as exc:
            refused(form, "description", exc)
        else:
            flash("Action added", "success")
            return redirect(url_for("plans.plan", case_id=view.case.id))
    return render_template("plans/action_new.html", **case_context(view.case), form=form, page_title="Add an action")


@bp.route("/actions/<action_id>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def action(action_id: str) -> Response | str:
    dbs = db_session()
    form = ActionUpdateForm()
    row = dbs.get(Action, action_id) if action_id and "\x00" not in action_id else None
    if form.validate_on_submit():
        try:
            services.update_action(
                dbs, g.actor, action_id, version=version_of(form.version.data), status=form.status.data, note=form.note.data
            )
        except REFUSALS as exc:
            refused(form, "status", exc)
        else:
            flash("Action updated", "success")
            return redirect(url_for("plans.plan", case_id=row.case_id if row else ""))
    found, case, decision = services.visible_action(dbs, g.actor, action_id)
    view = services.load_view(dbs, case, services.plan_for_case(dbs, case.id), decision)  # type: ignore[arg-type]
    _writable(view)
    _read(dbs, "action.read", "action", found.id, case, decision.basis)
    if request.method == "GET":
        form.status.data, form.version.data = found.status, str(found.version)
    return render_template("plans/action.html", **case_context(case), form=form, action=found, page_title="Update an action")


@bp.route("/plans/<plan_id>/reviews/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def review(plan_id: str) -> Response | str:
    dbs = db_session()
    form = ReviewForm()
    view = services.get_plan_by_id(dbs, g.actor, plan_id)
    _writable(view)
    attendees = pages.attendee_choices(dbs, view)
    if form.validate_on_submit():
        attendance = {i: request.form.get(f"attendance-{i}", "") for i, _ in attendees if request.form.get(f"attendance-{i}")}
        scores: dict[str, object] = {}
        for outcome in view.outcomes:
            raw = (request.form.get(f"score-{outcome.id}") or "").strip()
            if raw:
                scores[outcome.id] = int(raw) if raw.lstrip("-").isdigit() else raw
        try:
            services.hold_review(
                dbs,
                g.actor,
                plan_id,
                held_on=form.held_on.data,
                attendance=attendance,
                scores=scores,
                conclusion=form.conclusion.data,
                summary=form.summary.data,
                decisions=form.decisions.data,
                internal_notes=form.internal_notes.data,
                next_review_on=form.next_review_on.data,
                final=bool(form.final.data),
                shared_without_consent=bool(form.shared_without_consent.data),
            )
        except REFUSALS as exc:
            refused(form, "summary", exc)
            view = services.get_plan_by_id(dbs, g.actor, plan_id)
        else:
            flash("Review recorded", "success")
            return redirect(url_for("plans.plan", case_id=view.case.id))
    return render_template(
        "plans/review_new.html",
        **case_context(view.case),
        form=form,
        attendees=attendees,
        outcomes=view.outcomes,
        scale=cases.practice_of(dbs).scoring,
        posted=request.form,
        page_title="Record a review",
    )


@bp.get("/cases/<case_id>/family-plan")
@roles_required(*CASE_ROLES)
def family_plan(case_id: str) -> str:
    dbs = db_session()
    fp = family.family_plan(dbs, g.actor, case_id)
    case, _ = cases.visible_case(dbs, g.actor, case_id)
    return render_template("plans/family_plan.html", **case_context(case), fp=fp, page_title="Your family's plan")


@bp.get("/cases/<case_id>/family-plan.pdf")
@roles_required(*CASE_ROLES)
def family_plan_pdf(case_id: str) -> Response:
    fp = family.family_plan(db_session(), g.actor, case_id)
    return Response(
        pages.family_plan_pdf(fp),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="family-plan.pdf"', "Cache-Control": "no-store"},
    )


@bp.route("/post-closure-checks/<check_id>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def check(check_id: str) -> Response | str:
    dbs = db_session()
    form = CheckForm()
    row, case = closure.visible_check(dbs, g.actor, check_id)
    if form.validate_on_submit():
        answer = {"yes": True, "no": False}.get(form.sustained.data or "")
        try:
            closure.record_check(dbs, g.actor, check_id, sustained=answer, note=form.note.data)
        except REFUSALS as exc:
            refused(form, "sustained", exc)
            row, case = closure.visible_check(dbs, g.actor, check_id)
        else:
            flash("Post-closure check recorded", "success")
            return redirect(url_for("cases.my_work"))
    _read(dbs, "post_closure_check.read", "post_closure_check", row.id, case, None)
    return render_template("plans/check.html", **case_context(case), form=form, check=row, page_title="Post-closure check")
