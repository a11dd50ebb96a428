"""API schemas for subject access, corrections and statements of disagreement."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema
from casework.dataprotection.rules import STATEMENT_RECORD_TYPES


class ExportItemSchema(Schema):
    key = fields.Str(metadata={"description": "The item's key: a redaction names it, or `<key>#<field>` for one field"})
    kind = fields.Str(
        metadata={
            "description": "person, family, case, transition, consent, share_without_consent, assessment, "
            "assessment_section, plan, outcome, action, review, correction or statement"
        }
    )
    title = fields.Str()
    case_id = fields.Str(allow_none=True)
    about = fields.List(fields.Str(), metadata={"description": "The people the item is about (empty: the family or a case)"})
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={"description": "Field name -> value"})
    labels = fields.Dict(metadata={"description": "Field name -> label"})
    redacted = fields.Str(metadata={"description": "In a release package: `[redacted: reason]` in place of the whole item"})


class AccessEventSchema(Schema):
    at = fields.Str(metadata={"description": "ISO 8601 timestamp"})
    actor_id = fields.Str(allow_none=True)
    organisation_id = fields.Str(allow_none=True)
    action = fields.Str()
    basis = fields.Str(allow_none=True)


class RedactionSchema(Schema):
    key = fields.Str()
    reason = fields.Str()


class SubjectAccessExportSchema(Schema):
    person = fields.Nested(ExportItemSchema)
    family = fields.Nested(ExportItemSchema)
    cases = fields.List(fields.Nested(ExportItemSchema))
    consents = fields.List(fields.Nested(ExportItemSchema))
    records = fields.List(fields.Nested(ExportItemSchema))
    access_log = fields.List(fields.Nested(AccessEventSchema), metadata={"description": "Every audited access, oldest first"})
    generated_at = fields.Str()
    suggested_redactions = fields.List(
        fields.Nested(RedactionSchema), metadata={"description": "Third-party information pre-marked for redaction"}
    )


class CorrectionCreateSchema(Schema):
    field = fields.Str(required=True, metadata={"description": "The detail to correct (see the person's or family's fields)"})
    value = fields.Str(
        required=True,
        allow_none=True,
        validate=validate.Length(max=10_000),
        metadata={"description": "The correct value (dates YYYY-MM-DD); empty to clear"},
    )
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=2_000))


class CorrectionSchema(Schema):
    id = fields.Str()
    subject_type = fields.Str()
    person_id = fields.Str(allow_none=True)
    family_id = fields.Str()
    field = fields.Str()
    old_value = fields.Str(allow_none=True)
    new_value = fields.Str(allow_none=True)
    reason = fields.Str()
    recorded_by_id = fields.Str()
    recorded_at = fields.DateTime()


class StatementCreateSchema(Schema):
    record_type = fields.Str(required=True, validate=validate.OneOf(STATEMENT_RECORD_TYPES))
    record_id = fields.Str(required=True, validate=validate.Length(min=1, max=36))
    section_key = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=120))
    text = fields.Str(required=True, validate=validate.Length(min=1, max=10_000))


class StatementSchema(Schema):
    id = fields.Str()
    person_id = fields.Str()
    case_id = fields.Str()
    record_type = fields.Str()
    record_id = fields.Str()
    section_key = fields.Str(allow_none=True)
    text = fields.Str()
    recorded_by_id = fields.Str()
    recorded_at = fields.DateTime()


CorrectionPageSchema = page_schema("CorrectionPage", CorrectionSchema)
StatementPageSchema = page_schema("StatementPage", StatementSchema)


class SubjectAccessReviewSchema(Schema):
    id = fields.Str()
    person_id = fields.Str()
    status = fields.Str(metadata={"enum": ["draft", "released"]})
    version = fields.Int(metadata={"description": "Send it back with PATCH and release: a stale one is refused with 409"})
    created_at = fields.DateTime()
    released_at = fields.DateTime(allow_none=True)
    package_sha256 = fields.Str(allow_none=True, metadata={"description": "SHA-256 of the released ZIP"})
    generated_at = fields.Str()
    items = fields.List(fields.Nested(ExportItemSchema))
    redactions = fields.List(fields.Nested(RedactionSchema), metadata={"description": "The officer's choices (pre-marked at the start)"})
    access_events = fields.Int(metadata={"description": "How many access events the package's access log holds"})


class RedactionInSchema(Schema):
    key = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=200))


class SubjectAccessReviewUpdateSchema(Schema):
    version = fields.Int(required=True)
    redactions = fields.List(fields.Nested(RedactionInSchema), required=True, validate=validate.Length(max=10_000))


class SubjectAccessReleaseSchema(Schema):
    version = fields.Int(required=True)
