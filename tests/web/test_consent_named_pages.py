"""The consent form names a practitioner who must not see a person's information: the history,
the person's card and "Who can see" say so, the named colleague's pages leave the person out,
and naming the lead professional is a form error on the field."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.consent.models import Consent
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page
from tests.web.test_consent_pages import setting

__all__ = ["setting"]


def _record(client, s, named_user_id: str):  # type: ignore[no-untyped-def]
    url = f"/cases/{s.case.id}/consent/new"
    form = client.get(url)
    return client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.mother.id,
            "given_by_person_id": "self",
            "purpose": "share",
            "decision": "given",
            "organisation_ids": [s.health.id],
            "method": "verbal",
            "do_not_share_with_user": named_user_id,
        },
    )


def test_named_practitioner_recorded_shown_and_kept_out(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    form = page(client.get(f"/cases/{s.case.id}/consent/new"))
    options = [o.get_text(strip=True) for o in form.select("select[name=do_not_share_with_user] option")]
    assert options[0] == "Nobody named" and any(o.startswith(s.manager.name) for o in options)
    assert _record(client, s, s.manager.id).status_code == 302

    tab = page(client.get(f"/cases/{s.case.id}/consent"))
    history = tab.select("table")[-1].get_text(" ", strip=True)
    assert f"Must not be shared with {s.manager.name}" in history
    card = next(c for c in tab.select(".govuk-summary-card") if "Dana Hart" in c.get_text())
    assert f"{s.manager.name} (by name)" in card.get_text(" ", strip=True)
    viewers = page(client.get(f"/cases/{s.case.id}/viewers")).get_text(" ", strip=True)
    assert f"{s.manager.name}, by name" in viewers and "Dana Hart" in viewers

    client.get("/sign-out")
    sign_in(client, session, s.manager)
    for url in (f"/cases/{s.case.id}", f"/cases/{s.case.id}/consent", f"/cases/{s.case.id}/viewers", f"/families/{s.case.family_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Dana" not in response.get_data(as_text=True), url


def test_naming_the_lead_professional_is_an_error_on_that_field(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    response = _record(client, s, s.practitioner.id)
    assert response.status_code == 200
    assert list(error_summary_links(response)) == ["do_not_share_with_user"]
    assert session.scalar(select(func.count()).select_from(Consent)) == 0
