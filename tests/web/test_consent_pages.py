"""Consent pages: the Consent, Team and "Who can see" tabs for the owning team and nothing for
others; recording a decision appends to the history; errors link to their fields; sharing
without consent waits for confirmation; access follows consent at once; the safeguarding
lead's "is this family known?" answers only yes or no."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.auth.services import actor_for
from casework.cases import leads, services
from casework.cases.models import Case
from casework.consent import services as consent
from casework.consent.models import Consent, ShareWithoutConsent, TeamMember
from casework.db import today
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page, title

HEALTH = "Northshire Community Health"


@dataclass
class Setting:
    practitioner: Any
    manager: Any
    outsider: Any
    health_visitor: Any
    lead: Any  # a safeguarding lead
    health: Any  # the health organisation
    mother: Any
    child: Any
    case: Case


@pytest.fixture()
def setting(world, session) -> Setting:  # type: ignore[no-untyped-def]
    practitioner = world.user(roles=("practitioner",), team="Early Help North")
    org = practitioner.organisation
    manager = world.user(roles=("manager",), team="Early Help North", org=org)
    outsider = world.user(roles=("practitioner",), team="Early Help South", org=org)
    health = world.org("health", HEALTH)
    health_visitor = world.user(roles=("practitioner",), team="Health Visiting East", org=health)
    lead = world.user(roles=("safeguarding_lead",), team=None, org=org)
    family = world.family(practitioner)
    on = today()
    mother = world.person(
        practitioner,
        family,
        given_name="Dana",
        family_name="Hart",
        role="parent_carer",
        parental_responsibility=True,
        date_of_birth=date(1990, 4, 2),
    )
    child = world.person(
        practitioner, family, given_name="Leo", family_name="Hart", date_of_birth=on.replace(year=on.year - 9) - timedelta(days=40)
    )
    actor = actor_for(practitioner)
    case = services.create_case(session, actor, family_id=family.id, level=2, source="request_for_support", reason="Attendance")
    leads.assign_lead(session, actor, case.id, user_id=practitioner.id)
    session.commit()
    return Setting(practitioner, manager, outsider, health_visitor, lead, health, mother, child, case)


def share(session, s: Setting, decision: str = "given", person=None, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
    person = person or s.mother
    consent.record_consent(
        session,
        actor_for(s.practitioner),
        s.case.id,
        person_id=person.id,
        given_by_person_id=kwargs.pop("given_by", person).id,
        purpose="share",
        decision=decision,
        method="written",
        organisation_ids=[s.health.id] if decision == "given" else kwargs.pop("organisation_ids", [s.health.id]),
        **kwargs,
    )
    session.commit()


def join_team(session, s: Setting) -> None:  # type: ignore[no-untyped-def]
    consent.add_team_member(session, actor_for(s.practitioner), s.case.id, user_id=s.health_visitor.id, role_in_team="Health visitor")
    session.commit()


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _pages(case: Case) -> dict[str, str]:
    return {
        f"/cases/{case.id}/consent": "Consent and information sharing",
        f"/cases/{case.id}/consent/new": "Record a consent decision",
        f"/cases/{case.id}/team": "Team around the family",
        f"/cases/{case.id}/team/new": "Add someone to the team around the family",
        f"/cases/{case.id}/viewers": "Who can see this family, and why",
    }


def test_consent_pages_render_for_the_owning_team_and_are_not_found_for_others(client, session, setting):
    s = setting
    swc = f"/cases/{s.case.id}/share-without-consent/new"
    for user in (s.practitioner, s.manager):
        sign_in(client, session, user)
        for url, expected in _pages(s.case).items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert title(response) == f"{expected} – Early help casework", url
    assert title(client.get(swc)) == "Share without consent – Early help casework"
    tabs = page(client.get(f"/cases/{s.case.id}/team")).select(".moj-sub-navigation__link")
    assert [t.get_text(strip=True) for t in tabs][-5:] == ["Assessment", "Plan", "Consent", "Team", "Who can see"]
    assert [t.get_text(strip=True) for t in tabs if t.get("aria-current") == "page"] == ["Team"]

    join_team(session, s)  # in the team, but no sharing basis for health yet
    for user in (s.outsider, s.health_visitor):
        sign_in(client, session, user)
        for url in [*_pages(s.case), f"/cases/{s.case.id}"]:
            assert client.get(url).status_code == 404, url
        token = csrf(client.get("/my-work"))
        member = session.scalar(select(TeamMember))
        for url in (f"/cases/{s.case.id}/team/{member.id}/remove", f"/cases/{s.case.id}/consent/new"):  # type: ignore[union-attr]
            assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert count(session, TeamMember) == 1 and count(session, Consent) == 0


def test_consent_pages_recording_a_decision_appends_to_the_history(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    tab = client.get(f"/cases/{s.case.id}/consent")
    assert "No decisions have been recorded yet." in tab.get_data(as_text=True)
    url = page(tab).find("a", string="Record a decision")["href"]  # type: ignore[index]
    form = client.get(url)
    persons = [i.get_text(" ", strip=True) for i in page(form).select("#person_id, [name=person_id]")]
    assert len(persons) == 2
    recorded = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.mother.id,
            "given_by_person_id": "self",
            "purpose": "share",
            "decision": "given",
            "organisation_ids": [s.health.id],
            "method": "written",
            "expires_on": ["1", "6", str(today().year + 1)],
            "note": "Signed the form at home",
        },
    )
    assert recorded.status_code == 302 and recorded.headers["Location"].endswith(f"/cases/{s.case.id}/consent")
    tab = page(client.get(recorded.headers["Location"]))
    history = tab.select("table")[-1]
    rows = history.select("tbody tr")  # type: ignore[union-attr]
    assert len(rows) == 1 and f"Agreed to share with {HEALTH}" in rows[0].get_text(" ", strip=True)
    assert "Signed the form at home" in rows[0].get_text()
    card = next(c for c in tab.select(".govuk-summary-card") if "Dana Hart" in c.get_text())
    assert HEALTH in card.get_text(" ", strip=True) and "review by 1 June" in card.get_text(" ", strip=True)

    withdrawn = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.mother.id,
            "given_by_person_id": s.mother.id,
            "purpose": "share",
            "decision": "withdrawn",
            "method": "verbal",
        },
    )
    assert withdrawn.status_code == 302
    tab = page(client.get(f"/cases/{s.case.id}/consent"))
    rows = tab.select("table")[-1].select("tbody tr")
    assert [r.select("td")[2].get_text(" ", strip=True) for r in rows] == [
        "Withdrew every agreement to share",
        f"Agreed to share with {HEALTH}",
    ]  # newest first; the earlier decision is still there
    assert count(session, Consent) == 2
    card = next(c for c in tab.select(".govuk-summary-card") if "Dana Hart" in c.get_text())
    refused_row = next(r for r in card.select(".govuk-summary-list__row") if "Refused or withdrawn" in r.get_text())
    assert HEALTH in refused_row.get_text()
    assert "This case is not shared" in tab.get_text() or "No other organisation has a basis" in tab.get_text()


def test_consent_pages_errors_link_to_their_fields(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    url = f"/cases/{s.case.id}/consent/new"
    form = client.get(url)
    empty = client.post(url, data={"csrf_token": csrf(form)})
    assert empty.status_code == 200 and title(empty).startswith("Error: ")
    links = error_summary_links(empty)
    assert links == {
        "person_id": "Select whose information the decision is about",
        "given_by_person_id": "Select who made the decision",
        "purpose": "Select what the decision is about",
        "decision": "Select what they decided",
        "method": "Select how the decision was given",
    }
    for field in links:
        assert page(empty).find(id=field) is not None, field

    # A child under 16 deciding for themself needs the practitioner's judgement of competence.
    child = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.child.id,
            "given_by_person_id": "self",
            "purpose": "share",
            "decision": "refused",
            "organisation_ids": [s.health.id],
            "method": "verbal",
        },
    )
    links = error_summary_links(child)
    assert set(links) == {"competent"} and "judged competent" in links["competent"]
    assert page(child).find("input", id="competent") is not None
    assert page(child).find("input", {"name": "person_id", "value": s.child.id}).has_attr("checked")  # type: ignore[union-attr]
    assert count(session, Consent) == 0

    fine = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.child.id,
            "given_by_person_id": "self",
            "competent": "y",
            "purpose": "share",
            "decision": "refused",
            "organisation_ids": [s.health.id],
            "method": "verbal",
        },
    )
    assert fine.status_code == 302 and count(session, Consent) == 1

    past = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "person_id": s.mother.id,
            "given_by_person_id": s.mother.id,
            "purpose": "assessment",
            "decision": "given",
            "method": "written",
            "expires_on": ["1", "1", "2020"],
        },
    )
    assert error_summary_links(past) == {"expires_on": "The review date must be today or in the future"}

    sign_in(client, session, s.practitioner)
    team_url = f"/cases/{s.case.id}/team/new"
    team_form = client.get(team_url)
    no_one = client.post(team_url, data={"csrf_token": csrf(team_form)})
    assert error_summary_links(no_one) == {
        "user_id": "Choose either a practitioner or a family member",
        "role_in_team": "Enter their role in the team, for example 'Health visitor'",
    }
    assert page(no_one).find(id="user_id") is not None and page(no_one).find(id="role_in_team") is not None
    both = client.post(
        team_url, data={"csrf_token": csrf(team_form), "user_id": s.health_visitor.id, "person_id": s.mother.id, "role_in_team": "HV"}
    )
    assert set(error_summary_links(both)) == {"user_id"} and count(session, TeamMember) == 0


def test_consent_pages_team_add_and_remove(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    url = f"/cases/{s.case.id}/team/new"
    form = client.get(url)
    options = [o.get_text(strip=True) for o in page(form).select("#user_id option")]
    assert f"{s.health_visitor.name}, {HEALTH}" in options
    assert s.lead.name not in " ".join(options)  # not a practitioner or manager
    added = client.post(
        url, data={"csrf_token": csrf(form), "user_id": s.health_visitor.id, "person_id": "", "role_in_team": "Health visitor"}
    )
    assert added.status_code == 302
    client.post(url, data={"csrf_token": csrf(form), "person_id": s.mother.id, "role_in_team": "Parent"})
    again = client.post(url, data={"csrf_token": csrf(form), "person_id": s.mother.id, "role_in_team": "Parent"})
    assert "already in the team" in error_summary_links(again)["person_id"]
    team = client.get(f"/cases/{s.case.id}/team")
    text = page(team).get_text(" ", strip=True)
    assert s.health_visitor.name in text and HEALTH in text and "Health visitor" in text and "Dana Hart" in text
    remove = next(
        b for b in page(team).select("form button") if b.get_text(" ", strip=True) == f"Remove {s.health_visitor.name} from the team"
    )
    removed = client.post(remove.find_parent("form")["action"], data={"csrf_token": csrf(team)})  # type: ignore[index,union-attr]
    assert removed.status_code == 302
    text = page(client.get(f"/cases/{s.case.id}/team")).get_text(" ", strip=True)
    assert s.health_visitor.name not in text and "Dana Hart" in text


def test_consent_pages_viewers_follow_consent_and_show_who_is_withheld(client, session, setting):
    s = setting
    join_team(session, s)
    sign_in(client, session, s.practitioner)
    viewers = page(client.get(f"/cases/{s.case.id}/viewers"))
    unable = viewers.find("caption", string=lambda t: bool(t and "cannot see" in t)).find_parent("table")  # type: ignore[union-attr]
    assert s.health_visitor.name in unable.get_text() and "has not agreed to share with" in unable.get_text()  # type: ignore[union-attr]
    able = viewers.find("caption", string="People who can see the case").find_parent("table")  # type: ignore[union-attr]
    assert s.practitioner.name in able.get_text() and "the team that owns this case" in able.get_text()  # type: ignore[union-attr]
    assert s.manager.name in able.get_text() and s.health_visitor.name not in able.get_text()  # type: ignore[union-attr]
    sign_in(client, session, s.health_visitor)
    assert client.get(f"/cases/{s.case.id}").status_code == 404

    share(session, s)
    share(session, s, "refused", person=s.child, given_by=s.mother)  # Dana refuses for Leo
    assert client.get(f"/cases/{s.case.id}").status_code == 200
    sign_in(client, session, s.practitioner)
    viewers = page(client.get(f"/cases/{s.case.id}/viewers"))
    able = viewers.find("caption", string="People who can see the case").find_parent("table")  # type: ignore[union-attr]
    row = next(r for r in able.select("tbody tr") if s.health_visitor.name in r.get_text())  # type: ignore[union-attr]
    agreed_on = f"{today().day} {today():%B %Y}"
    assert f"Can see because the family agreed to share with {HEALTH} on {agreed_on}" in row.get_text(" ", strip=True)
    assert "Cannot see the details of Leo Hart" in row.get_text(" ", strip=True)
    withheld = viewers.find("h3", string="Whose details are withheld").find_next("table")  # type: ignore[union-attr]
    cells = [td.get_text(" ", strip=True) for td in withheld.select("tbody td")]  # type: ignore[union-attr]
    assert cells[0] == HEALTH and cells[1].startswith("Leo Hart (refused or withdrew")

    # The health visitor sees the case, but not Leo, nor Leo's name on the viewers page.
    sign_in(client, session, s.health_visitor)
    for url in (f"/cases/{s.case.id}/viewers", f"/cases/{s.case.id}/family", f"/cases/{s.case.id}/consent"):
        response = client.get(url)
        assert response.status_code == 200 and "Leo" not in response.get_data(as_text=True), url
    consent_tab = page(client.get(f"/cases/{s.case.id}/consent"))
    assert consent_tab.find("a", string="Record a decision") is None  # only the owning team records

    share(session, s, "withdrawn")
    assert client.get(f"/cases/{s.case.id}").status_code == 404  # withdrawal takes effect on the next request


def test_consent_pages_share_without_consent_waits_for_confirmation(client, session, setting):
    s = setting
    sign_in(client, session, s.practitioner)
    url = f"/cases/{s.case.id}/share-without-consent/new"
    assert client.get(url).status_code == 403
    assert client.post(f"/cases/{s.case.id}/share-without-consent", data={"csrf_token": csrf(client.get("/my-work"))}).status_code == 403
    assert page(client.get(f"/cases/{s.case.id}/consent")).find("a", string="Share without consent") is None

    sign_in(client, session, s.manager)
    form = client.get(url)
    empty = client.post(url, data={"csrf_token": csrf(form)})
    links = error_summary_links(empty)
    assert set(links) == {"organisation_ids", "lawful_basis", "justification", "expires_on"}
    for field in links:
        assert page(empty).find(id=field) is not None, field

    review = ["30", "6", str(today().year + 1)]
    answers = {
        "csrf_token": csrf(form),
        "organisation_ids": [s.health.id],
        "lawful_basis": "UK GDPR Art 6(1)(e) public task",
        "justification": "Disclosure at nursery.\nRisk of significant harm.",
        "expires_on": review,
    }
    check = client.post(url, data=answers)
    assert check.status_code == 200
    assert title(check) == "Check your answers before sharing without consent – Early help casework"
    text = page(check).get_text(" ", strip=True)
    assert "You are sharing without the family's consent: this decision is recorded, reported and reviewed" in text
    assert HEALTH in text and f"30 June {today().year + 1}" in text
    assert count(session, ShareWithoutConsent) == 0  # nothing is recorded until confirmed

    change = client.post(url, data={**answers, "change": "yes"})
    assert title(change) == "Share without consent – Early help casework"
    assert page(change).find("input", {"name": "lawful_basis"})["value"] == "UK GDPR Art 6(1)(e) public task"  # type: ignore[index]

    confirm = page(check).find("form", action=f"/cases/{s.case.id}/share-without-consent")
    assert confirm is not None
    hidden: dict[str, list[str]] = {}
    for field in confirm.select("input[type=hidden]"):
        hidden.setdefault(str(field["name"]), []).append(str(field["value"]))
    assert hidden["expires_on"] == ["30", "06", str(today().year + 1)]
    done = client.post(confirm["action"], data=hidden)
    assert done.status_code == 302 and done.headers["Location"].endswith("/viewers")
    assert count(session, ShareWithoutConsent) == 1
    row = session.scalar(select(ShareWithoutConsent))
    assert row.justification == "Disclosure at nursery.\nRisk of significant harm."  # type: ignore[union-attr]

    join_team(session, s)
    viewers = page(client.get(done.headers["Location"])).get_text(" ", strip=True)
    assert f"to share with {HEALTH} without consent, to be reviewed by 30 June {today().year + 1}" in viewers
    sign_in(client, session, s.health_visitor)
    assert client.get(f"/cases/{s.case.id}").status_code == 200


def test_consent_pages_safeguarding_lead_asks_if_a_family_is_known(client, session, setting):
    s = setting
    url = "/safeguarding/known"
    sign_in(client, session, s.practitioner)
    assert client.get(url).status_code == 403
    sign_in(client, session, s.lead)
    form = client.get(url)
    assert title(form) == "Is this family known to early help? – Early help casework"
    nav = [a.get_text(strip=True) for a in page(form).select(".govuk-service-navigation__link")]
    assert "Is this family known?" in nav
    empty = client.post(url, data={"csrf_token": csrf(form)})
    assert error_summary_links(empty) == {"family_name": "Enter a last name and date of birth, or an NHS number"}
    born = s.child.date_of_birth
    yes = page(client.post(url, data={"csrf_token": csrf(form), "family_name": "hart", "date_of_birth": [born.day, born.month, born.year]}))
    answer = yes.find(id="answer").get_text(" ", strip=True)  # type: ignore[union-attr]
    assert answer.startswith("Yes") and s.practitioner.name in answer and s.practitioner.email in answer
    assert "Leo" not in answer and "Attendance" not in yes.get_text()
    no = page(client.post(url, data={"csrf_token": csrf(form), "family_name": "Nobody", "date_of_birth": ["1", "1", "2015"]}))
    assert no.find(id="answer").get_text(" ", strip=True).startswith("No")  # type: ignore[union-attr]


def test_consent_pages_my_work_shows_consents_expiring_soon(client, session, setting):
    from casework.audit.read import events_after, head_seq

    s = setting
    share(session, s, expires_on=today() + timedelta(days=10))
    consent.record_consent(
        session,
        actor_for(s.practitioner),
        s.case.id,
        person_id=s.mother.id,
        purpose="assessment",
        decision="given",
        method="written",
        expires_on=today() + timedelta(days=90),
    )
    session.commit()
    sign_in(client, session, s.practitioner)
    before = head_seq(session)
    work = page(client.get("/my-work"))
    session.expire_all()
    assert [e.action for e in events_after(session, before)] == ["work.read"]
    table = work.find("h2", string="Consents expiring soon").find_next("table")  # type: ignore[union-attr]
    rows = table.select("tbody tr")  # type: ignore[union-attr]
    assert len(rows) == 1  # the agreement to early help is reviewed in 90 days: not yet
    assert f"To share with {HEALTH}" in rows[0].get_text() and "Dana Hart" in rows[0].get_text()
    assert rows[0].find("a")["href"] == f"/cases/{s.case.id}/consent"  # type: ignore[index]


def test_consent_pages_escape_user_text(client, session, setting):
    s = setting
    consent.record_consent(
        session,
        actor_for(s.practitioner),
        s.case.id,
        person_id=s.mother.id,
        purpose="assessment",
        decision="given",
        method="written",
        note='<script>alert("x")</script>',
    )
    consent.add_team_member(session, actor_for(s.practitioner), s.case.id, person_id=s.mother.id, role_in_team="<b>Mum</b>")
    session.commit()
    sign_in(client, session, s.practitioner)
    html = client.get(f"/cases/{s.case.id}/consent").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    html = client.get(f"/cases/{s.case.id}/team").get_data(as_text=True)
    assert "<b>Mum</b>" not in html and "&lt;b&gt;Mum&lt;/b&gt;" in html
