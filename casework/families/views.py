"""Family pages: the team's families, a family and its members, adding people, search."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.auth.models import Team
from casework.cases import display
from casework.cases import services as cases
from casework.consent.policy import case_team_ids
from casework.errors import ValidationFailed
from casework.families import services
from casework.families.forms import ROLE_CHOICES, FamilyForm, MemberForm, SearchForm
from casework.web.access import roles_required
from casework.web.forms import apply_problems
from casework.web.requests import db_session

bp = Blueprint("families", __name__, template_folder="templates")
ROLE_LABELS = dict(ROLE_CHOICES)
CASE_ROLES = ("practitioner", "manager")


@bp.get("/families")
@roles_required(*CASE_ROLES)
def index() -> str:
    page = request.args.get("page", "1")
    result = services.list_families(db_session(), g.actor, page=int(page) if page.isdigit() else 1, per_page=50)
    return render_template("families/index.html", result=result, role_labels=ROLE_LABELS, page_title="Families")


@bp.route("/families/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def new() -> Response | str:
    form = FamilyForm()
    teams = sorted(case_team_ids(g.actor))
    dbs = db_session()
    form.team.choices = [(t.id, t.name) for t in (dbs.get(Team, tid) for tid in teams) if t]
    if form.validate_on_submit():
        try:
            family = services.create_family(
                dbs,
                g.actor,
                address_line_1=form.address_line_1.data,
                postcode=form.postcode.data,
                note=form.note.data,
                team_id=form.team.data or None,
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Family record created. Now add the people in the family.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("families/new.html", form=form, show_team=len(teams) > 1, page_title="Create a family record")


@bp.get("/families/<family_id>")
@roles_required(*CASE_ROLES)
def show(family_id: str) -> str:
    dbs = db_session()
    family, people = services.get_family_with_members(dbs, g.actor, family_id)
    family_cases = cases.list_cases(dbs, g.actor, family_id=family.id, per_page=50).items
    return render_template(
        "families/show.html",
        family=family,
        people=people,
        role_labels=ROLE_LABELS,
        cases=[(c, display.status_tag(c.status), display.level_label(c.level)) for c in family_cases],
        open_case=next((c for c in family_cases if display.is_open(c)), None),
        page_title="Family",
    )


@bp.route("/families/<family_id>/members/new", methods=["GET", "POST"])
@roles_required(*CASE_ROLES)
def add_member(family_id: str) -> Response | str:
    dbs = db_session()
    services.visible_family(dbs, g.actor, family_id)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            services.add_member(
                dbs,
                g.actor,
                family_id,
                given_name=form.given_name.data,
                family_name=form.family_name.data,
                role=form.role.data,
                parental_responsibility=form.parental_responsibility.data == "yes",
                date_of_birth=form.date_of_birth.data,
                expected_date=form.expected_date.data,
                nhs_number=form.nhs_number.data,
                gender=form.gender.data,
                ethnicity=form.ethnicity.data,
                language=form.language.data,
                school=form.school.data,
                note=form.note.data,
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Family member added", "success")
            return redirect(url_for("families.show", family_id=family_id))
    return render_template("families/add_member.html", form=form, family_id=family_id, page_title="Add a family member")


@bp.get("/search")
@roles_required(*CASE_ROLES)
def search() -> str:
    form = SearchForm(formdata=request.args)
    results = None
    if request.args and form.validate():
        try:
            results = services.search_people(
                db_session(),
                g.actor,
                family_name=form.family_name.data,
                date_of_birth=form.date_of_birth.data,
                nhs_number=form.nhs_number.data,
            )
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render_template("families/search.html", form=form, results=results, role_labels=ROLE_LABELS, page_title="Search for a person")
