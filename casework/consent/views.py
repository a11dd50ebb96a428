"""Consent pages: a case's Consent, Team and "Who can see" tabs, recording a decision, adding
to the team around the family, sharing without consent (with a confirmation step), and the
safeguarding lead's "is this family known to early help?".

Views parse input, call a service and render what it returns; the services decide access (a
case the user may not see is a 404) and refuse what the rules do not allow, which is shown
against the form's fields. Pages work without JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from casework.auth.models import Team, User
from casework.cases import display
from casework.cases import services as cases
from casework.cases.display import case_context, refused, require_open
from casework.consent import pages, report_views, rules, services, visibility
from casework.consent.forms import (
    METHOD_HINTS,
    PURPOSE_HINTS,
    SELF,
    ConsentForm,
    KnownForm,
    ShareWithoutConsentForm,
    TeamMemberForm,
)
from casework.db import today
from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.families import services as families
from casework.web.access import roles_required
from casework.web.forms import apply_problems
from casework.web.requests import db_session

bp = Blueprint("consent", __name__, template_folder="templates")
CASE_ROLES = ("practitioner", "manager")
SHARING_ROLES = ("manager", "safeguarding_lead")
#: Passed as "who decided" when nobody was chosen: no person has this id, so the rules say so.
NOBODY = "nobody"
#: The page's words for a question left unanswered (the rules' words suit the API).
UNANSWERED = {
    "person_id": "Select whose information the decision is about",
    "given_by_person_id": "Select who made the decision",
    "purpose": "Select what the decision is about",
    "decision": "Select what they decided",
    "method": "Select how the decision was given",
}


def _in_page_words(form: ConsentForm, error: ValidationFailed) -> ValidationFailed:
    fields = {
        name: [UNANSWERED[name]] if name in UNANSWERED and not getattr(form, name).data else messages
        for name, messages in error.fields.items()
    }
    if "do_not_share_with" in fields and form.do_not_share_with_user.data and not form.do_not_share_with.data:
        fields["do_not_share_with_user"] = fields.pop("do_not_share_with")  # only the named person was given
    return ValidationFailed(error.message, fields)


def _owns(case_id: str) -> bool:
    """Does the user work in the team that owns the case (who record its consents and team)?"""
    _, decision = cases.visible_case(db_session(), g.actor, case_id)
    return decision.basis in ("team", "manager")


def _may_share_without_consent() -> bool:
    return any(g.actor.has_role(role) for role in SHARING_ROLES)


@bp.get("/cases/<case_id>/consent")
@roles_required(*CASE_ROLES)
def consent(case_id: str) -> str:
    dbs = db_session()
    case = cases.get_case(dbs, g.actor, case_id)
    rows = services.list_consents(dbs, g.actor, case_id)
    overrides = services.list_overrides(dbs, g.actor, case_id)
    _, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    orgs = pages.organisation_names(dbs)
    on = today()
    sharing = services.derive_sharing(dbs, case, on)
    names = {p.id: p.full_name for p in people}
    named = [u for r in rows for u in (r.do_not_share_with_users or ())]
    users = display.user_names(dbs, [r.recorded_by_id for r in rows] + [o.decided_by_id for o in overrides] + named)
    return render_template(
        "consent/consent.html",
        **case_context(case, "consent"),
        case_tab="consent",
        agreement=services.has_family_agreement(dbs, case),
        shared_with=pages.shared_with(sharing, orgs, on),
        positions=pages.positions(people, rows, sharing, orgs, on, users),
        history=pages.history(rows, names, users, orgs),
        overrides=[(o, pages.listed(o.organisation_ids or (), orgs), users.get(o.decided_by_id, "a colleague")) for o in overrides],
        may_record=_owns(case_id) and display.is_open(case),
        may_share_without_consent=_may_share_without_consent(),
        page_title="Consent and information sharing",
    )


def _consent_choices(form: ConsentForm, case_id: str) -> tuple[list[dict[str, object]], bool]:
    """Fill the form's choices from the family and the organisations; the people's hints, and
    whether a child is in the family (who may be judged competent to decide for themself)."""
    dbs = db_session()
    case, _ = cases.visible_case(dbs, g.actor, case_id)
    _, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    on = today()
    form.person_id.choices = [(p.id, p.full_name) for p in people]
    deciders = [p for p in people if p.parental_responsibility]
    form.given_by_person_id.choices = [(SELF, "The person themself")] + [
        (p.id, f"{p.full_name}, with parental responsibility") for p in deciders
    ]
    orgs = list(pages.organisation_names(dbs).items())
    form.organisation_ids.choices = orgs
    form.do_not_share_with.choices = orgs
    form.do_not_share_with_user.choices = [("", "Nobody named"), *pages.practitioner_choices(dbs)]
    return [{"hint": {"text": pages.person_hint(p, on)}} for p in people], any(p.role in ("child", "unborn") for p in people)


@bp.route("/cases/<case_id>/consent/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def record(case_id: str) -> Response | str:
    dbs = db_session()
    form = ConsentForm()
    if form.validate_on_submit():
        person = form.person_id.data or None
        decider = person if form.given_by_person_id.data == SELF else (form.given_by_person_id.data or NOBODY)
        try:
            services.record_consent(
                dbs,
                g.actor,
                case_id,
                person_id=person,
                given_by_person_id=decider,
                competent=True if form.competent.data else None,
                purpose=form.purpose.data,
                decision=form.decision.data,
                method=form.method.data,
                organisation_ids=list(form.organisation_ids.data or []),
                expires_on=form.expires_on.data,
                do_not_share_with=list(form.do_not_share_with.data or [])
                + ([form.do_not_share_with_user.data] if form.do_not_share_with_user.data else []),
                note=form.note.data,
            )
        except ValidationFailed as exc:
            refused(form, "person_id", _in_page_words(form, exc))
        except (InvalidTransition, NotPermitted) as exc:
            refused(form, "person_id", exc)
        else:
            flash("Decision recorded. Who can see this family has been updated.", "success")
            return redirect(url_for("consent.consent", case_id=case_id))
    case = cases.get_case(dbs, g.actor, case_id)
    require_open(case)
    person_hints, has_children = _consent_choices(form, case_id)
    return render_template(
        "consent/record.html",
        **case_context(case),
        form=form,
        person_hints=person_hints,
        has_children=has_children,
        purpose_hints=PURPOSE_HINTS,
        method_hints=METHOD_HINTS,
        page_title="Record a consent decision",
    )


@bp.get("/cases/<case_id>/team")
@roles_required(*CASE_ROLES)
def team(case_id: str) -> str:
    dbs = db_session()
    case = cases.get_case(dbs, g.actor, case_id)
    members = services.list_team_members(dbs, g.actor, case_id)
    _, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    names = {p.id: p.full_name for p in people}
    users = {u.id: u for u in dbs.scalars(select(User).where(User.id.in_(sorted({m.user_id for m in members if m.user_id}))))}
    practitioners, family_members = [], []
    for m in members:
        user = users.get(m.user_id or "")
        if m.user_id:
            name, organisation = (user.name, user.organisation.name) if user else ("A former colleague", "")
            practitioners.append({"member": m, "name": name, "organisation": organisation})
        else:
            family_members.append({"member": m, "name": names.get(m.person_id or "", "Someone in the family")})
    return render_template(
        "consent/team.html",
        **case_context(case, "team"),
        case_tab="team",
        practitioners=practitioners,
        family_members=family_members,
        may_change=_owns(case_id) and display.is_open(case),
        page_title="Team around the family",
    )


@bp.route("/cases/<case_id>/team/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def add_member(case_id: str) -> Response | str:
    dbs = db_session()
    form = TeamMemberForm()
    if form.validate_on_submit():
        try:
            services.add_team_member(
                dbs,
                g.actor,
                case_id,
                user_id=form.user_id.data or None,
                person_id=form.person_id.data or None,
                role_in_team=form.role_in_team.data,
            )
        except (ValidationFailed, InvalidTransition, NotPermitted) as exc:
            refused(form, "person_id" if form.person_id.data and not form.user_id.data else "user_id", exc)
        else:
            flash("Added to the team around the family", "success")
            return redirect(url_for("consent.team", case_id=case_id))
    case = cases.get_case(dbs, g.actor, case_id)
    require_open(case)
    _, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    form.user_id.choices = [("", "Choose a practitioner"), *pages.practitioner_choices(dbs)]
    form.person_id.choices = [("", "Choose a family member"), *((p.id, p.full_name) for p in people)]
    return render_template("consent/team_new.html", **case_context(case), form=form, page_title="Add someone to the team around the family")


@bp.post("/cases/<case_id>/team/<member_id>/remove")
@roles_required(*CASE_ROLES)
def remove_member(case_id: str, member_id: str) -> Response:
    services.remove_team_member(db_session(), g.actor, case_id, member_id)
    flash("Removed from the team around the family", "success")
    return redirect(url_for("consent.team", case_id=case_id))


@bp.get("/cases/<case_id>/viewers")
@roles_required(*CASE_ROLES)
def viewers(case_id: str) -> str:
    dbs = db_session()
    case, found = visibility.who_can_see(dbs, g.actor, case_id)
    rows = services.list_consents(dbs, g.actor, case_id)
    overrides = services.list_overrides(dbs, g.actor, case_id)
    _, people = families.get_family_with_members(dbs, g.actor, case.family_id)
    on = today()
    team_row = dbs.get(Team, case.owning_team_id)
    able, unable = pages.viewer_rows(
        found,
        {p.full_name for p in people},
        team_row.name if team_row else "the owning team",
        pages.consent_dates(people, rows, on),
        overrides,
    )
    orgs = pages.organisation_names(dbs)
    users = display.user_names(dbs, [u for r in rows for u in (r.do_not_share_with_users or ())])
    return render_template(
        "consent/viewers.html",
        **case_context(case, "viewers"),
        case_tab="viewers",
        able=able,
        unable=unable,
        withheld=pages.withheld_rows(people, rows, services.derive_sharing(dbs, case, on), orgs, on, users),
        page_title="Who can see this family, and why",
    )


def _swc_page(case_id: str, form: ShareWithoutConsentForm) -> str:
    dbs = db_session()
    case = cases.get_case(dbs, g.actor, case_id)
    return render_template("consent/swc_new.html", **case_context(case), form=form, page_title="Share without consent")


def _swc_form() -> ShareWithoutConsentForm:
    form = ShareWithoutConsentForm()
    form.organisation_ids.choices = list(pages.organisation_names(db_session()).items())
    return form


@bp.route("/cases/<case_id>/share-without-consent/new", methods=["GET", "POST"])
@roles_required(*SHARING_ROLES)
def share_without_consent(case_id: str) -> str:
    """First step: what will be shared, with whom, why. Nothing is recorded until confirmed."""
    dbs = db_session()
    form = _swc_form()
    if "change" in request.form or not form.validate_on_submit():
        return _swc_page(case_id, form)
    try:
        rules.check_override(
            organisation_ids=form.organisation_ids.data or [],
            known_organisation_ids=[key for key, _ in form.organisation_ids.choices],
            lawful_basis=form.lawful_basis.data,
            justification=form.justification.data,
            expires_on=form.expires_on.data,
            today=today(),
        )
    except ValidationFailed as exc:
        apply_problems(form, exc)
        return _swc_page(case_id, form)
    case = cases.get_case(dbs, g.actor, case_id)
    orgs = pages.organisation_names(dbs)
    return render_template(
        "consent/swc_check.html",
        **case_context(case),
        form=form,
        organisations=pages.lines(pages.named(form.organisation_ids.data or [], orgs)),
        page_title="Check your answers before sharing without consent",
    )


@bp.post("/cases/<case_id>/share-without-consent")
@roles_required(*SHARING_ROLES)
def confirm_share_without_consent(case_id: str) -> Response | str:
    """Second step: record the confirmed decision (the service checks who may make it)."""
    dbs = db_session()
    form = _swc_form()
    if form.validate_on_submit():
        try:
            services.record_override(
                dbs,
                g.actor,
                case_id,
                organisation_ids=list(form.organisation_ids.data or []),
                lawful_basis=form.lawful_basis.data,
                justification=form.justification.data,
                expires_on=form.expires_on.data,
            )
        except (ValidationFailed, NotPermitted) as exc:
            refused(form, "organisation_ids", exc)
        else:
            flash("Decision to share without consent recorded. The team's managers have been told.", "success")
            return redirect(url_for("consent.viewers", case_id=case_id))
    return _swc_page(case_id, form)


@bp.route("/safeguarding/known", methods=["GET", "POST"])
@roles_required("safeguarding_lead")
def known() -> str:
    form = KnownForm()
    answer = None
    if form.validate_on_submit():
        try:
            answer = visibility.known_to_early_help(
                db_session(),
                g.actor,
                family_name=form.family_name.data,
                date_of_birth=form.date_of_birth.data,
                nhs_number=form.nhs_number.data,
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render_template("consent/known.html", form=form, answer=answer, page_title="Is this family known to early help?")


for _rule, _endpoint, _view, _methods in report_views.ROUTES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)
