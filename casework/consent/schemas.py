"""API schemas for consent, sharing without consent, Team Around the Family membership, who can
see a case, and the safeguarding lead's "is this family known?" (API.md "Consent and
information sharing").

Schemas shape and validate; the consent rules decide whether a record could be relied on (who
may decide for whom, which organisations exist), so those refusals come from the service.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema
from casework.consent.rules import DECISIONS, MAX_TEXT, METHODS, OVERRIDE_STATES, PURPOSES

#: Ids are opaque strings (UUIDs here); anything else cannot name a record.
_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="Not a valid id")
_TEXT = validate.Length(max=MAX_TEXT)
_MAX_ORGANISATIONS = 100


def _id(description: str, *, required: bool = False) -> fields.Str:
    if required:
        return fields.Str(required=True, validate=_ID, metadata={"description": description})
    return fields.Str(load_default=None, allow_none=True, validate=_ID, metadata={"description": description})


def _organisations(description: str, *, required: bool = False) -> fields.List[str]:
    item = fields.Str(validate=_ID)
    size = validate.Length(max=_MAX_ORGANISATIONS)
    if required:
        return fields.List(item, required=True, validate=size, metadata={"description": description})
    return fields.List(item, load_default=list, validate=size, metadata={"description": description})


class ConsentCreateSchema(Schema):
    person_id = _id("The person whose information the decision is about (a member of the case's family)", required=True)
    given_by_person_id = _id(
        "Who made the decision; defaults to person_id. Deciding for someone else needs parental responsibility, "
        "and only for a child under 16"
    )
    competent = fields.Bool(
        load_default=None,
        allow_none=True,
        metadata={"description": "A child under 16 deciding for themself: the recording practitioner judges them competent to"},
    )
    purpose = fields.Str(
        required=True,
        validate=validate.OneOf(PURPOSES),
        metadata={"description": "assessment: agreement to early help and assessment; share: sharing with named organisations"},
    )
    decision = fields.Str(required=True, validate=validate.OneOf(DECISIONS))
    organisation_ids = _organisations(
        "Organisations the decision covers; required when sharing is given. A withdrawal naming none withdraws everything"
    )
    method = fields.Str(required=True, validate=validate.OneOf(METHODS))
    expires_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "When the decision lapses or must be asked again"}
    )
    do_not_share_with = _organisations(
        "Organisations, and named practitioners (user ids), that the person's own details must not be shared with. "
        "A named practitioner is refused them whatever their access; a decision to share without consent does not lift it"
    )
    note = fields.Str(load_default=None, allow_none=True, validate=_TEXT)


class ConsentSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    person_id = fields.Str()
    given_by_person_id = fields.Str()
    competent = fields.Bool(allow_none=True, metadata={"description": "The competence judgement kept with a child's own decision"})
    purpose = fields.Str(metadata={"enum": list(PURPOSES)})
    decision = fields.Str(metadata={"enum": list(DECISIONS)})
    organisation_ids = fields.List(fields.Str())
    do_not_share_with = fields.Method(
        "_do_not_share_with",
        metadata={"type": "array", "items": {"type": "string"}, "description": "Organisations, then named practitioners"},
    )
    do_not_share_with_user_ids = fields.List(
        fields.Str(), attribute="do_not_share_with_users", metadata={"description": "The named practitioners among do_not_share_with"}
    )
    method = fields.Str(metadata={"enum": list(METHODS)})
    expires_on = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)
    recorded_by_id = fields.Str()
    recorded_at = fields.DateTime()

    def _do_not_share_with(self, row: Any) -> list[str]:
        return [*(row.do_not_share_with or ()), *(row.do_not_share_with_users or ())]


ConsentPageSchema = page_schema("ConsentPage", ConsentSchema)


class OverrideCreateSchema(Schema):
    organisation_ids = _organisations("Organisations information will be shared with", required=True)
    lawful_basis = fields.Str(
        required=True,
        validate=validate.Length(max=500),
        metadata={"description": "e.g. UK GDPR Art 6(1)(e) and Art 9(2)(g); risk of significant harm"},
    )
    justification = fields.Str(required=True, validate=_TEXT, metadata={"description": "Why, what is shared, with whom"})
    expires_on = fields.Date(required=True, metadata={"description": "When the decision must be reviewed by"})


class OverrideSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    organisation_ids = fields.List(fields.Str())
    lawful_basis = fields.Str(allow_none=True)
    justification = fields.Str(
        allow_none=True, metadata={"description": "Why; null for partner agencies, who see that the decision exists but not its reasons"}
    )
    justification_withheld = fields.Bool(
        dump_default=False, metadata={"description": "True when the justification is kept from this reader's organisation"}
    )
    decided_by_id = fields.Str()
    decided_at = fields.DateTime()
    expires_on = fields.Date()


OverridePageSchema = page_schema("ShareWithoutConsentPage", OverrideSchema)

_STATE_WORDS = "active; review_due (the review date is within 14 days); lapsed (the review date has passed)"


class OverrideReportQuerySchema(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    state = fields.Str(load_default=None, validate=validate.OneOf(list(OVERRIDE_STATES)), metadata={"description": _STATE_WORDS})


class OverrideReportItemSchema(OverrideSchema):
    family_id = fields.Function(lambda row: row.case.family_id)
    team = fields.Str(metadata={"description": "The team that owns the case"})
    state = fields.Str(metadata={"enum": list(OVERRIDE_STATES), "description": _STATE_WORDS})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        """A report row: its own fields, else the decision's."""
        if attr in ("team", "state", "case"):
            return getattr(obj, attr)
        return super().get_attribute(obj.decision, attr, default)


OverrideReportPageSchema = page_schema("ShareWithoutConsentReport", OverrideReportItemSchema)


class TeamMemberCreateSchema(Schema):
    user_id = _id("A practitioner or manager of any organisation (or person_id, not both)")
    person_id = _id("A member of the case's family (or user_id, not both)")
    role_in_team = fields.Str(required=True, validate=validate.Length(max=100), metadata={"description": "e.g. Health visitor"})


class TeamMemberSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    user_id = fields.Str(allow_none=True)
    person_id = fields.Str(allow_none=True)
    role_in_team = fields.Str()
    added_by_id = fields.Str()
    added_at = fields.DateTime()
    removed_at = fields.DateTime(allow_none=True, metadata={"description": "Set when the member has been removed"})
    version = fields.Int()


TeamMemberPageSchema = page_schema("TeamMemberPage", TeamMemberSchema)

HOW = ("owning_team", "team_around_the_family")
BASES = ("team", "manager", "organisation", "consent", "share_without_consent")


class ViewerSchema(Schema):
    user_id = fields.Str()
    name = fields.Str()
    organisation = fields.Str(metadata={"description": "The organisation's name"})
    how = fields.Str(metadata={"enum": list(HOW)})
    basis = fields.Str(
        allow_none=True,
        metadata={"enum": list(BASES), "description": "Why they can see the case; null: in the team but no sharing basis covers them"},
    )
    withheld_person_ids = fields.List(
        fields.Str(), metadata={"description": "People whose own details are withheld from them (among those the caller may see)"}
    )


ViewerPageSchema = page_schema("ViewerPage", ViewerSchema)


class KnownQuerySchema(Schema):
    family_name = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    nhs_number = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=20))


class LeadContactSchema(Schema):
    name = fields.Str(allow_none=True, metadata={"description": "null while no lead professional is allocated"})
    email = fields.Str(allow_none=True)
    team = fields.Str(allow_none=True, metadata={"description": "The owning team's name"})


class KnownAnswerSchema(Schema):
    known = fields.Bool(required=True, metadata={"description": "Is the person in a family with an open early help case?"})
    lead_professional = fields.Nested(LeadContactSchema, metadata={"description": "Present only when known"})
