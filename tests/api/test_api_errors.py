"""Every error is the JSON error of API.md; bad input never produces a 500."""

from __future__ import annotations

import pytest

from tests.conftest import bearer


def _error(response, status: int, code: str) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture()
def headers(session, world):  # type: ignore[no-untyped-def]
    return bearer(session, world.user())


def test_api_errors_malformed_json_is_400(client, headers):
    response = client.post("/api/v1/families", data='{"postcode": ', headers=headers, content_type="application/json")
    _error(response, 400, "malformed")


def test_api_errors_non_json_body_is_400(client, headers):
    response = client.post("/api/v1/families", data="postcode=LS1", headers=headers, content_type="application/x-www-form-urlencoded")
    _error(response, 400, "malformed")


def test_api_errors_body_not_an_object_is_422(client, headers):
    _error(client.post("/api/v1/families", json=["a"], headers=headers), 422, "validation_failed")


def test_api_errors_invalid_nhs_number_is_422_naming_the_field(client, headers):
    family = client.post("/api/v1/families", json={}, headers=headers).json
    response = client.post(
        f"/api/v1/families/{family['id']}/members",
        json={"given_name": "A", "family_name": "B", "role": "child", "parental_responsibility": False, "nhs_number": "1234567890"},
        headers=headers,
    )
    error = _error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["nhs_number"]


def test_api_errors_unknown_role_is_422(client, session, world):
    admin = world.user(roles=("admin",), team=None)
    response = client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "organisation_id": admin.organisation_id, "roles": ["superuser"]},
        headers=bearer(session, admin),
    )
    error = _error(response, 422, "validation_failed")
    assert "roles" in error["fields"]


def test_api_errors_unknown_field_and_wrong_type_are_422(client, headers):
    error = _error(client.post("/api/v1/families", json={"postcode": 12, "colour": "red"}, headers=headers), 422, "validation_failed")
    assert set(error["fields"]) == {"postcode", "colour"}


def test_api_errors_oversized_body_is_413(client, headers):
    response = client.post(
        "/api/v1/families", data='{"note": "' + "x" * (2 * 1024 * 1024) + '"}', headers=headers, content_type="application/json"
    )
    _error(response, 413, "too_large")


def test_api_errors_missing_or_bad_token_is_401(client):
    _error(client.get("/api/v1/families"), 401, "unauthenticated")
    _error(client.get("/api/v1/families", headers={"Authorization": "Bearer cw_nope"}), 401, "unauthenticated")
    _error(client.get("/api/v1/families", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "unauthenticated")


def test_api_errors_session_cookie_is_not_accepted(client, session, world):
    from tests.conftest import sign_in

    sign_in(client, session, world.user())
    assert client.get("/families").status_code == 200
    _error(client.get("/api/v1/families"), 401, "unauthenticated")


def test_api_errors_unknown_and_hidden_records_are_both_404(client, session, world, headers):
    other = world.user(team="Elsewhere")
    hidden = client.post("/api/v1/families", json={}, headers=bearer(session, other)).json
    _error(client.get("/api/v1/families/00000000-0000-4000-8000-000000000000", headers=headers), 404, "not_found")
    _error(client.get(f"/api/v1/families/{hidden['id']}", headers=headers), 404, "not_found")
    _error(client.get(f"/api/v1/families/{hidden['id']}/members", headers=headers), 404, "not_found")
    _error(client.get("/api/v1/no-such-thing", headers=headers), 404, "not_found")


def test_api_errors_wrong_role_is_403(client, headers):
    _error(client.post("/api/v1/organisations", json={"name": "X", "kind": "school"}, headers=headers), 403, "forbidden")


def test_api_errors_method_not_allowed_is_json(client, headers):
    response = client.delete("/api/v1/families", headers=headers)
    _error(response, 405, "method_not_allowed")


def test_api_errors_bad_query_values_are_422(client, headers):
    error = _error(client.get("/api/v1/families?per_page=500", headers=headers), 422, "validation_failed")
    assert "per_page" in error["fields"]
    error = _error(client.get("/api/v1/people/search?family_name=X&date_of_birth=2020-13-45", headers=headers), 422, "validation_failed")
    assert "date_of_birth" in error["fields"]


def test_api_errors_failed_audit_write_fails_the_request_and_changes_nothing(client, session, world, monkeypatch):
    from sqlalchemy import func, select

    from casework.audit import trail
    from casework.families.models import Family

    headers = bearer(session, world.user())

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(trail, "append", broken)
    response = client.post("/api/v1/families", json={"note": "must not be stored"}, headers=headers)
    error = _error(response, 500, "internal_error")
    assert "audit" not in error["message"]
    monkeypatch.undo()
    assert session.scalar(select(func.count()).select_from(Family)) == 0


def test_api_errors_nul_characters_never_reach_the_database(client, headers):
    _error(client.get("/api/v1/families/%00", headers=headers), 404, "not_found")
    _error(client.get("/api/v1/families/a%00b/members", headers=headers), 404, "not_found")
    _error(client.post("/api/v1/families", json={"note": "a\u0000b"}, headers=headers), 400, "malformed")
    _error(client.get("/api/v1/people/search?family_name=%00", headers=headers), 400, "malformed")


def test_api_errors_nul_in_a_form_is_refused(client):
    response = client.post("/sign-in", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
