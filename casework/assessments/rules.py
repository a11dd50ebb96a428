"""The Early Help Assessment, pure: its template from the practice framework, what an answer
may be, where each section stands, and the assessment's lifecycle.

The framework's domains decide the sections: a ``family`` domain is one section, a ``child``
domain is one section for every child in the household (so that no child is lost in family-level
work). The template is fixed when an assessment starts, so a later change to the framework or
the household does not change an assessment already under way; a re-assessment takes the
framework and household as they are then.

Lifecycle: ``draft`` → ``submitted`` → ``signed_off`` (read-only for ever), or ``submitted`` →
``returned`` (with the manager's comments; editable again) → ``submitted`` ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.errors import InvalidTransition, NotPermitted, ValidationFailed
from casework.practice import Practice

DRAFT, SUBMITTED, RETURNED, SIGNED_OFF = "draft", "submitted", "returned", "signed_off"
STATUSES = (DRAFT, SUBMITTED, RETURNED, SIGNED_OFF)
EDITABLE = frozenset({DRAFT, RETURNED})
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
MAX_ANSWER = 20_000
MAX_COMMENTS = 10_000
#: Separates a domain's key from the child's id in a per-child section key ("development.<id>").
SEPARATOR = "."


@dataclass(frozen=True)
class Child:
    """A child (or unborn baby) of the household, as the template needs them."""

    id: str
    label: str  # e.g. "Zara" or "Unborn baby": for titles only, never stored in the template


def build_template(practice: Practice, children: Sequence[Child]) -> list[dict[str, Any]]:
    """The sections the framework asks for this household, in the API's ``template`` shape.

    Titles hold no names (the template is stored in clear): pages and the API add the child's
    name when they show a per-child section to someone who may see that child.
    """
    template: list[dict[str, Any]] = []
    for domain in practice.domains:
        questions = [
            {"key": q.key, "label": q.label, "type": q.type, "required": q.required, **({"choices": list(q.choices)} if q.choices else {})}
            for q in domain.questions
        ]
        if domain.scope == "child":
            for child in children:
                template.append(
                    {
                        "key": f"{domain.key}{SEPARATOR}{child.id}",
                        "domain": domain.key,
                        "title": domain.title,
                        "person_id": child.id,
                        "questions": questions,
                    }
                )
        else:
            template.append({"key": domain.key, "domain": domain.key, "title": domain.title, "person_id": None, "questions": questions})
    return template


def section_of(template: Iterable[Mapping[str, Any]], key: str) -> Mapping[str, Any] | None:
    return next((s for s in template if s["key"] == key), None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_answer(practice: Practice, question: Mapping[str, Any], value: Any) -> tuple[Any, str | None]:
    """An answer as it is stored (or ``None`` when left blank), and the problem with it if any.

    Drafts may leave anything blank; only submission asks for the required answers.
    """
    if _blank(value):
        return None, None
    kind = question["type"]
    if kind == "text":
        if not isinstance(value, str):
            return None, "Must be text"
        if len(value) > MAX_ANSWER:
            return None, f"Must be {MAX_ANSWER:,} characters or fewer"
        return value.strip(), None
    if kind == "choice":
        if not isinstance(value, str) or value not in question.get("choices", ()):
            return None, f"Must be one of: {', '.join(question.get('choices', ()))}"
        return value, None
    if kind in ("score", "level"):
        number = value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        if isinstance(number, bool) or not isinstance(number, int):
            return None, "Must be a whole number"
        if kind == "score" and not practice.scoring.min <= number <= practice.scoring.max:
            return None, f"Must be a score from {practice.scoring.min} to {practice.scoring.max}"
        if kind == "level" and not practice.has_level(number):
            return None, f"Must be a level from 1 to {len(practice.levels)}"
        return number, None
    if kind == "date":
        if not isinstance(value, str):
            return None, "Must be a date as YYYY-MM-DD"
        try:
            return date.fromisoformat(value.strip()).isoformat(), None
        except ValueError:
            return None, "Must be a real date as YYYY-MM-DD"
    return None, "Unknown question type"


def merge_sections(
    practice: Practice, template: Sequence[Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]], changes: Any
) -> dict[str, dict[str, Any]]:
    """``current`` with ``changes`` merged in (the sections sent replace those answers only).

    Raises :class:`ValidationFailed` naming ``<section>.<question>`` for every answer that the
    framework's template does not allow: an unknown section or question, or a wrong value.
    """
    if not isinstance(changes, Mapping):
        raise ValidationFailed(fields={"sections": ["Must be an object of sections"]})
    merged = {k: dict(v) for k, v in current.items()}
    problems: dict[str, list[str]] = {}
    for key, answers in changes.items():
        section = section_of(template, key)
        if section is None:
            problems[f"sections.{key}"] = ["No such section in this assessment"]
            continue
        if not isinstance(answers, Mapping):
            problems[f"sections.{key}"] = ["Must be an object of answers"]
            continue
        questions = {q["key"]: q for q in section["questions"]}
        target = merged.setdefault(key, {})
        for qkey, value in answers.items():
            question = questions.get(qkey)
            if question is None:
                problems[f"sections.{key}.{qkey}"] = ["No such question in this section"]
                continue
            cleaned, problem = clean_answer(practice, question, value)
            if problem:
                problems[f"sections.{key}.{qkey}"] = [problem]
            elif cleaned is None:
                target.pop(qkey, None)
            else:
                target[qkey] = cleaned
        if not target:
            merged.pop(key, None)
    if problems:
        raise ValidationFailed(fields=problems)
    return merged


def missing_answers(section: Mapping[str, Any], answers: Mapping[str, Any] | None) -> list[str]:
    """Keys of the section's required questions left unanswered."""
    given = answers or {}
    return [q["key"] for q in section["questions"] if q["required"] and _blank(given.get(q["key"]))]


def section_state(section: Mapping[str, Any], answers: Mapping[str, Any] | None, marked_complete: bool) -> str:
    """Not started (nothing answered), completed (marked so, with every required answer), or in progress."""
    if marked_complete and not missing_answers(section, answers):
        return COMPLETED
    return IN_PROGRESS if answers else NOT_STARTED


def check_mark_complete(section: Mapping[str, Any], answers: Mapping[str, Any] | None) -> None:
    """A section can be marked complete only with its required answers given."""
    missing = missing_answers(section, answers)
    if missing:
        raise ValidationFailed(
            "Answer the required questions before marking this section as complete.",
            fields={f"sections.{section['key']}.{q}": ["This answer is required to complete the section"] for q in missing},
        )


def check_submission(template: Sequence[Mapping[str, Any]], sections: Mapping[str, Mapping[str, Any]]) -> None:
    """Submission needs every required answer of every section; the problems name them."""
    problems = {
        f"sections.{s['key']}.{q}": ["This answer is required to submit the assessment"]
        for s in template
        for q in missing_answers(s, sections.get(s["key"]))
    }
    if problems:
        raise ValidationFailed("Some required answers are missing.", fields=problems)


def check_editable(status: str) -> None:
    if status == SIGNED_OFF:
        raise InvalidTransition("This assessment has been signed off: it is read-only. Start a re-assessment to change it.")
    if status not in EDITABLE:
        raise InvalidTransition("This assessment has been submitted and waits for a manager: it cannot be changed now.")


def check_submit(status: str) -> None:
    check_editable(status)


def check_decision(status: str, *, submitted_by_id: str | None, actor_id: str, manages_team: bool) -> None:
    """Sign-off and return: a manager of the owning team, on a submitted assessment, who did
    not submit it themself (a second pair of eyes)."""
    if not manages_team:
        raise NotPermitted("Only a manager of the team that owns this case can sign off or return an assessment.")
    if status != SUBMITTED:
        raise InvalidTransition("Only a submitted assessment can be signed off or returned.")
    if submitted_by_id == actor_id:
        raise NotPermitted("Another manager must sign off or return an assessment you submitted.")


def check_return(comments: str | None) -> str:
    text = (comments or "").strip()
    if not text:
        raise ValidationFailed(fields={"comments": ["Enter what needs to change before the assessment can be signed off"]})
    if len(text) > MAX_COMMENTS:
        raise ValidationFailed(fields={"comments": [f"Comments must be {MAX_COMMENTS:,} characters or fewer"]})
    return text


def check_start(*, case_open: bool, agreement: bool, override: bool, latest_status: str | None) -> None:
    """A new assessment (or re-assessment) needs an open case, the family's recorded agreement
    (or a decision to share without consent), and no other assessment still under way."""
    if not case_open:
        raise InvalidTransition("This case is closed.")
    if latest_status is not None and latest_status != SIGNED_OFF:
        raise InvalidTransition("This case already has an assessment under way.")
    if not (agreement or override):
        raise ValidationFailed(
            "Record the family's agreement to early help and assessment first (or a decision to share without consent).",
            fields={"consent": ["The family's agreement to be assessed has not been recorded"]},
        )


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """Overdue: not yet submitted after its due date."""
    return status in EDITABLE and due_on is not None and today > due_on


def carried_over(template: Sequence[Mapping[str, Any]], previous: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A re-assessment starts from the previous answers for the sections and questions it still has."""
    result: dict[str, dict[str, Any]] = {}
    for section in template:
        keys = {q["key"] for q in section["questions"]}
        answers = {k: v for k, v in (previous.get(section["key"]) or {}).items() if k in keys}
        if answers:
            result[section["key"]] = answers
    return result


def visible_template(template: Iterable[Mapping[str, Any]], withheld: Iterable[str]) -> list[Mapping[str, Any]]:
    """The sections a viewer may see: none about a person whose details are withheld from them."""
    hidden = frozenset(withheld)
    return [s for s in template if s.get("person_id") not in hidden]
