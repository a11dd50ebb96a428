"""The share-without-consent report as a page (managers, safeguarding leads, information
governance) and through the API: every decision overseen, its review state, a state filter."""

from __future__ import annotations

from datetime import timedelta

from casework.auth.services import actor_for
from casework.consent import services as consent
from casework.db import today
from tests.conftest import bearer, sign_in
from tests.web.pages import page
from tests.web.test_consent_pages import HEALTH, setting

__all__ = ["setting"]


def _decide(session, s, days: int, why: str):  # type: ignore[no-untyped-def]
    row = consent.record_override(
        session,
        actor_for(s.manager),
        s.case.id,
        organisation_ids=[s.health.id],
        lawful_basis="UK GDPR Art 6(1)(e)",
        justification=why,
        expires_on=today() + timedelta(days=days),
    )
    session.commit()
    return row


def test_report_page_lists_decisions_with_their_state_and_filters(client, session, setting):
    s = setting
    _decide(session, s, 90, "Risk of harm at home")
    _decide(session, s, 2, "Domestic abuse disclosure")
    sign_in(client, session, s.manager)
    nav = page(client.get("/my-work")).select(".govuk-service-navigation__link")
    assert "Shares without consent" in [a.get_text(strip=True) for a in nav]
    listing = page(client.get("/reports/share-without-consent"))
    rows = listing.select("tbody tr")
    assert [r.select("td")[-1].get_text(strip=True) for r in rows] == ["Review due", "Active"]
    assert "Domestic abuse disclosure" in rows[0].get_text() and HEALTH in rows[0].get_text()
    assert rows[0].select_one("a")["href"] == f"/cases/{s.case.id}/consent"  # type: ignore[index]
    due = page(client.get("/reports/share-without-consent?state=review_due"))
    assert len(due.select("tbody tr")) == 1
    assert due.select_one("[aria-current=page]").get_text(strip=True) == "Review due"  # type: ignore[union-attr]
    everything = page(client.get("/reports/share-without-consent?state=nonsense"))  # unknown filter: all of them
    assert len(everything.select("tbody tr")) == 2


def test_report_page_is_refused_to_practitioners(client, session, setting):
    sign_in(client, session, setting.practitioner)
    assert client.get("/reports/share-without-consent").status_code == 403


def test_report_api_pages_and_states(client, session, setting, world):
    s = setting
    first = _decide(session, s, 90, "Risk of harm at home")
    ig = world.user(roles=("ig_officer",), team=None, org=s.health)
    response = client.get("/api/v1/reports/share-without-consent?per_page=1", headers=bearer(session, ig))
    body = response.get_json()
    assert response.status_code == 200 and body["total"] == 1
    [item] = body["items"]
    assert (item["id"], item["case_id"], item["family_id"], item["state"], item["team"]) == (
        first.id,
        s.case.id,
        s.case.family_id,
        "active",
        "Early Help North",
    )
    assert item["justification"] == "Risk of harm at home"
    bad = client.get("/api/v1/reports/share-without-consent?state=old", headers=bearer(session, ig))
    assert bad.status_code == 422 and "state" in bad.get_json()["error"]["fields"]
    refused = client.get("/api/v1/reports/share-without-consent", headers=bearer(session, s.practitioner))
    assert refused.status_code == 403
