"""Audit API (API.md "Audit"): verifying the trail, and a case's events."""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema
from casework.audit import services
from casework.audit.schemas import AuditEventPageSchema, VerifySchema
from casework.web.requests import db_session


@endpoint(
    "/audit/verify",
    "GET",
    summary="Verify the whole audit trail without decrypting it: sequence, links, MACs, time order, every signed "
    "checkpoint, and that the database still holds everything the external checkpoints cover. first_failure names "
    "the first failing position",
    tag="Audit",
    response=VerifySchema,
    roles=("ig_officer",),
    errors=(401, 403),
)
def verify_trail() -> dict[str, Any]:
    result = services.verify(db_session())
    failure = None if result.failure is None else {"seq": result.failure.seq, "reason": result.failure.reason}
    body: dict[str, Any] = {"ok": result.ok, "events_checked": result.checked, "checkpoints_checked": result.checkpoints}
    if failure is not None:
        body["first_failure"] = failure
    return body


@endpoint(
    "/cases/<case_id>/audit",
    "GET",
    summary="The case's audit events, newest first, with their decrypted detail (managers for their teams' cases, "
    "information governance officers for every case). Reading it is audited",
    tag="Audit",
    query=PageQuerySchema,
    response=AuditEventPageSchema,
    roles=("manager", "ig_officer"),
    errors=(401, 403, 404),
)
def case_audit(case_id: str, query: dict[str, Any]) -> dict[str, Any]:
    items, total = services.case_events(db_session(), g.actor, case_id, query["page"], query["per_page"])
    return {"items": items, "page": query["page"], "per_page": query["per_page"], "total": total}
