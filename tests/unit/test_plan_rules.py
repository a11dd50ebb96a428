"""The plan rules (casework.plans.rules): review cadence and due dates in working days,
red/amber/green, scores on the framework's scale, reviews and closure. Pure."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from casework.errors import InvalidTransition, ValidationFailed
from casework.plans import rules
from casework.plans.rules import ReviewInput
from casework.practice import PracticeError, load_practice, parse_practice

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILE = ROOT / "config" / "practice" / "default.toml"
PRACTICE = load_practice(DEFAULT_FILE)
TODAY = date(2026, 11, 23)  # a Monday


def test_plan_rules_first_taf_is_due_in_working_days_of_the_submitted_assessment():
    # 20 working days from Friday 18 December 2026 skip the weekends, Christmas Day, Boxing Day
    # (substitute Monday 28th) and New Year's Day.
    assert rules.first_review_due(date(2026, 12, 18), PRACTICE) == date(2027, 1, 20)
    assert rules.first_review_due(date(2026, 11, 2), PRACTICE) == date(2026, 11, 30)
    quicker = replace(PRACTICE, timescales=replace(PRACTICE.timescales, first_taf_due_working_days=3))
    assert rules.first_review_due(date(2026, 11, 20), quicker) == date(2026, 11, 25)


def test_plan_rules_review_cadence_lands_on_a_working_day():
    assert rules.next_review_due(date(2026, 11, 23), PRACTICE) == date(2027, 1, 4)  # six weeks on
    # six weeks after 16 November 2026 is Monday 28 December, the Boxing Day substitute holiday
    assert rules.next_review_due(date(2026, 11, 16), PRACTICE) == date(2026, 12, 29)
    every_twelve = replace(PRACTICE, timescales=replace(PRACTICE.timescales, review_every_weeks=12))
    assert rules.next_review_due(date(2026, 11, 23), every_twelve) == date(2027, 2, 15)


def test_plan_rules_post_closure_check_six_months_on_a_working_day():
    assert rules.post_closure_check_due(date(2026, 11, 23), PRACTICE) == date(2027, 5, 24)
    assert rules.post_closure_check_due(date(2026, 6, 27), PRACTICE) == date(2026, 12, 29)  # 27 Dec is a Sunday, 28 a holiday


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("done", date(2026, 11, 1), "none"),
        ("dropped", date(2026, 11, 1), "none"),
        ("in_progress", date(2026, 11, 20), "red"),
        ("not_started", TODAY, "amber"),
        ("not_started", date(2026, 11, 30), "amber"),  # five working days on
        ("not_started", date(2026, 12, 1), "green"),  # six
    ],
)
def test_plan_rules_rag_by_due_date(status, due, expected):
    assert rules.action_rag(status, due, TODAY, PRACTICE.timescales.action_amber_working_days) == expected


def test_plan_rules_amber_window_counts_working_days_over_christmas():
    # From Wednesday 23 December 2026, five working days reach Monday 4 January (Christmas,
    # the Boxing Day substitute on the 28th and New Year's Day do not count).
    assert rules.action_rag("not_started", date(2027, 1, 4), date(2026, 12, 23), 5) == "amber"
    assert rules.action_rag("not_started", date(2027, 1, 5), date(2026, 12, 23), 5) == "green"


def test_plan_rules_amber_window_is_practice_data_and_validated():
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["timescales"]["action_amber_working_days"] = -1
    with pytest.raises(PracticeError, match="action_amber_working_days"):
        parse_practice(data, "test")
    del data["timescales"]["action_amber_working_days"]
    assert parse_practice(data, "test").timescales.action_amber_working_days == 5


def test_plan_rules_outcome_needs_people_need_words_and_a_score_on_the_scale():
    good = {"person_ids": ["p1"], "known_person_ids": ["p1", "p2"], "need": "Attendance", "text": "School every day", "baseline": 0}
    rules.check_outcome(PRACTICE, **good)
    for change, field in [
        ({"person_ids": []}, "person_ids"),
        ({"person_ids": ["stranger"]}, "person_ids"),
        ({"need": " "}, "need"),
        ({"text": None}, "what_better_looks_like"),
        ({"baseline": 11}, "baseline_score"),
        ({"baseline": -1}, "baseline_score"),
        ({"baseline": True}, "baseline_score"),
        ({"baseline": "5"}, "baseline_score"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            rules.check_outcome(PRACTICE, **(good | change))
        assert set(refused.value.fields) == {field}


def test_plan_rules_action_is_smart_and_plans_hold_at_most_eight_open():
    good = {
        "description": "Walk to school",
        "owner_user_id": None,
        "owner_person_id": "p1",
        "owner_known": True,
        "due_on": TODAY,
        "today": TODAY,
        "outcome_known": True,
        "open_actions": 0,
    }
    rules.check_action(**good)
    with pytest.raises(ValidationFailed) as refused:
        rules.check_action(**(good | {"owner_user_id": "u1", "due_on": date(2026, 11, 1), "outcome_known": False, "description": ""}))
    assert set(refused.value.fields) == {"owner", "due_on", "outcome_id", "description"}
    with pytest.raises(InvalidTransition):
        rules.check_action(**(good | {"open_actions": rules.MAX_OPEN_ACTIONS}))


def _review(**change):  # type: ignore[no-untyped-def]
    base = ReviewInput(date(2026, 11, 20), {"u1": "present", "p1": "apologies"}, {"o1": 4}, "better", "Going well", None, None, False)
    return replace(base, **change)


def test_plan_rules_review_checks():
    known = {"outcome_ids": ["o1", "o2"], "attendee_ids": ["u1", "p1"], "today": TODAY, "last_held_on": date(2026, 10, 1)}
    rules.check_review(PRACTICE, _review(), **known)
    for change, field in [
        ({"held_on": date(2026, 11, 24)}, "held_on"),
        ({"held_on": date(2026, 9, 30)}, "held_on"),
        ({"attendance": {"u1": "apologies"}}, "attendees"),
        ({"attendance": {"x": "present"}}, "attendees"),
        ({"attendance": {"u1": "present", "p1": "asleep"}}, "attendees"),
        ({"scores": {"o1": 11}}, "scores"),
        ({"scores": {"o9": 1}}, "scores"),
        ({"final": True}, "scores"),  # a final review scores every outcome
        ({"conclusion": "no change"}, "conclusion"),
        ({"summary": ""}, "summary"),
        ({"next_review_on": date(2026, 11, 20)}, "next_review_on"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            rules.check_review(PRACTICE, _review(**change), **known)
        assert set(refused.value.fields) == {field}, change
    rules.check_review(PRACTICE, _review(final=True, scores={"o1": 10, "o2": 0}), **known)


def test_plan_rules_needs_met_relies_on_a_final_review_scoring_every_outcome():
    assert rules.has_final_scores([frozenset({"o1", "o2"})], ["o1", "o2"])
    assert not rules.has_final_scores([frozenset({"o1"})], ["o1", "o2"])
    assert not rules.has_final_scores([], ["o1"])
    assert not rules.has_final_scores([frozenset()], [])  # no outcomes: nothing was met


def test_plan_rules_distance_travelled_starts_at_the_baseline():
    points = rules.distance_travelled(3, date(2026, 9, 1), [(date(2026, 11, 1), 6), (date(2026, 10, 1), 4), (date(2026, 11, 15), None)])
    assert [(p.label, p.score) for p in points] == [("Baseline", 3), ("Review 1", 4), ("Review 2", 6)]
