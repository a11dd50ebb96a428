"""Administration pages: organisations, teams and users. Admins see no case data here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.auth import services as auth
from casework.auth.forms import KIND_LABELS, ROLE_LABELS, OrganisationForm, TeamForm, UserForm
from casework.errors import ValidationFailed
from casework.web.access import roles_required
from casework.web.forms import apply_problems
from casework.web.requests import db_session

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _org_choices() -> list[tuple[str, str]]:
    return [("", "Choose an organisation")] + [(o.id, o.name) for o in auth.list_organisations(db_session())]


@bp.get("/")
@roles_required("admin")
def index() -> str:
    dbs = db_session()
    return render_template(
        "admin/index.html",
        organisations=auth.list_organisations(dbs),
        users=auth.list_users(dbs),
        kind_labels=KIND_LABELS,
        role_labels=ROLE_LABELS,
        page_title="Administration",
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required("admin")
def new_organisation() -> Response | str:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = auth.create_organisation(db_session(), form.name.data or "", form.kind.data or "")
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash(f"Organisation {org.name} created", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, page_title="Create an organisation", heading="Create an organisation")


@bp.route("/teams/new", methods=["GET", "POST"])
@roles_required("admin")
def new_team() -> Response | str:
    form = TeamForm()
    form.organisation_id.choices = _org_choices()
    if form.validate_on_submit():
        try:
            org = auth.get_organisation(db_session(), form.organisation_id.data or "")
            team = auth.ensure_team(db_session(), org, form.name.data or "")
        except ValidationFailed as exc:
            apply_problems(form, exc, {"team": "name"})
        else:
            flash(f"Team {team.name} is in {org.name}", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, page_title="Create a team", heading="Create a team")


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user() -> Response | str:
    form = UserForm()
    form.organisation_id.choices = _org_choices()
    if form.validate_on_submit():
        try:
            user = auth.create_user(
                db_session(),
                email=form.email.data or "",
                name=form.name.data or "",
                organisation_id=form.organisation_id.data or "",
                roles=list(form.roles.data or []),
                team=(form.team.data or "").strip() or None,
                password=form.password.data or "",
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash(f"User {user.name} created", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, page_title="Create a user", heading="Create a user")
