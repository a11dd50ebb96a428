"""Administration API: organisations and users (role admin)."""

from __future__ import annotations

from typing import Any

from casework.api import endpoint
from casework.auth import services as auth
from casework.auth.models import Organisation, User
from casework.auth.schemas import OrganisationCreateSchema, OrganisationSchema, UserCreateSchema, UserSchema
from casework.web.requests import db_session


@endpoint(
    "/organisations",
    "POST",
    summary="Create an organisation",
    tag="Administration",
    body=OrganisationCreateSchema,
    response=OrganisationSchema,
    status=201,
    roles=("admin",),
    errors=(401,),
)
def create_organisation(body: dict[str, Any]) -> Organisation:
    return auth.create_organisation(db_session(), body["name"], body["kind"])


@endpoint(
    "/organisations",
    "GET",
    summary="List organisations",
    tag="Administration",
    response=OrganisationSchema,
    many=True,
    roles=("admin",),
    errors=(401,),
)
def list_organisations() -> list[Organisation]:
    return auth.list_organisations(db_session())


@endpoint(
    "/users",
    "POST",
    summary="Create a user",
    tag="Administration",
    body=UserCreateSchema,
    response=UserSchema,
    status=201,
    roles=("admin",),
    errors=(401,),
)
def create_user(body: dict[str, Any]) -> User:
    return auth.create_user(
        db_session(),
        email=body["email"],
        name=body["name"],
        organisation_id=body["organisation_id"],
        roles=body["roles"],
        team=body.get("team"),
        password=body.get("password"),
    )
