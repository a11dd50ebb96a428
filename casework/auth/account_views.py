"""Your account: email, password and second factor, each changed only after re-entering the
password (and a security code when the second factor is on)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from casework.auth import second_factor
from casework.auth import services as auth
from casework.auth.views import WRONG_CODE, _form_page, _safe_next, locked_message
from casework.errors import ValidationFailed
from casework.security import mfa
from casework.security import throttle as rules
from casework.web.access import SessionPrincipal, current_session
from casework.web.limits import throttle
from casework.web.requests import db_session, keep_on_error

bp = Blueprint("account", __name__, template_folder="templates")


def _settings() -> Any:
    return current_app.extensions["casework"]["settings"]


def _confirmed() -> bool:
    return auth.recently_reauthenticated(current_session(), _settings().reauthentication_minutes)


def _confirm_first() -> Response:
    return redirect(url_for("account.confirm", next=request.full_path.rstrip("?")))


@bp.get("/account")
def index() -> str:
    dbs = db_session()
    return render_template(
        "account/index.html",
        user=g.user,
        codes_left=second_factor.recovery_codes_left(dbs, g.user),
        required=mfa.required(g.user.roles, _settings().mfa_required_roles),
        page_title="Your account",
    )


@bp.route("/account/confirm", methods=["GET", "POST"])
def confirm() -> Response | tuple[str, int]:
    """Re-authentication: the password, and a code when the second factor is on."""
    from casework.auth.forms import ConfirmForm

    form = ConfirmForm()
    enrolled = g.user.second_factor_enrolled
    page: dict[str, Any] = {
        "page_title": "Confirm it is you",
        "intro": ["Enter your password" + (" and a security code" if enrolled else "") + " to change your account's security settings."],
        "hidden": [] if enrolled else ["code"],
    }
    if not form.validate_on_submit():
        return _form_page(form, **page)
    dbs = db_session()
    verdict = throttle().attempt(rules.PASSWORD, g.user.email, request.remote_addr)
    if not verdict.allowed:
        auth.record_throttled(dbs, g.user.email)
        keep_on_error()
        form.password.errors = [*list(form.password.errors), locked_message(verdict)]
        return _form_page(form, status=429, **page)
    if not auth.reauthenticate(dbs, g.user, form.password.data or ""):
        form.password.errors = [*list(form.password.errors), "Enter your correct password"]
        return _form_page(form, **page)
    if enrolled and second_factor.verify(dbs, g.user, form.code.data or "") is None:
        form.code.errors = [*list(form.code.errors), WRONG_CODE]
        return _form_page(form, **page)
    auth.mark_reauthenticated(dbs, current_session())
    return redirect(_safe_next(request.args.get("next") or url_for("account.index")))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Response | tuple[str, int]:
    from casework.auth.forms import NewPasswordForm

    if not _confirmed():
        return _confirm_first()
    form = NewPasswordForm()
    page: dict[str, Any] = {"page_title": "Change your password", "new_password": True}
    if not form.validate_on_submit():
        return _form_page(form, **page)
    dbs = db_session()
    old = current_session()
    try:
        auth.set_password(dbs, g.user, form.password.data or "")  # ends every session, this one too
    except ValidationFailed as exc:
        form.password.errors = [*list(form.password.errors), *exc.fields.get("password", [])]
        return _form_page(form, **page)
    # Carry on in a new session that keeps what this one had proved.
    session.clear()
    row = auth.start_session(dbs, g.user, second_factor=old.second_factor_at is not None)
    login_user(SessionPrincipal(g.user, row.id))
    flash("Your password has been changed. You have been signed out everywhere else.", "success")
    return redirect(url_for("account.index"))


@bp.route("/account/email", methods=["GET", "POST"])
def change_email() -> Response | tuple[str, int]:
    from casework.auth.forms import EmailForm

    if not _confirmed():
        return _confirm_first()
    form = EmailForm()
    page: dict[str, Any] = {"page_title": "Change your email address", "new_email": True}
    if not form.validate_on_submit():
        return _form_page(form, **page)
    try:
        auth.change_email(db_session(), g.user, form.email.data or "")
    except ValidationFailed as exc:
        form.email.errors = [*list(form.email.errors), *exc.fields.get("email", [])]
        return _form_page(form, **page)
    flash("Your email address has been changed. Use it to sign in from now on.", "success")
    return redirect(url_for("account.index"))


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
def new_recovery_codes() -> Response | str:
    """New recovery codes (the old ones stop working), after confirming it is you."""
    from casework.auth.forms import NewRecoveryCodesForm

    if not g.user.second_factor_enrolled:
        return redirect(url_for("account.index"))
    if not _confirmed():
        return _confirm_first()
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        codes = second_factor.replace_recovery_codes(db_session(), g.user)
        return render_template(
            "auth/recovery_codes.html", codes=codes, next_url=url_for("account.index"), page_title="Save your recovery codes", renewed=True
        )
    intro = ["Your present recovery codes will stop working. Save the new ones somewhere safe, away from your phone."]
    return render_template("auth/form.html", form=form, page_title="Make new recovery codes", intro=intro)
