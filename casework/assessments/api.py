"""Early Help Assessment API (API.md "Assessment").

Decisions written into the OpenAPI document:
- Starting needs the family's recorded agreement to early help and assessment (or an active
  decision to share without consent): 422 with the field ``consent`` otherwise; 409 when the
  case is closed or an assessment is already under way.
- ``PATCH`` merges the sections sent (null or '' clears an answer) and may mark sections
  ``complete`` (their required answers must be given) or ``incomplete``; ``version`` is required.
- Sign-off and return are for a manager of the owning team who did not submit the assessment.
- ``GET /cases/{id}/assessments`` lists a case's assessments, newest first (re-assessments keep
  the history).
- Partners see the assessment without the sections about people whose details are withheld
  from their organisation.
"""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema
from casework.assessments import rules, services
from casework.assessments.schemas import (
    AssessmentPageSchema,
    AssessmentSchema,
    AssessmentUpdateSchema,
    ReturnSchema,
    VersionSchema,
)
from casework.db import today
from casework.web.requests import db_session

TAG = "Assessment"


def as_dict(view: services.AssessmentView) -> dict[str, Any]:
    row = view.assessment
    return {
        "id": row.id,
        "case_id": row.case_id,
        "number": row.number,
        "previous_id": row.previous_id,
        "status": row.status,
        "version": row.version,
        "due_on": row.due_on,
        "overdue": rules.is_overdue(row.status, row.due_on, today()),
        "started_by_id": row.started_by_id,
        "started_at": row.started_at,
        "submitted_by_id": row.submitted_by_id,
        "submitted_at": row.submitted_at,
        "decided_by_id": row.decided_by_id,
        "decided_at": row.decided_at,
        "return_comments": row.return_comments,
        "template": view.template,
        "sections": view.sections,
        "section_status": view.states,
        "statements_of_disagreement": [
            {"section_key": key, "person_id": said.person_id, "text": said.text, "recorded_at": said.recorded_at}
            for key, found in view.statements.items()
            for said in found
        ],
    }


@endpoint(
    "/cases/<case_id>/assessments",
    "POST",
    summary="Start the case's Early Help Assessment, or a re-assessment once the last one is signed off (the lead "
    "professional or a practitioner of the owning team). Needs the family's recorded agreement or a decision to share "
    "without consent (422 otherwise). The sections come from the practice framework: one per family domain and one "
    "per child for each child domain",
    tag=TAG,
    response=AssessmentSchema,
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def create_assessment(case_id: str) -> dict[str, Any]:
    return as_dict(services.start_assessment(db_session(), g.actor, case_id))


@endpoint(
    "/cases/<case_id>/assessments",
    "GET",
    summary="The case's assessments, newest first (each re-assessment is a new one; the history is kept)",
    tag=TAG,
    query=PageQuerySchema,
    response=AssessmentPageSchema,
    errors=(401, 404),
)
def list_assessments(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    views = services.list_assessments(db_session(), g.actor, case_id)
    start = (query["page"] - 1) * query["per_page"]
    items = [as_dict(v) for v in views[start : start + query["per_page"]]]
    return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": len(views)}


@endpoint("/assessments/<assessment_id>", "GET", summary="An assessment, its template and answers", tag=TAG, response=AssessmentSchema)
def get_assessment(assessment_id: str) -> dict[str, Any]:
    return as_dict(services.get_assessment(db_session(), g.actor, assessment_id))


@endpoint(
    "/assessments/<assessment_id>",
    "PATCH",
    summary="Save answers (a draft may leave anything blank) and mark sections complete; send the version read: a "
    "stale one is refused with 409 stale_version and nothing is merged",
    tag=TAG,
    body=AssessmentUpdateSchema,
    response=AssessmentSchema,
    errors=(401, 403, 404, 409, 422),
)
def update_assessment(assessment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return as_dict(services.save_assessment(db_session(), g.actor, assessment_id, **body))


@endpoint(
    "/assessments/<assessment_id>/submit",
    "POST",
    summary="Submit for sign-off; 422 names each section and question whose required answer is missing",
    tag=TAG,
    body=VersionSchema,
    response=AssessmentSchema,
    errors=(401, 403, 404, 409, 422),
)
def submit_assessment(assessment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return as_dict(services.submit_assessment(db_session(), g.actor, assessment_id, **body))


@endpoint(
    "/assessments/<assessment_id>/sign-off",
    "POST",
    summary="Sign off a submitted assessment (a manager of the owning team who did not submit it); read-only afterwards",
    tag=TAG,
    body=VersionSchema,
    response=AssessmentSchema,
    errors=(401, 403, 404, 409),
)
def sign_off_assessment(assessment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return as_dict(services.sign_off_assessment(db_session(), g.actor, assessment_id, **body))


@endpoint(
    "/assessments/<assessment_id>/return",
    "POST",
    summary="Return a submitted assessment with comments (a manager of the owning team who did not submit it); it can "
    "be changed and submitted again",
    tag=TAG,
    body=ReturnSchema,
    response=AssessmentSchema,
    errors=(401, 403, 404, 409, 422),
)
def return_assessment(assessment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return as_dict(services.return_assessment(db_session(), g.actor, assessment_id, **body))
