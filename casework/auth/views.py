"""Sign-in, sign-out and personal API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from casework.auth import services as auth
from casework.web.access import SessionPrincipal
from casework.web.requests import db_session, set_actor

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("web.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str:
    from casework.auth.forms import SignInForm

    form = SignInForm()
    if form.validate_on_submit():
        dbs = db_session()
        user = auth.authenticate(dbs, form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a new session at sign-in: no fixation
            row = auth.start_session(dbs, user)
            login_user(SessionPrincipal(user, row.id))
            set_actor(user.id, user.organisation_id, auth.actor_for(user))
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors = [*list(form.email.errors), "Enter a correct email address and password"]
        return render_template("auth/sign_in.html", form=form, page_title="Sign in"), 200  # type: ignore[return-value]
    return render_template("auth/sign_in.html", form=form, page_title="Sign in")


@bp.post("/sign-out")
def sign_out() -> Response:
    session_id = session.get("_user_id")
    dbs = db_session()
    if session_id:
        auth.end_session(dbs, session_id)
    from casework.audit import trail

    trail.record(dbs, "auth.sign_out", subject_type="user", subject_id=g.user.id)
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens() -> Response | str:
    from casework.auth.forms import TokenForm

    form = TokenForm()
    dbs = db_session()
    new_token = None
    if form.validate_on_submit():
        _, new_token = auth.create_token(dbs, g.user, form.name.data or "")
        form = TokenForm(formdata=None)
    return render_template(
        "auth/tokens.html", form=form, tokens=auth.list_tokens(dbs, g.user), new_token=new_token, page_title="API tokens"
    )


@bp.post("/account/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> Response:
    auth.revoke_token(db_session(), g.user, token_id)
    flash("The token has been revoked", "success")
    return redirect(url_for("auth.tokens"))
