"""Assessment forms. A section's form is built from its template (the practice framework's
questions), so a council's own domains and questions need no code; the service validates the
answers against the same template."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from casework.assessments.rules import MAX_ANSWER, MAX_COMMENTS
from casework.practice import Practice
from casework.web.fields import GovDateField

PREFIX = "q_"


def field_name(question_key: str) -> str:
    return f"{PREFIX}{question_key}"


def _field(practice: Practice, question: dict[str, Any]) -> Field:
    label = question["label"] + ("" if question["required"] else " (optional)")
    kind = question["type"]
    if kind == "choice":
        return RadioField(
            label, widget=GovRadioInput(), choices=[(c, c.capitalize()) for c in question.get("choices", [])], validate_choice=False
        )
    if kind == "level":
        return RadioField(
            label,
            widget=GovRadioInput(),
            choices=[(str(lv.number), f"Level {lv.number}: {lv.name}") for lv in practice.levels],
            validate_choice=False,
        )
    if kind == "score":
        return StringField(
            label,
            widget=GovTextInput(),
            description=f"A whole number from {practice.scoring.min} to {practice.scoring.max}. {practice.scoring.label}",
            validators=[Optional()],
        )
    if kind == "date":
        return GovDateField(label, description="For example, 27 3 2026")
    return TextAreaField(label, widget=GovTextArea(), validators=[Optional(), Length(max=MAX_ANSWER)])


def section_form(practice: Practice, section: dict[str, Any], answers: dict[str, Any] | None, formdata: Any = None) -> FlaskForm:
    """A form for one section, filled with the saved answers (or the request's, on a POST)."""

    class SectionForm(FlaskForm):
        version = HiddenField()
        save = SubmitField("Save and mark as complete", widget=GovSubmitInput())
        draft = SubmitField("Save as draft", widget=GovSubmitInput())

    for question in section["questions"]:
        setattr(SectionForm, field_name(question["key"]), _field(practice, question))
    data: dict[str, Any] = {}
    for question in section["questions"]:
        value = (answers or {}).get(question["key"])
        if question["type"] == "date" and value:
            from datetime import date

            value = date.fromisoformat(value)
        elif question["type"] in ("score", "level") and value is not None:
            value = str(value)
        data[field_name(question["key"])] = value
    kwargs: dict[str, Any] = {"data": data}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return SectionForm(**kwargs)


def answers_from(form: FlaskForm, section: dict[str, Any]) -> dict[str, Any]:
    """The form's answers as the service takes them (blank clears an answer)."""
    result: dict[str, Any] = {}
    for question in section["questions"]:
        value = getattr(form, field_name(question["key"])).data
        if question["type"] == "date":
            value = value.isoformat() if value else None
        result[question["key"]] = value if value not in ("", None) else None
    return result


class SubmitForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Submit for sign-off", widget=GovSubmitInput())


class StartForm(FlaskForm):
    submit = SubmitField("Start the assessment", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    version = HiddenField()
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[("sign_off", "Sign off the assessment"), ("return", "Return it to the practitioner with comments")],
        validate_choice=False,
    )
    comments = TextAreaField(
        "Comments (needed to return it)",
        widget=GovTextArea(),
        description="What needs to change before you can sign it off",
        validators=[Optional(), Length(max=MAX_COMMENTS)],
    )
    submit = SubmitField("Confirm decision", widget=GovSubmitInput())
