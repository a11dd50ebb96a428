"""The assessment's pure rules: template, answers, section states, lifecycle checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casework.assessments import rules
from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.practice import load_practice

ROOT = Path(__file__).resolve().parents[2]
PRACTICE = load_practice(ROOT / "config" / "practice" / "default.toml")
CHILDREN = [rules.Child("c1", ""), rules.Child("c2", "")]


def test_build_template_repeats_child_domains_for_every_child() -> None:
    template = rules.build_template(PRACTICE, CHILDREN)
    child_domains = [d.key for d in PRACTICE.domains if d.scope == "child"]
    family_domains = [d.key for d in PRACTICE.domains if d.scope == "family"]
    assert len(template) == len(family_domains) + 2 * len(child_domains)
    assert {s["key"] for s in template} >= {f"{d}.c1" for d in child_domains} | {f"{d}.c2" for d in child_domains} | set(family_domains)
    voice = rules.section_of(template, "child_voice.c1")
    assert voice is not None and voice["person_id"] == "c1"
    assert next(q for q in voice["questions"] if q["key"] == "how_gathered")["choices"][:3] == ["direct", "drawing", "advocate"]


def test_build_template_without_children_has_family_sections_only() -> None:
    assert all(s["person_id"] is None for s in rules.build_template(PRACTICE, []))


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("text", "  kind words ", ("kind words", None)),
        ("text", "", (None, None)),
        ("text", 5, (None, "Must be text")),
        ("score", "7", (7, None)),
        ("score", 11, (None, "Must be a score from 0 to 10")),
        ("score", True, (None, "Must be a whole number")),
        ("level", 3, (3, None)),
        ("level", 7, (None, "Must be a level from 1 to 4")),
        ("date", "2026-03-01", ("2026-03-01", None)),
        ("date", "2026-02-30", (None, "Must be a real date as YYYY-MM-DD")),
        ("choice", "drawing", ("drawing", None)),
    ],
)
def test_clean_answer_by_type(kind: str, value: object, expected: tuple[object, str | None]) -> None:
    question = {"key": "q", "type": kind, "required": True, "choices": ["direct", "drawing"]}
    assert rules.clean_answer(PRACTICE, question, value) == expected


def test_merge_sections_clears_blank_answers_and_keeps_others() -> None:
    template = rules.build_template(PRACTICE, CHILDREN)
    merged = rules.merge_sections(
        PRACTICE, template, {"analysis": {"analysis": "A", "recommended_level": 2}}, {"analysis": {"analysis": None}}
    )
    assert merged == {"analysis": {"recommended_level": 2}}
    with pytest.raises(ValidationFailed):
        rules.merge_sections(PRACTICE, template, {}, ["not", "a", "mapping"])


def test_section_state_and_completion() -> None:
    section = rules.section_of(rules.build_template(PRACTICE, []), "parents_view")
    assert section is not None
    assert rules.section_state(section, None, False) == rules.NOT_STARTED
    assert rules.section_state(section, {"view": "x"}, False) == rules.IN_PROGRESS
    assert rules.section_state(section, {"view": "x"}, True) == rules.COMPLETED
    assert rules.section_state(section, {}, True) == rules.NOT_STARTED
    with pytest.raises(ValidationFailed):
        rules.check_mark_complete(section, {})


def test_lifecycle_checks() -> None:
    rules.check_editable(rules.DRAFT)
    rules.check_editable(rules.RETURNED)
    for status in (rules.SUBMITTED, rules.SIGNED_OFF):
        with pytest.raises(InvalidTransition):
            rules.check_editable(status)
    rules.check_decision(rules.SUBMITTED, submitted_by_id="a", actor_id="m", manages_team=True)
    with pytest.raises(NotPermitted):
        rules.check_decision(rules.SUBMITTED, submitted_by_id="m", actor_id="m", manages_team=True)
    with pytest.raises(NotPermitted):
        rules.check_decision(rules.SUBMITTED, submitted_by_id="a", actor_id="m", manages_team=False)
    with pytest.raises(InvalidTransition):
        rules.check_decision(rules.DRAFT, submitted_by_id=None, actor_id="m", manages_team=True)


def test_check_start() -> None:
    rules.check_start(case_open=True, agreement=True, override=False, latest_status=None)
    rules.check_start(case_open=True, agreement=False, override=True, latest_status=rules.SIGNED_OFF)
    with pytest.raises(ValidationFailed):
        rules.check_start(case_open=True, agreement=False, override=False, latest_status=None)
    with pytest.raises(InvalidTransition):
        rules.check_start(case_open=True, agreement=True, override=False, latest_status=rules.RETURNED)
    with pytest.raises(InvalidTransition):
        rules.check_start(case_open=False, agreement=True, override=False, latest_status=None)


def test_overdue_only_before_submission() -> None:
    assert rules.is_overdue(rules.DRAFT, date(2026, 1, 1), date(2026, 1, 2))
    assert not rules.is_overdue(rules.SUBMITTED, date(2026, 1, 1), date(2026, 1, 2))
    assert not rules.is_overdue(rules.DRAFT, date(2026, 1, 1), date(2026, 1, 1))


def test_visible_template_leaves_out_withheld_children() -> None:
    template = rules.build_template(PRACTICE, CHILDREN)
    assert not any(s["person_id"] == "c1" for s in rules.visible_template(template, ["c1"]))
