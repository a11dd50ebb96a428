"""The consent and information-sharing API of API.md, through HTTP only: recording decisions,
the append-only history, sharing without consent, the Team Around the Family, who sees what
as consent changes, and the safeguarding lead's "is this family known?"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.audit.models import AuditEvent
from casework.consent.models import Consent, ShareWithoutConsent, SharingBasis, TeamMember
from tests.conftest import bearer, sign_in

API = "/api/v1"
CANARY = ("Zebedee", "Quarrington")


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


def _actions(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


@pytest.fixture()
def c(client, session, world):  # type: ignore[no-untyped-def]
    """An early help team with a case it owns, the family (a mother with parental responsibility,
    a 10-year-old, a 15-year-old and another adult), and people from other teams and agencies."""
    la = world.org(kind="local_authority", name="Council")
    health = world.org(kind="health", name="Community Health")
    t = SimpleNamespace(la=la, health=health)
    t.lead = world.user(roles=("practitioner",), team="Early Help North", org=la)
    t.manager = world.user(roles=("manager",), team="Early Help North", org=la)
    t.other_team = world.user(roles=("practitioner",), team="Early Help South", org=la)
    t.hv = world.user(roles=("practitioner",), team="Health Visiting", org=health)
    t.sg = world.user(roles=("safeguarding_lead",), team=None, org=world.org(kind="police", name="Police"))
    t.family = world.family(t.lead)
    t.mother = world.person(t.lead, t.family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    t.child = world.person(t.lead, t.family, given_name="Mia", family_name="Quill", date_of_birth=_date("2016-04-01"))
    t.teen = world.person(t.lead, t.family, given_name="Kai", family_name="Quill", date_of_birth=_date("2011-06-01"))
    t.adult = world.person(t.lead, t.family, given_name=CANARY[0], family_name=CANARY[1], role="other_adult")
    for name in ("lead", "manager", "other_team", "hv", "sg"):
        setattr(t, f"h_{name}", bearer(session, getattr(t, name)))
    body = {"family_id": t.family.id, "level": 3, "source": "request_for_support", "reason": "Health visitor is worried"}
    t.case = _ok(client.post(f"{API}/cases", json=body, headers=t.h_lead), 201)["id"]
    _ok(client.put(f"{API}/cases/{t.case}/lead-professional", json={"user_id": t.lead.id}, headers=t.h_lead))
    return t


def _date(value: str):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(value)


def _consent(client, t, headers=None, **body: Any):  # type: ignore[no-untyped-def]
    body = {"person_id": t.mother.id, "purpose": "share", "decision": "given", "method": "written", **body}
    if body["purpose"] == "share" and body["decision"] == "given":
        body.setdefault("organisation_ids", [t.health.id])
    return client.post(f"{API}/cases/{t.case}/consents", json=body, headers=headers or t.h_lead)


def _swc(client, t, headers=None, **body: Any):  # type: ignore[no-untyped-def]
    body = {
        "organisation_ids": [t.health.id],
        "lawful_basis": "UK GDPR Art 6(1)(e), Art 9(2)(g)",
        "justification": "Disclosure of harm to the baby; the health visitor must know",
        "expires_on": "2099-01-01",
        **body,
    }
    return client.post(f"{API}/cases/{t.case}/share-without-consent", json=body, headers=headers or t.h_manager)


def _join(client, t, user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"user_id": user.id, "role_in_team": "Health visitor"}
    return _ok(client.post(f"{API}/cases/{t.case}/team-members", json=body, headers=t.h_lead), 201)  # type: ignore[no-any-return]


def _history(client, t, headers=None) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return _ok(client.get(f"{API}/cases/{t.case}/consents", headers=headers or t.h_lead))["items"]  # type: ignore[no-any-return]


def test_consent_api_records_a_decision_and_returns_it(client, session, c):
    record = _ok(_consent(client, c, note="Signed at the home visit", expires_on="2099-12-31", do_not_share_with=[c.la.id]), 201)
    assert set(record) == {
        "id",
        "case_id",
        "person_id",
        "given_by_person_id",
        "competent",
        "purpose",
        "decision",
        "organisation_ids",
        "do_not_share_with",
        "do_not_share_with_user_ids",
        "method",
        "expires_on",
        "note",
        "recorded_by_id",
        "recorded_at",
    }
    assert (record["case_id"], record["person_id"], record["given_by_person_id"], record["competent"]) == (
        c.case,
        c.mother.id,
        c.mother.id,
        None,
    )
    assert (record["purpose"], record["decision"], record["method"]) == ("share", "given", "written")
    assert (record["organisation_ids"], record["do_not_share_with"], record["expires_on"]) == ([c.health.id], [c.la.id], "2099-12-31")
    assert (record["note"], record["recorded_by_id"]) == ("Signed at the home visit", c.lead.id)
    assert record["recorded_at"].endswith("+00:00")
    for_child = _ok(_consent(client, c, person_id=c.child.id, given_by_person_id=c.mother.id, purpose="assessment"), 201)
    assert (for_child["given_by_person_id"], for_child["organisation_ids"]) == (c.mother.id, [])
    competent = _ok(_consent(client, c, person_id=c.teen.id, competent=True), 201)
    assert (competent["given_by_person_id"], competent["competent"]) == (c.teen.id, True)
    page = _ok(client.get(f"{API}/cases/{c.case}/consents?per_page=2&page=2", headers=c.h_manager))
    assert (page["total"], page["page"], page["per_page"], [r["id"] for r in page["items"]]) == (3, 2, 2, [competent["id"]])


def test_consent_api_history_is_append_only(client, session, c):
    given = _ok(_consent(client, c), 201)
    before = _history(client, c)
    assert before == [given]
    withdrawn = _ok(_consent(client, c, decision="withdrawn", method="verbal", organisation_ids=[]), 201)
    after = _history(client, c)
    assert after == [given, withdrawn]  # the earlier record is exactly as it was
    assert withdrawn["id"] != given["id"] and withdrawn["decision"] == "withdrawn"
    assert _count(session, Consent, case_id=c.case) == 2
    assert _count(session, SharingBasis, case_id=c.case) == 0  # nothing left to share on
    assert _actions(session, "consent.list") and not _actions(session, "consent.update")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person_id": "child", "purpose": "assessment"}, "competent"),
        ({"person_id": "child", "competent": False}, "competent"),
        ({"person_id": "child", "given_by_person_id": "adult"}, "given_by_person_id"),
        ({"person_id": "adult", "given_by_person_id": "mother"}, "given_by_person_id"),
        ({"organisation_ids": []}, "organisation_ids"),
        ({"organisation_ids": ["00000000-0000-4000-8000-000000000000"]}, "organisation_ids"),
        ({"do_not_share_with": ["health"]}, "do_not_share_with"),
        ({"purpose": "gossip"}, "purpose"),
        ({"decision": "maybe"}, "decision"),
        ({"method": "telepathy"}, "method"),
        ({"person_id": "../etc"}, "person_id"),
        ({"person_id": "00000000-0000-4000-8000-000000000000", "given_by_person_id": "mother"}, "person_id"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"competent": "yes please"}, "competent"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_consent_api_refuses_a_decision_that_could_not_be_relied_on(client, session, c, body, field):
    people = {"child": c.child.id, "adult": c.adult.id, "mother": c.mother.id}
    body = {k: people.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if body.get("do_not_share_with") == ["health"]:
        body["do_not_share_with"] = [c.health.id]
    error = _error(_consent(client, c, **body), 422, "validation_failed")
    assert list(error["fields"]) == [field]
    assert _count(session, Consent) == 0 and _count(session, SharingBasis) == 0


def test_consent_api_missing_fields_are_named(client, session, c):
    error = _error(client.post(f"{API}/cases/{c.case}/consents", json={}, headers=c.h_lead), 422, "validation_failed")
    assert set(error["fields"]) == {"person_id", "purpose", "decision", "method"}
    assert _count(session, Consent) == 0


def test_consent_api_only_the_owning_team_records(client, session, c):
    _error(_consent(client, c, headers=c.h_other_team), 404, "not_found")
    _join(client, c, c.hv)
    _ok(_consent(client, c), 201)  # the health visitor now sees the case ...
    _error(_consent(client, c, headers=c.h_hv, decision="withdrawn", organisation_ids=[]), 403, "forbidden")  # ... but owns nothing
    _error(
        client.post(f"{API}/cases/{c.case}/team-members", json={"person_id": c.mother.id, "role_in_team": "Mum"}, headers=c.h_hv),
        403,
        "forbidden",
    )
    _error(_consent(client, c, headers=c.h_sg), 404, "not_found")
    assert _count(session, Consent) == 1 and _count(session, TeamMember) == 1
    _ok(client.post(f"{API}/cases/{c.case}/close", json={"reason": "other", "summary": "Moved on"}, headers=c.h_lead))
    _error(_consent(client, c, decision="withdrawn", organisation_ids=[]), 409, "invalid_transition")
    assert _count(session, Consent) == 1


def test_consent_api_share_without_consent(client, session, c):
    _error(_swc(client, c, headers=c.h_lead), 403, "forbidden")
    _error(_swc(client, c, headers=c.h_other_team), 404, "not_found")
    _error(_swc(client, c, headers=c.h_sg), 404, "not_found")  # a safeguarding lead who cannot see the case
    error = _error(_swc(client, c, justification=None), 422, "validation_failed")
    assert list(error["fields"]) == ["justification"]
    error = _error(_swc(client, c, justification="  ", organisation_ids=[], expires_on="2020-01-01"), 422, "validation_failed")
    assert set(error["fields"]) == {"justification", "organisation_ids", "expires_on"}
    assert _count(session, ShareWithoutConsent) == 0 and _count(session, SharingBasis) == 0
    decision = _ok(_swc(client, c), 201)
    assert (decision["case_id"], decision["organisation_ids"], decision["decided_by_id"], decision["expires_on"]) == (
        c.case,
        [c.health.id],
        c.manager.id,
        "2099-01-01",
    )
    assert decision["lawful_basis"].startswith("UK GDPR") and decision["justification"].startswith("Disclosure")
    history = _ok(client.get(f"{API}/cases/{c.case}/share-without-consent", headers=c.h_lead))
    assert (history["total"], history["items"]) == (1, [decision])
    assert len(_actions(session, "share_without_consent.create")) == 1


def test_consent_api_team_members(client, session, c):
    member = _join(client, c, c.hv)
    assert set(member) >= {"id", "case_id", "user_id", "person_id", "role_in_team", "added_by_id", "added_at"}
    assert (member["case_id"], member["user_id"], member["person_id"], member["role_in_team"], member["added_by_id"]) == (
        c.case,
        c.hv.id,
        None,
        "Health visitor",
        c.lead.id,
    )
    mum = _ok(
        client.post(f"{API}/cases/{c.case}/team-members", json={"person_id": c.mother.id, "role_in_team": "Mum"}, headers=c.h_manager), 201
    )
    listed = _ok(client.get(f"{API}/cases/{c.case}/team-members", headers=c.h_lead))
    assert [m["id"] for m in listed["items"]] == [member["id"], mum["id"]] and listed["total"] == 2
    _error(
        client.post(f"{API}/cases/{c.case}/team-members", json={"user_id": c.hv.id, "role_in_team": "Again"}, headers=c.h_lead),
        409,
        "invalid_transition",
    )
    for body, fields in [
        ({"role_in_team": "Nobody"}, {"user_id"}),
        ({"user_id": c.hv.id, "person_id": c.mother.id, "role_in_team": "Both"}, {"user_id"}),
        ({"user_id": c.sg.id, "role_in_team": "Police"}, {"user_id"}),
        ({"user_id": c.other_team.id, "role_in_team": " "}, {"role_in_team"}),
        ({"user_id": c.other_team.id}, {"role_in_team"}),
    ]:
        error = _error(client.post(f"{API}/cases/{c.case}/team-members", json=body, headers=c.h_lead), 422, "validation_failed")
        assert set(error["fields"]) == fields, body
    _error(client.delete(f"{API}/cases/{c.case}/team-members/{member['id']}", headers=c.h_other_team), 404, "not_found")
    removed = _ok(client.delete(f"{API}/cases/{c.case}/team-members/{member['id']}", headers=c.h_lead))
    assert removed["id"] == member["id"] and removed["removed_at"]
    _error(client.delete(f"{API}/cases/{c.case}/team-members/{member['id']}", headers=c.h_lead), 404, "not_found")
    assert [m["id"] for m in _ok(client.get(f"{API}/cases/{c.case}/team-members", headers=c.h_lead))["items"]] == [mum["id"]]
    assert _count(session, TeamMember, case_id=c.case) == 2  # removal keeps the record


def test_consent_api_another_agency_sees_the_case_only_while_a_basis_covers_it(client, session, c):
    case_url = f"{API}/cases/{c.case}"
    member = _join(client, c, c.hv)
    _error(client.get(case_url, headers=c.h_hv), 404, "not_found")  # in the team, no basis yet
    _error(client.get(f"{API}/families/{c.family.id}/members", headers=c.h_hv), 404, "not_found")
    _ok(_consent(client, c), 201)
    assert _ok(client.get(case_url, headers=c.h_hv))["id"] == c.case
    _ok(_consent(client, c, decision="withdrawn", method="verbal", organisation_ids=[]), 201)
    _error(client.get(case_url, headers=c.h_hv), 404, "not_found")  # on the very next request
    _error(client.get(f"{API}/cases/{c.case}/consents", headers=c.h_hv), 404, "not_found")
    assert c.case not in [x["id"] for x in _ok(client.get(f"{API}/cases", headers=c.h_hv))["items"]]
    _ok(_swc(client, c), 201)
    assert _ok(client.get(case_url, headers=c.h_hv))["id"] == c.case
    reads = [e for e in _actions(session, "case.read") if e.actor_id == c.hv.id]
    assert [e.basis for e in reads] == ["consent", "share_without_consent"]
    viewers = {v["user_id"]: v for v in _ok(client.get(f"{case_url}/viewers", headers=c.h_manager))["items"]}
    assert (viewers[c.hv.id]["how"], viewers[c.hv.id]["basis"]) == ("team_around_the_family", "share_without_consent")
    assert (viewers[c.lead.id]["how"], viewers[c.lead.id]["basis"]) == ("owning_team", "team")
    assert (viewers[c.manager.id]["basis"], viewers[c.manager.id]["organisation"]) == ("manager", "Council")
    assert c.other_team.id not in viewers
    _ok(client.delete(f"{case_url}/team-members/{member['id']}", headers=c.h_lead))
    _error(client.get(case_url, headers=c.h_hv), 404, "not_found")  # out of the team: the basis no longer reaches them


def test_consent_api_partners_see_a_decision_to_share_without_consent_but_not_its_reasons(client, session, c):
    _join(client, c, c.hv)
    _ok(_swc(client, c), 201)
    own = _ok(client.get(f"{API}/cases/{c.case}/share-without-consent", headers=c.h_lead))["items"]
    assert [(o["justification"], o["justification_withheld"]) for o in own] == [
        ("Disclosure of harm to the baby; the health visitor must know", False)
    ]
    seen = _ok(client.get(f"{API}/cases/{c.case}/share-without-consent", headers=c.h_hv))["items"]
    assert [(o["lawful_basis"], o["justification"], o["justification_withheld"], o["expires_on"]) for o in seen] == [
        ("UK GDPR Art 6(1)(e), Art 9(2)(g)", None, True, "2099-01-01")
    ]
    sign_in(client, session, c.hv)
    page = client.get(f"/cases/{c.case}/consent")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Disclosure of harm" not in text and "The reasons are held by the team that owns the case" in text


def test_consent_api_a_person_who_refused_is_withheld_from_that_agency(client, session, c):
    _join(client, c, c.hv)
    _ok(_consent(client, c), 201)  # the mother agrees to share with health ...
    _ok(_consent(client, c, person_id=c.adult.id, decision="refused", organisation_ids=[c.health.id]), 201)  # ... he does not

    def names(url: str, headers) -> set[str]:  # type: ignore[no-untyped-def]
        response = client.get(url, headers=headers)
        assert CANARY[1] not in response.get_data(as_text=True) or headers is not c.h_hv
        return {p["given_name"] for p in _ok(response)["items"]}

    members = f"{API}/families/{c.family.id}/members"
    assert names(members, c.h_hv) == {"Ava", "Mia", "Kai"}
    assert names(members, c.h_lead) == {"Ava", "Mia", "Kai", CANARY[0]}
    search = f"{API}/people/search?family_name={CANARY[1]}"
    assert names(search, c.h_hv) == set() and names(search, c.h_lead) == {CANARY[0]}
    assert names(f"{API}/people/search?family_name=Quill", c.h_hv) == {"Ava", "Mia", "Kai"}
    assert c.adult.id not in {r["person_id"] for r in _history(client, c, c.h_hv)}
    assert c.adult.id in {r["person_id"] for r in _history(client, c, c.h_lead)}
    viewers = {v["user_id"]: v for v in _ok(client.get(f"{API}/cases/{c.case}/viewers", headers=c.h_lead))["items"]}
    assert viewers[c.hv.id]["withheld_person_ids"] == [c.adult.id]
    for_hv = _ok(client.get(f"{API}/cases/{c.case}/viewers", headers=c.h_hv))
    assert c.adult.id not in str(for_hv) and CANARY[1] not in str(for_hv)
    _ok(_swc(client, c), 201)  # a decision to share without consent lifts the withholding
    assert names(members, c.h_lead) == {"Ava", "Mia", "Kai", CANARY[0]}
    assert CANARY[0] in {p["given_name"] for p in _ok(client.get(members, headers=c.h_hv))["items"]}


def test_consent_api_safeguarding_lead_asks_whether_a_family_is_known(client, session, c):
    url = f"{API}/safeguarding/known"
    answer = _ok(client.post(url, json={"family_name": "quill", "date_of_birth": "2016-04-01"}, headers=c.h_sg))
    assert answer == {"known": True, "lead_professional": {"name": c.lead.name, "email": c.lead.email, "team": "Early Help North"}}
    events = _actions(session, "safeguarding.known_query")
    assert len(events) == 1 and (events[0].actor_id, events[0].case_id, events[0].basis) == (c.sg.id, c.case, "safeguarding_lead")
    assert _ok(client.post(url, json={"family_name": "Quill", "date_of_birth": "2016-04-02"}, headers=c.h_sg)) == {"known": False}
    assert len(_actions(session, "safeguarding.known_query")) == 2
    error = _error(client.post(url, json={"family_name": "Quill"}, headers=c.h_sg), 422, "validation_failed")
    assert list(error["fields"]) == ["family_name"]
    assert list(_error(client.post(url, json={"nhs_number": "1234567890"}, headers=c.h_sg), 422, "validation_failed")["fields"]) == [
        "nhs_number"
    ]
    for headers in (c.h_lead, c.h_manager, c.h_hv):
        _error(client.post(url, json={"family_name": "Quill", "date_of_birth": "2016-04-01"}, headers=headers), 403, "forbidden")
    _error(client.post(url, json={"family_name": "Quill", "date_of_birth": "2016-04-01"}), 401, "unauthenticated")
    assert len(_actions(session, "safeguarding.known_query")) == 2
    _ok(client.post(f"{API}/cases/{c.case}/close", json={"reason": "other", "summary": "Moved on"}, headers=c.h_lead))
    assert _ok(client.post(url, json={"family_name": "Quill", "date_of_birth": "2016-04-01"}, headers=c.h_sg)) == {"known": False}


def test_consent_api_routes_are_in_the_openapi_document(client):
    doc = client.get(f"{API}/openapi.json").json
    expected = {
        ("/cases/{case_id}/consents", "post"): {"201", "401", "403", "404", "409", "422"},
        ("/cases/{case_id}/consents", "get"): {"200", "401", "404", "422"},
        ("/cases/{case_id}/share-without-consent", "post"): {"201", "401", "403", "404", "422"},
        ("/cases/{case_id}/share-without-consent", "get"): {"200", "401", "404"},
        ("/cases/{case_id}/team-members", "post"): {"201", "401", "403", "404", "409", "422"},
        ("/cases/{case_id}/team-members", "get"): {"200", "401", "404"},
        ("/cases/{case_id}/team-members/{member_id}", "delete"): {"200", "401", "403", "404"},
        ("/cases/{case_id}/viewers", "get"): {"200", "401", "404"},
        ("/safeguarding/known", "post"): {"200", "401", "403", "422"},
    }
    for (path, method), codes in expected.items():
        operation = doc["paths"][path][method]
        assert codes <= set(operation["responses"]), (path, method, set(operation["responses"]))
    schemas = doc["components"]["schemas"]
    create = schemas["ConsentCreate"]
    assert create["properties"]["purpose"]["enum"] == ["assessment", "share"]
    assert create["properties"]["decision"]["enum"] == ["given", "refused", "withdrawn"]
    assert create["properties"]["method"]["enum"] == ["written", "verbal"]
    assert set(create["required"]) == {"person_id", "purpose", "decision", "method"}
    assert set(schemas["OverrideCreate"]["required"]) == {"organisation_ids", "lawful_basis", "justification", "expires_on"}
