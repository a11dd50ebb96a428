"""API schemas for organisations and users."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.auth.models import ORGANISATION_KINDS, ROLES


class OrganisationCreateSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(ORGANISATION_KINDS))


class OrganisationSchema(Schema):
    id = fields.Str()
    name = fields.Str()
    kind = fields.Str()


class UserCreateSchema(Schema):
    email = fields.Str(required=True, validate=validate.Length(min=3, max=254))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    organisation_id = fields.Str(required=True, validate=validate.Length(min=1, max=36))
    roles = fields.List(fields.Str(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    team = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=200))
    password = fields.Str(
        load_default=None,
        allow_none=True,
        load_only=True,
        validate=validate.Length(max=256),
        metadata={"description": "Optional initial password; without one the user sets it by invitation"},
    )


class UserSchema(Schema):
    id = fields.Str()
    email = fields.Str()
    name = fields.Str()
    organisation_id = fields.Str()
    roles = fields.Function(lambda u: sorted(u.roles))
    teams = fields.Function(lambda u: sorted(m.team.name for m in u.memberships))
    active = fields.Bool()
