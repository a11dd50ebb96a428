"""The cases API of API.md: the continuum end to end, and every rule's refusal, through HTTP only."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.cases.models import Case, LeadAssignment, LevelTransition
from tests.conftest import bearer

API = "/api/v1"


def _error(response, status: int, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def _ok(response, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def _count(session, model, **where: Any) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(model).where(*(getattr(model, k) == v for k, v in where.items()))
    return int(session.scalar(query) or 0)


@pytest.fixture()
def north(session, world):  # type: ignore[no-untyped-def]
    """A team: two practitioners and two managers, a family, and a stranger in another team."""
    org = world.org()
    t = SimpleNamespace(
        p=world.user(roles=("practitioner",), team="North", org=org),
        c=world.user(roles=("practitioner",), team="North", org=org),
        m=world.user(roles=("manager",), team="North", org=org),
        m2=world.user(roles=("manager",), team="North", org=org),
        o=world.user(roles=("practitioner", "manager"), team="South", org=org),
    )
    t.family = world.family(t.p)
    for name in ("p", "c", "m", "m2", "o"):
        setattr(t, f"h{name}", bearer(session, getattr(t, name)))
    return t


def _open(client, t, level: int = 2, family_id: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"family_id": family_id or t.family.id, "level": level, "source": "request_for_support", "reason": "School is worried"}
    return _ok(client.post(f"{API}/cases", json=body, headers=t.hp), 201)  # type: ignore[no-any-return]


def _led(client, t, level: int = 2) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An open case that ``t.p`` leads."""
    case = _open(client, t, level)
    _ok(client.put(f"{API}/cases/{case['id']}/lead-professional", json={"user_id": t.p.id}, headers=t.hp))
    return case


def _state(client, t, case_id: str) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    case = _ok(client.get(f"{API}/cases/{case_id}", headers=t.hm))
    return case["status"], case["level"], case["lead_professional_id"], case["version"]


def _move(client, t, case_id: str, headers=None, **body: Any):  # type: ignore[no-untyped-def]
    body.setdefault("reason", "Needs have changed")
    return client.post(f"{API}/cases/{case_id}/transitions", json=body, headers=headers or t.hp)


def _at_statutory(client, t) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A case that ``t.p`` leads, stepped up to level 4 with immediate risk (confirmed by ``t.m``)."""
    case = _led(client, t, 3)
    up = _ok(_move(client, t, case["id"], to_level=4, immediate_risk=True, reason="Disclosure"), 201)
    _ok(client.post(f"{API}/transitions/{up['id']}/approve", json={}, headers=t.hm))
    return case, up


def test_cases_api_journey_across_the_continuum(client, session, north):
    t = north
    case = _open(client, t)
    assert {k: case[k] for k in ("family_id", "status", "level", "lead_professional_id", "version", "re_referral", "source")} == {
        "family_id": t.family.id,
        "status": "requested",
        "level": 2,
        "lead_professional_id": None,
        "version": 1,
        "re_referral": False,
        "source": "request_for_support",
    }
    assert case["opened_at"].endswith("+00:00") and case["assessment_due_on"] and case["reason"] == "School is worried"
    assert case["flags"] == {"assessment_overdue": False, "drift": False, "drift_reasons": []}
    cid = case["id"]

    led = _ok(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.p.id, "reason": "Allocated"}, headers=t.hp))
    assert led["lead_professional_id"] == t.p.id and led["handover"] is None

    up = _ok(_move(client, t, cid, to_level=4, immediate_risk=True, reason="Disclosure of harm"), 201)
    assert (up["status"], up["direction"], up["from_level"], up["to_level"], up["immediate_risk"]) == ("approved", "step_up", 2, 4, True)
    assert up["effective_at"] and up["decided_by_id"] is None
    assert _state(client, t, cid)[:2] == ("requested", 4)  # in effect at once, before any approval
    confirmed = _ok(client.post(f"{API}/transitions/{up['id']}/approve", json={"note": "Right call"}, headers=t.hm))
    assert (confirmed["status"], confirmed["decided_by_id"], confirmed["decision_note"]) == ("approved", t.m.id, "Right call")

    down = _ok(
        _move(client, t, cid, to_level=3, receiving_lead_id=t.c.id, family_agreement=True, handover_notes="Prefers texts"),
        201,
    )
    assert (down["status"], down["direction"], down["receiving_lead_id"], down["family_agreement"]) == (
        "pending",
        "step_down",
        t.c.id,
        True,
    )
    assert _state(client, t, cid)[1] == 4
    accepted = _ok(client.post(f"{API}/transitions/{down['id']}/accept", headers=t.hc))
    assert accepted["receiver_accepted_at"] and accepted["status"] == "pending"
    approved = _ok(client.post(f"{API}/transitions/{down['id']}/approve", json={"version": accepted["version"]}, headers=t.hm))
    assert approved["status"] == "approved" and approved["effective_at"]
    assert _state(client, t, cid)[1:3] == (3, t.c.id)

    closed = _ok(
        client.post(f"{API}/cases/{cid}/close", json={"reason": "stepped_down_to_universal", "summary": "Moving on well"}, headers=t.hc)
    )
    assert (closed["status"], closed["closure_reason"], closed["closure_summary"]) == (
        "closed",
        "stepped_down_to_universal",
        "Moving on well",
    )
    assert closed["closed_at"] and closed["closed_by_id"] == t.c.id

    history = _ok(client.get(f"{API}/cases/{cid}/lead-professionals", headers=t.hm))
    assert history["total"] == 2 and history["page"] == 1
    assert [(h["user_id"], h["user_name"], h["status"]) for h in history["items"]] == [
        (t.p.id, t.p.name, "ended"),
        (t.c.id, t.c.name, "current"),
    ]
    assert history["items"][0]["ended_at"] and history["items"][1]["reason"] == "Received on step-down"
    moves = _ok(client.get(f"{API}/cases/{cid}/transitions", headers=t.hp))
    assert [(m["id"], m["status"], m["to_level"]) for m in moves["items"]] == [(up["id"], "approved", 4), (down["id"], "approved", 3)]
    assert _ok(client.get(f"{API}/transitions/{down['id']}", headers=t.hp))["handover_notes"] == "Prefers texts"


def test_cases_api_handover_waits_for_the_receiver(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    offered = _ok(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.c.id, "reason": "Leave"}, headers=t.hp))
    assert offered["lead_professional_id"] == t.p.id
    assert (offered["handover"]["user_id"], offered["handover"]["status"]) == (t.c.id, "pending")
    _error(client.post(f"{API}/cases/{cid}/lead-professional/accept", headers=t.hm), 404, "not_found")  # not offered to them
    declined = _ok(client.post(f"{API}/cases/{cid}/lead-professional/decline", headers=t.hc))
    assert declined["status"] == "declined" and _state(client, t, cid)[2] == t.p.id
    _ok(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.c.id}, headers=t.hp))
    assert _ok(client.post(f"{API}/cases/{cid}/lead-professional/accept", headers=t.hc))["status"] == "current"
    assert _state(client, t, cid)[2] == t.c.id
    by_manager = _ok(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.p.id}, headers=t.hm))
    assert by_manager["lead_professional_id"] == t.p.id and by_manager["handover"] is None
    statuses = [h["status"] for h in _ok(client.get(f"{API}/cases/{cid}/lead-professionals", headers=t.hp))["items"]]
    assert statuses == ["ended", "declined", "ended", "current"]
    _error(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.p.id}, headers=t.hm), 409, "invalid_transition")
    error = _error(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.o.id}, headers=t.hm), 422, "validation_failed")
    assert list(error["fields"]) == ["user_id"]
    assert _state(client, t, cid)[2] == t.p.id


def test_cases_api_practitioner_cannot_decide_or_close_unless_lead(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    pending = _ok(_move(client, t, cid, to_level=3), 201)
    before = _state(client, t, cid)
    _error(client.post(f"{API}/transitions/{pending['id']}/approve", json={}, headers=t.hc), 403, "forbidden")
    _error(client.post(f"{API}/transitions/{pending['id']}/reject", json={"note": "No"}, headers=t.hp), 403, "forbidden")
    _error(client.post(f"{API}/cases/{cid}/close", json={"reason": "other", "summary": "x"}, headers=t.hc), 403, "forbidden")
    _error(client.post(f"{API}/transitions/{pending['id']}/accept", headers=t.hc), 403, "forbidden")  # not a step-down to receive
    assert _state(client, t, cid) == before
    assert _ok(client.get(f"{API}/transitions/{pending['id']}", headers=t.hp))["status"] == "pending"
    _error(client.post(f"{API}/cases/{cid}/close", json={"reason": "other", "summary": "x"}, headers=t.hp), 409, "invalid_transition")
    _ok(client.post(f"{API}/transitions/{pending['id']}/reject", json={"note": "Not yet"}, headers=t.hm))
    assert _ok(client.post(f"{API}/cases/{cid}/close", json={"reason": "other", "summary": "x"}, headers=t.hp))["status"] == "closed"


def test_cases_api_other_team_gets_404_on_every_case_route(client, session, north):
    t = north
    case = _led(client, t)
    cid = case["id"]
    move = _ok(_move(client, t, cid, to_level=3), 201)
    _ok(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.c.id}, headers=t.hp))
    before, rows = _state(client, t, cid), (_count(session, LevelTransition), _count(session, LeadAssignment))
    tid = move["id"]
    routes = [
        ("GET", f"/cases/{cid}", None),
        ("GET", f"/cases/{cid}/transitions", None),
        ("POST", f"/cases/{cid}/transitions", {"to_level": 1, "reason": "x"}),
        ("POST", f"/cases/{cid}/close", {"reason": "other", "summary": "x"}),
        ("PUT", f"/cases/{cid}/lead-professional", {"user_id": t.o.id}),
        ("GET", f"/cases/{cid}/lead-professionals", None),
        ("POST", f"/cases/{cid}/lead-professional/accept", None),
        ("POST", f"/cases/{cid}/lead-professional/decline", None),
        ("GET", f"/transitions/{tid}", None),
        ("POST", f"/transitions/{tid}/approve", {}),
        ("POST", f"/transitions/{tid}/reject", {"note": "x"}),
        ("POST", f"/transitions/{tid}/accept", None),
    ]
    for method, path, body in routes:
        _error(client.open(API + path, method=method, json=body, headers=t.ho), 404, "not_found")
        _error(
            client.open(API + path.replace(cid, "0" * 8).replace(tid, "0" * 8), method=method, json=body, headers=t.hp), 404, "not_found"
        )
    assert _state(client, t, cid) == before
    assert (_count(session, LevelTransition), _count(session, LeadAssignment)) == rows
    body = {"family_id": t.family.id, "level": 2, "source": "other", "reason": "x"}
    _error(client.post(f"{API}/cases", json=body, headers=t.ho), 404, "not_found")


def test_cases_api_no_change_of_level_on_a_closed_case(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    _ok(client.post(f"{API}/cases/{cid}/close", json={"reason": "family_disengaged", "summary": "No contact"}, headers=t.hp))
    _error(_move(client, t, cid, to_level=3), 409, "invalid_transition")
    _error(client.put(f"{API}/cases/{cid}/lead-professional", json={"user_id": t.c.id}, headers=t.hm), 409, "invalid_transition")
    _error(client.post(f"{API}/cases/{cid}/close", json={"reason": "other", "summary": "Again"}, headers=t.hm), 409, "invalid_transition")
    assert _count(session, LevelTransition, case_id=cid) == 0
    assert _state(client, t, cid)[:3] == ("closed", 2, t.p.id)


def test_cases_api_one_pending_change_at_a_time(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    _ok(_move(client, t, cid, to_level=3), 201)
    _error(_move(client, t, cid, to_level=1), 409, "invalid_transition")
    assert _count(session, LevelTransition, case_id=cid) == 1 and _state(client, t, cid)[1] == 2


def test_cases_api_decisions_happen_once(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    move = _ok(_move(client, t, cid, to_level=3), 201)
    _ok(client.post(f"{API}/transitions/{move['id']}/approve", headers=t.hm))
    before = _state(client, t, cid)
    _error(client.post(f"{API}/transitions/{move['id']}/approve", headers=t.hm2), 409, "invalid_transition")
    _error(client.post(f"{API}/transitions/{move['id']}/reject", json={"note": "No"}, headers=t.hm2), 409, "invalid_transition")
    assert _state(client, t, cid) == before
    again = _ok(client.get(f"{API}/transitions/{move['id']}", headers=t.hp))
    assert (again["status"], again["decided_by_id"]) == ("approved", t.m.id)
    own = _ok(_move(client, t, cid, headers=t.hm, to_level=2), 201)
    _error(client.post(f"{API}/transitions/{own['id']}/approve", headers=t.hm), 409, "invalid_transition")  # not their own request
    assert _ok(client.post(f"{API}/transitions/{own['id']}/approve", headers=t.hm2))["status"] == "approved"


def test_cases_api_immediate_risk_step_up_cannot_be_rejected(client, session, north):
    t = north
    case = _led(client, t)
    up = _ok(_move(client, t, case["id"], to_level=4, immediate_risk=True), 201)
    _error(client.post(f"{API}/transitions/{up['id']}/reject", json={"note": "Not needed"}, headers=t.hm), 409, "invalid_transition")
    assert _state(client, t, case["id"])[1] == 4
    assert _ok(client.get(f"{API}/transitions/{up['id']}", headers=t.hm))["decided_by_id"] is None
    _ok(client.post(f"{API}/transitions/{up['id']}/approve", json={}, headers=t.hm))
    _error(client.post(f"{API}/transitions/{up['id']}/approve", json={}, headers=t.hm2), 409, "invalid_transition")


def test_cases_api_step_down_waits_for_the_receiver(client, session, north):
    t = north
    case, _ = _at_statutory(client, t)
    error = _error(_move(client, t, case["id"], to_level=3), 422, "validation_failed")
    assert set(error["fields"]) == {"receiving_lead_id", "family_agreement"}
    down = _ok(_move(client, t, case["id"], to_level=3, receiving_lead_id=t.c.id, family_agreement=True), 201)
    _error(client.post(f"{API}/transitions/{down['id']}/approve", json={}, headers=t.hm), 409, "invalid_transition")
    _error(client.post(f"{API}/transitions/{down['id']}/accept", headers=t.hp), 403, "forbidden")  # not the receiver
    assert _state(client, t, case["id"])[1:3] == (4, t.p.id)
    assert _ok(client.get(f"{API}/transitions/{down['id']}", headers=t.hm))["status"] == "pending"


def test_cases_api_needs_met_needs_a_final_review(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    before = _state(client, t, cid)
    _error(
        client.post(f"{API}/cases/{cid}/close", json={"reason": "needs_met", "summary": "Done"}, headers=t.hp), 409, "invalid_transition"
    )
    error = _error(
        client.post(f"{API}/cases/{cid}/close", json={"reason": "bored", "summary": " "}, headers=t.hp), 422, "validation_failed"
    )
    assert set(error["fields"]) == {"reason", "summary"}
    assert _state(client, t, cid) == before


def test_cases_api_one_open_case_per_family(client, session, north):
    t = north
    _open(client, t)
    body = {"family_id": t.family.id, "level": 3, "source": "other", "reason": "Again"}
    _error(client.post(f"{API}/cases", json=body, headers=t.hm), 409, "invalid_transition")
    assert _count(session, Case, family_id=t.family.id) == 1


@pytest.mark.parametrize(
    ("level", "move", "field"),
    [
        (2, {"to_level": 9}, "to_level"),
        (2, {"to_level": 2}, "to_level"),
        (2, {"to_level": 3, "immediate_risk": True}, "immediate_risk"),
        (3, {"to_level": 1, "immediate_risk": True}, "immediate_risk"),
        (2, {"to_level": 3, "reason": "  "}, "reason"),
        (2, {"to_level": "3"}, "to_level"),
    ],
)
def test_cases_api_bad_change_of_level_is_422(client, session, north, level, move, field):
    t = north
    cid = _led(client, t, level)["id"]
    before = _state(client, t, cid)
    error = _error(_move(client, t, cid, **move), 422, "validation_failed")
    assert list(error["fields"]) == [field]
    assert _state(client, t, cid) == before and _count(session, LevelTransition, case_id=cid) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"level": 4}, {"level"}),
        ({"level": 9}, {"level"}),
        ({"source": "gossip"}, {"source"}),
        ({"reason": None}, {"reason"}),
        ({"reason": ""}, {"reason"}),
        ({"colour": "red"}, {"colour"}),
        ({"family_id": "../etc"}, {"family_id"}),
    ],
)
def test_cases_api_bad_new_case_is_422(client, session, north, body, fields):
    t = north
    error = _error(
        client.post(f"{API}/cases", json={"family_id": t.family.id, "level": 2, "source": "other", "reason": "x", **body}, headers=t.hp),
        422,
        "validation_failed",
    )
    assert set(error["fields"]) == fields
    assert _count(session, Case) == 0


def test_cases_api_missing_fields_are_named(client, session, north):
    t = north
    error = _error(client.post(f"{API}/cases", json={"family_id": t.family.id, "level": 2}, headers=t.hp), 422, "validation_failed")
    assert set(error["fields"]) == {"source", "reason"}
    cid = _led(client, t)["id"]
    assert set(_error(_move(client, t, cid, reason=None), 422, "validation_failed")["fields"]) == {"reason", "to_level"}
    move = _ok(_move(client, t, cid, to_level=3), 201)
    error = _error(client.post(f"{API}/transitions/{move['id']}/reject", json={}, headers=t.hm), 422, "validation_failed")
    assert list(error["fields"]) == ["note"]
    error = _error(client.post(f"{API}/cases/{cid}/close", json={"summary": "x"}, headers=t.hp), 422, "validation_failed")
    assert list(error["fields"]) == ["reason"]
    error = _error(client.put(f"{API}/cases/{cid}/lead-professional", json={"reason": "x"}, headers=t.hm), 422, "validation_failed")
    assert list(error["fields"]) == ["user_id"]


def test_cases_api_stale_version_is_409(client, session, north):
    t = north
    case = _led(client, t)
    cid = case["id"]
    before = _state(client, t, cid)
    stale = {"reason": "other", "summary": "x", "version": case["version"]}  # read before the lead was assigned
    _error(client.post(f"{API}/cases/{cid}/close", json=stale, headers=t.hp), 409, "stale_version")
    assert _state(client, t, cid) == before
    move = _ok(_move(client, t, cid, to_level=3), 201)
    _error(client.post(f"{API}/transitions/{move['id']}/approve", json={"version": 99}, headers=t.hm), 409, "stale_version")
    assert _ok(client.get(f"{API}/transitions/{move['id']}", headers=t.hm))["status"] == "pending"
    assert _state(client, t, cid) == before


def test_cases_api_malformed_and_unknown_input(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    bad = '{"to_level": 3, '
    _error(client.post(f"{API}/cases/{cid}/transitions", data=bad, content_type="application/json", headers=t.hp), 400, "malformed")
    _error(client.post(f"{API}/cases", data="level=2", content_type="text/plain", headers=t.hp), 400, "malformed")
    error = _error(_move(client, t, cid, to_level=3, urgency="high"), 422, "validation_failed")
    assert list(error["fields"]) == ["urgency"]
    _error(client.post(f"{API}/cases/{cid}/close", json=["other"], headers=t.hp), 422, "validation_failed")
    _error(client.get(f"{API}/cases/%00", headers=t.hp), 404, "not_found")
    _error(client.get(f"{API}/transitions/%00", headers=t.hp), 404, "not_found")
    assert _count(session, LevelTransition) == 0 and _state(client, t, cid)[0] == "requested"


def test_cases_api_re_referral_links_the_previous_case(client, session, north):
    t = north
    first = _led(client, t)
    _ok(client.post(f"{API}/cases/{first['id']}/close", json={"reason": "moved_out_of_area", "summary": "Moved"}, headers=t.hp))
    again = _open(client, t, 3)
    assert (again["re_referral"], again["previous_case_id"], again["level"]) == (True, first["id"], 3)
    family = _ok(client.post(f"{API}/families", json={}, headers=t.hp), 201)
    fresh = _open(client, t, family_id=family["id"])
    assert (fresh["re_referral"], fresh["previous_case_id"]) == (False, None)


def test_cases_api_pending_change_cannot_land_after_an_immediate_step_up(client, session, north):
    t = north
    cid = _led(client, t)["id"]
    pending = _ok(_move(client, t, cid, to_level=3), 201)
    _ok(_move(client, t, cid, to_level=4, immediate_risk=True, reason="Disclosure"), 201)
    # The overtaken change is closed off at once, with the reason, and can no longer land.
    overtaken = _ok(client.get(f"{API}/transitions/{pending['id']}", headers=t.hm))
    assert (overtaken["status"], overtaken["decision_note"]) == ("rejected", "Overtaken by an immediate-risk step-up")
    _error(client.post(f"{API}/transitions/{pending['id']}/approve", json={}, headers=t.hm), 409, "invalid_transition")
    assert _state(client, t, cid)[1] == 4


def test_cases_api_list_filters_and_pagination(client, session, world, north):
    t = north
    families = [_ok(client.post(f"{API}/families", json={}, headers=t.hp), 201)["id"] for _ in range(3)]
    led = _led(client, t)
    at_three = _open(client, t, 3, family_id=families[0])
    _ok(client.put(f"{API}/cases/{at_three['id']}/lead-professional", json={"user_id": t.c.id}, headers=t.hm))
    closed = _open(client, t, family_id=families[1])
    _ok(client.post(f"{API}/cases/{closed['id']}/close", json={"reason": "other", "summary": "x"}, headers=t.hm))
    requested = _open(client, t, family_id=families[2])
    south = world.family(t.o)
    hidden = _ok(client.post(f"{API}/cases", json={"family_id": south.id, "level": 2, "source": "other", "reason": "x"}, headers=t.ho), 201)

    def ids(query: str, headers=None) -> list[str]:  # type: ignore[no-untyped-def]
        body = _ok(client.get(f"{API}/cases{query}", headers=headers or t.hp))
        assert body["total"] == len(body["items"])
        return [c["id"] for c in body["items"]]

    everything = ids("")
    assert set(everything) == {led["id"], at_three["id"], closed["id"], requested["id"]}
    assert hidden["id"] not in everything + ids("", t.hm) and ids("", t.ho) == [hidden["id"]]
    assert ids("?status=closed") == [closed["id"]]
    assert ids("?status=&level=") == everything
    assert ids("?level=3") == [at_three["id"]]
    assert ids(f"?lead_professional_id={t.c.id}") == [at_three["id"]]
    assert ids(f"?lead_professional_id={t.o.id}") == []
    assert set(ids(f"?team={led['owning_team']}&status=requested")) == {led["id"], at_three["id"], requested["id"]}
    assert ids(f"?team={hidden['owning_team']}") == []
    first = _ok(client.get(f"{API}/cases?per_page=3", headers=t.hp))
    second = _ok(client.get(f"{API}/cases?per_page=3&page=2", headers=t.hp))
    assert (first["total"], first["per_page"], len(first["items"]), second["page"], len(second["items"])) == (4, 3, 3, 2, 1)
    assert [c["id"] for c in first["items"] + second["items"]] == everything
    for query, field in [("?status=open", "status"), ("?level=x", "level"), ("?per_page=500", "per_page"), ("?colour=red", "colour")]:
        assert list(_error(client.get(f"{API}/cases{query}", headers=t.hp), 422, "validation_failed")["fields"]) == [field]
    history = _ok(client.get(f"{API}/cases/{led['id']}/lead-professionals?per_page=1&page=2", headers=t.hp))
    assert (history["total"], history["items"]) == (1, [])


def test_cases_api_every_route_is_in_the_openapi_document(client):
    doc = client.get(f"{API}/openapi.json").json
    expected = {
        ("/cases", "post"): {"201", "401", "404", "409", "422"},
        ("/cases", "get"): {"200", "401", "422"},
        ("/cases/{case_id}", "get"): {"200", "401", "404"},
        ("/cases/{case_id}/lead-professional", "put"): {"200", "401", "403", "404", "409", "422"},
        ("/cases/{case_id}/lead-professionals", "get"): {"200", "401", "404"},
        ("/cases/{case_id}/lead-professional/accept", "post"): {"200", "401", "404", "409"},
        ("/cases/{case_id}/lead-professional/decline", "post"): {"200", "401", "404", "409"},
        ("/cases/{case_id}/transitions", "post"): {"201", "401", "403", "404", "409", "422"},
        ("/cases/{case_id}/transitions", "get"): {"200", "401", "404"},
        ("/transitions/{transition_id}", "get"): {"200", "401", "404"},
        ("/transitions/{transition_id}/approve", "post"): {"200", "401", "403", "404", "409", "422"},
        ("/transitions/{transition_id}/reject", "post"): {"200", "401", "403", "404", "409", "422"},
        ("/transitions/{transition_id}/accept", "post"): {"200", "401", "403", "404", "409"},
        ("/cases/{case_id}/close", "post"): {"200", "401", "403", "404", "409", "422"},
    }
    for (path, method), codes in expected.items():
        operation = doc["paths"][path][method]
        assert codes <= set(operation["responses"]), (path, method)
        assert operation["summary"] and operation["security"] == [{"bearer": []}]
    schemas = doc["components"]["schemas"]
    assert {"CaseCreate", "Case", "CasePage", "LeadChange", "LeadAssignment", "TransitionCreate", "Transition", "Close"} <= set(schemas)
    assert schemas["CaseCreate"]["properties"]["source"]["enum"] == ["request_for_support", "step_down_from_social_care", "other"]
    assert set(schemas["CaseCreate"]["required"]) == {"family_id", "level", "source", "reason"}
    assert "handover" in schemas["LeadChange"]["properties"]
