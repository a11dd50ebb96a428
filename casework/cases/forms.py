"""Case forms: they shape and check the presence of input; the rules live in cases/rules.py and
are applied by the services, whose problems are shown against these fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

MAX_TEXT = 10_000

SOURCE_LABELS = {
    "request_for_support": "Request for support",
    "step_down_from_social_care": "Step-down from children's social care",
    "other": "Other",
}
STATUS_LABELS = {"requested": "Requested", "assessment": "Assessment", "plan": "Plan", "closed": "Closed"}


def _text(label: str, message: str | None = None, hint: str | None = None) -> TextAreaField:
    required = [DataRequired(message)] if message else [Optional()]
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=hint or "",
        validators=[*required, Length(max=MAX_TEXT, message=f"{label.split(' (')[0]} must be {MAX_TEXT} characters or fewer")],
    )


class NewCaseForm(FlaskForm):
    level = RadioField(
        "What level of need is the request for?", widget=GovRadioInput(), validators=[InputRequired("Select the level of need")]
    )
    source = RadioField(
        "Where did the request come from?",
        widget=GovRadioInput(),
        choices=list(SOURCE_LABELS.items()),
        validators=[InputRequired("Select where the request came from")],
    )
    reason = _text(
        "Reason for the request",
        "Enter the reason for the request",
        "What the family and the person asking are worried about, and what the family has agreed to.",
    )
    submit = SubmitField("Start the request for support", widget=GovSubmitInput())


class LeadForm(FlaskForm):
    user_id = SelectField("Lead professional", widget=GovSelect(), validators=[InputRequired("Select who will be the lead professional")])
    reason = _text("Reason (optional)", hint="For example, allocated at the hub, or going on leave.")
    submit = SubmitField("Assign lead professional", widget=GovSubmitInput())


class TransitionForm(FlaskForm):
    to_level = RadioField("Which level should the case move to?", widget=GovRadioInput(), validators=[InputRequired("Select a level")])
    reason = _text("Reason for the change", "Enter the reason for the change")
    immediate_risk = BooleanField(
        "A child is at immediate risk of significant harm",
        widget=GovCheckboxInput(),
        description="Refer at once: the change takes effect now and managers approve it afterwards",
    )
    receiving_lead_id = SelectField("Receiving lead professional", widget=GovSelect(), validators=[Optional()])
    family_agreement = BooleanField("The family agrees to the step-down", widget=GovCheckboxInput())
    handover_notes = _text(
        "Handover notes (optional)",
        hint="What the receiving lead professional needs to know, including what the family asks not to be shared.",
    )
    submit = SubmitField("Request the change", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[("approved", "Approve"), ("rejected", "Reject")],
        validators=[InputRequired("Select approve or reject")],
    )
    note = _text("Note (required when rejecting)")
    version = HiddenField()
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """Approving afterwards an immediate-risk step-up that is already in effect."""

    note = _text("Note (optional)")
    version = HiddenField()
    submit = SubmitField("Approve afterwards", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    reason = RadioField("Why is the case closing?", widget=GovRadioInput(), validators=[InputRequired("Select why the case is closing")])
    summary = _text(
        "Moving-on summary",
        "Enter a moving-on summary",
        "What has changed for the family, what support continues, and what to do if things get worse.",
    )
    version = HiddenField()
    submit = SubmitField("Close case", widget=GovSubmitInput())


class CaseloadFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    team = SelectField("Team", widget=GovSelect(), validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), validators=[Optional()])
    level = SelectField("Level", widget=GovSelect(), validators=[Optional()])
    lead = SelectField("Lead professional", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())
