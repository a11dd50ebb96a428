"""Forms for corrections and statements of disagreement: they shape input; the rules decide."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from casework.web.fields import GovDateField


class CorrectionForm(FlaskForm):
    field = SelectField("Which detail is wrong?", widget=GovSelect(), validate_choice=False)
    value = StringField(
        "The correct value",
        widget=GovTextInput(),
        description="Dates as year-month-day, for example 2016-04-01. Leave empty to remove a detail.",
    )
    reason = TextAreaField(
        "Why is it being corrected?", widget=GovTextArea(), description="For example, who told you and how it was checked."
    )
    submit = SubmitField("Correct the detail", widget=GovSubmitInput())


class StatementForm(FlaskForm):
    opinion = RadioField("Which opinion does the person disagree with?", widget=GovRadioInput(), validate_choice=False)
    text = TextAreaField("Their statement", widget=GovTextArea(), description="In the person's own words.")
    submit = SubmitField("Record the statement", widget=GovSubmitInput())


class FindForm(FlaskForm):
    class Meta:
        csrf = False  # a search: nothing is changed

    family_name = StringField("Last name", widget=GovTextInput())
    date_of_birth = GovDateField("Date of birth (optional)", description="For example, 27 3 2016")
    submit = SubmitField("Search", widget=GovSubmitInput())
