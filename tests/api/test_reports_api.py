"""``GET /api/v1/reports/measures`` and the cases behind each figure through ``GET /api/v1/cases``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import bearer
from tests.report_world import EXPECTED, report_world


@pytest.fixture()
def rw(session, world):  # type: ignore[no-untyped-def]
    t = report_world(session, world)
    session.commit()
    return t


def _period(rw) -> str:  # type: ignore[no-untyped-def]
    return f"from={rw.filters.period.start.isoformat()}&to={rw.filters.period.end.isoformat()}"


def test_reports_api_measures_every_code_with_its_cases(client, session, rw):  # type: ignore[no-untyped-def]
    headers = bearer(session, rw.manager)
    response = client.get(f"/api/v1/reports/measures?{_period(rw)}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["period"] == {"from": rw.filters.period.start.isoformat(), "to": rw.filters.period.end.isoformat()}
    assert {code: m["value"] for code, m in body["measures"].items()} == EXPECTED
    closures = body["measures"]["closures"]
    assert closures["label"] == "Closures" and closures["kind"] == "count"
    url = urlsplit(closures["cases_url"])
    assert url.path == "/api/v1/cases" and parse_qs(url.query)["measure"] == ["closures"]
    listed = client.get(closures["cases_url"], headers=headers).json
    assert listed["total"] == 2 and {c["id"] for c in listed["items"]} == {rw.a.id, rw.b.id}
    # a rate's cases are its whole; a median's, its cohort
    rate = client.get(body["measures"]["closures_needs_met_rate"]["cases_url"], headers=headers).json
    assert rate["total"] == 2
    by_level = {row["key"]: row for row in body["open_by_level"]}
    assert by_level["4"]["value"] == 1
    assert [c["id"] for c in client.get(by_level["4"]["cases_url"], headers=headers).json["items"]] == [rw.c.id]
    assert [row["value"] for row in body["case_flow"]] == [3, 2, 1, 1, 1]


def test_reports_api_measures_for_one_team_and_level(client, session, rw):  # type: ignore[no-untyped-def]
    body = client.get(f"/api/v1/reports/measures?{_period(rw)}&team={rw.north}&level=4", headers=bearer(session, rw.manager)).json
    assert body["measures"]["open_cases"]["value"] == 1
    assert body["filters"]["team"] == rw.north and body["filters"]["level"] == "4"


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-02-31", "from"), ("from=2026-05-01&to=2026-04-01", "from"), ("level=x", "level"), ("locality=Leeds", "locality")],
)
def test_reports_api_measures_bad_filters_are_422(client, session, rw, query, field):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/reports/measures?{query}", headers=bearer(session, rw.manager))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_reports_api_measures_only_for_the_managers_teams(client, session, rw):  # type: ignore[no-untyped-def]
    other = client.get(f"/api/v1/reports/measures?team={rw.south}", headers=bearer(session, rw.manager))
    assert other.status_code == 422 and "team" in other.json["error"]["fields"]
    assert client.get("/api/v1/reports/measures", headers=bearer(session, rw.lead)).status_code == 403
    south = client.get(f"/api/v1/reports/measures?{_period(rw)}", headers=bearer(session, rw.south_manager)).json
    assert south["measures"]["requests_received"]["value"] == 1
    # the cases list honours the report's filters only for a manager of the teams
    headers = bearer(session, rw.lead)
    assert client.get("/api/v1/cases?measure=closures", headers=headers).status_code == 403
    unknown = client.get("/api/v1/cases?measure=happiness", headers=bearer(session, rw.manager))
    assert unknown.status_code == 422 and "measure" in unknown.json["error"]["fields"]


def test_reports_api_measures_in_the_openapi_document(client):  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/reports/measures"]["get"]
    assert operation["tags"] == ["Reports"]
    names = {p["name"] for p in spec["paths"]["/cases"]["get"]["parameters"]}
    assert {"measure", "from", "to", "locality", "closure_reason"} <= names


def test_reports_api_caseload_row_of_unallocated_cases_lists_them(client, session, world, rw):  # type: ignore[no-untyped-def]
    from casework.auth.services import actor_for
    from casework.cases import services as cases

    family = world.family(rw.lead)
    waiting = cases.create_case(session, actor_for(rw.lead), family_id=family.id, level=2, source="other", reason="Worried")
    session.commit()
    headers = bearer(session, rw.manager)
    body = client.get(f"/api/v1/reports/measures?{_period(rw)}", headers=headers).json
    row = next(r for r in body["caseload"] if r["key"] == "")
    assert row["label"] == "Not allocated" and row["value"] == 1
    assert "lead_professional_id=none" in row["cases_url"]
    assert [c["id"] for c in client.get(row["cases_url"], headers=headers).json["items"]] == [waiting.id]
