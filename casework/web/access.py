"""Deny by default: every endpoint needs a signed-in user (pages) or a token (API), except the
few listed in PUBLIC_ENDPOINTS; and routes declare the roles they need with ``roles_required``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from casework.auth import services as auth
from casework.auth.models import User, UserSession
from casework.errors import Malformed, NotFound, NotPermitted, Unauthenticated
from casework.extensions import login_manager
from casework.security import mfa
from casework.web.requests import db_session, set_actor

PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.sign_in",
        "auth.forgot_password",
        "auth.reset_link",
        "auth.reset_password",
        "static",
        "web.assets",
        "web.health",
        "api.openapi",
    }
)
#: What a session that has passed the password but not yet the second factor may use.
BEFORE_SECOND_FACTOR = {mfa.VERIFY: "auth.second_factor", mfa.ENROL: "auth.set_up_second_factor"}
F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[F], F]:
    """The signed-in user must hold at least one of ``roles``, else 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None or not any(actor.has_role(r) for r in roles):
                raise NotPermitted()
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


@login_manager.user_loader  # type: ignore[untyped-decorator]
def _load_user(session_id: str) -> User | None:
    if g.get("database_unavailable"):
        return None  # the 503 page is being rendered: nobody is signed in as far as it knows
    settings = current_app.extensions["casework"]["settings"]
    row = auth.load_session(db_session(), session_id, settings.session_idle_timeout, settings.session_absolute_lifetime)
    g.user_session = row
    return row.user if row else None


def current_session() -> UserSession:
    """The signed-in person's server-side session row."""
    row: UserSession = g.user_session
    return row


def second_factor_stage(user: User, row: UserSession | None) -> str:
    """``mfa.FULL``, ``mfa.VERIFY`` or ``mfa.ENROL`` for this signed-in session."""
    settings = current_app.extensions["casework"]["settings"]
    return mfa.stage(
        required=mfa.required(user.roles, settings.mfa_required_roles),
        enrolled=user.second_factor_enrolled,
        second_factor_done=row is not None and row.second_factor_at is not None,
    )


class SessionPrincipal:
    """What sign-in hands to Flask-Login: its id is the server-side session's random id."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User, session_id: str) -> None:
        self.user = user
        self.session_id = session_id

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return self.session_id


def _require_sign_in() -> Response | None:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if endpoint.startswith("api."):
        return None  # the API blueprint authenticates with bearer tokens itself
    if not current_user.is_authenticated:
        if session.get("_user_id"):
            logout_user()
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    user: User = current_user._get_current_object()
    set_actor(user.id, user.organisation_id, auth.actor_for(user))
    g.user = user
    stage = g.second_factor_stage = second_factor_stage(user, g.get("user_session"))
    if stage != mfa.FULL and endpoint not in (BEFORE_SECOND_FACTOR[stage], "auth.sign_out"):
        # Nothing else until the second factor is given (or set up, where it is required).
        return redirect(url_for(BEFORE_SECOND_FACTOR[stage], next=_next_path()))
    return None


def _next_path() -> str | None:
    return request.full_path.rstrip("?") if request.method == "GET" and request.endpoint != "web.home" else None


_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _check_path_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A path id that could name no record is a 404 before any query runs.

    API operations check their ids after the token (``check_path_ids``), so that a caller
    without one always gets 401, whatever the path."""
    if endpoint is not None and endpoint.startswith("api."):
        return
    check_path_ids(values)


def check_path_ids(values: dict[str, Any] | None) -> None:
    for key, value in (values or {}).items():
        if key.endswith("_id") and not (isinstance(value, str) and _ID.match(value)):
            raise NotFound()


def contains_nul(value: object) -> bool:
    """NUL characters are never meaningful input (and PostgreSQL refuses them in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def _refuse_nul() -> None:
    if request.path.startswith("/api/"):
        return  # API bodies and queries are checked when loaded, after the token
    if any(contains_nul(v) for v in request.args.listvalues()) or (
        request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
        and any(contains_nul(v) for v in request.form.listvalues())
    ):
        raise Malformed("The request contains characters that are not allowed.")


def init_access(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # the server-side session record is the control
    app.url_value_preprocessor(_check_path_ids)
    app.before_request(_refuse_nul)
    app.before_request(_require_sign_in)


def require_token() -> None:
    """API authentication: ``Authorization: Bearer <token>``; cookies are never accepted."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    user = auth.user_for_token(db_session(), token.strip())
    if user is None:
        raise Unauthenticated("The API token is not valid, or has been revoked.")
    set_actor(user.id, user.organisation_id, auth.actor_for(user))
    g.user = user
