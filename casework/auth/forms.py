"""Sign-in, token and administration forms (shape and validate input only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovPasswordInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from casework.auth.models import ORGANISATION_KINDS, ROLES

KIND_LABELS = {
    "local_authority": "Local authority",
    "school": "School",
    "early_years": "Early years setting",
    "health": "Health",
    "police": "Police",
    "housing": "Housing",
    "voluntary": "Voluntary sector",
    "other": "Other",
}
#: NCSC: length, not composition rules.
CHOOSING_HINT = "At least 8 characters. Avoid common passwords: three random words work well."
ROLE_LABELS = {
    "practitioner": "Practitioner",
    "manager": "Manager",
    "safeguarding_lead": "Safeguarding lead",
    "ig_officer": "Information governance officer",
    "admin": "Administrator (accounts and configuration only)",
}


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(), validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password"), Length(max=256)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class TokenForm(FlaskForm):
    name = StringField(
        "What is this token for?",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a name for the token"), Length(max=100, message="Name must be 100 characters or fewer")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter the organisation's name"), Length(max=200)])
    kind = RadioField(
        "Kind of organisation",
        widget=GovRadioInput(),
        choices=[(k, KIND_LABELS[k]) for k in ORGANISATION_KINDS],
        validators=[InputRequired("Choose the kind of organisation")],
    )
    submit = SubmitField("Create organisation", widget=GovSubmitInput())


class TeamForm(FlaskForm):
    organisation_id = SelectField("Organisation", widget=GovSelect(), validators=[InputRequired("Choose the organisation")])
    name = StringField("Team name", widget=GovTextInput(), validators=[InputRequired("Enter the team's name"), Length(max=200)])
    submit = SubmitField("Create team", widget=GovSubmitInput())


class UserForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[InputRequired("Enter the user's full name"), Length(max=200)])
    email = StringField(
        "Email address", widget=GovTextInput(), validators=[InputRequired("Enter the user's email address"), Length(max=254)]
    )
    organisation_id = SelectField("Organisation", widget=GovSelect(), validators=[InputRequired("Choose the organisation")])
    team = StringField(
        "Team (optional)",
        widget=GovTextInput(),
        validators=[Length(max=200)],
        description="Created in the organisation if it does not exist",
    )
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=[(r, ROLE_LABELS[r]) for r in ROLES],
        validators=[InputRequired("Choose at least one role")],
    )
    password = PasswordField(
        "Initial password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter an initial password"), Length(max=256)],
        description=CHOOSING_HINT,
    )
    submit = SubmitField("Create user", widget=GovSubmitInput())


CODE_OR_RECOVERY = "The 6-digit code from your authenticator app, or one of your recovery codes"


def _code_field(label: str, description: str, *, required: bool = True) -> StringField:
    first = InputRequired("Enter the code from your authenticator app") if required else Optional()
    return StringField(
        label, widget=GovTextInput(), description=description, validators=[first, Length(max=32, message="Enter a 6-digit code")]
    )


class CodeForm(FlaskForm):
    code = _code_field("Security code", CODE_OR_RECOVERY)
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpCodeForm(FlaskForm):
    code = _code_field("Code from your authenticator app", "Enter the 6-digit code the app shows for Early help casework")
    submit = SubmitField("Turn on the second factor", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(), validators=[InputRequired("Enter your email address"), Length(max=254)])
    submit = SubmitField("Send a reset link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=CHOOSING_HINT,
        validators=[InputRequired("Enter a new password"), Length(max=256, message="Password must be 256 characters or fewer")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter the new password again"), EqualTo("password", message="The passwords do not match")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """Re-authentication before a security setting changes (the code only when enrolled)."""

    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password"), Length(max=256)])
    code = _code_field("Security code", CODE_OR_RECOVERY, required=False)
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EmailForm(FlaskForm):
    email = StringField(
        "New email address", widget=GovTextInput(), validators=[InputRequired("Enter your new email address"), Length(max=254)]
    )
    submit = SubmitField("Change email address", widget=GovSubmitInput())


class NewRecoveryCodesForm(FlaskForm):
    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())
