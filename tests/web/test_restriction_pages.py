"""Restriction of processing on the pages: the banner instead of the content, writes refused,
a restricted person left out with a banner on the family's pages, and the information
governance officer's own pages (set, lift, legal hold, records past their retention date)."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.auth.services import actor_for
from casework.families.models import Person
from casework.retention import services as retention
from casework.retention.models import Restriction
from tests.conftest import sign_in
from tests.retention_world import ADDRESS, CHILD_NAME, MOTHER_NAME, build
from tests.web.pages import csrf, error_summary_links, page

BANNER = "Processing of this family's information is restricted"


def test_restriction_pages_family_restricted_shows_only_the_banner(client, session, world):
    w = build(session, world)
    retention.set_restriction(session, actor_for(w.ig), w.family.id, reason="Accuracy contested")
    session.commit()
    for user in (w.lead, w.partner):
        sign_in(client, session, user)
        for url in (f"/families/{w.family.id}", f"/cases/{w.case.id}", f"/cases/{w.case.id}/consent"):
            shown = client.get(url)
            text = page(shown).get_text()
            assert shown.status_code == 409, url
            assert page(shown).select_one("[data-restricted] .govuk-notification-banner__heading") is not None
            assert BANNER in text and "contact your information governance team" in text.lower()
            assert CHILD_NAME not in text and MOTHER_NAME not in text and ADDRESS not in text
    sign_in(client, session, w.lead)
    listed = client.get("/families").get_data(as_text=True)
    assert w.family.id not in listed
    form = client.get("/families")
    added = client.post(
        f"/families/{w.family.id}/members/new",
        data={"csrf_token": csrf(form), "given_name": "New", "family_name": "Baby", "role": "unborn", "parental_responsibility": "no"},
    )
    assert added.status_code == 409 and BANNER in page(added).get_text()
    assert session.scalar(select(func.count()).select_from(Person).where(Person.family_id == w.family.id)) == 2
    sign_in(client, session, w.other_team)
    assert client.get(f"/families/{w.family.id}").status_code == 404  # never known to them


def test_restriction_pages_person_restricted_left_out_with_a_banner(client, session, world):
    w = build(session, world)
    retention.set_restriction(session, actor_for(w.ig), w.family.id, person_id=w.child.id, reason="Objection")
    session.commit()
    sign_in(client, session, w.lead)
    for url in (f"/families/{w.family.id}", f"/cases/{w.case.id}/family", f"/cases/{w.case.id}"):
        shown = client.get(url)
        text = page(shown).get_text()
        assert shown.status_code == 200, url
        assert "Processing of one person's information in this family is restricted" in text
        assert CHILD_NAME not in text
        assert MOTHER_NAME in text or url.endswith(w.case.id)  # the case summary names nobody


def test_restriction_pages_ig_sets_lifts_and_holds(client, session, world):
    w = build(session, world)
    sign_in(client, session, w.ig)
    found = client.get("/data-protection")
    go = client.post("/data-protection", data={"csrf_token": csrf(found), "family_id": w.family.id})
    assert go.status_code == 302 and go.headers["Location"].endswith(f"/data-protection/families/{w.family.id}")
    shown = client.get(f"/data-protection/families/{w.family.id}")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and CHILD_NAME in text and "A case is open" in text
    token = csrf(shown)
    empty = client.post(f"/data-protection/families/{w.family.id}/restrictions", data={"csrf_token": token, "person_id": ""})
    assert empty.status_code == 200 and error_summary_links(empty) == {"reason": "Enter the reason"}
    made = client.post(
        f"/data-protection/families/{w.family.id}/restrictions", data={"csrf_token": token, "person_id": "", "reason": "Contested"}
    )
    assert made.status_code == 302
    restricted = page(client.get(f"/data-protection/families/{w.family.id}")).get_text()
    assert "Processing of this family's information is restricted" in restricted and CHILD_NAME in restricted  # IG still reads
    row = session.scalar(select(Restriction).where(Restriction.family_id == w.family.id))
    no_reason = client.post(f"/data-protection/restrictions/{row.id}/lift", data={"csrf_token": token, "version": str(row.version)})
    assert no_reason.status_code == 200 and "Enter the reason" in no_reason.get_data(as_text=True)
    lifted = client.post(
        f"/data-protection/restrictions/{row.id}/lift", data={"csrf_token": token, "version": str(row.version), "reason": "Corrected"}
    )
    assert lifted.status_code == 302
    after = client.get(f"/data-protection/families/{w.family.id}").get_data(as_text=True)
    assert "Lifted" in after and "Corrected" in after and "Contested" in after  # the history stays
    held = client.post(f"/data-protection/families/{w.family.id}/legal-holds", data={"csrf_token": token, "reason": "Public inquiry"})
    assert held.status_code == 302 and "Public inquiry" in client.get(held.headers["Location"]).get_data(as_text=True)
    due = client.get("/data-protection/retention")
    assert due.status_code == 200 and "No family's retention period has ended" in page(due).get_text()
    assert client.get(f"/data-protection/families/{w.family.id}").status_code == 200


def test_restriction_pages_others_cannot_use_the_ig_pages(client, session, world):
    w = build(session, world)
    for user in (w.lead, w.manager):
        sign_in(client, session, user)
        assert client.get(f"/data-protection/families/{w.family.id}").status_code == 403
        assert client.get("/data-protection/retention").status_code == 403
