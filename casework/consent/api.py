"""Consent and information sharing API (API.md "Consent and information sharing").

Every operation goes through the consent services, which ask the access policy first: a case the
caller may not see is 404; a case they see without owning it (a Team Around the Family member of
another organisation) is 403 for the owning team's records (consent, membership). Decisions to
share without consent are for a manager of the owning team or a safeguarding lead who can see
the case; the service says so with 403.

Decisions written into the OpenAPI document:
- Removing a Team Around the Family member answers 200 with the membership, ``removed_at`` set
  (nothing is deleted: the history of who was in the team stays).
- ``GET /cases/{id}/viewers`` lists the owning team's practitioners and managers and the TAF
  members, each with the basis of their access (null: in the team, but no sharing basis covers
  their organisation) and the ids of people whose own details are withheld from them.
- ``GET /reports/share-without-consent`` lists the decisions to share without consent that the
  caller oversees (ig_officer: all; manager: cases of the teams they manage; safeguarding lead:
  cases owned by their organisation's teams), soonest review date first, each with its state
  (active, review_due, lapsed); reading it is audited.
- ``POST /safeguarding/known`` is for safeguarding leads only (403 for everyone else); it
  answers yes or no and, when yes, the lead professional's contact, and the question is audited.
"""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema, page_of
from casework.consent import report, services, visibility
from casework.consent.models import Consent, ShareWithoutConsent, TeamMember
from casework.consent.schemas import (
    ConsentCreateSchema,
    ConsentPageSchema,
    ConsentSchema,
    KnownAnswerSchema,
    KnownQuerySchema,
    OverrideCreateSchema,
    OverridePageSchema,
    OverrideReportPageSchema,
    OverrideReportQuerySchema,
    OverrideSchema,
    TeamMemberCreateSchema,
    TeamMemberPageSchema,
    TeamMemberSchema,
    ViewerPageSchema,
)
from casework.web.requests import db_session

_HOW = {"owning team": "owning_team", "Team Around the Family": "team_around_the_family"}


@endpoint(
    "/cases/<case_id>/consents",
    "POST",
    summary="Record a consent decision (the owning team). Appended to the history, never overwriting it; who may see "
    "the case follows at once. A child under 16 deciding for themself needs competent=true; deciding for someone "
    "else needs parental responsibility",
    tag="Consent",
    body=ConsentCreateSchema,
    response=ConsentSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def record_consent(case_id: str, body: dict[str, Any]) -> Consent:
    """403: the caller sees the case without owning it; 409: the case is closed."""
    return services.record_consent(db_session(), g.actor, case_id, **body)


@endpoint(
    "/cases/<case_id>/consents",
    "GET",
    summary="The case's consent history, oldest first: every decision ever recorded (records about people withheld "
    "from the caller are left out)",
    tag="Consent",
    query=PageQuerySchema,
    response=ConsentPageSchema,
    errors=(401, 404),
)
def list_consents(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    return page_of(services.list_consents(db_session(), g.actor, case_id), query)


@endpoint(
    "/cases/<case_id>/share-without-consent",
    "POST",
    summary="Record a decision to share without consent (a manager of the owning team, or a safeguarding lead who can "
    "see the case): with whom, the lawful basis, why, and when it must be reviewed. It grants the organisations "
    "access at once, notifies the owning team's managers, and is audited and reported",
    tag="Consent",
    body=OverrideCreateSchema,
    response=OverrideSchema,
    status=201,
    errors=(401, 403, 404),
)
def record_override(case_id: str, body: dict[str, Any]) -> ShareWithoutConsent:
    return services.record_override(db_session(), g.actor, case_id, **body)


@endpoint(
    "/cases/<case_id>/share-without-consent",
    "GET",
    summary="The case's decisions to share without consent, oldest first (expired ones included)",
    tag="Consent",
    query=PageQuerySchema,
    response=OverridePageSchema,
    errors=(401, 404),
)
def list_overrides(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    return page_of(services.list_overrides(db_session(), g.actor, case_id), query)


@endpoint(
    "/reports/share-without-consent",
    "GET",
    summary="Decisions to share without consent for review: every one the caller oversees (ig_officer: all; manager: "
    "cases of the teams they manage; safeguarding lead: cases owned by their organisation's teams), soonest review "
    "date first, with its state. Audited",
    tag="Consent",
    query=OverrideReportQuerySchema,
    response=OverrideReportPageSchema,
    roles=report.REPORT_ROLES,
    errors=(401, 403),
)
def share_without_consent_report(query: dict[str, Any]) -> dict[str, Any]:
    rows = report.share_without_consent_report(db_session(), g.actor, state=query.pop("state"))
    return page_of(rows, query)


@endpoint(
    "/cases/<case_id>/team-members",
    "POST",
    summary="Add a practitioner (of any organisation) or a family member to the Team Around the Family (the owning "
    "team). Membership alone shows another organisation nothing: a sharing basis for it is needed too",
    tag="Team Around the Family",
    body=TeamMemberCreateSchema,
    response=TeamMemberSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def add_team_member(case_id: str, body: dict[str, Any]) -> TeamMember:
    """409: the case is closed, or they are already in the team."""
    return services.add_team_member(db_session(), g.actor, case_id, **body)


@endpoint(
    "/cases/<case_id>/team-members",
    "GET",
    summary="The current members of the Team Around the Family, in the order they joined",
    tag="Team Around the Family",
    query=PageQuerySchema,
    response=TeamMemberPageSchema,
    errors=(401, 404),
)
def list_team_members(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    return page_of(services.list_team_members(db_session(), g.actor, case_id), query)


@endpoint(
    "/cases/<case_id>/team-members/<member_id>",
    "DELETE",
    summary="Remove a member from the Team Around the Family (the owning team). Answers 200 with the membership, "
    "removed_at set: the record is kept, and the member's access through it ends on their next request",
    tag="Team Around the Family",
    response=TeamMemberSchema,
    errors=(401, 403, 404),
)
def remove_team_member(case_id: str, member_id: str) -> TeamMember:
    """404 also for a member of another case, or one already removed."""
    return services.remove_team_member(db_session(), g.actor, case_id, member_id)


@endpoint(
    "/cases/<case_id>/viewers",
    "GET",
    summary="Who can see this case and why: the owning team's practitioners and managers and the Team Around the Family "
    "members, each with the basis of their access (null: no sharing basis covers them) and the people withheld from them",
    tag="Consent",
    query=PageQuerySchema,
    response=ViewerPageSchema,
    errors=(401, 404),
)
def list_viewers(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    _, viewers = visibility.who_can_see(db_session(), g.actor, case_id)
    rows = [
        {
            "user_id": v.user.id,
            "name": v.user.name,
            "organisation": v.organisation,
            "how": _HOW.get(v.how, v.how),
            "basis": v.basis,
            "withheld_person_ids": list(v.withheld_ids),
        }
        for v in viewers
    ]
    return page_of(rows, query)


@endpoint(
    "/safeguarding/known",
    "POST",
    summary="Is this person known to early help? For safeguarding leads: yes or no and, when yes, the lead "
    "professional's contact; nothing else. Give a last name and date of birth, or an NHS number. Always audited",
    tag="Consent",
    body=KnownQuerySchema,
    response=KnownAnswerSchema,
    roles=("safeguarding_lead",),
    errors=(401,),
)
def known_to_early_help(body: dict[str, Any]) -> dict[str, Any]:
    answer = visibility.known_to_early_help(db_session(), g.actor, **body)
    result: dict[str, Any] = {"known": answer.known}
    if answer.known:
        result["lead_professional"] = {"name": answer.lead_professional, "email": answer.lead_email, "team": answer.team}
    return result
