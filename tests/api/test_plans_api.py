"""The Team Around the Family plan API of API.md, through HTTP only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from tests.assessment_world import submitted_assessment
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
def setup(session, world):  # type: ignore[no-untyped-def]
    lead = world.user(roles=("practitioner",), team="North")
    org = lead.organisation
    partner = world.user(roles=("practitioner",), team="Youth Service", org=org)
    stranger = world.user(roles=("practitioner",), team="South", org=org)
    family = world.family(lead)
    mum = world.person(lead, family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name="Mia", family_name="Quill", date_of_birth=date(2016, 4, 1))
    a = actor_for(lead)
    case = cases.create_case(session, a, family_id=family.id, level=3, source="request_for_support", reason="Worried")
    leads.assign_lead(session, a, case.id, user_id=lead.id)
    submitted_assessment(session, lead, case.id)
    consent.add_team_member(session, a, case.id, user_id=partner.id, role_in_team="Youth worker")
    return {
        "lead": lead,
        "case": case,
        "mum": mum,
        "child": child,
        "h": bearer(session, lead),
        "hp": bearer(session, partner),
        "hs": bearer(session, stranger),
    }


def test_plans_api_journey_to_closure_with_needs_met(client, setup):
    s, h = setup, setup["h"]
    case_id = s["case"].id
    _error(client.get(f"{API}/cases/{case_id}/plan", headers=h), 404, "not_found")
    plan = _ok(client.post(f"{API}/cases/{case_id}/plan", json={"contingency": "Call the hub", "analysis": "Internal"}, headers=h), 201)
    assert plan["next_review_on"] and plan["outcomes"] == [] and plan["contingency"] == "Call the hub"
    assert _ok(client.get(f"{API}/cases/{case_id}", headers=h))["status"] == "plan"
    _error(client.post(f"{API}/cases/{case_id}/plan", json={}, headers=h), 409, "conflict")

    body = {"person_ids": [s["child"].id], "need": "School", "what_better_looks_like": "Mia at school every day", "baseline_score": 3}
    outcome = _ok(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body, headers=h), 201)
    bad = _error(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body | {"baseline_score": 11}, headers=h), 422, "validation_failed")
    assert set(bad["fields"]) == {"baseline_score"}
    _error(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body | {"baseline_score": "3"}, headers=h), 422, "validation_failed")

    due = (date.today() + timedelta(days=2)).isoformat()
    action_body = {"outcome_id": outcome["id"], "description": "Walk to school", "owner_person_id": s["mum"].id, "due_on": due}
    action = _ok(client.post(f"{API}/plans/{plan['id']}/actions", json=action_body, headers=h), 201)
    assert action["status"] == "not_started" and action["rag"] == "amber"
    both = action_body | {"owner_user_id": s["lead"].id}
    assert "owner" in _error(client.post(f"{API}/plans/{plan['id']}/actions", json=both, headers=h), 422, "validation_failed")["fields"]
    moved = _ok(client.patch(f"{API}/actions/{action['id']}", json={"version": action["version"], "status": "done"}, headers=h))
    assert moved["rag"] == "none" and moved["version"] == action["version"] + 1
    _error(
        client.patch(f"{API}/actions/{action['id']}", json={"version": action["version"], "status": "done"}, headers=h),
        409,
        "stale_version",
    )

    review = {
        "held_on": date.today().isoformat(),
        "attendees": [s["lead"].id, s["mum"].id],
        "apologies": [s["child"].id],
        "scores": [{"outcome_id": outcome["id"], "score": 6}],
        "conclusion": "better",
        "summary": "Good progress",
    }
    held = _ok(client.post(f"{API}/plans/{plan['id']}/reviews", json=review, headers=h), 201)
    assert held["attendance"][s["child"].id] == "apologies" and held["next_review_on"] and not held["final"]
    _error(
        client.post(f"{API}/cases/{case_id}/close", json={"reason": "needs_met", "summary": "Moving on"}, headers=h),
        409,
        "invalid_transition",
    )
    _ok(
        client.post(
            f"{API}/plans/{plan['id']}/reviews",
            json=review | {"final": True, "scores": [{"outcome_id": outcome["id"], "score": 9}]},
            headers=h,
        ),
        201,
    )
    reviews = _ok(client.get(f"{API}/plans/{plan['id']}/reviews", headers=h))
    assert reviews["total"] == 2 and [r["final"] for r in reviews["items"]] == [False, True]
    assert _ok(client.get(f"{API}/plans/{plan['id']}/outcomes", headers=h))["items"][0]["latest_score"] == 9
    closed = _ok(client.post(f"{API}/cases/{case_id}/close", json={"reason": "needs_met", "summary": "Mia is settled"}, headers=h))
    assert closed["status"] == "closed"
    _error(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body, headers=h), 409, "invalid_transition")


def test_plans_api_partners_read_and_strangers_see_nothing(client, setup):
    s, h = setup, setup["h"]
    plan = _ok(client.post(f"{API}/cases/{s['case'].id}/plan", json={}, headers=h), 201)
    assert _ok(client.get(f"{API}/cases/{s['case'].id}/plan", headers=s["hp"]))["id"] == plan["id"]
    body = {"person_ids": [s["child"].id], "need": "School", "what_better_looks_like": "School", "baseline_score": 3}
    _error(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body, headers=s["hp"]), 403, "forbidden")
    for url in (
        f"/cases/{s['case'].id}/plan",
        f"/plans/{plan['id']}/outcomes",
        f"/plans/{plan['id']}/actions",
        f"/plans/{plan['id']}/reviews",
    ):
        _error(client.get(API + url, headers=s["hs"]), 404, "not_found")
    _error(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body, headers=s["hs"]), 404, "not_found")
    _error(client.patch(f"{API}/actions/nope", json={"version": 1, "status": "done"}, headers=h), 404, "not_found")
    _error(client.post(f"{API}/plans/{plan['id']}/reviews", json={"held_on": "not a date"}, headers=h), 422, "validation_failed")


def test_plans_api_internal_fields_are_for_the_owning_team_only(client, setup):
    """The practitioners' analysis, a review's internal notes and an action's note are the owning
    team's: a partner reading the plan gets them as null, through every route that shows them."""
    s, h = setup, setup["h"]
    plan = _ok(client.post(f"{API}/cases/{s['case'].id}/plan", json={"analysis": "Internal view"}, headers=h), 201)
    body = {"person_ids": [s["child"].id], "need": "School", "what_better_looks_like": "School", "baseline_score": 3}
    outcome = _ok(client.post(f"{API}/plans/{plan['id']}/outcomes", json=body, headers=h), 201)
    due = (date.today() + timedelta(days=5)).isoformat()
    action = {"outcome_id": outcome["id"], "description": "Walk to school", "owner_person_id": s["mum"].id, "due_on": due}
    action = _ok(client.post(f"{API}/plans/{plan['id']}/actions", json=action, headers=h), 201)
    noted = {"version": action["version"], "status": "in_progress", "note": "Internal action note"}
    assert _ok(client.patch(f"{API}/actions/{action['id']}", json=noted, headers=h))["note"] == "Internal action note"
    review = {
        "held_on": date.today().isoformat(),
        "attendees": [s["lead"].id],
        "scores": [{"outcome_id": outcome["id"], "score": 5}],
        "conclusion": "same",
        "summary": "Steady",
        "internal_notes": "Internal review notes",
    }
    _ok(client.post(f"{API}/plans/{plan['id']}/reviews", json=review, headers=h), 201)
    mine = _ok(client.get(f"{API}/cases/{s['case'].id}/plan", headers=h))
    assert mine["analysis"] == "Internal view" and mine["reviews"][0]["internal_notes"] == "Internal review notes"
    assert mine["actions"][0]["note"] == "Internal action note"
    theirs = _ok(client.get(f"{API}/cases/{s['case'].id}/plan", headers=s["hp"]))
    assert theirs["analysis"] is None and theirs["reviews"][0]["internal_notes"] is None and theirs["actions"][0]["note"] is None
    assert theirs["reviews"][0]["summary"] == "Steady"
    for url in (f"/plans/{plan['id']}/reviews", f"/plans/{plan['id']}/actions"):
        text = client.get(API + url, headers=s["hp"]).get_data(as_text=True)
        assert "Internal" not in text, url
