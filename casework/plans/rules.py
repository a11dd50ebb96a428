"""Team Around the Family plans and reviews: due dates, red/amber/green, scores, closure. Pure.

A plan holds outcomes in the family's words (each with a baseline score on the framework's
scale), SMART actions with an owner and a due date, strengths and a contingency. Reviews (TAF
meetings) score every outcome, record who came and set the next review date. Due dates are
counted in working days: a date that falls on a weekend or bank holiday moves to the next
working day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from casework.errors import InvalidTransition, ValidationFailed
from casework.practice import Practice
from casework.workdays import add_months, add_working_days, is_working_day, working_days_between

ACTION_STATUSES = ("not_started", "in_progress", "done", "dropped")
FINISHED = frozenset({"done", "dropped"})
CONCLUSIONS = ("better", "same", "worse")
ATTENDANCE = ("present", "apologies", "not_invited")
RED, AMBER, GREEN, NONE = "red", "amber", "green", "none"
MAX_TEXT = 10_000
#: Essex and others: a plan holds at most about eight actions at a time.
MAX_OPEN_ACTIONS = 8


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def first_review_due(submitted_on: date, practice: Practice) -> date:
    """The first TAF meeting is due within ``first_taf_due_working_days`` of a submitted assessment."""
    return add_working_days(submitted_on, practice.timescales.first_taf_due_working_days)


def next_review_due(held_on: date, practice: Practice) -> date:
    """The default next review: ``review_every_weeks`` after this one, on a working day."""
    return next_working_day(held_on + timedelta(weeks=practice.timescales.review_every_weeks))


def post_closure_check_due(closed_on: date, practice: Practice) -> date:
    """The Supporting Families check that outcomes were sustained, months after closure."""
    return next_working_day(add_months(closed_on, practice.timescales.post_closure_check_months))


def action_rag(status: str, due_on: date | None, today: date, amber_working_days: int) -> str:
    """Red past its due date, amber due within the window, green otherwise; none when finished."""
    if status in FINISHED or due_on is None:
        return NONE
    if due_on < today:
        return RED
    if working_days_between(today, due_on) <= amber_working_days:
        return AMBER
    return GREEN


def review_overdue(next_review_on: date | None, today: date) -> bool:
    return next_review_on is not None and next_review_on < today


def _text(problems: dict[str, list[str]], field: str, value: str | None, what: str, required: bool = True) -> None:
    if required and not (value or "").strip():
        problems[field] = [f"Enter {what}"]
    elif value and len(value) > MAX_TEXT:
        problems[field] = [f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer"]


def _score_problem(practice: Practice, score: object) -> str | None:
    low, high = practice.scoring.min, practice.scoring.max
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        return f"Score must be a whole number from {low} to {high}"
    return None


def check_plan_open(case_open: bool) -> None:
    if not case_open:
        raise InvalidTransition("This case is closed: its plan can no longer be changed.")


def check_outcome(
    practice: Practice, *, person_ids: Iterable[str], known_person_ids: Iterable[str], need: str | None, text: str | None, baseline: object
) -> None:
    """An outcome names at least one family member, the need it meets, what better looks like
    in the family's words, and a baseline score on the framework's scale."""
    problems: dict[str, list[str]] = {}
    people, known = list(person_ids), set(known_person_ids)
    if not people:
        problems["person_ids"] = ["Choose who this outcome is for"]
    elif not set(people) <= known:
        problems["person_ids"] = ["Choose people in this family"]
    _text(problems, "need", need, "the need this meets")
    _text(problems, "what_better_looks_like", text, "what will be better, in the family's words")
    problem = _score_problem(practice, baseline)
    if problem:
        problems["baseline_score"] = [problem]
    if problems:
        raise ValidationFailed(fields=problems)


def check_action(
    *,
    description: str | None,
    owner_user_id: str | None,
    owner_person_id: str | None,
    owner_known: bool,
    due_on: date | None,
    today: date,
    outcome_known: bool,
    open_actions: int,
) -> None:
    """A SMART action: what, one owner (a team member or a family member), when, for an outcome."""
    problems: dict[str, list[str]] = {}
    _text(problems, "description", description, "what will be done")
    if bool(owner_user_id) == bool(owner_person_id):
        problems["owner"] = ["Choose one owner: a member of the team or of the family"]
    elif not owner_known:
        problems["owner"] = ["Choose a member of the Team Around the Family or of the family"]
    if due_on is None:
        problems["due_on"] = ["Enter the date it will be done by"]
    elif due_on < today:
        problems["due_on"] = ["The due date must be today or in the future"]
    if not outcome_known:
        problems["outcome_id"] = ["Choose an outcome of this plan"]
    if problems:
        raise ValidationFailed(fields=problems)
    if open_actions >= MAX_OPEN_ACTIONS:
        raise InvalidTransition(f"A plan holds at most {MAX_OPEN_ACTIONS} open actions: finish or drop one first.")


def check_action_update(status: str | None, note: str | None) -> None:
    problems: dict[str, list[str]] = {}
    if status not in ACTION_STATUSES:
        problems["status"] = [f"Status must be one of {', '.join(ACTION_STATUSES)}"]
    _text(problems, "note", note, "a note", required=False)
    if problems:
        raise ValidationFailed(fields=problems)


@dataclass(frozen=True)
class ReviewInput:
    held_on: date | None
    attendance: Mapping[str, str]  # team member or family member id -> present / apologies / not_invited
    scores: Mapping[str, object]  # outcome id -> score
    conclusion: str | None
    summary: str | None
    decisions: str | None
    next_review_on: date | None
    final: bool


def check_review(
    practice: Practice,
    review: ReviewInput,
    *,
    outcome_ids: Iterable[str],
    attendee_ids: Iterable[str],
    today: date,
    last_held_on: date | None,
) -> None:
    """A TAF review: held (not in the future, not before the last one), who came, a score for
    outcomes of this plan on the framework's scale, a conclusion and a summary. A final review
    scores every outcome and sets no next review."""
    problems: dict[str, list[str]] = {}
    if review.held_on is None:
        problems["held_on"] = ["Enter the date of the meeting"]
    elif review.held_on > today:
        problems["held_on"] = ["The meeting date must be today or in the past"]
    elif last_held_on is not None and review.held_on < last_held_on:
        problems["held_on"] = ["The meeting date must not be before the last review"]
    known_attendees = set(attendee_ids)
    if not any(status == "present" for status in review.attendance.values()):
        problems["attendees"] = ["Record who was at the meeting"]
    elif not set(review.attendance) <= known_attendees:
        problems["attendees"] = ["Attendees must be members of the Team Around the Family or of the family"]
    elif any(status not in ATTENDANCE for status in review.attendance.values()):
        problems["attendees"] = [f"Attendance must be one of {', '.join(ATTENDANCE)}"]
    outcomes = set(outcome_ids)
    if not set(review.scores) <= outcomes:
        problems["scores"] = ["Scores must be for outcomes of this plan"]
    else:
        bad = [p for p in (_score_problem(practice, s) for s in review.scores.values()) if p]
        if bad:
            problems["scores"] = [bad[0]]
        elif review.final and set(review.scores) != outcomes:
            problems["scores"] = ["A final review scores every outcome"]
    if review.conclusion not in CONCLUSIONS:
        problems["conclusion"] = [f"Conclusion must be one of {', '.join(CONCLUSIONS)}"]
    _text(problems, "summary", review.summary, "a summary of the meeting")
    _text(problems, "decisions", review.decisions, "the decisions", required=False)
    if review.next_review_on is not None and review.held_on is not None and review.next_review_on <= review.held_on:
        problems["next_review_on"] = ["The next review must be after this one"]
    if problems:
        raise ValidationFailed(fields=problems)


def has_final_scores(final_review_scored: Iterable[frozenset[str]], outcome_ids: Iterable[str]) -> bool:
    """Closure with needs met relies on a final review that scored every outcome of the plan."""
    outcomes = frozenset(outcome_ids)
    return bool(outcomes) and any(outcomes <= scored for scored in final_review_scored)


def check_post_closure_check(sustained: object, note: str | None) -> None:
    problems: dict[str, list[str]] = {}
    if not isinstance(sustained, bool):
        problems["sustained"] = ["Say whether the family's outcomes were sustained"]
    _text(problems, "note", note, "a note", required=False)
    if problems:
        raise ValidationFailed(fields=problems)


@dataclass(frozen=True)
class Point:
    """One score of one outcome: the baseline or a review."""

    label: str
    on: date
    score: int


def distance_travelled(baseline: int, created_on: date, reviews: Iterable[tuple[date, int | None]]) -> list[Point]:
    """The scores of an outcome across reviews, baseline first (reviews that did not score it are left out)."""
    points = [Point("Baseline", created_on, baseline)]
    for n, (held_on, score) in enumerate(sorted(reviews, key=lambda r: r[0]), start=1):
        if score is not None:
            points.append(Point(f"Review {n}", held_on, score))
    return points
