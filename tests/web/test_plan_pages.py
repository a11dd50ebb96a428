"""Plan pages: start the plan, add outcomes and actions, hold reviews with scores, see the
distance-travelled chart and table, the family's plan (page and PDF, without canaries), closure
with needs met, and the post-closure check from My work."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from casework.db import today
from casework.plans import services as plans
from casework.plans.models import Action, Outcome, Plan, PostClosureCheck
from tests.assessment_world import submitted_assessment
from tests.conftest import sign_in
from tests.web.pages import csrf, error_summary_links, page

#: Words planted where the family's plan must never show them.
CANARIES = {
    "analysis": "CANARY-ANALYSIS-Wolverton",
    "internal": "CANARY-INTERNAL-Brackley",
    "progress": "CANARY-PROGRESS-Towcester",
    "swc_outcome": "CANARY-SWC-OUTCOME-Olney",
    "swc_action": "CANARY-SWC-ACTION-Buckingham",
    "swc_review": "CANARY-SWC-REVIEW-Winslow",
    "withheld": "CANARY-WITHHELD-Stony",
    "withheld_name": "Zebedee",
}


def _date(name: str, day: date) -> dict[str, list[str]]:
    return {name: [str(day.day), str(day.month), str(day.year)]}


@pytest.fixture()
def setting(session, world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    lead = world.user(roles=("practitioner",), team="Early Help North")
    org = lead.organisation
    health = world.org("health", "Community Health")
    family = world.family(lead)
    mum = world.person(lead, family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name="Mia", family_name="Quill", date_of_birth=date(2016, 4, 1))
    uncle = world.person(lead, family, given_name=CANARIES["withheld_name"], family_name="Quill", role="other_adult")
    a = actor_for(lead)
    case = cases.create_case(session, a, family_id=family.id, level=3, source="request_for_support", reason="Worried")
    leads.assign_lead(session, a, case.id, user_id=lead.id)
    submitted_assessment(session, lead, case.id)
    refusal = {"purpose": "share", "method": "verbal", "decision": "refused", "organisation_ids": [health.id]}
    consent.record_consent(session, a, case.id, person_id=uncle.id, **refusal)
    session.commit()
    return {"lead": lead, "org": org, "mum": mum, "child": child, "uncle": uncle, "case": case, "a": a}


def test_plan_pages_journey_with_the_family_plan_free_of_canaries(app, client, session, setting):
    s = setting
    case_id = s["case"].id
    sign_in(client, session, s["lead"])
    start = client.get(f"/cases/{case_id}/plan")
    assert start.status_code == 200 and "Start the plan" in start.get_data(as_text=True)
    form = client.get(f"/cases/{case_id}/plan/new")
    agreed = today() - timedelta(days=14)
    response = client.post(
        f"/cases/{case_id}/plan/new",
        data={
            "csrf_token": csrf(form),
            **_date("agreed_on", agreed),
            "strengths": "We are close as a family",
            "contingency": "Ring the early help hub",
            "analysis": CANARIES["analysis"],
        },
    )
    assert response.status_code == 302
    plan = session.scalar(select(Plan).where(Plan.case_id == case_id))
    session.refresh(s["case"])
    assert plan is not None and s["case"].status == "plan" and plan.agreed_on == agreed

    new_outcome = client.get(f"/plans/{plan.id}/outcomes/new")
    bad = client.post(f"/plans/{plan.id}/outcomes/new", data={"csrf_token": csrf(new_outcome), "baseline_score": "12"})
    assert bad.status_code == 200 and set(error_summary_links(bad)) >= {"person_ids", "what_better_looks_like", "baseline_score"}
    for people, text, swc in (
        ([s["child"].id], "Mia goes to school every day", ""),
        ([s["uncle"].id], CANARIES["withheld"], ""),
        ([s["mum"].id], CANARIES["swc_outcome"], "y"),
    ):
        data = {
            "csrf_token": csrf(new_outcome),
            "person_ids": people,
            "what_better_looks_like": text,
            "need": "Attendance",
            "baseline_score": "3",
        }
        if swc:
            data["shared_without_consent"] = "y"
        assert client.post(f"/plans/{plan.id}/outcomes/new", data=data).status_code == 302
    mia = next(o for o in session.scalars(select(Outcome).where(Outcome.plan_id == plan.id)) if o.person_ids == [s["child"].id])

    new_action = client.get(f"/plans/{plan.id}/actions/new")
    due = today() + timedelta(days=21)
    for owner, text, swc in ((f"person:{s['mum'].id}", "Walk Mia to school", ""), (f"user:{s['lead'].id}", CANARIES["swc_action"], "y")):
        data = {"csrf_token": csrf(new_action), "outcome_id": mia.id, "description": text, "owner": owner, **_date("due_on", due)}
        if swc:
            data["shared_without_consent"] = "y"
        added = client.post(f"/plans/{plan.id}/actions/new", data=data)
        assert added.status_code == 302, error_summary_links(added)
    walk = session.scalar(select(Action).where(Action.plan_id == plan.id, Action.owner_person_id == s["mum"].id))
    assert walk is not None
    edit = client.get(f"/actions/{walk.id}")
    assert edit.status_code == 200
    done = client.post(
        f"/actions/{walk.id}",
        data={"csrf_token": csrf(edit), "status": "in_progress", "note": CANARIES["progress"], "version": str(walk.version)},
    )
    assert done.status_code == 302

    outcomes = list(session.scalars(select(Outcome).where(Outcome.plan_id == plan.id)))
    for n, (held, conclusion, summary, swc) in enumerate(
        (
            (today() - timedelta(days=7), "same", "Mia went to school three days a week", ""),
            (today(), "better", "Mia went to school every day this week", ""),
            (today(), "better", CANARIES["swc_review"], "y"),
        )
    ):
        form = client.get(f"/plans/{plan.id}/reviews/new")
        data = {
            "csrf_token": csrf(form),
            **_date("held_on", held),
            f"attendance-{s['lead'].id}": "present",
            f"attendance-{s['mum'].id}": "present",
            **{f"score-{o.id}": str(4 + n) for o in outcomes},
            "conclusion": conclusion,
            "summary": summary,
            "internal_notes": CANARIES["internal"],
        }
        if swc:
            data["shared_without_consent"] = "y"
        assert client.post(f"/plans/{plan.id}/reviews/new", data=data).status_code == 302, n
    empty = client.post(f"/plans/{plan.id}/reviews/new", data={"csrf_token": csrf(form)})
    assert {"held_on", "attendees", "conclusion", "summary"} <= set(error_summary_links(empty))

    shown = client.get(f"/cases/{case_id}/plan")
    body = page(shown)
    svg = body.select_one("svg[role=img]")
    assert svg is not None and svg.find("title") is not None and "Baseline" in svg.find("desc").get_text()
    assert body.find("script") is None or not body.select("svg script")
    assert "Review 2" in body.get_text()

    family_page = client.get(f"/cases/{case_id}/family-plan")
    text = page(family_page).get_text()
    assert 'You said: "Mia goes to school every day"' in text and "Ava will walk Mia to school" in text
    pdf = client.get(f"/cases/{case_id}/family-plan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = " ".join(pdf_text.split())
    assert "Your family's plan" in flat and "Mia goes to school every day" in flat and "We will" in flat
    assert "Ring the early help hub" in flat and "Mia went to school every day this week" in flat
    for where, canary in CANARIES.items():
        assert canary not in text, f"the family's plan page shows the {where} canary"
        assert canary not in flat, f"the family's plan PDF shows the {where} canary"


def test_plan_pages_closure_needs_met_and_the_post_closure_check(app, client, session, setting):
    s = setting
    plan = plans.start_plan(session, s["a"], s["case"].id, agreed_on=today() - timedelta(days=7))
    outcome = plans.add_outcome(
        session, s["a"], plan.id, person_ids=[s["child"].id], need="School", what_better_looks_like="School every day", baseline_score=2
    )
    session.commit()
    sign_in(client, session, s["lead"])
    close = client.get(f"/cases/{s['case'].id}/close")
    refused = client.post(
        f"/cases/{s['case'].id}/close",
        data={"csrf_token": csrf(close), "reason": "needs_met", "summary": "Moving on", "version": str(s["case"].version)},
    )
    assert refused.status_code == 200 and "final review" in refused.get_data(as_text=True)
    plans.hold_review(
        session,
        s["a"],
        plan.id,
        held_on=today(),
        attendance={s["lead"].id: "present"},
        scores={outcome.id: 8},
        conclusion="better",
        summary="Done",
        final=True,
    )
    session.commit()
    case = s["case"]
    session.refresh(case)
    close = client.get(f"/cases/{case.id}/close")
    closed = client.post(
        f"/cases/{case.id}/close",
        data={"csrf_token": csrf(close), "reason": "needs_met", "summary": "Mia is settled at school", "version": str(case.version)},
    )
    assert closed.status_code == 302
    check = session.scalar(select(PostClosureCheck).where(PostClosureCheck.case_id == case.id))
    assert check is not None
    check.due_on = today()
    session.commit()
    work = client.get("/my-work")
    assert f"/post-closure-checks/{check.id}" in work.get_data(as_text=True)
    form = client.get(f"/post-closure-checks/{check.id}")
    assert client.post(f"/post-closure-checks/{check.id}", data={"csrf_token": csrf(form), "sustained": "yes"}).status_code == 302
    session.refresh(check)
    assert check.sustained is True


def test_plan_pages_partners_read_but_do_not_write(app, client, session, setting, world):
    s = setting
    outsider = world.user(roles=("practitioner",), team="Early Help South", org=s["org"])
    colleague = world.user(roles=("practitioner",), team="Youth Service", org=s["org"])
    consent.add_team_member(session, s["a"], s["case"].id, user_id=colleague.id, role_in_team="Youth worker")
    plan = plans.start_plan(session, s["a"], s["case"].id)
    session.commit()
    sign_in(client, session, colleague)
    assert client.get(f"/cases/{s['case'].id}/plan").status_code == 200
    assert client.get(f"/plans/{plan.id}/outcomes/new").status_code == 403
    assert client.get(f"/cases/{s['case'].id}/family-plan").status_code == 403
    sign_in(client, session, outsider)
    assert client.get(f"/cases/{s['case'].id}/plan").status_code == 404
