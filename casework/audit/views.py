"""Audit pages: who looked at a case or a person (the team's managers, information
governance), a user's activity, failed sign-ins and the trail's verification (information
governance)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from casework.audit import services, who
from casework.auth.models import User
from casework.web.access import roles_required
from casework.web.requests import db_session

bp = Blueprint("audit", __name__, template_folder="templates")


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) <= 1_000_000 else 1


@bp.get("/cases/<case_id>/who-looked")
@roles_required("manager", "ig_officer")
def case(case_id: str) -> str:
    _, page = who.case_accesses(db_session(), g.actor, case_id, _page_number())
    return render_template(
        "audit/accesses.html",
        page_title="Who looked at this case",
        heading="Who looked at this case",
        lead="Every view, change, export and list or search that showed this case.",
        result=page,
    )


@bp.get("/people/<person_id>/who-looked")
@roles_required("manager", "ig_officer")
def person(person_id: str) -> str:
    _, page = who.person_accesses(db_session(), g.actor, person_id, _page_number())
    return render_template(
        "audit/accesses.html",
        page_title="Who looked at this person's records",
        heading="Who looked at this person's records",
        lead="Views of the person, of their family and its cases, changes, and searches that found them.",
        result=page,
    )


@bp.get("/audit")
@roles_required("ig_officer")
def index() -> str:
    users = list(db_session().scalars(select(User).order_by(User.name)))
    return render_template("audit/index.html", page_title="Audit", users=users)


@bp.get("/audit/users/<user_id>")
@roles_required("ig_officer")
def user(user_id: str) -> str:
    found, page = who.user_activity(db_session(), g.actor, user_id, _page_number())
    return render_template(
        "audit/accesses.html",
        page_title="A user's activity",
        heading=f"Activity of {found.name}",
        lead="Everything this user did or looked at, newest first.",
        result=page,
    )


@bp.get("/audit/failed-sign-ins")
@roles_required("ig_officer")
def failed_sign_ins() -> str:
    page = who.failed_sign_ins(db_session(), g.actor, _page_number())
    return render_template(
        "audit/accesses.html",
        page_title="Failed sign-ins",
        heading="Failed sign-ins",
        lead="Attempts to sign in that failed, newest first, with the account tried.",
        result=page,
    )


@bp.get("/audit/verify")
@roles_required("ig_officer")
def verify() -> str:
    result = services.verify(db_session())
    return render_template("audit/verify.html", page_title="Verify the audit trail", result=result)
