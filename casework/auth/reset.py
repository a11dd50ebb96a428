"""Password reset by an emailed single-use link.

Only the SHA-256 digest of the link's token is stored; the token itself exists in the email
(queued in the outbox, sealed under the audit key, and never written to the audit detail) and
nowhere else. A link works once, for ``minutes``, and asking again retires the earlier link.
Resetting ends every session of the account and leaves its second factor alone: the next
sign-in still asks for the code.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import PasswordReset, User
from casework.auth.services import set_password, user_by_email
from casework.db import new_id, utcnow
from casework.errors import ValidationFailed
from casework.notify.models import Outbox
from casework.security.tokens import new_token, token_digest

KIND = "password_reset"
#: Used when no Notify template id is configured (so the outbox still fills for inspection).
DEFAULT_TEMPLATE = "casework-password-reset"
LINK_PREFIX = "/sign-in/reset/"
EXPIRED = "This link has expired or has already been used. Ask for a new one."


def request_reset(session: Session, email: str, *, minutes: int, template_id: str | None = None) -> None:
    """Email a reset link when ``email`` names an active account; otherwise do nothing visible.

    The caller answers the same either way, so the page does not reveal who has an account.
    """
    user = user_by_email(session, email)
    trail.record(session, "auth.password_reset_requested", subject_type="user", subject_id=user.id if user else None)
    if user is None or not user.active:
        return
    now = utcnow()
    _retire(session, user, now)
    token = new_token()
    reset = PasswordReset(user_id=user.id, token_hash=token_digest(token), expires_at=now + timedelta(minutes=minutes))
    session.add(reset)
    session.flush()
    row = Outbox(
        id=new_id(),
        family_id=None,
        user_id=user.id,
        kind=KIND,
        dedupe_key=f"{KIND}:{reset.id}",
        template_id=template_id or DEFAULT_TEMPLATE,
    )
    row.recipient = user.email
    row.personalisation = json.dumps({"link_path": LINK_PREFIX + token, "expires_in_minutes": str(minutes)}, sort_keys=True)
    session.add(row)
    session.flush()


def _retire(session: Session, user: User, now: datetime) -> None:
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))


def valid_reset(session: Session, token: str, now: datetime | None = None) -> PasswordReset | None:
    """The unused, unexpired reset for ``token``, or None."""
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_digest(token), PasswordReset.used_at.is_(None)))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password through a reset link; the link is used up and every session ends.

    Raises:
        ValidationFailed: the link is not valid (field ``token``) or the password is not
            acceptable (field ``password``; the link still works).
    """
    row = valid_reset(session, token)
    if row is None:
        trail.record(session, "auth.password_reset_failed", subject_type="user")
        raise ValidationFailed(fields={"token": [EXPIRED]})
    user = row.user
    set_password(session, user, password)  # ends every session of the account
    _retire(session, user, utcnow())
    trail.record(session, "auth.password_reset", subject_type="user", subject_id=user.id)
    session.flush()
    return user
