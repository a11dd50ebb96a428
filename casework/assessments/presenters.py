"""Words for the assessment pages: status labels, the task list's groups, and answers as
summary-list rows. Presentation only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for

from casework.assessments import rules
from casework.assessments.services import AssessmentView
from casework.practice import Practice

STATUS_LABELS = {
    rules.DRAFT: ("Draft", "govuk-tag--light-blue"),
    rules.SUBMITTED: ("Waiting for sign-off", "govuk-tag--yellow"),
    rules.RETURNED: ("Returned with comments", "govuk-tag--orange"),
    rules.SIGNED_OFF: ("Signed off", "govuk-tag--green"),
}
SECTION_STATES = {
    rules.NOT_STARTED: {"tag": {"text": "Not yet started", "classes": "govuk-tag--blue"}},
    rules.IN_PROGRESS: {"tag": {"text": "In progress", "classes": "govuk-tag--light-blue"}},
    rules.COMPLETED: {"text": "Completed"},
}


def status_label(status: str) -> dict[str, str]:
    text, classes = STATUS_LABELS.get(status, (status, "govuk-tag--grey"))
    return {"text": text, "classes": classes}


def task_groups(view: AssessmentView, may_write: bool) -> list[dict[str, Any]]:
    """The task list in groups: the whole family first, then each child (so no child is lost)."""
    groups: dict[str | None, list[dict[str, Any]]] = {None: []}
    for person_id in view.names:
        groups[person_id] = []
    for section in view.template:
        item: dict[str, Any] = {
            "title": {"text": section["title"]},
            "status": SECTION_STATES[view.states[section["key"]]],
        }
        if may_write:
            item["href"] = url_for("assessments.section", assessment_id=view.assessment.id, section_key=section["key"])
        groups.setdefault(section.get("person_id"), []).append(item)
    result: list[dict[str, Any]] = [{"heading": "The whole family", "id": "family", "items": groups.pop(None)}]
    for n, (child_id, child_items) in enumerate(groups.items(), start=1):
        if child_items:
            result.append({"heading": view.names.get(child_id or "", "Child"), "id": f"child-{n}", "items": child_items})
    return result


def show_answer(practice: Practice, question: dict[str, Any], value: Any) -> str:
    if value is None or value == "":
        return "Not answered"
    if question["type"] == "level" and isinstance(value, int) and practice.has_level(value):
        return f"Level {value}: {practice.level(value).name}"
    if question["type"] == "choice" and isinstance(value, str):
        return value.capitalize()
    if question["type"] == "date" and isinstance(value, str):
        parsed = date.fromisoformat(value)
        return f"{parsed.day} {parsed:%B %Y}"
    if question["type"] == "score":
        return f"{value} out of {practice.scoring.max}"
    return str(value)


def statement_row(text: str | None, recorded_at: datetime, name: str | None) -> dict[str, Any]:
    """A person's statement of disagreement, as a summary-list row under the opinion."""
    who = f"{name}'s statement of disagreement" if name else "Statement of disagreement"
    when = f"{recorded_at.day} {recorded_at:%B %Y}"
    return {"key": {"text": who}, "value": {"text": f"{text or ''} (recorded {when})"}}


def in_reading_order(view: AssessmentView) -> list[dict[str, Any]]:
    """The whole family's sections first, then each child's, eldest first (as the task list)."""
    order = {person_id: n for n, person_id in enumerate(view.names)}
    return sorted(view.template, key=lambda s: -1 if s.get("person_id") is None else order.get(s["person_id"], len(order)))


def answer_rows(view: AssessmentView, practice: Practice, *, links: bool) -> list[dict[str, Any]]:
    """Each section the viewer may see, with its answers as GOV.UK summary-list rows."""
    sections = []
    for section in in_reading_order(view):
        answers = view.sections.get(section["key"], {})
        rows = []
        for question in section["questions"]:
            row: dict[str, Any] = {
                "key": {"text": question["label"]},
                "value": {"text": show_answer(practice, question, answers.get(question["key"]))},
            }
            if links:
                row["actions"] = {
                    "items": [
                        {
                            "href": url_for("assessments.section", assessment_id=view.assessment.id, section_key=section["key"]),
                            "text": "Change",
                            "visuallyHiddenText": f"{question['label']} ({view.title(section)})",
                        }
                    ]
                }
            rows.append(row)
        for said in view.statements.get(section["key"], []):
            rows.append(statement_row(said.text, said.recorded_at, view.names.get(said.person_id)))
        sections.append({"key": section["key"], "title": view.title(section), "rows": rows, "state": view.states[section["key"]]})
    return sections
