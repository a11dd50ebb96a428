"""The practice framework loader: the default file, a council's own file, and invalid files."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from casework.practice import PracticeError, load_practice, parse_practice

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "practice" / "default.toml"


@pytest.fixture
def data() -> dict[str, Any]:
    """A fresh, mutable copy of the default framework's parsed TOML."""
    return copy.deepcopy(tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8")))


def problems_of(data: dict[str, Any]) -> str:
    with pytest.raises(PracticeError) as caught:
        parse_practice(data, source="test.toml")
    return str(caught.value)


# --- the default file -------------------------------------------------------------------------


def test_load_practice_default_file_has_four_levels_with_level_4_statutory() -> None:
    practice = load_practice(DEFAULT_FILE)
    assert practice.name == "Default early help practice framework"
    assert [level.number for level in practice.levels] == [1, 2, 3, 4]
    assert [level.name for level in practice.levels] == ["Universal", "Early Help", "Targeted / Family Help", "Specialist / social care"]
    assert practice.statutory_level.number == 4
    assert [level.statutory for level in practice.levels] == [False, False, False, True]


def test_load_practice_default_file_reads_level_needs() -> None:
    practice = load_practice(DEFAULT_FILE)
    assert practice.level(1).needs_assessment is False
    assert practice.level(2).needs_lead_professional is True
    assert practice.level(2).needs_plan is False
    assert practice.level(3).needs_plan is True


def test_load_practice_default_file_reads_timescales_scoring_retention() -> None:
    practice = load_practice(DEFAULT_FILE)
    ts = practice.timescales
    assert ts.assessment_due_working_days == 35
    assert ts.first_taf_due_working_days == 20
    assert ts.review_every_weeks == 6
    assert ts.drift_open_months == 12
    assert ts.drift_review_count == 4
    assert ts.post_closure_check_months == 6
    assert ts.re_referral_window_months == 12
    assert (practice.scoring.min, practice.scoring.max) == (0, 10)
    assert practice.retention.rule == "youngest_child_age"
    assert practice.retention.age_years == 25


def test_load_practice_default_file_reads_purposes_closure_reasons_and_domains() -> None:
    practice = load_practice(DEFAULT_FILE)
    assert {p.code for p in practice.consent_purposes} == {"assessment", "share"}
    needs_met = practice.closure_reason("needs_met")
    assert needs_met is not None
    assert needs_met.needs_final_review is True
    other = practice.closure_reason("other")
    assert other is not None
    assert other.needs_final_review is False
    assert practice.closure_reason("no_such_reason") is None
    child_voice = next(d for d in practice.domains if d.key == "child_voice")
    assert child_voice.scope == "child"
    how = next(q for q in child_voice.questions if q.key == "how_gathered")
    assert how.type == "choice"
    assert how.choices == ("direct", "drawing", "advocate", "other")
    assert how.required is True


def test_practice_level_unknown_number_raises_key_error() -> None:
    practice = load_practice(DEFAULT_FILE)
    assert practice.has_level(4)
    assert not practice.has_level(0)
    assert not practice.has_level(5)
    with pytest.raises(KeyError):
        practice.level(5)


def test_practice_objects_are_frozen() -> None:
    practice = load_practice(DEFAULT_FILE)
    with pytest.raises(AttributeError):
        practice.levels[0].name = "Changed"  # type: ignore[misc]


# --- a council's own framework ----------------------------------------------------------------


FIVE_LEVELS = """
name = "Northshire continuum"

[[levels]]
number = 1
name = "Thriving"
description = "Universal services."

[[levels]]
number = 2
name = "Getting advice"
description = "A little extra help."
needs_assessment = true

[[levels]]
number = 3
name = "Getting help"
description = "One agency leads."
needs_assessment = true
needs_lead_professional = true

[[levels]]
number = 4
name = "Getting more help"
description = "Team around the family."
needs_assessment = true
needs_lead_professional = true
needs_plan = true

[[levels]]
number = 5
name = "Getting risk support"
description = "Statutory social care."
needs_lead_professional = true
statutory = true

[timescales]
assessment_due_working_days = 25
first_taf_due_working_days = 15
review_every_weeks = 8
drift_open_months = 9
drift_review_count = 3
post_closure_check_months = 3
re_referral_window_months = 6

[scoring]
min = 1
max = 5
label = "1 is worst, 5 is best."

[retention]
rule = "youngest_child_age"
age_years = 21

[[consent_purposes]]
code = "assessment"
label = "Agreement to help"

[[consent_purposes]]
code = "share"
label = "Sharing"

[[closure_reasons]]
code = "done"
label = "Done"
needs_final_review = true

[[closure_reasons]]
code = "moved"
label = "Moved away"

[[assessment.domains]]
key = "overview"
title = "Overview"
scope = "family"
questions = [
  { key = "summary", label = "Summary", type = "text", required = true },
  { key = "score", label = "Score", type = "score", required = false },
]
"""


def test_load_practice_five_level_framework_with_other_names(tmp_path: Path) -> None:
    path = tmp_path / "northshire.toml"
    path.write_text(FIVE_LEVELS, encoding="utf-8")
    practice = load_practice(path)
    assert practice.name == "Northshire continuum"
    assert len(practice.levels) == 5
    assert practice.statutory_level.number == 5
    assert practice.statutory_level.name == "Getting risk support"
    assert practice.level(3).name == "Getting help"
    assert practice.level(4).needs_plan is True
    assert practice.level(1).needs_assessment is False  # flags default to false
    assert practice.has_level(5)
    assert not practice.has_level(6)
    assert practice.timescales.assessment_due_working_days == 25
    assert (practice.scoring.min, practice.scoring.max) == (1, 5)
    done = practice.closure_reason("done")
    assert done is not None
    assert done.needs_final_review
    assert practice.closure_reason("needs_met") is None


def test_parse_practice_without_name_uses_a_default_name(data: dict[str, Any]) -> None:
    del data["name"]
    assert parse_practice(data).name == "Practice framework"


# --- invalid files ----------------------------------------------------------------------------


def test_load_practice_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PracticeError, match="does not exist") as caught:
        load_practice(path)
    assert str(path) in str(caught.value)


def test_load_practice_invalid_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "unterminated\n[[levels]\n', encoding="utf-8")
    with pytest.raises(PracticeError, match="is not valid TOML") as caught:
        load_practice(path)
    assert "broken.toml" in str(caught.value)


def test_load_practice_problem_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text(DEFAULT_FILE.read_text(encoding="utf-8").replace("statutory = true", "statutory = false"), encoding="utf-8")
    with pytest.raises(PracticeError, match=r"council\.toml: exactly one level must be marked statutory"):
        load_practice(path)


def test_parse_practice_missing_levels(data: dict[str, Any]) -> None:
    del data["levels"]
    assert "[[levels]] must list at least one entry" in problems_of(data)


def test_parse_practice_empty_levels(data: dict[str, Any]) -> None:
    data["levels"] = []
    assert "[[levels]] must list at least one entry" in problems_of(data)


@pytest.mark.parametrize("numbers", [[1, 2, 4, 5], [2, 3, 4, 5], [1, 3, 2, 4], [1, 1, 2, 3]])
def test_parse_practice_levels_not_numbered_one_to_n(data: dict[str, Any], numbers: list[int]) -> None:
    for level, number in zip(data["levels"], numbers, strict=True):
        level["number"] = number
    message = problems_of(data)
    assert "levels must be numbered 1 to 4 in order" in message
    assert str(numbers) in message


def test_parse_practice_no_statutory_level(data: dict[str, Any]) -> None:
    for level in data["levels"]:
        level["statutory"] = False
    assert "exactly one level must be marked statutory = true" in problems_of(data)


def test_parse_practice_two_statutory_levels(data: dict[str, Any]) -> None:
    data["levels"][2]["statutory"] = True
    assert "exactly one level must be marked statutory = true" in problems_of(data)


def test_parse_practice_flag_must_be_boolean(data: dict[str, Any]) -> None:
    data["levels"][0]["needs_plan"] = "no"
    assert "level 1: 'needs_plan' must be true or false" in problems_of(data)


def test_parse_practice_level_without_name(data: dict[str, Any]) -> None:
    data["levels"][1]["name"] = "   "
    assert "level 2: 'name' must be non-empty text" in problems_of(data)


@pytest.mark.parametrize("value", [0, -5, "35", 3.5, True])
def test_parse_practice_bad_timescale(data: dict[str, Any], value: object) -> None:
    data["timescales"]["assessment_due_working_days"] = value
    assert "[timescales]: 'assessment_due_working_days' must be a whole number of at least 1" in problems_of(data)


def test_parse_practice_missing_timescale(data: dict[str, Any]) -> None:
    del data["timescales"]["review_every_weeks"]
    assert "'review_every_weeks' must be a whole number of at least 1" in problems_of(data)


def test_parse_practice_missing_timescales_table(data: dict[str, Any]) -> None:
    del data["timescales"]
    assert "[timescales] is missing or is not a table" in problems_of(data)


@pytest.mark.parametrize(("low", "high"), [(10, 10), (10, 5), (3, 2)])
def test_parse_practice_scoring_max_not_above_min(data: dict[str, Any], low: int, high: int) -> None:
    data["scoring"]["min"] = low
    data["scoring"]["max"] = high
    assert "[scoring] max must be greater than min" in problems_of(data)


def test_parse_practice_retention_unknown_rule(data: dict[str, Any]) -> None:
    data["retention"]["rule"] = "oldest_child_age"
    assert "[retention] rule must be one of youngest_child_age" in problems_of(data)


def test_parse_practice_retention_below_eighteen_years(data: dict[str, Any]) -> None:
    data["retention"]["age_years"] = 17
    assert "'age_years' must be a whole number of at least 18" in problems_of(data)


def test_parse_practice_unknown_question_type(data: dict[str, Any]) -> None:
    data["assessment"]["domains"][0]["questions"][1]["type"] = "essay"
    message = problems_of(data)
    assert "assessment domain 1 question 2: type must be one of text, choice, score, date, level" in message


@pytest.mark.parametrize("choices", [None, [], "direct, drawing"])
def test_parse_practice_choice_question_without_choices(data: dict[str, Any], choices: object) -> None:
    question = data["assessment"]["domains"][3]["questions"][1]
    assert question["type"] == "choice"
    if choices is None:
        del question["choices"]
    else:
        question["choices"] = choices
    assert "assessment domain 4 question 2: a choice question needs a list of choices" in problems_of(data)


def test_parse_practice_domain_without_questions(data: dict[str, Any]) -> None:
    data["assessment"]["domains"][2]["questions"] = []
    assert "assessment domain 3: 'questions' must list at least one question" in problems_of(data)


def test_parse_practice_domain_unknown_scope(data: dict[str, Any]) -> None:
    data["assessment"]["domains"][0]["scope"] = "school"
    assert "assessment domain 1: scope must be one of family, child" in problems_of(data)


def test_parse_practice_duplicate_question_keys(data: dict[str, Any]) -> None:
    data["assessment"]["domains"][0]["questions"][1]["key"] = "strengths"
    assert "assessment domain 1 question keys: 'strengths' appears more than once" in problems_of(data)


def test_parse_practice_duplicate_domain_keys(data: dict[str, Any]) -> None:
    data["assessment"]["domains"][1]["key"] = "development"
    assert "assessment domain keys: 'development' appears more than once" in problems_of(data)


def test_parse_practice_duplicate_closure_codes(data: dict[str, Any]) -> None:
    data["closure_reasons"][3]["code"] = "needs_met"
    assert "closure_reasons: 'needs_met' appears more than once" in problems_of(data)


def test_parse_practice_missing_closure_reasons(data: dict[str, Any]) -> None:
    del data["closure_reasons"]
    assert "[[closure_reasons]] must list at least one entry" in problems_of(data)


@pytest.mark.parametrize(("keep", "missing"), [("assessment", "share"), ("share", "assessment")])
def test_parse_practice_missing_consent_purpose(data: dict[str, Any], keep: str, missing: str) -> None:
    data["consent_purposes"] = [p for p in data["consent_purposes"] if p["code"] == keep]
    assert f"consent_purposes must include {missing}" in problems_of(data)


def test_parse_practice_both_consent_purposes_missing(data: dict[str, Any]) -> None:
    data["consent_purposes"] = [{"code": "other", "label": "Something else"}]
    assert "consent_purposes must include assessment, share" in problems_of(data)


def test_parse_practice_reports_every_problem_not_just_the_first(data: dict[str, Any]) -> None:
    del data["levels"]
    data["scoring"]["min"] = data["scoring"]["max"] = 5
    data["closure_reasons"][1]["code"] = "needs_met"
    message = problems_of(data)
    assert message.startswith("The practice framework is invalid:")
    assert "[[levels]]" in message
    assert "max must be greater than min" in message
    assert "'needs_met' appears more than once" in message
    assert message.count("\n- ") == 3


def test_parse_practice_non_table_document_sections(data: dict[str, Any]) -> None:
    data["scoring"] = "0 to 10"
    assert "[scoring] is missing or is not a table" in problems_of(data)
