"""The second factor: TOTP (RFC 6238) with single-use recovery codes. Pure: no framework.

A code is accepted for the current 30-second step and one step either side (clock drift), and
never for a step at or before the last one accepted for that account, so a code seen over a
shoulder or replayed from a proxy log is refused. Recovery codes are random (50 bits), shown
once and stored only as SHA-256 digests: they are not passwords a person chooses, so a slow
hash adds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

import pyotp

STEP_SECONDS = 30
#: Steps either side of now that are accepted (RFC 6238 section 5.2 recommends one).
WINDOW = 1
DIGITS = 6
ISSUER = "Early help casework"
RECOVERY_CODES = 10
#: Crockford-style alphabet: no 0/O, 1/I/L, U, so a code read aloud or copied is unambiguous.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstvwxyz"
RECOVERY_LENGTH = 10
#: Roles that must use a second factor unless the configuration says otherwise.
DEFAULT_REQUIRED_ROLES = frozenset({"manager", "safeguarding_lead", "ig_officer", "admin"})

FULL, VERIFY, ENROL = "full", "verify", "enrol"


def new_secret() -> str:
    """A new base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app reads (from a QR code or typed in)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an authenticator app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def step_at(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_for_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise_code(text: str) -> str:
    """What the person typed, without spaces and hyphens, lower case."""
    return "".join(ch for ch in text.strip().lower() if ch not in " -\u00a0")


def is_totp_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def accepted_step(secret: str, code: str, now: float, last_step: int | None) -> int | None:
    """The step ``code`` belongs to when it is valid now and not a replay; else None.

    Args:
        secret: the account's base32 secret.
        code: what the person typed.
        now: seconds since the epoch.
        last_step: the last step accepted for this account (None when never).
    """
    if not is_totp_code(code):
        return None
    code = normalise_code(code)
    current = step_at(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_for_step(secret, step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Fresh recovery codes, shown as ``xxxxx-xxxxx``."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def is_recovery_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def recovery_digest(text: str) -> str:
    """The stored form of a recovery code (spaces, hyphens and case do not matter)."""
    return hashlib.sha256(normalise_code(text).encode("ascii", "replace")).hexdigest()


def required(roles: Iterable[str], required_roles: Iterable[str]) -> bool:
    """Whether someone holding ``roles`` must use a second factor."""
    return bool(set(roles) & set(required_roles))


def stage(*, required: bool, enrolled: bool, second_factor_done: bool) -> str:
    """Where a session that passed the password stands.

    ``FULL``: may use the service; ``VERIFY``: must give a code; ``ENROL``: must set up a second
    factor before anything else.
    """
    if second_factor_done:
        return FULL
    if enrolled:
        return VERIFY
    return ENROL if required else FULL
