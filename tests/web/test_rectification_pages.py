"""Rectification on the person's page: a correction keeps the previous value in a visible
history, the search indexes follow the correction, and only the owning team or information
governance corrects; a statement of disagreement is recorded against an opinion about them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.auth.services import actor_for
from casework.families import services as families
from tests.assessment_world import assessment_world, share_with_health, submitted_assessment
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page, title


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    t = assessment_world(session, world)
    t.ig = world.user(roles=("ig_officer",), team=None, org=t.la)
    return t


def _history(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = page(response).find("h2", id="corrections").find_next("table")
    return [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in table.select("tbody tr")]


def test_correcting_a_date_of_birth_keeps_the_old_value_in_the_history(client, session, t):
    sign_in(client, session, t.lead)
    url = f"/people/{t.older.id}"
    shown = client.get(url)
    assert shown.status_code == 200 and title(shown).startswith("Person")
    assert "No details have been corrected" in shown.get_data(as_text=True)
    form = client.get(f"{url}/corrections/new")
    response = client.post(
        f"{url}/corrections/new",
        data={"csrf_token": csrf(form), "field": "date_of_birth", "value": "2014-07-01", "reason": "Birth certificate seen"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    history = _history(client.get(url))
    assert len(history) == 1
    assert history[0][1:] == ["Date of birth", "2014-06-01", "2014-07-01", "Birth certificate seen"]
    # the search finds the person by the corrected date, not the old one
    lead = actor_for(t.lead)
    session.expire_all()
    assert [p.id for p in families.search_people(session, lead, family_name="Quill", date_of_birth=date(2014, 7, 1))] == [t.older.id]
    assert families.search_people(session, lead, family_name="Quill", date_of_birth=date(2014, 6, 1)) == []
    session.rollback()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "correction.create")).all()
    assert len(events) == 1 and events[0].actor_id == t.lead.id and events[0].family_id == t.family.id


def test_a_correction_needs_a_reason_and_a_real_value(client, session, t):
    sign_in(client, session, t.lead)
    url = f"/people/{t.older.id}/corrections/new"
    form = client.get(url)
    response = client.post(url, data={"csrf_token": csrf(form), "field": "nhs_number", "value": "123", "reason": ""})
    assert response.status_code == 200
    assert error_summary_links(response) == {
        "value": "Enter a valid NHS number: 10 digits, the last a check digit",
        "reason": "Say why the detail is being corrected",
    }


def test_the_family_address_is_corrected_with_its_history_on_each_persons_page(client, session, t):
    sign_in(client, session, t.ig)
    url = f"/families/{t.family.id}/corrections/new"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, data={"csrf_token": csrf(form), "field": "postcode", "value": "sw1a 2aa", "reason": "Moved in March"})
    assert response.status_code == 302
    history = _history(client.get(f"/people/{t.mother.id}"))
    assert history[0][1:] == ["Postcode (family)", "SW1A 1AA", "SW1A 2AA", "Moved in March"]


def test_partners_and_other_teams_cannot_correct(client, session, t):
    sign_in(client, session, t.other_team)
    assert client.get(f"/people/{t.older.id}").status_code == 404
    sign_in(client, session, t.manager)
    form = client.get(f"/people/{t.older.id}/corrections/new")
    assert form.status_code == 200  # a manager of the owning team may


def test_a_statement_of_disagreement_is_recorded_against_an_opinion(client, session, t):
    assessment = submitted_assessment(session, t.lead, t.case.id)
    session.commit()
    sign_in(client, session, t.lead)
    url = f"/people/{t.mother.id}/statements/new"
    form = client.get(url)
    choices = {i["value"] for i in page(form).select("input[name=opinion]")}
    analysis = f"assessment:{assessment.id}:analysis"
    assert analysis in choices and not any(t.older.id in c for c in choices)  # not the children's sections
    empty = client.post(url, data={"csrf_token": csrf(form)})
    assert set(error_summary_links(empty)) == {"opinion", "text"}
    response = client.post(url, data={"csrf_token": csrf(form), "opinion": analysis, "text": "I do not drink every night."})
    assert response.status_code == 302
    shown = client.get(f"/people/{t.mother.id}").get_data(as_text=True)
    assert "I do not drink every night." in shown and "Practitioner analysis" in shown


def test_the_family_page_offers_the_owning_team_a_correction(client, session, t):
    sign_in(client, session, t.lead)
    link = page(client.get(f"/families/{t.family.id}")).find("a", string="Correct the address or postcode")
    assert link is not None and link["href"] == f"/families/{t.family.id}/corrections/new"
    names = [a["href"] for a in page(client.get(f"/families/{t.family.id}")).select("table a")]
    assert f"/people/{t.mother.id}" in names
    share_with_health(session, t)  # the health visitor sees the family as a partner, and corrects nothing
    sign_in(client, session, t.hv)
    shown = client.get(f"/families/{t.family.id}")
    assert shown.status_code == 200 and "Correct the address" not in shown.get_data(as_text=True)
