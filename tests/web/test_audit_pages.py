"""Who looked: the case and person pages for the team's managers and information governance,
a user's activity, failed sign-ins and verification for information governance."""

from __future__ import annotations

from casework.audit import trail
from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.families import services as families
from tests.conftest import TEST_PASSWORD, sign_in
from tests.web.pages import csrf, page


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in page(response).select("tbody tr")]


def _world(session, world):  # type: ignore[no-untyped-def]
    org = world.org(name="Northshire Council")
    practitioner = world.user(roles=("practitioner",), team="North", org=org)
    manager = world.user(roles=("manager",), team="North", org=org)
    ig = world.user(roles=("ig_officer",), team=None, org=org)
    stranger = world.user(roles=("manager",), team="South", org=org)
    family = world.family(practitioner)
    child = world.person(practitioner, family, given_name="Robin", family_name="Quill")
    case = cases.create_case(session, actor_for(practitioner), family_id=family.id, level=2, source="other", reason="Worried")
    session.commit()
    trail.bind(session, trail.AuditContext(practitioner.id, org.id, "req-read"))
    cases.get_case(session, actor_for(practitioner), case.id)
    families.search_people(session, actor_for(practitioner), family_name="Quill")
    session.commit()
    return practitioner, manager, ig, stranger, case, child


def test_who_looked_at_a_case_and_a_person(client, session, world):  # type: ignore[no-untyped-def]
    practitioner, manager, ig, stranger, case, child = _world(session, world)
    sign_in(client, session, manager)
    rows = _rows(client.get(f"/cases/{case.id}/who-looked"))
    read = next(r for r in rows if r[3] == "case.read")
    assert read[1] == practitioner.name and read[2] == "Northshire Council" and read[4] == "Owning team"
    assert any(r[3] == "case.create" for r in rows)
    person_rows = _rows(client.get(f"/people/{child.id}/who-looked"))
    actions = {r[3] for r in person_rows}
    assert {"person.create", "person.search", "case.read"} <= actions
    sign_in(client, session, stranger)
    assert client.get(f"/cases/{case.id}/who-looked").status_code == 404
    assert client.get(f"/people/{child.id}/who-looked").status_code == 404
    sign_in(client, session, ig)
    assert _rows(client.get(f"/cases/{case.id}/who-looked"))


def test_user_activity_failed_sign_ins_and_verify_for_ig(client, session, world):  # type: ignore[no-untyped-def]
    practitioner, _, ig, _, _, _ = _world(session, world)
    form = client.get("/sign-in")
    client.post("/sign-in", data={"email": practitioner.email, "password": "not-" + TEST_PASSWORD, "csrf_token": csrf(form)})
    sign_in(client, session, ig)
    assert practitioner.name in client.get("/audit").get_data(as_text=True)
    activity = _rows(client.get(f"/audit/users/{practitioner.id}"))
    assert {"case.read", "person.search"} <= {r[3] for r in activity}
    failed = _rows(client.get("/audit/failed-sign-ins"))
    assert failed and failed[0][1] == practitioner.name and failed[0][3] == "auth.sign_in_failed"
    verified = client.get("/audit/verify").get_data(as_text=True)
    assert "The audit trail is intact" in verified
