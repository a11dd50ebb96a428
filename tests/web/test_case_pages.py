"""Case pages: titles for the right roles, nothing for other teams, forms whose error summaries
link to their fields, refusals that change nothing, read-only closed cases, lists of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.auth.services import actor_for
from casework.cases import leads, services, transitions
from casework.cases.models import Case, LevelTransition
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page, title


@dataclass
class Team:
    practitioner: Any
    colleague: Any
    manager: Any
    outsider: Any
    family: Any


@pytest.fixture()
def team(world, session) -> Team:  # type: ignore[no-untyped-def]
    practitioner = world.user(roles=("practitioner",), team="Early Help North")
    org = practitioner.organisation
    colleague = world.user(roles=("practitioner",), team="Early Help North", org=org)
    manager = world.user(roles=("manager",), team="Early Help North", org=org)
    outsider = world.user(roles=("practitioner", "manager"), team="Early Help South", org=org)
    family = world.family(practitioner)
    world.person(practitioner, family, given_name="Mia", family_name="Hart")
    return Team(practitioner, colleague, manager, outsider, family)


def open_case(session, team: Team, level: int = 2, reason: str = "School worried about attendance", lead: bool = True) -> Case:  # type: ignore[no-untyped-def]
    actor = actor_for(team.practitioner)
    case = services.create_case(session, actor, family_id=team.family.id, level=level, source="request_for_support", reason=reason)
    if lead:
        leads.assign_lead(session, actor, case.id, user_id=team.practitioner.id)
    session.commit()
    return case


def reload(session, case: Case) -> Case:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Case, case.id)  # type: ignore[no-any-return]


def transition_count(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(LevelTransition)) or 0)


def test_case_pages_start_a_request_for_support_from_the_family(client, session, team):
    sign_in(client, session, team.practitioner)
    family_page = client.get(f"/families/{team.family.id}")
    start = page(family_page).find("a", string="Start a request for support")
    assert start is not None
    form = client.get(start["href"])
    assert title(form) == "Start a request for support – Early help casework"
    labels = [label.get_text(" ", strip=True) for label in page(form).select(".govuk-radios__label")]
    assert "Level 2: Early Help" in labels and "Level 3: Targeted / Family Help" in labels
    assert not any(label.startswith(("Level 1", "Level 4")) for label in labels)  # entry levels only

    empty = client.post(start["href"], data={"csrf_token": csrf(form)})
    assert title(empty).startswith("Error: ")
    assert error_summary_links(empty) == {
        "level": "Select the level of need",
        "source": "Select where the request came from",
        "reason": "Enter the reason for the request",
    }
    created = client.post(
        start["href"], data={"csrf_token": csrf(form), "level": "3", "source": "request_for_support", "reason": "Needs several agencies"}
    )
    assert created.status_code == 302
    summary = client.get(created.headers["Location"])
    assert title(summary) == "Case summary – Early help casework"
    assert "Level 3: Targeted / Family Help" in summary.get_data(as_text=True)

    # "Is there already an open case?" is answered before another is started.
    family_page = client.get(f"/families/{team.family.id}")
    assert page(family_page).find("a", string="Start a request for support") is None
    assert page(family_page).find("a", string="Go to the open case") is not None
    again = client.get(start["href"])
    assert page(again).select_one("main form") is None
    assert "already has an open case" in again.get_data(as_text=True)
    refused = client.post(start["href"], data={"csrf_token": csrf(form), "level": "2", "source": "other", "reason": "Again"})
    assert refused.status_code == 200 and "already has an open case" in refused.get_data(as_text=True)
    assert page(refused).find("a", string="Go to the open case") is not None
    assert session.scalar(select(func.count()).select_from(Case)) == 1


def _case_pages(case: Case, change: LevelTransition) -> dict[str, str]:
    return {
        f"/cases/{case.id}": "Case summary",
        f"/cases/{case.id}/family": "Family on this case",
        f"/cases/{case.id}/timeline": "Case timeline",
        f"/cases/{case.id}/lead-professional": "Assign a lead professional",
        f"/cases/{case.id}/transitions/new": "Request a change of level",
        f"/cases/{case.id}/close": "Close case",
        f"/transitions/{change.id}": "Change of level",
        f"/families/{case.family_id}/cases/new": "Start a request for support",
    }


def test_case_pages_render_for_the_team_and_are_not_found_for_others(client, session, team):
    case = open_case(session, team)
    change = transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=3, reason="More agencies")
    session.commit()
    for user in (team.practitioner, team.manager):
        sign_in(client, session, user)
        for url, expected in _case_pages(case, change).items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert title(response) == f"{expected} – Early help casework", url
    sign_in(client, session, team.outsider)
    for url in _case_pages(case, change):
        assert client.get(url).status_code == 404, url
    token = csrf(client.get("/my-work"))
    for url in (f"/transitions/{change.id}/accept", f"/transitions/{change.id}/decision", f"/cases/{case.id}/lead-professional/accept"):
        assert client.post(url, data={"csrf_token": token, "decision": "approved", "note": "x"}).status_code == 404, url
    assert "Mia Hart" not in client.get("/my-work").get_data(as_text=True)


def test_case_pages_summary_shows_tabs_flags_and_pending_changes(client, session, team):
    case = open_case(session, team)
    transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=3, reason="More agencies")
    session.commit()
    sign_in(client, session, team.practitioner)
    summary = page(client.get(f"/cases/{case.id}"))
    tabs = summary.select(".moj-sub-navigation__link")
    assert [t.get_text(strip=True) for t in tabs] == [
        "Summary",
        "Family",
        "Timeline",
        "Assessment",
        "Plan",
        "Consent",
        "Team",
        "Who can see",
    ]
    assert tabs[0].get("aria-current") == "page"
    text = summary.get_text(" ", strip=True)
    assert team.practitioner.name in text and "Request for support" in text and "Assessment due" in text
    assert "Step-up from level 2 to level 3 (Targeted / Family Help)" in text
    assert "Awaiting decision" in text
    family = page(client.get(f"/cases/{case.id}/family")).get_text(" ", strip=True)
    assert "Mia Hart" in family
    timeline = page(client.get(f"/cases/{case.id}/timeline"))
    titles = [t.get_text(strip=True) for t in timeline.select(".moj-timeline__title")]
    assert titles[-1].startswith("Request for support opened") and any("became lead professional" in t for t in titles)


def test_case_pages_forms_link_errors_to_fields(client, session, team):
    case = open_case(session, team)
    sign_in(client, session, team.practitioner)
    for url, expected in (
        (f"/cases/{case.id}/transitions/new", {"to_level", "reason"}),
        (f"/cases/{case.id}/close", {"reason", "summary"}),
        (f"/cases/{case.id}/lead-professional", {"user_id"}),
    ):
        form = client.get(url)
        response = client.post(url, data={"csrf_token": csrf(form)})
        assert response.status_code == 200
        assert set(error_summary_links(response)) == expected, url
        for field in expected:
            assert page(response).find(id=field) is not None, f"{url}: the error links to #{field}, which is not on the page"


def test_case_pages_needs_met_closure_is_refused_on_the_form(client, session, team):
    case = open_case(session, team)
    sign_in(client, session, team.practitioner)
    url = f"/cases/{case.id}/close"
    form = client.get(url)
    response = client.post(url, data={"csrf_token": csrf(form), "reason": "needs_met", "summary": "All better"})
    assert response.status_code == 200
    assert "needs a final review" in error_summary_links(response)["reason"]
    assert page(response).find("textarea", {"name": "summary"}).get_text().strip() == "All better"  # type: ignore[union-attr]
    assert reload(session, case).status == "requested"


def test_case_pages_second_pending_change_is_refused_and_changes_nothing(client, session, team):
    case = open_case(session, team)
    sign_in(client, session, team.practitioner)
    url = f"/cases/{case.id}/transitions/new"
    first = client.post(url, data={"csrf_token": csrf(client.get(url)), "to_level": "3", "reason": "More agencies"})
    assert first.status_code == 302
    second = client.post(url, data={"csrf_token": csrf(client.get(url)), "to_level": "1", "reason": "Better now"})
    assert second.status_code == 200
    assert error_summary_links(second) == {"to_level": "A change of level is already waiting for a decision."}
    assert transition_count(session) == 1
    assert reload(session, case).level == 2


def test_case_pages_immediate_risk_takes_effect_and_a_manager_approves_afterwards(client, session, team):
    case = open_case(session, team, level=3)
    transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=2, reason="Pending step-down")
    session.commit()
    sign_in(client, session, team.practitioner)
    url = f"/cases/{case.id}/transitions/new"
    form = client.get(url)
    hint = page(form).find(id="immediate_risk-hint")
    assert page(form).find(id="immediate_risk")["aria-describedby"] == "immediate_risk-hint"  # type: ignore[index]
    assert hint is not None and "managers approve it afterwards" in hint.get_text()
    # Nothing blocks an immediate-risk step-up: not even a change already waiting for a decision.
    response = client.post(url, data={"csrf_token": csrf(form), "to_level": "4", "reason": "Disclosure", "immediate_risk": "y"})
    assert response.status_code == 302
    assert "has taken effect" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert reload(session, case).level == 4

    sign_in(client, session, team.manager)
    queue = client.get("/approvals")
    assert title(queue) == "Approvals – Early help casework"
    reviews = [a["href"] for a in page(queue).select("a") if a.get_text(strip=True).startswith("Review")]
    assert len(reviews) == 1  # the overtaken step-down was closed off by the immediate-risk step-up
    first = client.get(reviews[0])
    assert "Approve afterwards" in first.get_data(as_text=True)
    decided = client.post(
        page(first).find("form", action=lambda a: bool(a and a.endswith("/decision")))["action"],  # type: ignore[index]
        data={"csrf_token": csrf(first), "version": page(first).find("input", {"name": "version"})["value"], "note": "Right call"},  # type: ignore[index]
    )
    assert decided.status_code == 302
    session.expire_all()
    up = session.scalar(select(LevelTransition).where(LevelTransition.immediate_risk.is_(True)))
    assert up is not None and up.decided_by_id == team.manager.id


def test_case_pages_step_down_needs_the_receiver_then_the_manager(client, session, team):
    case = open_case(session, team)
    transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=4, reason="Harm", immediate_risk=True)
    session.commit()
    sign_in(client, session, team.practitioner)
    url = f"/cases/{case.id}/transitions/new"
    form = client.get(url)
    missing = client.post(url, data={"csrf_token": csrf(form), "to_level": "3", "reason": "CIN plan ended"})
    assert set(error_summary_links(missing)) == {"receiving_lead_id", "family_agreement"}
    assert transition_count(session) == 1
    requested = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "to_level": "3",
            "reason": "CIN plan ended",
            "receiving_lead_id": team.colleague.id,
            "family_agreement": "y",
            "handover_notes": "Prefers texts",
        },
    )
    assert requested.status_code == 302
    down = session.scalar(select(LevelTransition).where(LevelTransition.direction == "step_down"))
    assert down is not None

    sign_in(client, session, team.colleague)
    work = client.get("/my-work")
    assert "Step-downs waiting for you to accept" in work.get_data(as_text=True)
    accept = page(work).find("form", action=f"/transitions/{down.id}/accept")
    assert accept is not None
    assert client.post(accept["action"], data={"csrf_token": csrf(work)}).status_code == 302

    sign_in(client, session, team.manager)
    shown = client.get(f"/transitions/{down.id}")
    version = page(shown).find("input", {"name": "version"})["value"]  # type: ignore[index]
    stale = client.post(f"/transitions/{down.id}/decision", data={"csrf_token": csrf(shown), "decision": "approved", "version": "999"})
    assert stale.status_code == 409
    approved = client.post(f"/transitions/{down.id}/decision", data={"csrf_token": csrf(shown), "decision": "approved", "version": version})
    assert approved.status_code == 302
    case = reload(session, case)
    assert (case.level, case.lead_professional_id) == (3, team.colleague.id)


def test_case_pages_rejecting_needs_a_note(client, session, team):
    case = open_case(session, team)
    change = transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=3, reason="More agencies")
    session.commit()
    sign_in(client, session, team.manager)
    shown = client.get(f"/transitions/{change.id}")
    response = client.post(
        f"/transitions/{change.id}/decision",
        data={"csrf_token": csrf(shown), "decision": "rejected", "version": str(change.version)},
    )
    assert error_summary_links(response) == {"note": "Say why the change is rejected"}
    session.expire_all()
    assert session.get(LevelTransition, change.id).status == "pending"  # type: ignore[union-attr]


def test_case_pages_closed_case_is_read_only(client, session, team):
    case = open_case(session, team)
    sign_in(client, session, team.practitioner)
    url = f"/cases/{case.id}/close"
    form = client.get(url)
    stale = client.post(url, data={"csrf_token": csrf(form), "reason": "family_disengaged", "summary": "Family moved on", "version": "999"})
    assert stale.status_code == 409  # someone changed the case since the form was opened
    assert reload(session, case).status == "requested"
    version = page(form).find("input", {"name": "version"})["value"]  # type: ignore[index]
    closed = client.post(
        url, data={"csrf_token": csrf(form), "reason": "family_disengaged", "summary": "Family moved on", "version": version}
    )
    assert closed.status_code == 302
    summary = client.get(f"/cases/{case.id}")
    text = page(summary).get_text(" ", strip=True)
    assert "Closed" in text and "Family no longer wishes to engage" in text and "Family moved on" in text
    hrefs = [a["href"] for a in page(summary).select("a")]
    assert not any(h.endswith(("/lead-professional", "/transitions/new", "/close")) for h in hrefs)
    for action in ("lead-professional", "transitions/new", "close"):
        assert client.get(f"/cases/{case.id}/{action}").status_code == 409
    family_page = client.get(f"/families/{team.family.id}")
    assert page(family_page).find("a", string="Start a request for support") is not None


def test_case_pages_my_work_lists_my_cases_and_handovers(client, session, world, team):
    open_case(session, team)
    colleague = actor_for(team.colleague)
    theirs_family = world.family(team.colleague)
    theirs = services.create_case(session, colleague, family_id=theirs_family.id, level=2, source="other", reason="Housing")
    leads.assign_lead(session, colleague, theirs.id, user_id=team.colleague.id)
    leads.assign_lead(session, colleague, theirs.id, user_id=team.practitioner.id, reason="Going on leave")
    session.commit()

    sign_in(client, session, team.practitioner)
    assert client.get("/").headers["Location"] == "/my-work"
    work = client.get("/my-work")
    assert title(work) == "My work – Early help casework"
    html = page(work)
    leading = html.find("h2", string="Cases you lead").find_next("table")  # type: ignore[union-attr]
    assert team.family.reference in leading.get_text() and theirs_family.reference not in leading.get_text()  # type: ignore[union-attr]
    handovers = html.find("h2", string="Handovers waiting for you").find_next("table")  # type: ignore[union-attr]
    assert theirs_family.reference in handovers.get_text() and "Going on leave" in handovers.get_text()  # type: ignore[union-attr]
    accept = handovers.find("form", action=f"/cases/{theirs.id}/lead-professional/accept")  # type: ignore[union-attr]
    assert accept is not None and handovers.find("form", action=f"/cases/{theirs.id}/lead-professional/decline") is not None  # type: ignore[union-attr]
    assert client.post(accept["action"], data={"csrf_token": csrf(work)}).status_code == 302
    assert reload(session, theirs).lead_professional_id == team.practitioner.id
    assert "A case has been handed over to you" in client.get("/my-work").get_data(as_text=True)


def test_case_pages_caseload_and_approvals_need_the_manager_role(client, session, team):
    open_case(session, team)
    sign_in(client, session, team.practitioner)
    assert client.get("/caseload").status_code == 403
    assert client.get("/approvals").status_code == 403
    nav = [a.get_text(strip=True) for a in page(client.get("/my-work")).select(".govuk-service-navigation__link")]
    assert "My work" in nav and "Caseload" not in nav and "Approvals" not in nav

    sign_in(client, session, team.manager)
    caseload = client.get("/caseload")
    assert title(caseload) == "Caseload – Early help casework"
    text = page(caseload).get_text(" ", strip=True)
    assert team.family.reference in text and team.practitioner.name in text
    filtered = client.get(f"/caseload?status=closed&lead={team.practitioner.id}")
    assert "No cases match." in filtered.get_data(as_text=True)
    assert client.get("/caseload?team=not-my-team").status_code == 404
    nav = [a.get_text(strip=True) for a in page(caseload).select(".govuk-service-navigation__link")]
    assert {"My work", "Caseload", "Approvals"} <= set(nav)


def test_case_pages_escape_user_text(client, session, team):
    case = open_case(session, team, reason='<script>alert("x")</script>')
    transitions.request_transition(session, actor_for(team.practitioner), case.id, to_level=3, reason="<b>bold</b>")
    session.commit()
    sign_in(client, session, team.practitioner)
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/timeline"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>bold</b>" not in html, url
    assert "&lt;script&gt;" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get(f"/cases/{case.id}/timeline").get_data(as_text=True)


def test_case_pages_reads_are_audited_and_refusals_leave_only_the_reads(client, session, team):
    from casework.audit.read import events_after, head_seq

    case = open_case(session, team)
    sign_in(client, session, team.practitioner)
    before = head_seq(session)
    client.get(f"/cases/{case.id}")
    session.expire_all()
    actions = [(e.action, e.actor_id) for e in events_after(session, before)]
    assert ("case.read", team.practitioner.id) in actions

    url = f"/cases/{case.id}/close"
    form = client.get(url)
    before = head_seq(session)
    client.post(url, data={"csrf_token": csrf(form), "reason": "needs_met", "summary": "All better"})
    session.expire_all()
    actions = [e.action for e in events_after(session, before)]
    assert "case.read" in actions and not any(a.endswith((".update", ".create")) for a in actions)


def test_case_pages_declining_a_handover_keeps_the_lead(client, session, team):
    case = open_case(session, team)
    leads.assign_lead(session, actor_for(team.practitioner), case.id, user_id=team.colleague.id, reason="Leave")
    session.commit()
    sign_in(client, session, team.colleague)
    summary = client.get(f"/cases/{case.id}")
    assert "Handover waiting for you" in summary.get_data(as_text=True)
    declined = client.post(f"/cases/{case.id}/lead-professional/decline", data={"csrf_token": csrf(summary)})
    assert declined.headers["Location"] == "/my-work"
    assert reload(session, case).lead_professional_id == team.practitioner.id
    assert "Handovers waiting for you" not in client.get("/my-work").get_data(as_text=True)
    again = client.post(f"/cases/{case.id}/lead-professional/accept", data={"csrf_token": csrf(summary)})
    assert again.status_code == 404  # nothing is waiting for them any more


def test_case_pages_caseload_is_paginated_and_filtered(client, session, world, team):
    actor = actor_for(team.practitioner)
    from casework.cases.work_views import PER_PAGE

    for n in range(PER_PAGE + 1):
        family = world.family(team.practitioner)
        services.create_case(session, actor, family_id=family.id, level=2 + n % 2, source="other", reason=f"Case {n}")
    session.commit()
    sign_in(client, session, team.manager)
    first = page(client.get("/caseload"))
    assert f"{PER_PAGE + 1} cases, page 1 of 2" in first.get_text(" ", strip=True)
    assert len(first.select("tbody tr")) == PER_PAGE + 3  # cases, plus a caseload row for each of the three team members
    following = first.select_one(".govuk-pagination__next a")
    assert following is not None and "page=2" in following["href"]
    second = page(client.get(following["href"]))
    assert "page 2 of 2" in second.get_text(" ", strip=True)
    level_three = page(client.get("/caseload?level=3"))
    assert f"{(PER_PAGE + 1) // 2} cases" in level_three.get_text(" ", strip=True)
