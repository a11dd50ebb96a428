"""Corrections and statements of disagreement through the API."""

from __future__ import annotations

import pytest

from tests.assessment_world import assessment_world, share_with_health, submitted_assessment
from tests.conftest import bearer

API = "/api/v1"


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    t = assessment_world(session, world)
    share_with_health(session, t)
    t.assessment = submitted_assessment(session, t.lead, t.case.id)
    session.commit()
    return t


def test_corrections_api_keeps_the_history(client, session, t):
    h = bearer(session, t.lead)
    url = f"{API}/people/{t.mother.id}/corrections"
    made = client.post(url, json={"field": "family_name", "value": "Quill-Smith", "reason": "Married"}, headers=h)
    assert made.status_code == 201, made.json
    assert made.json["old_value"] == "Quill" and made.json["new_value"] == "Quill-Smith" and made.json["recorded_by_id"] == t.lead.id
    family = client.post(
        f"{API}/families/{t.family.id}/corrections", json={"field": "address_line_1", "value": "2 New Road", "reason": "Moved"}, headers=h
    )
    assert family.status_code == 201
    listed = client.get(url, headers=h).json
    assert listed["total"] == 2 and {c["field"] for c in listed["items"]} == {"family_name", "address_line_1"}
    paged = client.get(url, query_string={"per_page": 1, "page": 2}, headers=h).json  # API.md's paging, as every list
    assert paged["total"] == 2 and paged["per_page"] == 1 and len(paged["items"]) == 1
    assert client.get(url, query_string={"per_page": 500}, headers=h).status_code == 422
    member = client.get(f"{API}/families/{t.family.id}/members", headers=h).json["items"]
    assert {m["family_name"] for m in member if m["id"] == t.mother.id} == {"Quill-Smith"}


def test_corrections_api_refuses_partners_and_bad_input(client, session, t):
    url = f"{API}/people/{t.mother.id}/corrections"
    body = {"field": "family_name", "value": "X", "reason": "Because"}
    assert client.post(url, json=body, headers=bearer(session, t.hv)).status_code == 403
    assert client.post(url, json=body, headers=bearer(session, t.other_team)).status_code == 404
    h = bearer(session, t.lead)
    bad = client.post(url, json={"field": "role", "value": "child", "reason": "x"}, headers=h)
    assert bad.status_code == 422 and bad.json["error"]["fields"] == {"field": ["Choose a detail that can be corrected"]}
    missing = client.post(url, json={"field": "date_of_birth"}, headers=h)
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"value", "reason"}


def test_statement_of_disagreement_api(client, session, t):
    h = bearer(session, t.lead)
    url = f"{API}/people/{t.mother.id}/statements"
    body = {"record_type": "assessment", "record_id": t.assessment.id, "section_key": "analysis", "text": "That is not what happened."}
    made = client.post(url, json=body, headers=h)
    assert made.status_code == 201, made.json
    assert made.json["case_id"] == t.case.id and made.json["section_key"] == "analysis"
    wrong = client.post(url, json={**body, "section_key": f"development.{t.older.id}"}, headers=h)
    assert wrong.status_code == 422 and "opinion" in wrong.json["error"]["fields"]
    assert client.post(url, json=body, headers=bearer(session, t.hv)).status_code == 403
    assert client.get(url, headers=h).json["items"][0]["text"] == "That is not what happened."
