"""Restriction of processing and legal holds through the API: the information governance
officer sets and lifts them; while a family is restricted its owning team and partners are
answered 409 ``restricted`` (reads and writes), others still 404, and lists leave it out."""

from __future__ import annotations

from tests.conftest import bearer
from tests.retention_world import CHILD_NAME, build


def test_restriction_api_family_restricted_blocks_reads_and_writes_then_lifted(client, session, world):
    w = build(session, world)
    ig, lead, partner, other = (bearer(session, u) for u in (w.ig, w.lead, w.partner, w.other_team))
    made = client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "Accuracy contested"}, headers=ig)
    assert made.status_code == 201, made.json
    assert made.json["scope"] == "family" and made.json["active"] is True

    for headers in (lead, partner):
        for url in (f"/api/v1/families/{w.family.id}", f"/api/v1/families/{w.family.id}/members", f"/api/v1/cases/{w.case.id}"):
            refused = client.get(url, headers=headers)
            assert refused.status_code == 409, (url, refused.json)
            assert refused.json["error"]["code"] == "restricted"
            assert CHILD_NAME not in refused.get_data(as_text=True)
    assert client.get(f"/api/v1/cases/{w.case.id}", headers=other).status_code == 404  # never known to them: still 404
    write = client.post(
        f"/api/v1/families/{w.family.id}/members",
        json={
            "given_name": "New",
            "family_name": "Baby",
            "role": "unborn",
            "parental_responsibility": False,
            "expected_date": "2030-01-01",
        },
        headers=lead,
    )
    assert write.status_code == 409 and write.json["error"]["code"] == "restricted"
    close = client.post(f"/api/v1/cases/{w.case.id}/close", json={"reason": "other", "summary": "Moved"}, headers=lead)
    assert close.status_code == 409 and close.json["error"]["code"] == "restricted"
    listed = client.get("/api/v1/cases", headers=lead).json
    assert w.case.id not in [c["id"] for c in listed["items"]]
    assert w.family.id not in [f["id"] for f in client.get("/api/v1/families", headers=lead).json["items"]]

    history = client.get(f"/api/v1/families/{w.family.id}/restrictions", headers=ig)
    assert history.status_code == 200 and [r["reason"] for r in history.json["items"]] == ["Accuracy contested"]
    lifted = client.post(
        f"/api/v1/restrictions/{made.json['id']}/lift", json={"reason": "Corrected", "version": made.json["version"]}, headers=ig
    )
    assert lifted.status_code == 200 and lifted.json["active"] is False and lifted.json["lift_reason"] == "Corrected"
    assert client.get(f"/api/v1/cases/{w.case.id}", headers=lead).status_code == 200
    again = client.post(f"/api/v1/restrictions/{made.json['id']}/lift", json={"reason": "Twice"}, headers=ig)
    assert again.status_code == 409


def test_restriction_api_person_restricted_is_left_out_and_not_written(client, session, world):
    w = build(session, world)
    ig, lead = bearer(session, w.ig), bearer(session, w.lead)
    made = client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "Objection", "person_id": w.child.id}, headers=ig)
    assert made.status_code == 201 and made.json["scope"] == "person"
    members = client.get(f"/api/v1/families/{w.family.id}/members", headers=lead)
    assert members.status_code == 200
    assert [p["id"] for p in members.json["items"]] == [w.mother.id]
    found = client.get("/api/v1/people/search?family_name=Wolstenholme", headers=lead).json["items"]
    assert w.child.id not in [p["id"] for p in found] and w.mother.id in [p["id"] for p in found]
    consent = client.post(
        f"/api/v1/cases/{w.case.id}/consents",
        json={
            "person_id": w.child.id,
            "given_by_person_id": w.mother.id,
            "purpose": "assessment",
            "decision": "given",
            "method": "written",
        },
        headers=lead,
    )
    assert consent.status_code in (404, 409, 422), consent.json  # the child is not theirs to record about
    assert CHILD_NAME not in consent.get_data(as_text=True)


def test_restriction_api_only_ig_and_bad_input_refused(client, session, world):
    w = build(session, world)
    ig, lead = bearer(session, w.ig), bearer(session, w.lead)
    assert client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "x"}, headers=lead).status_code == 403
    assert client.get("/api/v1/retention/due", headers=lead).status_code == 403
    empty = client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": ""}, headers=ig)
    assert empty.status_code == 422 and "reason" in empty.json["error"]["fields"]
    stranger = world.family(w.other_team)
    elsewhere = world.person(w.other_team, stranger)
    wrong = client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "x", "person_id": elsewhere.id}, headers=ig)
    assert wrong.status_code == 422 and "person_id" in wrong.json["error"]["fields"]
    assert client.post("/api/v1/families/no-such-family/restrictions", json={"reason": "x"}, headers=ig).status_code == 404
    assert client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "x"}, headers=ig).status_code == 201
    assert client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "y"}, headers=ig).status_code == 409


def test_legal_hold_api_place_list_lift(client, session, world):
    w = build(session, world)
    ig = bearer(session, w.ig)
    placed = client.post(f"/api/v1/families/{w.family.id}/legal-holds", json={"reason": "Public inquiry"}, headers=ig)
    assert placed.status_code == 201 and placed.json["active"] is True
    assert client.post(f"/api/v1/families/{w.family.id}/legal-holds", json={"reason": "Again"}, headers=ig).status_code == 409
    stale = client.post(f"/api/v1/legal-holds/{placed.json['id']}/lift", json={"reason": "Over", "version": 99}, headers=ig)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    lifted = client.post(f"/api/v1/legal-holds/{placed.json['id']}/lift", json={"reason": "Inquiry closed"}, headers=ig)
    assert lifted.status_code == 200 and lifted.json["active"] is False
    holds = client.get(f"/api/v1/families/{w.family.id}/legal-holds", headers=ig).json
    assert [(h["reason"], h["lift_reason"]) for h in holds["items"]] == [("Public inquiry", "Inquiry closed")]
    assert holds["total"] == 1 and holds["page"] == 1
    due = client.get("/api/v1/retention/due", headers=ig).json
    assert due["items"] == [] and due["total"] == 0  # the case is open: nothing is due


def test_restriction_api_audit_details_only_for_ig_while_restricted(client, session, world):
    w = build(session, world)
    ig, manager = bearer(session, w.ig), bearer(session, w.manager)
    assert client.get(f"/api/v1/cases/{w.case.id}/audit", headers=manager).status_code == 200
    client.post(f"/api/v1/families/{w.family.id}/restrictions", json={"reason": "Contested"}, headers=ig)
    refused = client.get(f"/api/v1/cases/{w.case.id}/audit", headers=manager)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "restricted"
    assert client.get(f"/api/v1/cases/{w.case.id}/audit", headers=ig).status_code == 200
