"""Validation of family and person details."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from casework.families.rules import (
    MAX_LINE,
    MAX_NAME,
    MAX_TEXT,
    family_problems,
    is_valid_nhs_number,
    is_valid_postcode,
    member_problems,
    new_reference,
)

TODAY = date(2025, 6, 15)


def member(**changes: Any) -> dict[str, list[str]]:
    """Problems with a valid child's details after ``changes``."""
    details: dict[str, Any] = {
        "given_name": "Sam",
        "family_name": "Smith",
        "role": "child",
        "date_of_birth": date(2018, 4, 1),
        "expected_date": None,
        "nhs": None,
        "today": TODAY,
    }
    details.update(changes)
    return member_problems(**details)


# --- postcodes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "sw1a 1aa",
        "SW1A1AA",
        "sw1a1aa",
        " SW1A  1AA ",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "EC1A 1BB",
        "W1A 0AX",
        "GIR 0AA",
    ],
)
def test_is_valid_postcode_accepts_real_formats(postcode: str) -> None:
    assert is_valid_postcode(postcode)


@pytest.mark.parametrize(
    "postcode",
    ["", "SW1A", "SW1A 1A", "SW1A 1AAA", "12345", "Q1 1AA", "SW1A 1CA", "SW1A-1AA", "AAA 1AA", "not a postcode"],
)
def test_is_valid_postcode_refuses_invalid(postcode: str) -> None:
    assert not is_valid_postcode(postcode)


# --- NHS numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["943 476 5919", "9434765919", "943-476-5919", " 943 476 5919 "])
def test_is_valid_nhs_number_modulus_11_valid(value: str) -> None:
    assert is_valid_nhs_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "9434765918",  # wrong check digit
        "943 476 5910",
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "",
        "NHS",
    ],
)
def test_is_valid_nhs_number_invalid(value: str) -> None:
    assert not is_valid_nhs_number(value)


def test_is_valid_nhs_number_remainder_ten_is_never_valid() -> None:
    """Modulus 11 gives check value 10 for 123456789x: no check digit can make it valid."""
    assert not any(is_valid_nhs_number(f"123456789{d}") for d in range(10))


# --- family details ---------------------------------------------------------------------------


def test_family_problems_valid_family_has_none() -> None:
    assert family_problems("1 High Street", "sw1a1aa", "Referred by school") == {}
    assert family_problems(None, None, None) == {}
    assert family_problems("", "", "") == {}


def test_family_problems_invalid_postcode() -> None:
    assert family_problems("1 High Street", "SW1A", None) == {"postcode": ["Enter a real postcode, like SW1A 1AA"]}


def test_family_problems_too_long_address_and_note() -> None:
    problems = family_problems("x" * (MAX_LINE + 1), None, "y" * (MAX_TEXT + 1))
    assert problems == {
        "address_line_1": [f"Address must be {MAX_LINE} characters or fewer"],
        "note": [f"Note must be {MAX_TEXT} characters or fewer"],
    }
    assert family_problems("x" * MAX_LINE, None, "y" * MAX_TEXT) == {}


# --- family members ---------------------------------------------------------------------------


def test_member_problems_valid_child_has_none() -> None:
    assert member() == {}
    assert member(nhs="943 476 5919") == {}
    assert member(date_of_birth=TODAY) == {}


@pytest.mark.parametrize("role", ["child", "parent_carer", "other_adult"])
def test_member_problems_born_roles_without_date_of_birth_allowed(role: str) -> None:
    assert member(role=role, date_of_birth=None) == {}


def test_member_problems_valid_unborn_has_none() -> None:
    assert member(role="unborn", date_of_birth=None, expected_date=date(2025, 9, 1)) == {}


@pytest.mark.parametrize("name", [None, "", "   "])
def test_member_problems_missing_names(name: str | None) -> None:
    problems = member(given_name=name, family_name=name)
    assert problems == {"given_name": ["Enter the person's first name"], "family_name": ["Enter the person's last name"]}


def test_member_problems_name_too_long() -> None:
    problems = member(given_name="a" * (MAX_NAME + 1))
    assert problems == {"given_name": [f"First name must be {MAX_NAME} characters or fewer"]}


@pytest.mark.parametrize("role", [None, "", "baby", "Child", "admin"])
def test_member_problems_bad_role(role: str | None) -> None:
    assert list(member(role=role)) == ["role"]


def test_member_problems_unborn_without_expected_date() -> None:
    assert member(role="unborn", date_of_birth=None) == {"expected_date": ["Enter the expected date of birth"]}


def test_member_problems_unborn_with_date_of_birth() -> None:
    problems = member(role="unborn", date_of_birth=date(2025, 1, 1), expected_date=date(2025, 9, 1))
    assert problems == {"date_of_birth": ["An unborn child has an expected date, not a date of birth"]}


def test_member_problems_unborn_with_future_date_of_birth_says_use_expected_date() -> None:
    """Someone who typed the due date into the date of birth is told where it belongs."""
    problems = member(role="unborn", date_of_birth=date(2025, 9, 1), expected_date=None)
    assert problems == {
        "expected_date": ["Enter the expected date of birth"],
        "date_of_birth": ["An unborn child has an expected date, not a date of birth"],
    }


def test_member_problems_date_of_birth_in_the_future() -> None:
    assert member(date_of_birth=date(2025, 6, 16)) == {"date_of_birth": ["Date of birth must be today or in the past"]}


def test_member_problems_date_of_birth_before_1900() -> None:
    assert member(date_of_birth=date(1899, 12, 31)) == {"date_of_birth": ["Date of birth must be after 1900"]}


@pytest.mark.parametrize("role", ["child", "parent_carer", "other_adult"])
def test_member_problems_expected_date_on_a_non_unborn(role: str) -> None:
    assert member(role=role, expected_date=date(2025, 9, 1)) == {"expected_date": ["Only an unborn child has an expected date"]}


@pytest.mark.parametrize("nhs", ["9434765918", "94347659", "abc"])
def test_member_problems_invalid_nhs_number(nhs: str) -> None:
    assert list(member(nhs=nhs)) == ["nhs_number"]


def test_member_problems_reports_several_fields_at_once() -> None:
    problems = member(given_name="", role="unborn", date_of_birth=None, expected_date=None, nhs="123")
    assert set(problems) == {"given_name", "expected_date", "nhs_number"}


# --- references -------------------------------------------------------------------------------


def test_new_reference_format() -> None:
    for _ in range(200):
        assert re.fullmatch(r"EH-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}", new_reference())


def test_new_reference_avoids_ambiguous_characters() -> None:
    body = "".join(new_reference()[3:] for _ in range(500))
    assert not set(body) & set("01IO")
    assert len(set(body)) > 25  # the whole alphabet is in use, not a few characters


def test_new_reference_is_random() -> None:
    assert len({new_reference() for _ in range(200)}) == 200
