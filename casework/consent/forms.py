"""Consent, Team Around the Family, share-without-consent and "is this family known?" forms.

They shape input and check only what a form can (a real date, a chosen option where the page
asks for one); what the answers mean is decided by consent/rules.py through the services, whose
problems are shown against these fields (the field names match the services' problem keys).
"""

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
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from casework.web.fields import GovDateField

MAX_TEXT = 10_000
#: "Who decided?": the person themself (else a person with parental responsibility, by id).
SELF = "self"
PURPOSE_CHOICES = [
    ("assessment", "Agreement to early help and assessment"),
    ("share", "Sharing information with other organisations"),
]
PURPOSE_HINTS = [
    {"hint": {"text": "Early help is voluntary: the family's agreement is always needed."}},
    {"hint": {"text": "Name each organisation the agreement covers. Ask again when a new organisation joins."}},
]
DECISION_CHOICES = [("given", "Agreed"), ("refused", "Refused"), ("withdrawn", "Withdrew an agreement given before")]
METHOD_CHOICES = [("written", "In writing"), ("verbal", "Verbally")]
METHOD_HINTS = [{}, {"hint": {"text": "Confirm a verbal decision in writing promptly."}}]


def _note(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        validators=[Optional(), Length(max=MAX_TEXT, message=f"{label.split(' (')[0]} must be {MAX_TEXT} characters or fewer")],
    )


def _organisations(label: str, hint: str) -> SelectMultipleField:
    return SelectMultipleField(label, widget=GovCheckboxesInput(), description=hint, validate_choice=False)


class ConsentForm(FlaskForm):
    # Every problem is reported at once by the rules (through the service): no presence checks here.
    person_id = RadioField("Whose information is the decision about?", widget=GovRadioInput(), validate_choice=False)
    given_by_person_id = RadioField("Who made the decision?", widget=GovRadioInput(), validate_choice=False)
    competent = BooleanField(
        "A child deciding for themself: judged competent to decide",
        widget=GovCheckboxInput(),
        description="For a child under 16 deciding for themself: you judged they understand the decision well enough to make it "
        "(Gillick competence). Anyone 16 or over decides for themself.",
    )
    purpose = RadioField("What is the decision about?", widget=GovRadioInput(), choices=PURPOSE_CHOICES, validate_choice=False)
    decision = RadioField("What did they decide?", widget=GovRadioInput(), choices=DECISION_CHOICES, validate_choice=False)
    organisation_ids = _organisations(
        "Which organisations does the decision cover?",
        "For an agreement to share, tick every organisation named. A withdrawal that names none withdraws every agreement to share.",
    )
    method = RadioField("How was the decision given?", widget=GovRadioInput(), choices=METHOD_CHOICES, validate_choice=False)
    expires_on = GovDateField("Review date (optional)", description="When to ask again. For example, 27 3 2027")
    do_not_share_with = _organisations(
        "Organisations that must not see this person's information (optional)",
        "The family may name an organisation that must not see it.",
    )
    do_not_share_with_user = SelectField(
        "A named practitioner who must not see this person's information (optional)",
        widget=GovSelect(),
        description="For example, someone the family knows personally. It applies whatever their organisation's access.",
        validate_choice=False,
        validators=[Optional()],
    )
    note = _note("Note (optional)")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class TeamMemberForm(FlaskForm):
    # A practitioner or someone in the family, not both: the service says so when it is neither or both.
    user_id = SelectField(
        "Practitioner",
        widget=GovSelect(),
        description="From any organisation working with the family",
        validate_choice=False,
        validators=[Optional()],
    )
    person_id = SelectField("Or someone in the family", widget=GovSelect(), validate_choice=False, validators=[Optional()])
    role_in_team = StringField(
        "Their role in the team",
        widget=GovTextInput(),
        description="For example, Health visitor, School family support worker, or Parent",
    )
    submit = SubmitField("Add to the team", widget=GovSubmitInput())


class ShareWithoutConsentForm(FlaskForm):
    organisation_ids = _organisations(
        "Which organisations will the information be shared with?",
        "Share only what is relevant, and only with those who need it to protect the child.",
    )
    lawful_basis = StringField(
        "Lawful basis",
        widget=GovTextInput(),
        description="For example, UK GDPR Article 6(1)(e) public task, with Article 9(2)(g) substantial public interest",
    )
    justification = TextAreaField(
        "Why must information be shared without consent?",
        widget=GovTextArea(),
        description="The risk of significant harm, who you sought advice from, and what will be shared.",
    )
    expires_on = GovDateField("Review this decision by", description="For example, 27 3 2027")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class KnownForm(FlaskForm):
    family_name = StringField(
        "Last name", widget=GovTextInput(), validators=[Optional(), Length(max=100, message="Last name must be 100 characters or fewer")]
    )
    date_of_birth = GovDateField("Date of birth", description="For example, 27 3 2015")
    nhs_number = StringField(
        "NHS number",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=20, message="Enter a valid NHS number")],
        description="For example, 485 777 3456",
    )
    submit = SubmitField("Check", widget=GovSubmitInput())
