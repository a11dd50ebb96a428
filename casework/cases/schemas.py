"""API schemas for cases, lead professionals and changes of level (API.md "Cases").

Levels and closure reasons come from the practice framework, so the schemas only ask for an
integer or a code and the case rules say whether it is one the framework allows.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from casework.api.schemas import PageQuerySchema, page_schema
from casework.cases.rules import MAX_TEXT, SOURCES, STATUSES

#: Ids are opaque strings (UUIDs here); anything else cannot name a record.
_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="Not a valid id")
_TEXT = validate.Length(max=MAX_TEXT)


def _id(description: str, *, required: bool = False) -> fields.Str:
    if required:
        return fields.Str(required=True, validate=_ID, metadata={"description": description})
    return fields.Str(load_default=None, allow_none=True, validate=_ID, metadata={"description": description})


class CaseCreateSchema(Schema):
    family_id = _id("The family the case is for (one the caller may see)", required=True)
    level = fields.Int(
        required=True,
        strict=True,
        metadata={"description": "A level of the practice framework above universal and below statutory (2 or 3 by default)"},
    )
    source = fields.Str(required=True, validate=validate.OneOf(SOURCES))
    reason = fields.Str(required=True, validate=_TEXT, metadata={"description": "Why support is requested"})


class FlagsSchema(Schema):
    assessment_overdue = fields.Bool()
    drift = fields.Bool()
    drift_reasons = fields.List(fields.Str())


class CaseSchema(Schema):
    id = fields.Str()
    family_id = fields.Str()
    owning_team = fields.Str(attribute="owning_team_id", metadata={"description": "Id of the team that owns the case"})
    status = fields.Str(metadata={"enum": list(STATUSES)})
    level = fields.Int()
    source = fields.Str(metadata={"enum": list(SOURCES)})
    reason = fields.Str(allow_none=True)
    lead_professional_id = fields.Str(allow_none=True)
    lead_professional_name = fields.Str(attribute="lead_professional.name", allow_none=True)
    opened_at = fields.DateTime()
    opened_by_id = fields.Str(allow_none=True)
    assessment_due_on = fields.Date(allow_none=True)
    re_referral = fields.Bool(metadata={"description": "The family's previous case closed within the re-referral window"})
    previous_case_id = fields.Str(allow_none=True, metadata={"description": "The family's most recently closed case, if any"})
    closed_at = fields.DateTime(allow_none=True)
    closed_by_id = fields.Str(allow_none=True)
    closure_reason = fields.Str(allow_none=True)
    closure_summary = fields.Str(allow_none=True)
    flags = fields.Nested(FlagsSchema, metadata={"description": "Timeliness flags of an open case"})
    version = fields.Int()


CasePageSchema = page_schema("CasePage", CaseSchema)


class CaseListQuerySchema(PageQuerySchema):
    status = fields.Str(load_default=None, validate=validate.OneOf(STATUSES))
    level = fields.Int(load_default=None, validate=validate.Range(min=0, max=100))
    lead_professional_id = _id("Only cases this user leads")
    team = _id("Only cases this team owns (a team id)")
    measure = fields.Str(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={
            "description": "Only the cases behind a figure of GET /reports/measures (a measure code); with it, from, to, "
            "locality and closure_reason filter as they do there, and the caller must manage the team(s)"
        },
    )
    from_ = fields.Str(load_default=None, data_key="from", validate=validate.Length(max=10), metadata={"description": "With measure"})
    to = fields.Str(load_default=None, validate=validate.Length(max=10), metadata={"description": "With measure"})
    locality = fields.Str(load_default=None, validate=validate.Length(max=16), metadata={"description": "With measure"})
    closure_reason = fields.Str(load_default=None, validate=validate.Length(max=40), metadata={"description": "With measure"})

    @pre_load
    def _drop_empty(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # ``?status=&level=`` means "any", as an unfilled search form sends it.
        return {key: value for key, value in data.items() if value != ""}


class LeadAssignSchema(Schema):
    user_id = _id("The practitioner or manager of the owning team who is to lead", required=True)
    reason = fields.Str(load_default=None, allow_none=True, validate=_TEXT)


class LeadAssignmentSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    user_id = fields.Str()
    user_name = fields.Str(attribute="user.name", allow_none=True)
    status = fields.Method(
        "_status",
        metadata={
            "enum": ["pending", "current", "ended", "declined"],
            "description": "pending: a handover waiting for the receiver; ended also covers an offer superseded before it was answered",
        },
    )
    assigned_by_id = fields.Str()
    reason = fields.Str(allow_none=True)
    proposed_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    declined_at = fields.DateTime(allow_none=True)
    version = fields.Int()

    def _status(self, row: Any) -> str:
        if row.declined_at is not None:
            return "declined"
        if row.ended_at is not None:
            return "ended"
        return "current" if row.started_at is not None else "pending"


LeadAssignmentPageSchema = page_schema("LeadAssignmentPage", LeadAssignmentSchema)


class LeadChangeSchema(CaseSchema):
    handover = fields.Nested(
        LeadAssignmentSchema,
        allow_none=True,
        metadata={"description": "The handover waiting for the receiver to accept; null when the change took effect at once"},
    )


class TransitionCreateSchema(Schema):
    to_level = fields.Int(required=True, strict=True, metadata={"description": "A level of the practice framework (1 to 4 by default)"})
    reason = fields.Str(required=True, validate=_TEXT)
    immediate_risk = fields.Bool(
        load_default=False, metadata={"description": "Only for a step-up to the statutory level: it takes effect at once"}
    )
    receiving_lead_id = _id("Step-down from the statutory level: who receives the case (they must accept)")
    family_agreement = fields.Bool(load_default=False, metadata={"description": "Step-down from the statutory level: the family agrees"})
    handover_notes = fields.Str(load_default=None, allow_none=True, validate=_TEXT)


class TransitionSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    from_level = fields.Int()
    to_level = fields.Int()
    direction = fields.Str(metadata={"enum": ["step_up", "step_down"]})
    status = fields.Str(metadata={"enum": ["pending", "approved", "rejected"]})
    immediate_risk = fields.Bool()
    reason = fields.Str(allow_none=True)
    handover_notes = fields.Str(allow_none=True)
    requested_by_id = fields.Str()
    requested_at = fields.DateTime()
    effective_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Str(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.Str(allow_none=True)
    receiving_lead_id = fields.Str(allow_none=True)
    receiver_accepted_at = fields.DateTime(allow_none=True)
    family_agreement = fields.Bool()
    version = fields.Int()


TransitionPageSchema = page_schema("TransitionPage", TransitionSchema)


def _version() -> fields.Int:
    return fields.Int(
        load_default=None, allow_none=True, strict=True, metadata={"description": "The version read; a stale one is refused with 409"}
    )


class ApproveSchema(Schema):
    note = fields.Str(load_default=None, allow_none=True, validate=_TEXT)
    version = _version()


class RejectSchema(Schema):
    note = fields.Str(required=True, validate=_TEXT, metadata={"description": "Why the change is rejected"})
    version = _version()


class CloseSchema(Schema):
    reason = fields.Str(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "A closure-reason code of the practice framework, e.g. needs_met, stepped_down_to_universal"},
    )
    summary = fields.Str(required=True, validate=_TEXT, metadata={"description": "The moving-on summary"})
    version = _version()
