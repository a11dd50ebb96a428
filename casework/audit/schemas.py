"""API schemas for the audit trail (API.md "Audit")."""

from __future__ import annotations

from marshmallow import Schema, fields

from casework.api.schemas import page_schema


class FailureSchema(Schema):
    seq = fields.Int(metadata={"description": "The first failing position (event sequence number)"})
    reason = fields.Str()


class VerifySchema(Schema):
    ok = fields.Bool()
    events_checked = fields.Int()
    checkpoints_checked = fields.Int()
    first_failure = fields.Nested(FailureSchema, allow_none=True)


class AuditEventSchema(Schema):
    seq = fields.Int()
    at = fields.DateTime()
    actor_id = fields.Str(allow_none=True)
    organisation_id = fields.Str(allow_none=True, metadata={"description": "The organisation the actor acted for"})
    action = fields.Str()
    subject_type = fields.Str(allow_none=True)
    subject_id = fields.Str(allow_none=True)
    family_id = fields.Str(allow_none=True)
    case_id = fields.Str(allow_none=True)
    basis = fields.Str(allow_none=True, metadata={"description": "On what basis the actor could see the case"})
    detail = fields.Dict(allow_none=True, metadata={"description": "Decrypted detail; null once the family's key is destroyed"})


AuditEventPageSchema = page_schema("AuditEventPage", AuditEventSchema)
