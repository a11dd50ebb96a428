"""Sign-in (password, then the second factor), sign-out, password reset and API tokens."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from casework.audit import trail
from casework.auth import reset, second_factor
from casework.auth import services as auth
from casework.auth.models import User, UserSession
from casework.errors import ValidationFailed
from casework.security import mfa
from casework.security import throttle as rules
from casework.web.access import SessionPrincipal, current_session, second_factor_stage
from casework.web.limits import Verdict, throttle
from casework.web.requests import db_session, keep_on_error, set_actor

bp = Blueprint("auth", __name__, template_folder="templates")
bp.record_once(lambda state: redact_reset_links())

CREDENTIALS = "Enter a correct email address and password"
WRONG_CODE = "Enter a correct security code"


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("web.home")


def _settings() -> Any:
    return current_app.extensions["casework"]["settings"]


def locked_message(verdict: Verdict) -> str:
    """What a person held back by the throttle should do (the same whether the account exists)."""
    minutes = f"{verdict.wait_minutes} minute{'s' if verdict.wait_minutes != 1 else ''}"
    return (
        f"Too many attempts. Wait {minutes} and try again. If you have forgotten your password, reset it; "
        "if you are still locked out, contact your organisation's administrator."
    )


def _form_page(form: Any, *, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(context.pop("template", "auth/form.html"), form=form, **context), status


def _sign_in_page(form: Any, status: int = 200) -> tuple[str, int]:
    return render_template("auth/sign_in.html", form=form, page_title="Sign in"), status


def _begin(user: User, row: UserSession) -> None:
    login_user(SessionPrincipal(user, row.id))
    set_actor(user.id, user.organisation_id, auth.actor_for(user))
    g.user, g.user_session = user, row


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | tuple[str, int]:
    from casework.auth.forms import SignInForm

    form = SignInForm()
    if not form.validate_on_submit():
        return _sign_in_page(form)
    dbs = db_session()
    email = form.email.data or ""
    # Both limits are counted before the password is checked: a refused guess is never checked.
    verdict = throttle().attempt(rules.PASSWORD, email, request.remote_addr)
    if not verdict.allowed:
        auth.record_throttled(dbs, email)
        keep_on_error()
        form.email.errors = [*list(form.email.errors), locked_message(verdict)]
        return _sign_in_page(form, 429)
    user = auth.authenticate(dbs, email, form.password.data or "")
    if user is None:
        form.email.errors = [*list(form.email.errors), CREDENTIALS]
        return _sign_in_page(form)
    session.clear()  # a new session at sign-in: no fixation
    row = auth.start_session(dbs, user)
    _begin(user, row)
    target = request.args.get("next")
    stage = second_factor_stage(user, row)
    if stage == mfa.VERIFY:
        return redirect(url_for("auth.second_factor", next=target))
    if stage == mfa.ENROL:
        return redirect(url_for("auth.set_up_second_factor", next=target))
    return redirect(_safe_next(target))


@bp.route("/sign-in/code", methods=["GET", "POST"], endpoint="second_factor")
def second_factor_page() -> Response | tuple[str, int]:
    from casework.auth.forms import CodeForm

    row = current_session()
    if row.second_factor_at is not None or not g.user.second_factor_enrolled:
        return redirect(_safe_next(request.args.get("next")))
    form = CodeForm()
    page: dict[str, Any] = {
        "page_title": "Enter your security code",
        "intro": [
            "Open your authenticator app and enter the code it shows.",
            "If you cannot use the app or a recovery code, contact your organisation's administrator.",
        ],
    }
    if not form.validate_on_submit():
        return _form_page(form, **page)
    dbs = db_session()
    verdict = throttle().attempt(rules.SECOND_FACTOR, g.user.email, request.remote_addr)
    if not verdict.allowed:
        trail.record(dbs, "auth.second_factor_failed", subject_type="user", subject_id=g.user.id, detail={"reason": "throttled"})
        keep_on_error()
        form.code.errors = [*list(form.code.errors), locked_message(verdict)]
        return _form_page(form, status=429, **page)
    used = second_factor.verify(dbs, g.user, form.code.data or "")
    if used is None:
        form.code.errors = [*list(form.code.errors), WRONG_CODE]
        return _form_page(form, **page)
    auth.passed_second_factor(dbs, row)
    if used == second_factor.RECOVERY:
        left = second_factor.recovery_codes_left(dbs, g.user)
        flash(f"You used a recovery code. You have {left} left: make new ones from Your account.", "success")
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/account/second-factor", methods=["GET", "POST"])
def set_up_second_factor() -> Response | tuple[str, int]:
    """Set up (or replace) the authenticator app; needs a recent password (given at sign-in
    when setting up is required, else through the confirm page)."""
    from casework.auth.forms import SetUpCodeForm

    row = current_session()
    # A session that must set one up before anything else gave its password to get here (and
    # can do nothing else); anyone else confirms it is them first.
    must_enrol = g.get("second_factor_stage") == mfa.ENROL
    if not must_enrol and not auth.recently_reauthenticated(row, _settings().reauthentication_minutes):
        return redirect(url_for("account.confirm", next=request.full_path.rstrip("?")))
    dbs = db_session()
    form = SetUpCodeForm()
    secret = second_factor.pending_secret(dbs, g.user) if request.method == "POST" else None
    if secret is None:
        secret = second_factor.begin_enrolment(dbs, g.user)
    page: dict[str, Any] = {
        "template": "auth/set_up_second_factor.html",
        "page_title": "Set up your second factor",
        "intro": ["Each time you sign in you will enter a code from an authenticator app as well as your password."],
        "secret_grouped": mfa.grouped(secret),
        "uri": mfa.provisioning_uri(secret, g.user.email),
    }
    if not form.validate_on_submit():
        return _form_page(form, **page)
    codes = second_factor.confirm_enrolment(dbs, g.user, form.code.data or "")
    if codes is None:
        form.code.errors = [*list(form.code.errors), WRONG_CODE]
        return _form_page(form, **page)
    auth.passed_second_factor(dbs, row)
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=_safe_next(request.args.get("next")), page_title="Save your recovery codes"
    ), 200


@bp.post("/sign-out")
def sign_out() -> Response:
    session_id = session.get("_user_id")
    dbs = db_session()
    if session_id:
        auth.end_session(dbs, session_id)
    trail.record(dbs, "auth.sign_out", subject_type="user", subject_id=g.user.id)
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


# Password reset -----------------------------------------------------------------------------


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
def forgot_password() -> Response | tuple[str, int]:
    from casework.auth.forms import ForgotPasswordForm

    form = ForgotPasswordForm()
    page: dict[str, Any] = {
        "page_title": "Reset your password",
        "intro": ["Enter the email address you sign in with. We will email you a link to set a new password."],
    }
    if not form.validate_on_submit():
        return _form_page(form, **page)
    email = form.email.data or ""
    dbs = db_session()
    verdict = throttle().attempt(rules.RESET, email, request.remote_addr)
    if not verdict.allowed:
        trail.record(dbs, "auth.password_reset_requested", subject_type="user", detail={"reason": "throttled"})
        keep_on_error()
        form.email.errors = [*list(form.email.errors), locked_message(verdict)]
        return _form_page(form, status=429, **page)
    settings = _settings()
    reset.request_reset(dbs, email, minutes=settings.password_reset_minutes, template_id=settings.notify_password_reset_template_id)
    flash(
        "If that email address has an account, we have sent it a link to reset the password. The link works once, for an hour.", "success"
    )
    return redirect(url_for("auth.sign_in"))


class RedactResetLinks(logging.Filter):
    """Request logs (the development server's, gunicorn's access log) never show a reset token."""

    PATTERN = re.compile(r"(/sign-in/reset/)[^\s\"?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if reset.LINK_PREFIX in message:
            record.msg, record.args = self.PATTERN.sub(r"\1[redacted]", message), ()
        return True


def redact_reset_links() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactResetLinks) for f in logger.filters):
            logger.addFilter(RedactResetLinks())


@bp.get("/sign-in/reset/<token>")
def reset_link(token: str) -> Response:
    """The emailed link: keep the token in the session and move to an address without it, so
    it stays out of the browser's history and the server's request logs from here on."""
    session["reset_token"] = token[:100]
    return redirect(url_for("auth.reset_password"))


@bp.route("/sign-in/reset", methods=["GET", "POST"])
def reset_password() -> Response | tuple[str, int]:
    from casework.auth.forms import NewPasswordForm

    token = session.get("reset_token") or ""
    dbs = db_session()
    if not token or reset.valid_reset(dbs, token) is None:
        session.pop("reset_token", None)
        flash(reset.EXPIRED, "error")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    page: dict[str, Any] = {"page_title": "Set a new password", "new_password": True}
    if not form.validate_on_submit():
        return _form_page(form, **page)
    try:
        reset.reset_password(dbs, token, form.password.data or "")
    except ValidationFailed as exc:
        form.password.errors = [*list(form.password.errors), *exc.fields.get("password", [reset.EXPIRED])]
        return _form_page(form, **page)
    session.clear()
    flash("Your password has been changed. Sign in with your new password.", "success")
    return redirect(url_for("auth.sign_in"))


# API tokens ---------------------------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens() -> Response | str:
    from casework.auth.forms import TokenForm

    form = TokenForm()
    dbs = db_session()
    new_token = None
    if form.validate_on_submit():
        if current_session().second_factor_at is None:
            # A token acts without the second factor, so only a session that gave it makes one.
            form.name.errors = [*list(form.name.errors), "Set up a second factor on Your account before you create a token"]
        else:
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
