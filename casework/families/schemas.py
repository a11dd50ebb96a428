"""API schemas for families and people."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema
from casework.families.rules import PERSON_ROLES


class FamilyCreateSchema(Schema):
    address_line_1 = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    postcode = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=10))
    note = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    team = fields.Str(
        load_default=None,
        allow_none=True,
        metadata={"description": "Id of one of the creator's teams; required when the creator is in several"},
    )


class FamilySchema(Schema):
    id = fields.Str()
    reference = fields.Str()
    address_line_1 = fields.Str(allow_none=True)
    postcode = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)
    team = fields.Str(attribute="owning_team_id")
    version = fields.Int()
    created_at = fields.DateTime()


FamilyPageSchema = page_schema("FamilyPage", FamilySchema)


class MemberCreateSchema(Schema):
    given_name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    family_name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    role = fields.Str(required=True, validate=validate.OneOf(PERSON_ROLES))
    parental_responsibility = fields.Bool(required=True)
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    expected_date = fields.Date(load_default=None, allow_none=True)
    nhs_number = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=20))
    gender = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    ethnicity = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    language = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    school = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    note = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class PersonSchema(Schema):
    id = fields.Str()
    family_id = fields.Str()
    given_name = fields.Str()
    family_name = fields.Str()
    role = fields.Str()
    parental_responsibility = fields.Bool()
    date_of_birth = fields.Date(allow_none=True)
    expected_date = fields.Date(allow_none=True)
    nhs_number = fields.Str(allow_none=True)
    gender = fields.Str(allow_none=True)
    ethnicity = fields.Str(allow_none=True)
    language = fields.Str(allow_none=True)
    school = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)
    version = fields.Int()


class PeopleSearchQuerySchema(Schema):
    family_name = fields.Str(load_default=None, validate=validate.Length(max=100))
    date_of_birth = fields.Date(load_default=None)
    nhs_number = fields.Str(load_default=None, validate=validate.Length(max=20))


PersonPageSchema = page_schema("PersonPage", PersonSchema)
