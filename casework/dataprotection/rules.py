"""Rectification and statements of disagreement: which details may be corrected, how a new
value is read and checked, and which records hold practitioners' opinions. Pure: standard
library and the families' validation rules only."""

from __future__ import annotations

from datetime import date

from casework.families import rules as family_rules

#: What may be corrected on a person, and how the value is read.
PERSON_FIELDS = {
    "given_name": "name",
    "family_name": "name",
    "date_of_birth": "date",
    "expected_date": "date",
    "nhs_number": "nhs",
    "gender": "line",
    "ethnicity": "line",
    "language": "line",
    "school": "line",
}
FAMILY_FIELDS = {"address_line_1": "line", "postcode": "postcode"}
LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    "date_of_birth": "Date of birth",
    "expected_date": "Expected date of birth",
    "nhs_number": "NHS number",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "language": "Language",
    "school": "School or setting",
    "address_line_1": "Address",
    "postcode": "Postcode",
}
#: Records holding practitioners' opinions a person may disagree with: an assessment's section,
#: a review's summary, a plan's analysis.
STATEMENT_RECORD_TYPES = ("assessment", "review", "plan")
MAX_REASON = 2_000
MAX_STATEMENT = 10_000

Problems = dict[str, list[str]]


def fields_for(subject_type: str) -> dict[str, str]:
    return PERSON_FIELDS if subject_type == "person" else FAMILY_FIELDS


def read_value(subject_type: str, field: str, text: str | None, today: date) -> tuple[str | date | None, Problems]:
    """The corrected value of ``field`` read from ``text`` (``None`` clears it), or the problems."""
    kinds = fields_for(subject_type)
    if field not in kinds:
        return None, {"field": ["Choose a detail that can be corrected"]}
    text = (text or "").strip()
    kind = kinds[field]
    if not text:
        if kind == "name":
            return None, {"value": [f"Enter the {LABELS[field].lower()}"]}
        return None, {}
    if kind == "date":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return None, {"value": ["Enter a real date, like 2016-04-01"]}
        if field == "date_of_birth" and (value > today or value.year < 1900):
            return None, {"value": ["Date of birth must be today or in the past, and after 1900"]}
        return value, {}
    if kind == "nhs" and not family_rules.is_valid_nhs_number(text):
        return None, {"value": ["Enter a valid NHS number: 10 digits, the last a check digit"]}
    if kind == "postcode" and not family_rules.is_valid_postcode(text):
        return None, {"value": ["Enter a real postcode, like SW1A 1AA"]}
    limit = family_rules.MAX_NAME if kind == "name" else family_rules.MAX_LINE
    if len(text) > limit:
        return None, {"value": [f"{LABELS[field]} must be {limit} characters or fewer"]}
    return text, {}


def reason_problems(reason: str | None) -> Problems:
    reason = (reason or "").strip()
    if not reason:
        return {"reason": ["Say why the detail is being corrected"]}
    if len(reason) > MAX_REASON:
        return {"reason": [f"The reason must be {MAX_REASON} characters or fewer"]}
    return {}


def statement_problems(text: str | None) -> Problems:
    text = (text or "").strip()
    if not text:
        return {"text": ["Enter the person's statement, in their words"]}
    if len(text) > MAX_STATEMENT:
        return {"text": [f"The statement must be {MAX_STATEMENT} characters or fewer"]}
    return {}


def as_text(value: str | date | None) -> str | None:
    """How a value is kept in a correction's history."""
    if isinstance(value, date):
        return value.isoformat()
    return value
