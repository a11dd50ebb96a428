"""The families and people API of API.md."""

from __future__ import annotations

from tests.conftest import audit_count, bearer


def test_families_api_create_family_and_member(client, session, world):
    user = world.user()
    headers = bearer(session, user)
    r = client.post("/api/v1/families", json={"address_line_1": "2 High Street", "postcode": "sw1a1aa"}, headers=headers)
    assert r.status_code == 201, r.json
    family = r.json
    assert family["postcode"] == "SW1A 1AA"
    assert family["reference"].startswith("EH-")
    r = client.post(
        f"/api/v1/families/{family['id']}/members",
        json={
            "given_name": "Mia",
            "family_name": "Jones",
            "role": "child",
            "parental_responsibility": False,
            "date_of_birth": "2016-04-01",
            "nhs_number": "943 476 5919",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.json
    assert r.json["nhs_number"] == "9434765919"
    r = client.get(f"/api/v1/families/{family['id']}/members", headers=headers)
    assert r.status_code == 200
    assert [p["given_name"] for p in r.json["items"]] == ["Mia"]
    assert audit_count(session) > 0
