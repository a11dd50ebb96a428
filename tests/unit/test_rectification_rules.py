"""Reading and checking a corrected value (pure rules)."""

from __future__ import annotations

from datetime import date

from casework.dataprotection import rules

TODAY = date(2026, 12, 6)


def test_rectification_reads_dates_nhs_numbers_and_postcodes():
    assert rules.read_value("person", "date_of_birth", "2016-04-01", TODAY) == (date(2016, 4, 1), {})
    assert rules.read_value("person", "nhs_number", "943 476 5919", TODAY) == ("943 476 5919", {})
    assert rules.read_value("family", "postcode", "sw1a 1aa", TODAY) == ("sw1a 1aa", {})
    assert rules.read_value("person", "school", "", TODAY) == (None, {})  # cleared


def test_rectification_refuses_bad_values_and_fields():
    assert "value" in rules.read_value("person", "date_of_birth", "2099-01-01", TODAY)[1]
    assert "value" in rules.read_value("person", "date_of_birth", "1 April", TODAY)[1]
    assert "value" in rules.read_value("person", "nhs_number", "1234567890", TODAY)[1]
    assert "value" in rules.read_value("person", "given_name", " ", TODAY)[1]
    assert "value" in rules.read_value("family", "postcode", "NOT A CODE", TODAY)[1]
    assert "field" in rules.read_value("person", "role", "child", TODAY)[1]
    assert "field" in rules.read_value("family", "given_name", "Ava", TODAY)[1]


def test_rectification_needs_reasons_and_statements():
    assert rules.reason_problems("") and rules.reason_problems("x" * 2001) and not rules.reason_problems("Seen the certificate")
    assert rules.statement_problems(" ") and not rules.statement_problems("I disagree")
    assert rules.as_text(date(2016, 4, 1)) == "2016-04-01" and rules.as_text(None) is None
