"""API schemas for Team Around the Family plans (API.md "Team Around the Family plan").

Scores are whole numbers; whether they are on the framework's scale is for the plan rules.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.api.schemas import page_schema
from casework.plans.rules import ACTION_STATUSES, CONCLUSIONS, MAX_TEXT

_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="Not a valid id")
_TEXT = validate.Length(max=MAX_TEXT)
_IDS = validate.Length(max=50)


def _id(description: str, *, required: bool = False) -> fields.Str:
    if required:
        return fields.Str(required=True, validate=_ID, metadata={"description": description})
    return fields.Str(load_default=None, allow_none=True, validate=_ID, metadata={"description": description})


def _text(description: str, *, required: bool = False) -> fields.Str:
    if required:
        return fields.Str(required=True, validate=_TEXT, metadata={"description": description})
    return fields.Str(load_default=None, allow_none=True, validate=_TEXT, metadata={"description": description})


_SWC = fields.Bool(
    load_default=False,
    metadata={"description": "Draws on information shared without the family's consent: kept out of the family's plan"},
)


class PlanCreateSchema(Schema):
    agreed_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Date of the first TAF meeting (default today)"})
    strengths = _text("The family's strengths, in their words")
    contingency = _text("What happens if things get worse")
    analysis = _text("Practitioners' analysis: internal, never in the family's plan")


class OutcomeCreateSchema(Schema):
    person_ids = fields.List(fields.Str(validate=_ID), required=True, validate=_IDS, metadata={"description": "Who the outcome is for"})
    need = _text("The need this outcome meets", required=True)
    what_better_looks_like = _text("What will be better, in the family's words", required=True)
    baseline_score = fields.Int(required=True, strict=True, metadata={"description": "On the framework's scale (0..10 by default)"})
    shared_without_consent = _SWC


class ActionCreateSchema(Schema):
    outcome_id = _id("The outcome this action serves", required=True)
    description = _text("What will be done", required=True)
    owner_user_id = _id("A member of the Team Around the Family (or the owning team)")
    owner_person_id = _id("A member of the family")
    due_on = fields.Date(required=True)
    shared_without_consent = _SWC


class ActionUpdateSchema(Schema):
    version = fields.Int(required=True, strict=True, metadata={"description": "The version read; a stale one gets 409"})
    status = fields.Str(required=True, validate=validate.OneOf(ACTION_STATUSES))
    note = _text("A progress note (internal)")


class ScoreSchema(Schema):
    outcome_id = _id("An outcome of this plan", required=True)
    score = fields.Int(required=True, strict=True)


class ActionStatusSchema(Schema):
    action_id = _id("An action of this plan", required=True)
    status = fields.Str(required=True, validate=validate.OneOf(ACTION_STATUSES))


class ReviewCreateSchema(Schema):
    held_on = fields.Date(required=True)
    attendees = fields.List(
        fields.Str(validate=_ID), required=True, validate=_IDS, metadata={"description": "Who was present: user or person ids"}
    )
    apologies = fields.List(fields.Str(validate=_ID), load_default=list, validate=_IDS, metadata={"description": "Who sent apologies"})
    not_invited = fields.List(fields.Str(validate=_ID), load_default=list, validate=_IDS, metadata={"description": "Who was not invited"})
    scores = fields.List(fields.Nested(ScoreSchema), required=True, validate=_IDS)
    conclusion = fields.Str(required=True, validate=validate.OneOf(CONCLUSIONS))
    summary = _text("What was said and agreed", required=True)
    decisions = _text("What was decided")
    internal_notes = _text("Notes for practitioners only: never in the family's plan")
    next_review_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Default: the framework's review cadence"})
    final = fields.Bool(
        load_default=False, metadata={"description": "The final review (scores every outcome) closure with needs_met relies on"}
    )
    action_updates = fields.List(fields.Nested(ActionStatusSchema), load_default=list, validate=_IDS)
    shared_without_consent = _SWC


class OutcomeSchema(Schema):
    id = fields.Str()
    plan_id = fields.Str()
    version = fields.Int()
    person_ids = fields.List(fields.Str())
    need = fields.Str(allow_none=True)
    what_better_looks_like = fields.Str(allow_none=True)
    baseline_score = fields.Int()
    latest_score = fields.Int(allow_none=True)
    shared_without_consent = fields.Bool()
    created_at = fields.DateTime()


class ActionSchema(Schema):
    id = fields.Str()
    plan_id = fields.Str()
    outcome_id = fields.Str()
    version = fields.Int()
    description = fields.Str(allow_none=True)
    owner_user_id = fields.Str(allow_none=True)
    owner_person_id = fields.Str(allow_none=True)
    due_on = fields.Date()
    status = fields.Str(metadata={"enum": list(ACTION_STATUSES)})
    rag = fields.Str(metadata={"enum": ["red", "amber", "green", "none"], "description": "By due date; none when finished"})
    note = fields.Str(allow_none=True)
    shared_without_consent = fields.Bool()


class ReviewScoreOutSchema(Schema):
    outcome_id = fields.Str()
    score = fields.Int()


class StatementOutSchema(Schema):
    person_id = fields.Str(metadata={"description": "Whose statement it is"})
    text = fields.Str()
    recorded_at = fields.DateTime()


class ReviewSchema(Schema):
    id = fields.Str()
    plan_id = fields.Str()
    held_on = fields.Date()
    attendance = fields.Dict(keys=fields.Str(), values=fields.Str(), metadata={"description": "id -> present / apologies / not_invited"})
    scores = fields.List(fields.Nested(ReviewScoreOutSchema))
    conclusion = fields.Str(metadata={"enum": list(CONCLUSIONS)})
    summary = fields.Str(allow_none=True)
    decisions = fields.Str(allow_none=True)
    internal_notes = fields.Str(allow_none=True)
    next_review_on = fields.Date(allow_none=True)
    final = fields.Bool()
    shared_without_consent = fields.Bool()
    recorded_by_id = fields.Str()
    recorded_at = fields.DateTime()
    statements_of_disagreement = fields.List(
        fields.Nested(StatementOutSchema), metadata={"description": "People's statements that they disagree with the summary"}
    )


class PlanSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    version = fields.Int()
    agreed_on = fields.Date()
    next_review_on = fields.Date(allow_none=True, metadata={"description": "When the next TAF review is due"})
    review_overdue = fields.Bool()
    strengths = fields.Str(allow_none=True)
    contingency = fields.Str(allow_none=True)
    analysis = fields.Str(allow_none=True)
    statements_of_disagreement = fields.List(
        fields.Nested(StatementOutSchema), metadata={"description": "People's statements that they disagree with the analysis"}
    )
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    reviews = fields.List(fields.Nested(ReviewSchema))


class CheckRecordSchema(Schema):
    sustained = fields.Bool(required=True, metadata={"description": "Were the family's outcomes sustained?"})
    note = _text("A note")


class CheckSchema(Schema):
    id = fields.Str()
    case_id = fields.Str()
    version = fields.Int()
    due_on = fields.Date()
    assigned_to_id = fields.Str(allow_none=True)
    sustained = fields.Bool(allow_none=True)
    note = fields.Str(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)


OutcomePageSchema = page_schema("OutcomePage", OutcomeSchema)
ActionPageSchema = page_schema("ActionPage", ActionSchema)
ReviewPageSchema = page_schema("ReviewPage", ReviewSchema)
