"""Password rules (length and guessability, no composition rules) and argon2id hashing."""

from __future__ import annotations

import pytest

from casework.security.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, password_problems, verify_password

GOOD = "k7#Qm2vX"
# 72 characters without repeats or dictionary runs.
LONG = "vQ8rT2mZ4nK7pW1xL9cH3bJ6fD5gS0aY-uE8iO2kR7tN4mB1qZ6wX3cV9lP5jH0gF8dT2sA"


@pytest.fixture(scope="module")
def good_hash() -> str:
    return hash_password(GOOD)


def test_password_problems_seven_characters_refused() -> None:
    assert MIN_LENGTH == 8
    assert password_problems("k7#Qm2v") == ["Password must be 8 characters or more"]


def test_password_problems_eight_random_characters_accepted() -> None:
    assert password_problems(GOOD) == []


def test_password_problems_long_password_accepted() -> None:
    assert len(LONG) > 64
    assert password_problems(LONG) == []


def test_password_problems_too_long_refused() -> None:
    assert password_problems("x" + LONG * 4)[0] == f"Password must be {MAX_LENGTH} characters or fewer"


@pytest.mark.parametrize("password", ["password1", "qwertyuiop", "Password123!", "iloveyou12", "11111111", "abcdefgh"])
def test_password_problems_common_passwords_refused(password: str) -> None:
    assert password_problems(password) == ["Password is too common or easy to guess: try three random words"]


def test_password_problems_users_own_email_refused_via_context() -> None:
    email = "jane.smith@example.org"
    assert password_problems(email, context=("Jane Smith", email)) != []


def test_password_problems_empty_context_values_ignored() -> None:
    assert password_problems(GOOD, context=("", "jane.smith@example.org")) == []


@pytest.mark.parametrize("passphrase", ["correct horse battery staple", "purple elephants dance quietly at midnight"])
def test_password_problems_no_composition_rules(passphrase: str) -> None:
    """All lower case, no digits, no symbols: accepted when long and not guessable."""
    assert passphrase == passphrase.lower()
    assert password_problems(passphrase) == []


def test_hash_password_is_argon2id_and_salted() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert GOOD not in first


def test_verify_password_round_trip(good_hash: str) -> None:
    assert verify_password(good_hash, GOOD) is True
    assert needs_rehash(good_hash) is False


@pytest.mark.parametrize("attempt", ["k7#Qm2vx", GOOD + " "])
def test_verify_password_wrong_password_false(good_hash: str, attempt: str) -> None:
    assert verify_password(good_hash, attempt) is False


@pytest.mark.parametrize("stored", [None, ""])
def test_verify_password_missing_hash_false(stored: str | None) -> None:
    assert verify_password(stored, GOOD) is False


def test_verify_password_malformed_hash_false() -> None:
    assert verify_password("$argon2id$not-a-hash", GOOD) is False
    assert verify_password("plain text", GOOD) is False
