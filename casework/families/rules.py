"""Validation of family and person details. Pure: standard library and nhs-number only.

Each function returns the problems it found as ``{field: [message]}``; an empty mapping means
the input may be stored. Messages follow the GOV.UK design system's error message style.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

import nhs_number

from casework.security.blind import normalise_nhs_number, normalise_postcode

PERSON_ROLES = ("child", "unborn", "parent_carer", "other_adult")
MAX_NAME = 100
MAX_TEXT = 10_000
MAX_LINE = 200

# The postcode pattern from the ONS / GOV.UK data standard (formatted with or without the space).
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW]) ?[0-9][ABD-HJLNP-UW-Z]{2})$")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

Problems = dict[str, list[str]]


def is_valid_postcode(value: str) -> bool:
    return bool(_POSTCODE.match(normalise_postcode(value)))


def is_valid_nhs_number(value: str) -> bool:
    digits = normalise_nhs_number(value)
    return len(digits) == 10 and bool(nhs_number.is_valid(digits))


def new_reference() -> str:
    """A family reference for people to quote: EH- and eight unambiguous characters."""
    return "EH-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _text(problems: Problems, field: str, value: str | None, limit: int, label: str) -> None:
    if value is not None and len(value) > limit:
        problems.setdefault(field, []).append(f"{label} must be {limit} characters or fewer")


def family_problems(address_line_1: str | None, postcode: str | None, note: str | None) -> Problems:
    problems: Problems = {}
    _text(problems, "address_line_1", address_line_1, MAX_LINE, "Address")
    if postcode and not is_valid_postcode(postcode):
        problems["postcode"] = ["Enter a real postcode, like SW1A 1AA"]
    _text(problems, "note", note, MAX_TEXT, "Note")
    return problems


def member_problems(
    *,
    given_name: str | None,
    family_name: str | None,
    role: str | None,
    date_of_birth: date | None,
    expected_date: date | None,
    nhs: str | None,
    today: date,
) -> Problems:
    """Problems with a new family member's details."""
    problems: Problems = {}
    if not (given_name or "").strip():
        problems["given_name"] = ["Enter the person's first name"]
    if not (family_name or "").strip():
        problems["family_name"] = ["Enter the person's last name"]
    _text(problems, "given_name", given_name, MAX_NAME, "First name")
    _text(problems, "family_name", family_name, MAX_NAME, "Last name")
    if role not in PERSON_ROLES:
        problems["role"] = ["Choose whether the person is a child, an unborn child, a parent or carer, or another adult"]
    if role == "unborn":
        if expected_date is None:
            problems["expected_date"] = ["Enter the expected date of birth"]
        if date_of_birth is not None:
            problems["date_of_birth"] = ["An unborn child has an expected date, not a date of birth"]
    if date_of_birth is not None and "date_of_birth" not in problems:  # keep the unborn message: it says what to do
        if date_of_birth > today:
            problems["date_of_birth"] = ["Date of birth must be today or in the past"]
        elif date_of_birth.year < 1900:
            problems["date_of_birth"] = ["Date of birth must be after 1900"]
    if expected_date is not None and role != "unborn":
        problems["expected_date"] = ["Only an unborn child has an expected date"]
    if nhs and not is_valid_nhs_number(nhs):
        problems["nhs_number"] = ["Enter a valid NHS number, like 485 777 3456: it has 10 digits and the last is a check digit"]
    return problems
