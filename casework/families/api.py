"""Families and people API (API.md "Families and people")."""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema
from casework.families import services
from casework.families.models import Family, Person
from casework.families.schemas import (
    FamilyCreateSchema,
    FamilyPageSchema,
    FamilySchema,
    MemberCreateSchema,
    PeopleSearchQuerySchema,
    PersonPageSchema,
    PersonSchema,
)
from casework.web.requests import db_session

CASE_ROLES = ("practitioner", "manager")


@endpoint(
    "/families",
    "POST",
    summary="Create a family (household)",
    tag="Families",
    body=FamilyCreateSchema,
    response=FamilySchema,
    status=201,
    roles=CASE_ROLES,
    errors=(401,),
)
def create_family(body: dict[str, Any]) -> Family:
    return services.create_family(
        db_session(), g.actor, address_line_1=body["address_line_1"], postcode=body["postcode"], note=body["note"], team_id=body["team"]
    )


@endpoint(
    "/families",
    "GET",
    summary="List the families the caller may see",
    tag="Families",
    query=PageQuerySchema,
    response=FamilyPageSchema,
    roles=CASE_ROLES,
    errors=(401,),
)
def list_families(query: dict[str, Any]) -> dict[str, Any]:
    page = services.list_families(db_session(), g.actor, page=query["page"], per_page=query["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@endpoint("/families/<family_id>", "GET", summary="Read a family", tag="Families", response=FamilySchema)
def get_family(family_id: str) -> Family:
    return services.get_family(db_session(), g.actor, family_id)


@endpoint(
    "/families/<family_id>/members",
    "POST",
    summary="Add a person to a family",
    tag="Families",
    body=MemberCreateSchema,
    response=PersonSchema,
    status=201,
)
def add_member(family_id: str, body: dict[str, Any]) -> Person:
    return services.add_member(db_session(), g.actor, family_id, **body)


def _all(items: list[Person], per_page: int) -> dict[str, Any]:
    return {"items": items, "page": 1, "per_page": per_page, "total": len(items)}


@endpoint(
    "/families/<family_id>/members",
    "GET",
    summary="The people in a family (all of them, as one page)",
    tag="Families",
    response=PersonPageSchema,
)
def list_members(family_id: str) -> dict[str, Any]:
    return _all(services.list_members(db_session(), g.actor, family_id), 200)


@endpoint(
    "/people/search",
    "GET",
    summary="Exact-match search over encrypted data (last name, last name and date of birth, or NHS number); at most 50 hits",
    tag="Families",
    query=PeopleSearchQuerySchema,
    response=PersonPageSchema,
    errors=(401,),
)
def search_people(query: dict[str, Any]) -> dict[str, Any]:
    return _all(services.search_people(db_session(), g.actor, **query), 50)
