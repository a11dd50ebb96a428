"""API schemas for the Early Help Assessment (API.md "Assessment").

The shape of ``sections`` depends on the practice framework, so the schema accepts any object
and the service validates every answer against the assessment's template (422 naming
``sections.<section>.<question>``).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema
from casework.assessments.rules import MAX_COMMENTS, STATUSES

_KEYS = fields.List(fields.Str(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=500))


class QuestionSchema(Schema):
    key = fields.Str()
    label = fields.Str()
    type = fields.Str(metadata={"enum": ["text", "choice", "score", "date", "level"]})
    required = fields.Bool()
    choices = fields.List(fields.Str())


class SectionTemplateSchema(Schema):
    key = fields.Str(metadata={"description": "The section key used in `sections`"})
    domain = fields.Str(metadata={"description": "The practice framework's domain"})
    title = fields.Str()
    person_id = fields.Str(allow_none=True, metadata={"description": "The child a per-child section is about; null for the whole family"})
    questions = fields.List(fields.Nested(QuestionSchema))


class StatementOnSectionSchema(Schema):
    section_key = fields.Str()
    person_id = fields.Str(metadata={"description": "Whose statement it is"})
    text = fields.Str()
    recorded_at = fields.DateTime()


class AssessmentSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    number = fields.Int(metadata={"description": "1 for the first assessment, then one more for each re-assessment"})
    previous_id = fields.Str(allow_none=True, metadata={"description": "The assessment this one re-assesses"})
    status = fields.Str(metadata={"enum": list(STATUSES)})
    version = fields.Int(metadata={"description": "Send it back with PATCH: a stale one is refused with 409 stale_version"})
    due_on = fields.Date(allow_none=True)
    overdue = fields.Bool()
    started_by_id = fields.Str()
    started_at = fields.DateTime()
    submitted_by_id = fields.Str(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Str(allow_none=True, metadata={"description": "The manager who signed it off or returned it"})
    decided_at = fields.DateTime(allow_none=True)
    return_comments = fields.Str(allow_none=True)
    template = fields.List(fields.Nested(SectionTemplateSchema))
    sections = fields.Dict(keys=fields.Str(), values=fields.Dict(), metadata={"description": "{section_key: {question_key: value}}"})
    section_status = fields.Dict(
        keys=fields.Str(), values=fields.Str(), metadata={"description": "{section_key: not_started|in_progress|completed}"}
    )
    statements_of_disagreement = fields.List(
        fields.Nested(StatementOnSectionSchema), metadata={"description": "People's statements that they disagree with a section"}
    )


AssessmentPageSchema = page_schema("AssessmentPage", AssessmentSchema)


def _version(required: bool = False) -> fields.Int:
    description = "The version read; a stale one is refused with 409 stale_version"
    if required:
        return fields.Int(required=True, strict=True, metadata={"description": description})
    return fields.Int(load_default=None, allow_none=True, strict=True, metadata={"description": description})


class AssessmentUpdateSchema(Schema):
    version = _version(required=True)
    sections = fields.Dict(
        keys=fields.Str(validate=validate.Length(max=200)),
        values=fields.Raw(),
        load_default=dict,
        metadata={"description": "Sections to merge: {section_key: {question_key: value}}; null or '' clears an answer"},
    )
    complete = _KEYS
    incomplete = _KEYS


class VersionSchema(Schema):
    version = _version()


class ReturnSchema(Schema):
    version = _version()
    comments = fields.Str(required=True, validate=validate.Length(max=MAX_COMMENTS))
