"""The request boundary: one database session per request, committed once at the end.

Services flush; this module commits when the response is a success (status < 400) and rolls
back otherwise, so a failed request changes nothing. The audit events the request recorded are
appended in that same commit: if the append fails, the response is an error.
"""

from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, g, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from casework.audit import trail
from casework.consent.policy import Actor
from casework.db import Database
from casework.errors import DomainError, StaleVersion, Unavailable

log = logging.getLogger("casework.requests")


def database() -> Database:
    db: Database = current_app.extensions["casework"]["db"]
    return db


def db_session() -> Session:
    """The request's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = database().session()
        trail.bind(g.db_session, trail.AuditContext(None, None, request_id(), one_event=True))
    session: Session = g.db_session
    return session


def request_id() -> str:
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
    rid: str = g.request_id
    return rid


def set_actor(user_id: str, organisation_id: str, actor: Actor) -> None:
    """Record who is acting for this request's audit events and policy decisions."""
    g.actor = actor
    trail.bind(db_session(), trail.AuditContext(user_id, organisation_id, request_id(), one_event=True))


def keep_on_error() -> None:
    """Commit this request although it answers an error: a refused sign-in is still audited."""
    g.commit_on_error = True


def current_actor() -> Actor | None:
    actor: Actor | None = g.get("actor")
    return actor


def refuse_as_stale() -> None:
    """This page comes back with its form because the user's copy was stale: answer 409.

    What the request did besides (reading the record again, and its audit event) is still
    committed; only the refused write was rolled back by the view."""
    g.stale_refused = True


def _commit(response: Response) -> Response:
    stale = bool(g.pop("stale_refused", False))
    response = _commit_session(response)
    if stale and response.status_code < 300:
        response.status_code = 409  # the view sent its form back: someone else saved first
    return response


def _commit_session(response: Response) -> Response:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return response
    try:
        if response.status_code < 400 or g.pop("commit_on_error", False):
            session.commit()
        else:
            _rollback_quietly(session)
    except StaleDataError:
        session.rollback()
        return _error_response(StaleVersion())
    except DomainError as exc:
        session.rollback()
        return _error_response(exc)
    except (OperationalError, InterfaceError) as exc:
        _rollback_quietly(session)
        # The type only: the driver's message can quote the statement and its values.
        log.error("database unavailable at commit (request %s): %s", request_id(), type(exc.orig).__name__)
        return _error_response(Unavailable())
    except Exception:
        # Including a failed audit append: the change and its audit event go together or not at all.
        session.rollback()
        log.exception("commit failed (request %s)", request_id())
        error = DomainError("Sorry, there is a problem with the service. Nothing was saved. Try again later.")
        error.code = "internal_error"
        return _error_response(error, 500)
    finally:
        _close_quietly(session)
    return response


def _rollback_quietly(session: Session) -> None:
    """Roll back a session whose connection may be gone (the database went away mid-request)."""
    try:
        session.rollback()
    except (OperationalError, InterfaceError):
        log.error("rollback failed: the database connection was lost (request %s)", request_id())


def _close_quietly(session: Session) -> None:
    try:
        session.close()
    except (OperationalError, InterfaceError):
        log.error("closing the session failed: the database connection was lost (request %s)", request_id())


def _error_response(exc: DomainError, status: int | None = None) -> Response:
    from casework.web.errors import render_error

    return render_error(exc, status)


def _teardown(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        _rollback_quietly(session)
        _close_quietly(session)


def _headers(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()  # the security headers: casework/web/headers.py
    return response


def init_requests(app: Flask) -> None:
    # after_request functions run in reverse order of registration: commit, then headers.
    app.after_request(_headers)
    app.after_request(_commit)
    app.teardown_request(_teardown)
