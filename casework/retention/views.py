"""Data protection pages for the information governance team: a family's restrictions and legal
holds, and the families past their retention date. The banner that says some of a family's
information is restricted, on every page about it, is provided here too."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.db import today
from casework.errors import ValidationFailed
from casework.families.forms import ROLE_CHOICES
from casework.retention import rules, services
from casework.retention.forms import FindFamilyForm, HoldForm, LiftForm, RestrictForm
from casework.retention.models import LegalHold, Restriction
from casework.web.access import roles_required
from casework.web.forms import apply_problems
from casework.web.requests import db_session

bp = Blueprint("retention", __name__, template_folder="templates")
bp.add_app_template_filter(rules.describe, "retention_rule")
IG = "ig_officer"
ROLE_LABELS = dict(ROLE_CHOICES)


@bp.app_context_processor
def _restriction_notice() -> dict[str, object]:
    def restriction_notice() -> str | None:
        session = g.get("db_session")
        people = session.info.get("restricted_people") if session is not None else None
        if not people:
            return None
        n = len(people)
        who = "one person" if n == 1 else f"{n} people"
        return (
            f"Processing of {who}'s information in this family is restricted: their details are not shown and nothing about "
            "them can be changed. Contact your information governance team."
        )

    return {"restriction_notice": restriction_notice}


@bp.route("/data-protection", methods=["GET", "POST"])
@roles_required(IG)
def index() -> Response | str:
    form = FindFamilyForm()
    if form.validate_on_submit():
        return redirect(url_for("retention.family", family_id=(form.family_id.data or "").strip()))
    return render_template("retention/index.html", form=form, page_title="Data protection")


@bp.get("/data-protection/retention")
@roles_required(IG)
def due() -> str:
    states = services.due(db_session(), g.actor, today())
    return render_template("retention/due.html", states=states, page_title="Records past their retention date")


def _family_page(
    family_id: str, restrict_form: RestrictForm | None = None, hold_form: HoldForm | None = None, error_form: LiftForm | None = None
) -> str:
    view = services.data_protection_view(db_session(), g.actor, family_id)
    restrict_form = restrict_form or RestrictForm(formdata=None)
    restrict_form.person_id.choices = [("", "The whole family")] + [(p.id, p.full_name or "Name not recorded") for p in view.people]
    lift_forms = {r.id: LiftForm(formdata=None, version=str(r.version)) for r in view.restrictions}
    lift_forms |= {h.id: LiftForm(formdata=None, version=str(h.version)) for h in view.holds}
    names = {p.id: p.full_name for p in view.people}
    return render_template(
        "retention/family.html",
        view=view,
        names=names,
        role_labels=ROLE_LABELS,
        restrict_form=restrict_form,
        hold_form=hold_form or HoldForm(formdata=None),
        lift_forms=lift_forms,
        form=error_form or (restrict_form if restrict_form.errors else None) or (hold_form if hold_form and hold_form.errors else None),
        page_title="Data protection: a family",
    )


@bp.get("/data-protection/families/<family_id>")
@roles_required(IG)
def family(family_id: str) -> str:
    return _family_page(family_id)


@bp.post("/data-protection/families/<family_id>/restrictions")
@roles_required(IG)
def restrict(family_id: str) -> Response | str:
    form = RestrictForm()
    if form.validate_on_submit():
        try:
            services.set_restriction(db_session(), g.actor, family_id, reason=form.reason.data, person_id=form.person_id.data or None)
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Processing is restricted", "success")
            return redirect(url_for("retention.family", family_id=family_id))
    return _family_page(family_id, restrict_form=form)


@bp.post("/data-protection/families/<family_id>/legal-holds")
@roles_required(IG)
def hold(family_id: str) -> Response | str:
    form = HoldForm()
    if form.validate_on_submit():
        services.set_hold(db_session(), g.actor, family_id, reason=form.reason.data)
        flash("Legal hold placed: the family's records will not be disposed of while it stands", "success")
        return redirect(url_for("retention.family", family_id=family_id))
    return _family_page(family_id, hold_form=form)


def _lift(row: Restriction | LegalHold, lift: Callable[..., object]) -> Response | str:
    form = LiftForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        lift(db_session(), g.actor, row.id, reason=form.reason.data, version=version)
        flash("Lifted: the record of it is kept", "success")
        return redirect(url_for("retention.family", family_id=row.family_id))
    return _family_page(row.family_id, error_form=form)


@bp.post("/data-protection/restrictions/<restriction_id>/lift")
@roles_required(IG)
def lift_restriction(restriction_id: str) -> Response | str:
    return _lift(services.find(db_session(), g.actor, Restriction, restriction_id), services.lift_restriction)


@bp.post("/data-protection/legal-holds/<hold_id>/lift")
@roles_required(IG)
def lift_hold(hold_id: str) -> Response | str:
    return _lift(services.find(db_session(), g.actor, LegalHold, hold_id), services.lift_hold)
