"""Every error, rendered in one place: the JSON error of API.md under /api, a GOV.UK page
elsewhere. Nothing here echoes an exception's text or any personal data."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from casework.errors import (
    DomainError,
    Malformed,
    NotFound,
    NotPermitted,
    RateLimited,
    Restricted,
    StaleVersion,
    TooLarge,
    Unauthenticated,
    Unavailable,
    error_body,
)

log = logging.getLogger("casework.errors")

_HTTP = {
    400: Malformed("The request could not be understood."),
    401: Unauthenticated(),
    403: NotPermitted(),
    404: NotFound(),
    413: TooLarge(),
    429: RateLimited(),
    503: Unavailable(),
}

_TITLES = {
    400: "There is a problem with the request",
    401: "Sign in to continue",
    403: "You do not have permission to do that",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That cannot be done now",
    413: "The information sent is too large",
    422: "There is a problem",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(error: DomainError, status: int | None = None) -> Response:
    status = status or error.status
    if wants_json():
        response: Response = jsonify(error_body(error))
    elif isinstance(error, Restricted):
        response = Response(render_template("errors/restricted.html", message=error.message), mimetype="text/html")
    elif status == 503:
        # Rendered without the signed-in user or anything else that needs the database (Flask-Login
        # loads the user for every template unless told the database is down).
        g.database_unavailable = True
        response = Response(render_template("errors/unavailable.html", title=_TITLES[503]), mimetype="text/html")
    else:
        response = Response(
            render_template("errors/error.html", status=status, title=_TITLES.get(status, "There is a problem"), message=error.message),
            mimetype="text/html",
        )
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if isinstance(exc, CSRFError):
        return render_error(Malformed("The form expired or was sent from elsewhere. Go back, reload the page and try again."), 400)
    error = _HTTP.get(code)
    if error is None:
        err = DomainError(_TITLES.get(code, "The request could not be processed."))
        err.code = "method_not_allowed" if code == 405 else "http_error"
        error = err
    response = render_error(error, code)
    if code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, StaleDataError):
        return render_error(StaleVersion())
    if database_unavailable(exc):
        log.error("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
        return render_error(Unavailable())
    log.exception("unexpected error")
    err = DomainError("Sorry, there is a problem with the service. Try again later.")
    err.code = "internal_error"
    return render_error(err, 500)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (down, restarting, connection cut).

    The engine checks pooled connections before use (``pool_pre_ping``) and drops the whole pool
    when one is found dead, so the first request after the database comes back succeeds."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def init_errors(app: Flask) -> None:
    app.register_error_handler(DomainError, render_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
