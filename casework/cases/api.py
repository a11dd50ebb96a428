"""Cases API (API.md "Cases"): episodes, lead professionals, changes of level, closure.

Every operation on case data goes through the case services, whose access policy answers 404
for a case the caller may not see; so no route here declares roles of its own.
"""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema, page_of
from casework.cases import leads, services, transitions
from casework.cases.models import Case, LeadAssignment, LevelTransition
from casework.cases.rules import Flags
from casework.cases.schemas import (
    ApproveSchema,
    CaseCreateSchema,
    CaseListQuerySchema,
    CasePageSchema,
    CaseSchema,
    CloseSchema,
    LeadAssignmentPageSchema,
    LeadAssignmentSchema,
    LeadAssignSchema,
    LeadChangeSchema,
    RejectSchema,
    TransitionCreateSchema,
    TransitionPageSchema,
    TransitionSchema,
)
from casework.web.requests import db_session


class CaseView:
    """A case as the API shows it: the record, its timeliness flags, and (after a change of
    lead professional) the handover waiting for the receiver."""

    def __init__(self, case: Case, handover: LeadAssignment | None = None, flags: Flags | None = None) -> None:
        self.case = case
        self.flags = flags or services.case_flags(db_session(), case)
        self.handover = handover

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)


@endpoint(
    "/cases",
    "POST",
    summary="Open a case (a request for support) for a family the caller may see",
    tag="Cases",
    body=CaseCreateSchema,
    response=CaseSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def create_case(body: dict[str, Any]) -> CaseView:
    """404: the family is unknown or not visible; 409: the family already has an open case."""
    case = services.create_case(
        db_session(), g.actor, family_id=body["family_id"], level=body["level"], source=body["source"], reason=body["reason"]
    )
    return CaseView(case)


@endpoint(
    "/cases",
    "GET",
    summary="List the cases the caller may see, newest first, filtered by status, level, lead professional or team",
    tag="Cases",
    query=CaseListQuerySchema,
    response=CasePageSchema,
    errors=(401,),
)
def list_cases(query: dict[str, Any]) -> dict[str, Any]:
    """With ``measure``: the cases behind a figure of the managers' report (its filters read as there)."""
    session = db_session()
    among = None
    if query["measure"] is not None:
        from casework.reports import api as reports_api
        from casework.reports import services as reports

        args = reports_api.filter_args(
            {key: query[key] for key in ("team", "from_", "to", "level", "locality", "lead_professional_id", "closure_reason")}
        )
        filters = reports.read_filters(session, g.actor, {key: None if value is None else str(value) for key, value in args.items()})
        among = reports.cases_behind(session, g.actor, filters, query["measure"])
    # with a measure, team, level and lead professional are the report's filters (read above)
    page = services.list_cases(
        session,
        g.actor,
        status=query["status"],
        level=None if among is not None else query["level"],
        lead_professional_id=None if among is not None else query["lead_professional_id"],
        team_id=None if among is not None else query["team"],
        among=among,
        page=query["page"],
        per_page=query["per_page"],
    )
    flags = services.flags_for(db_session(), page.items)
    items = [CaseView(case, flags=flags[case.id]) for case in page.items]
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}


@endpoint("/cases/<case_id>", "GET", summary="Read a case", tag="Cases", response=CaseSchema, errors=(401, 404))
def get_case(case_id: str) -> CaseView:
    return CaseView(services.get_case(db_session(), g.actor, case_id))


@endpoint(
    "/cases/<case_id>/lead-professional",
    "PUT",
    summary="Allocate or hand over the lead professional. A manager's allocation, or a practitioner taking an unallocated "
    "case or taking it on themselves, takes effect at once; a lead handing over to a colleague waits for the colleague "
    "to accept (the response's handover)",
    tag="Lead professionals",
    body=LeadAssignSchema,
    response=LeadChangeSchema,
    errors=(401, 403, 404, 409),
)
def assign_lead_professional(case_id: str, body: dict[str, Any]) -> CaseView:
    session = db_session()
    row = leads.assign_lead(session, g.actor, case_id, user_id=body["user_id"], reason=body["reason"])
    case, _ = services.visible_case(session, g.actor, case_id)
    return CaseView(case, handover=row if row.is_pending else None)


@endpoint(
    "/cases/<case_id>/lead-professionals",
    "GET",
    summary="The history of lead professionals, oldest first, with pending and declined handovers",
    tag="Lead professionals",
    query=PageQuerySchema,
    response=LeadAssignmentPageSchema,
    errors=(401, 404),
)
def list_lead_professionals(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    return page_of(leads.lead_history(db_session(), g.actor, case_id), query)


@endpoint(
    "/cases/<case_id>/lead-professional/accept",
    "POST",
    summary="Accept the handover offered to the caller: they become lead professional now",
    tag="Lead professionals",
    response=LeadAssignmentSchema,
    errors=(401, 404, 409),
)
def accept_handover(case_id: str) -> LeadAssignment:
    """404 also when no handover waits for the caller on this case."""
    return leads.answer_handover(db_session(), g.actor, case_id, accept=True)


@endpoint(
    "/cases/<case_id>/lead-professional/decline",
    "POST",
    summary="Decline the handover offered to the caller: the current lead professional stays",
    tag="Lead professionals",
    response=LeadAssignmentSchema,
    errors=(401, 404, 409),
)
def decline_handover(case_id: str) -> LeadAssignment:
    return leads.answer_handover(db_session(), g.actor, case_id, accept=False)


@endpoint(
    "/cases/<case_id>/transitions",
    "POST",
    summary="Ask to step a case up or down the continuum. An immediate-risk step-up to the statutory level takes effect "
    "at once (status approved, a manager confirms it afterwards); a step-down from the statutory level needs a receiving "
    "lead professional, who must accept, and the family's agreement; every other change waits for a manager",
    tag="Transitions",
    body=TransitionCreateSchema,
    response=TransitionSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def request_transition(case_id: str, body: dict[str, Any]) -> LevelTransition:
    return transitions.request_transition(db_session(), g.actor, case_id, **body)


@endpoint(
    "/cases/<case_id>/transitions",
    "GET",
    summary="The case's changes of level, oldest first",
    tag="Transitions",
    query=PageQuerySchema,
    response=TransitionPageSchema,
    errors=(401, 404),
)
def list_case_transitions(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    return page_of(transitions.list_transitions(db_session(), g.actor, case_id), query)


@endpoint("/transitions/<transition_id>", "GET", summary="Read a change of level", tag="Transitions", response=TransitionSchema)
def get_transition(transition_id: str) -> LevelTransition:
    return transitions.get_transition(db_session(), g.actor, transition_id)


@endpoint(
    "/transitions/<transition_id>/approve",
    "POST",
    summary="Approve a change of level (a manager of the owning team, not the requester); an immediate-risk step-up "
    "already in effect is confirmed afterwards",
    tag="Transitions",
    body=ApproveSchema,
    response=TransitionSchema,
    errors=(401, 403, 404, 409),
)
def approve_transition(transition_id: str, body: dict[str, Any]) -> LevelTransition:
    return transitions.decide_transition(
        db_session(), g.actor, transition_id, decision="approved", note=body["note"], version=body["version"]
    )


@endpoint(
    "/transitions/<transition_id>/reject",
    "POST",
    summary="Reject a pending change of level, saying why (a manager of the owning team, not the requester)",
    tag="Transitions",
    body=RejectSchema,
    response=TransitionSchema,
    errors=(401, 403, 404, 409),
)
def reject_transition(transition_id: str, body: dict[str, Any]) -> LevelTransition:
    return transitions.decide_transition(
        db_session(), g.actor, transition_id, decision="rejected", note=body["note"], version=body["version"]
    )


@endpoint(
    "/transitions/<transition_id>/accept",
    "POST",
    summary="The receiving lead professional accepts a step-down from the statutory level (before a manager approves it)",
    tag="Transitions",
    response=TransitionSchema,
    errors=(401, 403, 404, 409),
)
def accept_transition(transition_id: str) -> LevelTransition:
    return transitions.accept_transfer(db_session(), g.actor, transition_id)


@endpoint(
    "/cases/<case_id>/close",
    "POST",
    summary="Close a case with a closure reason of the practice framework and a moving-on summary (the lead "
    "professional or a manager of the owning team); needs_met needs a final review first",
    tag="Cases",
    body=CloseSchema,
    response=CaseSchema,
    errors=(401, 403, 404, 409),
)
def close_case(case_id: str, body: dict[str, Any]) -> CaseView:
    case = services.close_case(db_session(), g.actor, case_id, reason=body["reason"], summary=body["summary"], version=body["version"])
    return CaseView(case)
