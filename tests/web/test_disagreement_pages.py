"""A statement of disagreement is shown wherever the opinion it answers is: the assessment's
page, its print view and PDF, the assessment and plan API, and the plan page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from casework.auth.services import actor_for
from casework.dataprotection import rectify
from casework.plans import services as plans
from tests.assessment_world import assessment_world, share_with_health, submitted_assessment
from tests.conftest import bearer, sign_in
from tests.web.pages import page

SAID = "I have never missed an appointment"
SAID_REVIEW = "The meeting did not hear me"


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    t = assessment_world(session, world)
    share_with_health(session, t, withhold=t.older)
    t.assessment = submitted_assessment(session, t.lead, t.case.id)
    lead = actor_for(t.lead)
    rectify.add_statement(
        session, lead, t.mother.id, record_type="assessment", record_id=t.assessment.id, section_key="analysis", text=SAID
    )
    t.plan = plans.start_plan(session, lead, t.case.id, analysis="Mother struggles")
    t.review = plans.hold_review(
        session, lead, t.plan.id, held_on=date.today(), attendance={t.lead.id: "present"}, scores={}, conclusion="same", summary="Stuck"
    )
    rectify.add_statement(session, lead, t.mother.id, record_type="review", record_id=t.review.id, section_key=None, text=SAID_REVIEW)
    # Kai (who refused sharing with health) disagrees too: health must not see his words
    rectify.add_statement(session, lead, t.older.id, record_type="review", record_id=t.review.id, section_key=None, text="Kai's words")
    session.commit()
    return t


def test_statement_is_shown_on_the_assessment_page_print_and_pdf(client, session, t):
    sign_in(client, session, t.lead)
    shown = client.get(f"/assessments/{t.assessment.id}")
    assert shown.status_code == 200
    statements = page(shown).find("h3", id="statements")
    assert statements is not None and SAID in statements.find_next("div").get_text()
    assert "Practitioner analysis" in statements.find_next("div").get_text()
    assert SAID in client.get(f"/assessments/{t.assessment.id}/print").get_data(as_text=True)
    pdf = client.get(f"/assessments/{t.assessment.id}/pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert SAID in text.replace("\n", " ")


def test_statement_is_in_the_assessment_and_plan_api(client, session, t):
    got = client.get(f"/api/v1/assessments/{t.assessment.id}", headers=bearer(session, t.lead)).json
    assert got["statements_of_disagreement"] == [
        {
            "section_key": "analysis",
            "person_id": t.mother.id,
            "text": SAID,
            "recorded_at": got["statements_of_disagreement"][0]["recorded_at"],
        }
    ]
    plan = client.get(f"/api/v1/cases/{t.case.id}/plan", headers=bearer(session, t.lead)).json
    assert [s["text"] for s in plan["reviews"][0]["statements_of_disagreement"]] == [SAID_REVIEW, "Kai's words"]
    # a partner whose organisation Kai refused sees the review and Ava's statement, not Kai's
    partner = client.get(f"/api/v1/cases/{t.case.id}/plan", headers=bearer(session, t.hv)).json
    assert [s["text"] for s in partner["reviews"][0]["statements_of_disagreement"]] == [SAID_REVIEW]


def test_statement_is_shown_on_the_plan_page(client, session, t):
    sign_in(client, session, t.lead)
    text = client.get(f"/cases/{t.case.id}/plan").get_data(as_text=True)
    assert SAID_REVIEW in text and "Statement of disagreement" in text


def test_statement_is_in_the_familys_plan(client, session, t):
    sign_in(client, session, t.lead)
    text = client.get(f"/cases/{t.case.id}/family-plan").get_data(as_text=True)
    assert SAID_REVIEW in text
    assert "Kai's words" not in text  # Kai asked not to share: he is never in the family's plan
