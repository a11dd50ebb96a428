"""Password rules (NCSC / ASVS 5.0) and argon2id hashing.

At least 8 characters, up to 64 and more, no composition rules; common and guessable passwords
are refused using zxcvbn's maintained frequency lists (a package, not a list typed in here).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile


def password_problems(password: str, context: tuple[str, ...] = ()) -> list[str]:
    """Why ``password`` may not be used; empty when it may. ``context``: the user's name, email."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    # zxcvbn is slow on very long input; anything past 100 characters is long enough.
    result = zxcvbn(password[:100], user_inputs=[c for c in context if c])
    if result["score"] < 2:
        return ["Password is too common or easy to guess: try three random words"]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash never matches (but costs the same)."""
    if not stored_hash:
        _hasher.hash(password)  # same work as a real check, so timing does not reveal accounts
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
