"""Domain errors, and their one HTML and one JSON rendering.

Services raise these; the web and API layers never build error responses themselves. Messages
are written for the user and never contain personal data or an exception's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, fields: Mapping[str, Sequence[str]] | None = None) -> None:
        self.message = message or self.default_message
        self.fields = {k: list(v) for k, v in (fields or {}).items()}
        super().__init__(self.message)


class Malformed(DomainError):
    status, code, default_message = 400, "malformed", "The request body is not valid JSON."


class Unauthenticated(DomainError):
    status, code, default_message = 401, "unauthenticated", "Sign in, or send a valid API token."


class NotPermitted(DomainError):
    status, code, default_message = 403, "forbidden", "You are not allowed to do that."


class NotFound(DomainError):
    """Unknown, or not visible to the caller: the two are indistinguishable on purpose."""

    status, code, default_message = 404, "not_found", "Not found."


class Conflict(DomainError):
    status, code, default_message = 409, "conflict", "That cannot be done now."


class StaleVersion(Conflict):
    code, default_message = "stale_version", "Someone else changed this record since you opened it. Reload and try again."


class InvalidTransition(Conflict):
    code, default_message = "invalid_transition", "That change is not allowed at this stage."


class ConsentRequired(Conflict):
    code, default_message = "consent_required", "The family's recorded agreement is needed first."


class Restricted(Conflict):
    """Processing of the family's or person's information is restricted (UK GDPR Art 18): only
    storage and the information governance team's own work go on until it is lifted."""

    code = "restricted"
    default_message = (
        "Processing of this family's information is restricted. Nothing can be viewed or changed until the "
        "restriction is lifted. Contact your information governance team."
    )
    person_message = (
        "Processing of this person's information is restricted. Nothing about them can be viewed or changed "
        "until the restriction is lifted. Contact your information governance team."
    )


class TooLarge(DomainError):
    status, code, default_message = 413, "too_large", "The request is too large."


class ValidationFailed(DomainError):
    status, code, default_message = 422, "validation_failed", "Some of the information given is not valid."


class RateLimited(DomainError):
    status, code, default_message = 429, "rate_limited", "Too many requests. Wait a few minutes and try again."


class Unavailable(DomainError):
    """The database (or another service the app needs) cannot be reached just now."""

    status, code, default_message = 503, "service_unavailable", "The service is unavailable. Try again in a few minutes."


def error_body(error: DomainError) -> dict[str, object]:
    """The JSON error of API.md."""
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    return {"error": body}
