"""The second factor: enrolment, verification at sign-in, recovery codes.

The TOTP secret is staff data about no family: it is sealed under the keyring's audit keys
(:meth:`FieldCipher.staff_sealer`) with the user's id as associated data, so a secret copied to
another account does not open. Recovery codes are stored as digests and used once. Services
take ``now`` (seconds since the epoch) so that tests can hold the clock.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import RecoveryCode, User
from casework.auth.services import end_sessions
from casework.db import utcnow
from casework.security import mfa
from casework.security.fields import cipher_of

TOTP = "totp"
RECOVERY = "recovery"


def _aad(user: User) -> bytes:
    return f"casework:totp:{user.id}".encode()


def _open(session: Session, user: User, blob: bytes | None) -> str | None:
    return None if blob is None else cipher_of(session).staff_sealer().open_text(blob, _aad(user))


def begin_enrolment(session: Session, user: User) -> str:
    """A new secret for ``user``, kept pending until a code from it is confirmed.

    An existing second factor keeps working until then. Returns the secret to show (once per
    call; calling again makes another).
    """
    secret = mfa.new_secret()
    user.totp_pending_enc = cipher_of(session).staff_sealer().seal_text(secret, _aad(user))
    session.flush()
    return secret


def pending_secret(session: Session, user: User) -> str | None:
    return _open(session, user, user.totp_pending_enc)


def confirm_enrolment(session: Session, user: User, code: str, now: float | None = None) -> list[str] | None:
    """Make the pending secret ``user``'s second factor when ``code`` comes from it.

    Returns new recovery codes (shown once; the old ones stop working), or None when the code
    is wrong (nothing changes). Audited either way.
    """
    secret = pending_secret(session, user)
    step = None if secret is None else mfa.accepted_step(secret, code, time.time() if now is None else now, None)
    if step is None:
        trail.record(session, "auth.second_factor_setup_failed", subject_type="user", subject_id=user.id)
        return None
    user.totp_secret_enc, user.totp_pending_enc = user.totp_pending_enc, None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = replace_recovery_codes(session, user)
    trail.record(session, "auth.second_factor_set_up", subject_type="user", subject_id=user.id)
    return codes


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New recovery codes for ``user``; every earlier one stops working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = mfa.new_recovery_codes()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=mfa.recovery_digest(c)) for c in codes)
    session.flush()
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def verify(session: Session, user: User, code: str, now: float | None = None) -> str | None:
    """Check a code at sign-in: a TOTP code not used before, or an unused recovery code.

    Returns :data:`TOTP` or :data:`RECOVERY`, or None when refused. Every attempt is audited.
    """
    used: str | None = None
    secret = _open(session, user, user.totp_secret_enc) if user.second_factor_enrolled else None
    if secret is not None and mfa.is_totp_code(code):
        step = mfa.accepted_step(secret, code, time.time() if now is None else now, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            used = TOTP
    elif secret is not None and mfa.is_recovery_code(code):
        row = session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == mfa.recovery_digest(code), RecoveryCode.used_at.is_(None)
            )
        )
        if row is not None:
            row.used_at = utcnow()
            used = RECOVERY
    trail.record(
        session,
        "auth.second_factor" if used else "auth.second_factor_failed",
        subject_type="user",
        subject_id=user.id,
        detail={"method": used} if used else None,
    )
    session.flush()
    return used


def remove(session: Session, user: User) -> None:
    """Take away ``user``'s second factor (they lost the app and the codes) and end their
    sessions; where their role needs one they set up a new one at the next sign-in."""
    user.totp_secret_enc = user.totp_pending_enc = None
    user.totp_enabled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(session, user)
    trail.record(session, "auth.second_factor_removed", subject_type="user", subject_id=user.id)
    session.flush()
