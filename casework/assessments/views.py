"""Assessment pages: the case's Assessment tab, the GOV.UK task list, one page per section (save
as draft, or save and mark as complete), check answers and submit, a manager's sign-off or
return, and the print view and PDF.

Views parse input, call a service and render what it returns; every page view is one audited
read. A save from a stale copy comes back with the user's answers still in the form and a
message saying someone else saved first (409); nothing is merged or lost.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.assessments import forms, rules, services
from casework.assessments.pdf import pdf_response
from casework.assessments.presenters import answer_rows, status_label, task_groups
from casework.cases import services as cases
from casework.cases.display import case_context, practice, user_names, version_of
from casework.consent import services as consent
from casework.db import today
from casework.errors import InvalidTransition, NotPermitted, StaleVersion, ValidationFailed
from casework.families.services import OWNING_BASES
from casework.web.access import roles_required
from casework.web.requests import db_session, refuse_as_stale

bp = Blueprint("assessments", __name__, template_folder="templates")
CASE_ROLES = ("practitioner", "manager")
STALE_MESSAGE = (
    "Someone else saved this assessment after you opened this page, so your answers have not been saved. "
    "What is saved now is shown below the form; your answers are still in the form. Check both, then save again."
)


def _context(view: services.AssessmentView, **extra: Any) -> dict[str, Any]:
    a = view.assessment
    names = user_names(db_session(), [a.started_by_id, a.submitted_by_id, a.decided_by_id])
    return {
        **case_context(view.case, "assessment"),
        "case_tab": "assessment",
        "view": view,
        "a": a,
        "names": names,
        "status": status_label(a.status),
        "overdue": rules.is_overdue(a.status, a.due_on, today()),
        "may_review": a.status == rules.SUBMITTED and _manages(view) and a.submitted_by_id != g.actor.user_id,
        **extra,
    }


def _manages(view: services.AssessmentView) -> bool:
    return view.decision.basis in OWNING_BASES and view.case.owning_team_id in g.actor.managed_team_ids


def _may_write(view: services.AssessmentView) -> bool:
    return view.may_edit and (g.actor.user_id == view.case.lead_professional_id or g.actor.has_role("practitioner"))


@bp.get("/cases/<case_id>/assessments")
@roles_required(*CASE_ROLES)
def index(case_id: str) -> str:
    return _index(case_id, forms.StartForm())


def _index(case_id: str, form: forms.StartForm) -> str:
    dbs = db_session()
    case, decision = cases.visible_case(dbs, g.actor, case_id)
    views = services.list_assessments(dbs, g.actor, case_id)
    owning = decision.basis in OWNING_BASES
    under_way = bool(views) and views[0].assessment.status != rules.SIGNED_OFF
    may_start = (
        owning
        and case.status in ("requested", "assessment", "plan")
        and not under_way
        and (g.actor.user_id == case.lead_professional_id or g.actor.has_role("practitioner"))
    )
    return render_template(
        "assessments/index.html",
        **case_context(case, "assessment"),
        case_tab="assessment",
        views=views,
        form=form,
        may_start=may_start,
        agreement=owning and consent.has_family_agreement(dbs, case),
        status_label=status_label,
        names=user_names(dbs, [v.assessment.started_by_id for v in views]),
        page_title="Early Help Assessment",
    )


@bp.post("/cases/<case_id>/assessments")
@roles_required(*CASE_ROLES)
def start(case_id: str) -> Response | str:
    form = forms.StartForm()
    if form.validate_on_submit():
        try:
            view = services.start_assessment(db_session(), g.actor, case_id)
        except (ValidationFailed, InvalidTransition) as exc:
            db_session().rollback()
            form.submit.errors = [exc.message]
        else:
            flash("Assessment started. Work through the sections in any order and save as you go.", "success")
            return redirect(url_for("assessments.show", assessment_id=view.assessment.id))
    return _index(case_id, form)


@bp.get("/assessments/<assessment_id>")
@roles_required(*CASE_ROLES)
def show(assessment_id: str) -> str:
    view = services.get_assessment(db_session(), g.actor, assessment_id)
    groups = task_groups(view, _may_write(view))
    done = sum(1 for state in view.states.values() if state == rules.COMPLETED)
    return render_template(
        "assessments/task_list.html",
        **_context(view),
        groups=groups,
        done=done,
        total=len(view.template),
        may_write=_may_write(view),
        page_title=f"Early Help Assessment {view.assessment.number}",
    )


@bp.route("/assessments/<assessment_id>/sections/<section_key>", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def section(assessment_id: str, section_key: str) -> Response | str:
    dbs = db_session()
    view = services.get_assessment(dbs, g.actor, assessment_id)
    template = rules.section_of(view.template, section_key)
    if template is None:
        abort(404)
    section_template = dict(template)
    if not _may_write(view):
        raise (NotPermitted() if view.assessment.status in rules.EDITABLE else InvalidTransition())
    saved = None
    if request.method == "POST":
        form = forms.section_form(practice(), section_template, None, formdata=request.form)
        if form.validate_on_submit():
            complete = [section_key] if form.save.data else []
            try:
                services.save_assessment(
                    dbs,
                    g.actor,
                    assessment_id,
                    version=version_of(form.version.data),
                    sections={section_key: forms.answers_from(form, section_template)},
                    complete=complete,
                    incomplete=[] if complete else [section_key],
                )
            except StaleVersion:
                # Nothing is merged. The form keeps what this user typed and the page shows what
                # is saved now; only a save made after seeing both (the new version) goes through.
                dbs.rollback()
                refuse_as_stale()
                view = services.get_assessment(dbs, g.actor, assessment_id)
                _first_field(form).errors = [STALE_MESSAGE]
                form.version.raw_data = None
                form.version.data = str(view.assessment.version)
                saved = next((r for r in answer_rows(view, practice(), links=False) if r["key"] == section_key), None)
            except ValidationFailed as exc:
                dbs.rollback()
                view = services.get_assessment(dbs, g.actor, assessment_id)
                _apply(form, exc)
            else:
                flash(f"{view.title(section_template)}: {'completed' if complete else 'saved as a draft'}.", "success")
                return redirect(url_for("assessments.show", assessment_id=assessment_id))
    else:
        form = forms.section_form(practice(), section_template, view.sections.get(section_key))
        form.version.data = str(view.assessment.version)
    return render_template(
        "assessments/section.html",
        **_context(view),
        form=form,
        section=section_template,
        fields=[(q, getattr(form, forms.field_name(q["key"]))) for q in section_template["questions"]],
        saved=saved,
        page_title=view.title(section_template),
    )


def _first_field(form: Any) -> Any:
    return next(f for f in form if f.name.startswith(forms.PREFIX))


def _apply(form: Any, error: ValidationFailed) -> None:
    for name, messages in error.fields.items():
        target = getattr(form, forms.field_name(name.rsplit(".", 1)[-1]), None) if name.startswith("sections.") else None
        target = target or _first_field(form)
        target.errors = [*list(target.errors or []), *messages]


@bp.route("/assessments/<assessment_id>/submit", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def submit(assessment_id: str) -> Response | str:
    dbs = db_session()
    form = forms.SubmitForm()
    problems: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            services.submit_assessment(dbs, g.actor, assessment_id, version=version_of(form.version.data))
        except ValidationFailed as exc:
            dbs.rollback()
            problems = _missing(assessment_id, exc)
        except StaleVersion as exc:
            dbs.rollback()
            refuse_as_stale()
            problems = [{"text": exc.message, "href": url_for("assessments.show", assessment_id=assessment_id)}]
        else:
            flash("Assessment submitted. A manager of the team will sign it off or return it with comments.", "success")
            return redirect(url_for("assessments.show", assessment_id=assessment_id))
    view = services.get_assessment(dbs, g.actor, assessment_id)
    if not _may_write(view):
        raise (NotPermitted() if view.assessment.status in rules.EDITABLE else InvalidTransition())
    form.version.raw_data = None  # the version shown is the one just read, so the checked answers are what is submitted
    form.version.data = str(view.assessment.version)
    return render_template(
        "assessments/submit.html",
        **_context(view),
        form=form,
        problems=problems,
        rows=answer_rows(view, practice(), links=True),
        page_title=("Error: " if problems else "") + "Check the assessment and submit it",
    )


def _missing(assessment_id: str, error: ValidationFailed) -> list[dict[str, str]]:
    # Not a view of its own: the page that shows these problems records the read.
    view = services.view_of(db_session(), *services.visible_assessment(db_session(), g.actor, assessment_id))
    problems = []
    for name in error.fields:
        if not name.startswith("sections.") or "." not in name[len("sections.") :]:
            continue
        # "sections.<section key>.<question key>"; a per-child section key holds a dot itself
        key, question = name[len("sections.") :].rsplit(".", 1)
        section = rules.section_of(view.template, key)
        if section is None:
            continue
        label = next((q["label"] for q in section["questions"] if q["key"] == question), question)
        problems.append(
            {
                "text": f"{view.title(dict(section))}: answer “{label}”",
                "href": url_for("assessments.section", assessment_id=assessment_id, section_key=key),
            }
        )
    return problems


@bp.route("/assessments/<assessment_id>/review", methods=["GET", "POST"])
@roles_required("manager")
def review(assessment_id: str) -> Response | str:
    dbs = db_session()
    form = forms.ReviewForm()
    if form.validate_on_submit():
        version = version_of(form.version.data)
        try:
            if form.decision.data == "sign_off":
                services.sign_off_assessment(dbs, g.actor, assessment_id, version=version)
                message = "Assessment signed off. It is now read-only."
            elif form.decision.data == "return":
                services.return_assessment(dbs, g.actor, assessment_id, comments=form.comments.data, version=version)
                message = "Assessment returned to the practitioner with your comments."
            else:
                raise ValidationFailed(fields={"decision": ["Select whether to sign off the assessment or return it"]})
        except ValidationFailed as exc:
            dbs.rollback()
            for name, messages in exc.fields.items():
                target = getattr(form, name, form.decision)
                target.errors = [*list(target.errors or []), *messages]
        except (StaleVersion, InvalidTransition) as exc:
            dbs.rollback()
            if isinstance(exc, StaleVersion):
                refuse_as_stale()
            form.decision.errors = [exc.message]
        else:
            flash(message, "success")
            return redirect(url_for("assessments.show", assessment_id=assessment_id))
    view = services.get_assessment(dbs, g.actor, assessment_id)
    if not _manages(view):
        raise NotPermitted("Only a manager of the team that owns this case can sign off or return an assessment.")
    form.version.raw_data = None  # decide on the version shown
    form.version.data = str(view.assessment.version)
    return render_template(
        "assessments/review.html",
        **_context(view),
        form=form,
        rows=answer_rows(view, practice(), links=False),
        page_title="Sign off or return the assessment",
    )


@bp.get("/assessments/<assessment_id>/print")
@roles_required(*CASE_ROLES)
def print_view(assessment_id: str) -> str:
    view = services.get_assessment(db_session(), g.actor, assessment_id, action="assessment.print")
    return render_template("assessments/print.html", **_context(view), rows=answer_rows(view, practice(), links=False), for_pdf=False)


@bp.get("/assessments/<assessment_id>/pdf")
@roles_required(*CASE_ROLES)
def pdf(assessment_id: str) -> Response:
    view = services.get_assessment(db_session(), g.actor, assessment_id, action="assessment.pdf")
    html = render_template("assessments/print.html", **_context(view), rows=answer_rows(view, practice(), links=False), for_pdf=True)
    return pdf_response(html, f"early-help-assessment-{view.assessment.number}.pdf")
