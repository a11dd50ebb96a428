"""Forms for restrictions of processing and legal holds (shape input; the rules are in rules.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

_REASON = [InputRequired(message="Enter the reason"), Length(max=2000, message="The reason must be 2,000 characters or fewer")]


class FindFamilyForm(FlaskForm):
    family_id = StringField("Family record id", widget=GovTextInput(), validators=[InputRequired(message="Enter the family record id")])
    submit = SubmitField("Find the family", widget=GovSubmitInput())


class RestrictForm(FlaskForm):
    # the service checks that the person is in the family
    person_id = RadioField(
        "Whose information?",
        widget=GovRadioInput(),
        validators=[Optional()],
        choices=[("", "The whole family")],
        validate_choice=False,
        default="",
    )
    reason = TextAreaField("Why is processing restricted?", widget=GovTextArea(), validators=_REASON)
    submit = SubmitField("Restrict processing", widget=GovSubmitInput())


class HoldForm(FlaskForm):
    reason = TextAreaField("Why are the records held? (for example, the public inquiry)", widget=GovTextArea(), validators=_REASON)
    submit = SubmitField("Place a legal hold", widget=GovSubmitInput())


class LiftForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField("Why is it lifted?", widget=GovTextArea(), validators=_REASON)
    submit = SubmitField("Lift it", widget=GovSubmitInput())
