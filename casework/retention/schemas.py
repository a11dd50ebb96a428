"""API schemas for restrictions of processing, legal holds and the retention review."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema

_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="Not a valid id")
_REASON = fields.Str(required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "Why (kept, encrypted)"})


class RestrictionCreateSchema(Schema):
    reason = _REASON
    person_id = fields.Str(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "Restrict one person of the family; leave out to restrict the whole family"},
    )


class HoldCreateSchema(Schema):
    reason = _REASON


class LiftSchema(Schema):
    reason = _REASON
    version = fields.Int(
        load_default=None, allow_none=True, metadata={"description": "The version read (409 stale_version if it moved on)"}
    )


class _SetAndLiftedSchema(Schema):
    id = fields.Str()
    family_id = fields.Str()
    reason = fields.Str()
    set_by_id = fields.Str()
    set_at = fields.DateTime()
    active = fields.Bool()
    lifted_by_id = fields.Str(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)
    lift_reason = fields.Str(allow_none=True)
    version = fields.Int()


class RestrictionSchema(_SetAndLiftedSchema):
    scope = fields.Str(metadata={"description": "family or person"})
    person_id = fields.Str(allow_none=True)


class HoldSchema(_SetAndLiftedSchema):
    pass


class RetentionStateSchema(Schema):
    family_id = fields.Str()
    status = fields.Str(metadata={"description": "due, held (a legal hold keeps it) or restricted (a restriction keeps it)"})
    until = fields.Date(metadata={"description": "The first day the family's records may be disposed of"})
    basis = fields.Str(metadata={"description": "The retention rule that set the date, e.g. youngest_child_age:25"})


RestrictionPageSchema = page_schema("RestrictionPage", RestrictionSchema)
HoldPageSchema = page_schema("HoldPage", HoldSchema)
RetentionStatePageSchema = page_schema("RetentionStatePage", RetentionStateSchema)
