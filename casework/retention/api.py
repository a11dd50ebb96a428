"""JSON routes for the information governance team: restrictions, legal holds, retention due."""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema, page_of
from casework.db import today
from casework.retention import services
from casework.retention.schemas import (
    HoldCreateSchema,
    HoldPageSchema,
    HoldSchema,
    LiftSchema,
    RestrictionCreateSchema,
    RestrictionPageSchema,
    RestrictionSchema,
    RetentionStatePageSchema,
)
from casework.web.requests import db_session

IG = ("ig_officer",)
TAG = "Data protection"


@endpoint(
    "/families/<family_id>/restrictions",
    "POST",
    summary="Restrict processing of a family's information, or one person's (UK GDPR Art 18)",
    tag=TAG,
    body=RestrictionCreateSchema,
    response=RestrictionSchema,
    status=201,
    roles=IG,
    errors=(401, 404, 409),
)
def restrict(family_id: str, body: dict[str, Any]) -> Any:
    return services.set_restriction(db_session(), g.actor, family_id, reason=body["reason"], person_id=body["person_id"])


@endpoint(
    "/families/<family_id>/restrictions",
    "GET",
    summary="The family's restrictions of processing, lifted ones included",
    tag=TAG,
    query=PageQuerySchema,
    response=RestrictionPageSchema,
    roles=IG,
)
def list_restrictions(family_id: str, query: dict[str, Any]) -> Any:
    return page_of(services.data_protection_view(db_session(), g.actor, family_id).restrictions, query)


@endpoint(
    "/restrictions/<restriction_id>/lift",
    "POST",
    summary="Lift a restriction of processing (its record stays)",
    tag=TAG,
    body=LiftSchema,
    response=RestrictionSchema,
    roles=IG,
    errors=(401, 404, 409),
)
def lift_restriction(restriction_id: str, body: dict[str, Any]) -> Any:
    return services.lift_restriction(db_session(), g.actor, restriction_id, reason=body["reason"], version=body["version"])


@endpoint(
    "/families/<family_id>/legal-holds",
    "POST",
    summary="Place a legal hold: the family's records are not disposed of while it stands",
    tag=TAG,
    body=HoldCreateSchema,
    response=HoldSchema,
    status=201,
    roles=IG,
    errors=(401, 404, 409),
)
def place_legal_hold(family_id: str, body: dict[str, Any]) -> Any:
    return services.set_hold(db_session(), g.actor, family_id, reason=body["reason"])


@endpoint(
    "/families/<family_id>/legal-holds",
    "GET",
    summary="The family's legal holds, lifted ones included",
    tag=TAG,
    query=PageQuerySchema,
    response=HoldPageSchema,
    roles=IG,
)
def list_legal_holds(family_id: str, query: dict[str, Any]) -> Any:
    return page_of(services.data_protection_view(db_session(), g.actor, family_id).holds, query)


@endpoint(
    "/legal-holds/<hold_id>/lift",
    "POST",
    summary="Lift a legal hold (its record stays)",
    tag=TAG,
    body=LiftSchema,
    response=HoldSchema,
    roles=IG,
    errors=(401, 404, 409),
)
def lift_legal_hold(hold_id: str, body: dict[str, Any]) -> Any:
    return services.lift_hold(db_session(), g.actor, hold_id, reason=body["reason"], version=body["version"])


@endpoint(
    "/retention/due",
    "GET",
    summary="Families past their retention date: due for disposal, or kept by a legal hold or a restriction (ids and dates only)",
    tag=TAG,
    query=PageQuerySchema,
    response=RetentionStatePageSchema,
    roles=IG,
    errors=(401,),
)
def retention_due(query: dict[str, Any]) -> Any:
    return page_of(services.due(db_session(), g.actor, today()), query)
