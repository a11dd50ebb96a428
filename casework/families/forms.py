"""Family, member and search forms (shape input; the rules live in families/rules.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from casework.web.fields import GovDateField

ROLE_CHOICES = [
    ("child", "Child"),
    ("unborn", "Unborn child"),
    ("parent_carer", "Parent or carer"),
    ("other_adult", "Other adult in or connected to the household"),
]


class FamilyForm(FlaskForm):
    address_line_1 = StringField("Address", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    postcode = StringField(
        "Postcode", widget=GovTextInput(), validators=[Optional(), Length(max=10, message="Enter a real postcode, like SW1A 1AA")]
    )
    note = TextAreaField("Household notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=10000)])
    team = SelectField("Owning team", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Create family record", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    # Presence and meaning are checked by families/rules.py (through the service) so that every
    # problem is reported at once; the form only shapes the input.
    given_name = StringField("First name", widget=GovTextInput(), validators=[Length(max=100)])
    family_name = StringField("Last name", widget=GovTextInput(), validators=[Length(max=100)])
    role = RadioField("Who is this person in the family?", widget=GovRadioInput(), choices=ROLE_CHOICES, validate_choice=False)
    parental_responsibility = RadioField(
        "Does this person have parental responsibility for a child in the family?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        default="no",
        validators=[InputRequired("Choose whether this person has parental responsibility")],
    )
    date_of_birth = GovDateField("Date of birth", description="For example, 27 3 2015")
    expected_date = GovDateField("Expected date of birth (unborn child only)", description="For example, 14 6 2027")
    nhs_number = StringField(
        "NHS number (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=20)], description="For example, 485 777 3456"
    )
    gender = StringField("Gender (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    ethnicity = StringField("Ethnicity (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    language = StringField("First language (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    school = StringField("School or setting (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    note = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Add family member", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    family_name = StringField("Last name", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    date_of_birth = GovDateField("Date of birth (optional)", description="For example, 27 3 2015")
    nhs_number = StringField("NHS number", widget=GovTextInput(), validators=[Optional(), Length(max=20)])
    submit = SubmitField("Search", widget=GovSubmitInput())
