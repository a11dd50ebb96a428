"""The audit API of API.md: a case's events for its team's managers and for information
governance, and verification of the whole trail for information governance."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import bearer

API = "/api/v1"


def _case(client, session, world):  # type: ignore[no-untyped-def]
    org = world.org()
    p = world.user(roles=("practitioner",), team="North", org=org)
    family = world.family(p)
    hp = bearer(session, p)
    body = {"family_id": family.id, "level": 2, "source": "request_for_support", "reason": "School is worried"}
    response = client.post(f"{API}/cases", json=body, headers=hp)
    assert response.status_code == 201, response.get_data(as_text=True)
    return org, p, response.json["id"]


def test_case_audit_for_managers_of_the_team_and_ig_newest_first(client, session, world):  # type: ignore[no-untyped-def]
    org, p, case_id = _case(client, session, world)
    client.get(f"{API}/cases/{case_id}", headers=bearer(session, p))
    manager = bearer(session, world.user(roles=("manager",), team="North", org=org))
    ig = bearer(session, world.user(roles=("ig_officer",), team=None, org=org))
    other_manager = bearer(session, world.user(roles=("manager",), team="South", org=org))
    practitioner = bearer(session, p)

    body = client.get(f"{API}/cases/{case_id}/audit", headers=manager).json
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs, reverse=True) and body["total"] == len(seqs) >= 2
    actions = {item["action"] for item in body["items"]}
    assert "case.read" in actions and "case.create" in actions
    read = next(item for item in body["items"] if item["action"] == "case.read")
    assert read["actor_id"] == p.id and read["organisation_id"] == org.id and read["basis"]
    created = next(item for item in body["items"] if item["action"] == "case.create")
    assert created["detail"]["changes"]["reason"] == [None, "School is worried"]

    assert client.get(f"{API}/cases/{case_id}/audit", headers=ig).status_code == 200
    assert client.get(f"{API}/cases/{case_id}/audit", headers=other_manager).status_code == 404
    assert client.get(f"{API}/cases/{case_id}/audit", headers=practitioner).status_code == 403
    # Reading the audit is audited.
    again = client.get(f"{API}/cases/{case_id}/audit?per_page=1", headers=manager).json
    assert again["items"][0]["action"] == "case.audit.read"


def test_case_audit_bad_paging_is_422(client, session, world):  # type: ignore[no-untyped-def]
    org, _, case_id = _case(client, session, world)
    manager = bearer(session, world.user(roles=("manager",), team="North", org=org))
    assert client.get(f"{API}/cases/{case_id}/audit?per_page=500", headers=manager).status_code == 422


def test_verify_for_ig_officers_reports_the_first_failure(client, session, world, connection):  # type: ignore[no-untyped-def]
    _case(client, session, world)
    ig = bearer(session, world.user(roles=("ig_officer",), team=None))
    body = client.get(f"{API}/audit/verify", headers=ig).json
    assert body["ok"] is True and body["events_checked"] > 0 and "first_failure" not in body
    connection.execute(text("UPDATE audit_event SET action = 'x' WHERE seq = 2"))
    body = client.get(f"{API}/audit/verify", headers=ig).json
    assert body["ok"] is False and body["first_failure"]["seq"] == 2 and body["first_failure"]["reason"]
    manager = bearer(session, world.user(roles=("manager",)))
    assert client.get(f"{API}/audit/verify", headers=manager).status_code == 403
