"""Plan forms: they shape input; the plan rules (applied by the services) decide what is valid.
Scores and attendance vary with the plan, so the review page renders those inputs itself."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from casework.plans.rules import MAX_TEXT
from casework.web.fields import GovDateField

ACTION_STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
CONCLUSION_LABELS = {"better": "Better", "same": "No change", "worse": "Worse"}
ATTENDANCE_LABELS = {"present": "Present", "apologies": "Sent apologies", "not_invited": "Not invited"}
SWC_LABEL = "This draws on information shared without the family's consent"
SWC_HINT = "It stays out of the family's plan."


def _text(label: str, hint: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=hint,
        validators=[Optional(), Length(max=MAX_TEXT, message=f"Must be {MAX_TEXT} characters or fewer")],
    )


class PlanForm(FlaskForm):
    agreed_on = GovDateField("Date of the first Team Around the Family meeting", description="For example, 27 3 2027")
    strengths = _text("The family's strengths", "In the family's words: what is going well, and who helps.")
    contingency = _text("If things get worse", "What the family and the team will do, and who to call.")
    analysis = _text("Practitioners' analysis (internal)", "For the team only: never shown in the family's plan.")
    submit = SubmitField("Start the plan", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    person_ids = SelectMultipleField("Who is this outcome for?", widget=GovCheckboxesInput(), validate_choice=False)
    what_better_looks_like = _text("What will be better?", "In the family's own words. For example, 'Mia goes to school every day'.")
    need = _text("The need it meets")
    baseline_score = StringField("Score today", widget=GovTextInput())
    shared_without_consent = BooleanField(SWC_LABEL, widget=GovCheckboxInput(), description=SWC_HINT)
    submit = SubmitField("Add outcome", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    outcome_id = RadioField("Which outcome is this action for?", widget=GovRadioInput(), validate_choice=False)
    description = _text("What will be done?")
    owner = SelectField("Who will do it?", widget=GovSelect(), validate_choice=False)
    due_on = GovDateField("Done by", description="For example, 27 3 2027")
    shared_without_consent = BooleanField(SWC_LABEL, widget=GovCheckboxInput(), description=SWC_HINT)
    submit = SubmitField("Add action", widget=GovSubmitInput())


class ActionUpdateForm(FlaskForm):
    status = RadioField(
        "Where does this action stand?", widget=GovRadioInput(), choices=list(ACTION_STATUS_LABELS.items()), validate_choice=False
    )
    note = _text("Progress note (internal)", "For the team only.")
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    held_on = GovDateField("Date of the meeting", description="For example, 27 3 2027")
    conclusion = RadioField(
        "Since the last meeting, are things", widget=GovRadioInput(), choices=list(CONCLUSION_LABELS.items()), validate_choice=False
    )
    summary = _text("Summary", "What was said, in plain words the family will read.")
    decisions = _text("Decisions", "What was agreed, including new actions.")
    internal_notes = _text("Internal notes", "For the team only: never shown in the family's plan.")
    next_review_on = GovDateField("Next review (optional)", description="Leave empty for the usual time between reviews")
    final = BooleanField(
        "This is the final review", widget=GovCheckboxInput(), description="Score every outcome. The case can then close with needs met."
    )
    shared_without_consent = BooleanField(SWC_LABEL, widget=GovCheckboxInput(), description=SWC_HINT)
    # Problems with the inputs the page renders itself (attendance, scores) are shown against these.
    attendees = HiddenField()
    scores = HiddenField()
    submit = SubmitField("Save review", widget=GovSubmitInput())


class CheckForm(FlaskForm):
    sustained = RadioField(
        "Six months on, have the family's outcomes been sustained?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validate_choice=False,
    )
    note = _text("Note (optional)")
    submit = SubmitField("Save", widget=GovSubmitInput())
