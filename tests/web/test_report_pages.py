"""The managers' report pages: the dashboard, the cases behind a figure, and the exports."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.audit.read import open_detail
from tests.conftest import sign_in
from tests.report_world import EXPECTED, report_world
from tests.web.pages import error_summary_links, page, title


@pytest.fixture()
def rw(session, world, client):  # type: ignore[no-untyped-def]
    t = report_world(session, world)
    session.commit()
    sign_in(client, session, t.manager)
    t.query = f"from={t.filters.period.start.isoformat()}&to={t.filters.period.end.isoformat()}"
    return t


def test_report_page_dashboard_shows_every_figure_linked_to_its_cases(client, rw):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports?{rw.query}")
    assert response.status_code == 200
    assert title(response).startswith("Case flow report")
    soup = page(response)
    links = {}
    for a in soup.select("a.govuk-link[href^='/reports/cases?']"):
        query = parse_qs(urlsplit(a["href"]).query)
        assert set(query) <= {"measure", "from", "to", "team", "level", "locality", "lead_professional_id", "closure_reason"}
        links.setdefault(query["measure"][0], a.get_text(" ", strip=True))
    for code in EXPECTED:
        if code.startswith("flow_"):
            continue
        assert code in links, code
    assert links["requests_received"].startswith("3")
    # charts are accessible SVG with the numbers in their description, no scripts
    svgs = soup.select("svg[role=img]")
    assert len(svgs) == 3 and not soup.select("svg script")
    assert "Requests: 3" in svgs[0].find("desc").get_text()
    assert soup.select_one("#table-flow") is not None and soup.select_one("#table-caseload") is not None
    assert rw.lead.name in soup.select_one("#table-caseload").get_text()


def test_report_page_drill_down_lists_the_cases_behind_a_figure(client, rw):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports/cases?measure=open_cases&{rw.query}")
    assert response.status_code == 200
    soup = page(response)
    assert soup.h1.get_text(strip=True) == "Open cases"
    linked = {a["href"].split("/")[2] for a in soup.select("tbody a.govuk-link")}
    assert linked == {rw.c.id, rw.e.id, rw.g.id}
    level = page(client.get(f"/reports/cases?measure=open_cases&level=4&{rw.query}"))
    assert {a["href"].split("/")[2] for a in level.select("tbody a.govuk-link")} == {rw.c.id}
    rate = page(client.get(f"/reports/cases?measure=closures_needs_met_rate&{rw.query}"))
    assert "closures" in rate.select_one("main p").get_text()


def test_report_page_bad_filters_show_an_error_summary(client, rw):  # type: ignore[no-untyped-def]
    response = client.get("/reports?from=2026-02-31&locality=Leeds")
    assert response.status_code == 200
    assert title(response).startswith("Error:")
    assert set(error_summary_links(response)) == {"filter-from", "filter-locality"}
    assert client.get("/reports/cases?measure=happiness").status_code == 422
    assert client.get(f"/reports?team={rw.south}").status_code == 200  # not a team they manage: an error, no figures of it


def test_report_page_exports_are_safe_and_audited(client, session, rw):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports/export.csv?{rw.query}&table=measures")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["Section", "Code", "Measure", "Value"]
    assert {r[1]: r[3] for r in rows[1:]}["requests_received"] == "3"
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.action == "report.export"
    detail = open_detail(session, event)
    cases = detail["cases"] if "cases" in detail else detail["operations"][0]["detail"]["cases"]
    assert set(cases) == {rw.a.id, rw.b.id, rw.c.id, rw.e.id, rw.g.id}
    book = load_workbook(io.BytesIO(client.get(f"/reports/export.xlsx?{rw.query}").data))
    assert book.sheetnames == ["Measures", "Case flow", "Open cases by level", "Caseload per lead professional", "Closures by reason"]
    values = {row[1]: row[3] for row in book["Measures"].iter_rows(min_row=2, values_only=True)}
    assert values["requests_received"] == 3
    assert client.get(f"/reports/export.csv?{rw.query}&table=secrets").status_code == 422


def test_report_page_cases_behind_a_figure_export_as_csv(client, session, rw):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports/cases.csv?measure=open_cases&{rw.query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Case id", "Family id", "Team"]
    assert {r[0] for r in rows[1:]} == {rw.c.id, rw.e.id, rw.g.id}
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.action == "report.export"
    assert client.get("/reports/cases.csv?measure=happiness").status_code == 422
