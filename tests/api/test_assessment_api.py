"""The assessment API of API.md through HTTP: start, read, PATCH with version (409 on a stale
one, nothing lost), validation against the framework, submit, sign-off, return, partners."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from casework.assessments.models import Assessment
from casework.audit.models import AuditEvent
from tests.assessment_world import answers_for, assessment_world, share_with_health
from tests.conftest import bearer

API = "/api/v1"


def _ok(response, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def _error(response, status: int, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    return response.json["error"]  # type: ignore[no-any-return]


@pytest.fixture()
def t(client, session, world):  # type: ignore[no-untyped-def]
    t = assessment_world(session, world)
    for name in ("lead", "colleague", "manager", "other_team", "hv"):
        setattr(t, f"h_{name}", bearer(session, getattr(t, name)))
    return t


def test_create_assessment_returns_template_and_sections(client, t) -> None:  # type: ignore[no-untyped-def]
    body = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    assert body["status"] == "draft" and body["version"] >= 1 and body["sections"] == {} and body["number"] == 1
    assert {"key", "title", "person_id", "questions"} <= set(body["template"][0])
    assert {s["person_id"] for s in body["template"]} == {None, t.older.id, t.younger.id}
    assert set(body["section_status"].values()) == {"not_started"}
    listed = _ok(client.get(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead))
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    _error(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 409, "invalid_transition")


def test_create_assessment_without_agreement_is_422(client, session, world) -> None:  # type: ignore[no-untyped-def]
    t = assessment_world(session, world, agreement=False)
    error = _error(client.post(f"{API}/cases/{t.case.id}/assessments", headers=bearer(session, t.lead)), 422, "validation_failed")
    assert "consent" in error["fields"]


def test_two_editors_same_version_second_gets_409_and_nothing_is_lost(client, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    url = f"{API}/assessments/{a['id']}"
    first = _ok(client.patch(url, json={"version": a["version"], "sections": {"parents_view": {"view": "First editor"}}}, headers=t.h_lead))
    assert first["version"] > a["version"]
    second = client.patch(
        url, json={"version": a["version"], "sections": {"parents_view": {"view": "Second editor"}}}, headers=t.h_colleague
    )
    error = _error(second, 409, "stale_version")
    assert "reload" in error["message"].lower()
    now = _ok(client.get(url, headers=t.h_lead))
    assert now["sections"]["parents_view"] == {"view": "First editor"} and now["version"] == first["version"]
    _error(client.patch(url, json={"sections": {}}, headers=t.h_lead), 422, "validation_failed")  # version is required


def test_patch_validates_against_the_framework(client, t) -> None:  # type: ignore[no-untyped-def]
    a = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    bad = {"version": a["version"], "sections": {"analysis": {"recommended_level": "nine"}, "made_up": {"x": 1}}}
    error = _error(client.patch(f"{API}/assessments/{a['id']}", json=bad, headers=t.h_lead), 422, "validation_failed")
    assert set(error["fields"]) == {"sections.analysis.recommended_level", "sections.made_up"}
    error = _error(
        client.patch(f"{API}/assessments/{a['id']}", json={"version": a["version"], "sections": "x"}, headers=t.h_lead),
        422,
        "validation_failed",
    )


def test_submit_sign_off_and_read_only(client, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    url = f"{API}/assessments/{a['id']}"
    missing = _error(client.post(f"{url}/submit", json={}, headers=t.h_lead), 422, "validation_failed")
    assert f"sections.development.{t.older.id}.strengths" in missing["fields"]
    a = _ok(client.patch(url, json={"version": a["version"], "sections": answers_for(a["template"])}, headers=t.h_lead))
    _error(client.post(f"{url}/sign-off", json={}, headers=t.h_manager), 409, "invalid_transition")
    a = _ok(client.post(f"{url}/submit", json={"version": a["version"]}, headers=t.h_lead))
    assert a["status"] == "submitted"
    _error(client.post(f"{url}/sign-off", json={}, headers=t.h_lead), 403, "forbidden")
    _error(client.post(f"{url}/return", json={}, headers=t.h_manager), 422, "validation_failed")
    a = _ok(client.post(f"{url}/return", json={"comments": "More on Mia"}, headers=t.h_manager))
    assert a["status"] == "returned" and a["return_comments"] == "More on Mia"
    a = _ok(client.post(f"{url}/submit", json={}, headers=t.h_lead))
    a = _ok(client.post(f"{url}/sign-off", json={"version": a["version"]}, headers=t.h_manager))
    assert a["status"] == "signed_off" and a["decided_by_id"] == t.manager.id
    _error(client.patch(url, json={"version": a["version"], "sections": {}}, headers=t.h_lead), 409, "invalid_transition")
    again = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    assert again["number"] == 2 and again["previous_id"] == a["id"]
    assert _ok(client.get(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead))["total"] == 2


def test_partners_read_without_withheld_children_and_cannot_write(client, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _ok(client.post(f"{API}/cases/{t.case.id}/assessments", headers=t.h_lead), 201)
    _ok(
        client.patch(
            f"{API}/assessments/{a['id']}",
            json={"version": a["version"], "sections": answers_for(a["template"], "Kai says")},
            headers=t.h_lead,
        )
    )
    _error(client.get(f"{API}/assessments/{a['id']}", headers=t.h_hv), 404, "not_found")
    share_with_health(session, t, withhold=t.older)
    response = client.get(f"{API}/assessments/{a['id']}", headers=t.h_hv)
    body = _ok(response)
    assert t.older.id not in response.get_data(as_text=True)
    assert {s["person_id"] for s in body["template"]} == {None, t.younger.id}
    _error(
        client.patch(f"{API}/assessments/{a['id']}", json={"version": body["version"], "sections": {}}, headers=t.h_hv), 403, "forbidden"
    )
    _error(client.get(f"{API}/assessments/{a['id']}", headers=t.h_other_team), 404, "not_found")
    reads = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == a["id"], AuditEvent.action == "assessment.read")).all()
    assert [e.basis for e in reads] == ["consent"]
    assert session.get(Assessment, a["id"]) is not None
