"""A Team Around the Family plan in the browser: the lead professional starts the plan at the
first TAF meeting, adds outcomes and actions, holds two reviews with scores, sees the distance
travelled chart and its table, prints the family's plan, and closes the case with needs met.
axe checks every page on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.assessment_world import submitted_assessment
from tests.e2e.conftest import Seed, check_page, sign_in

pytestmark = pytest.mark.e2e


def _seed_case(db: Any, seed: Seed) -> tuple[str, str]:
    """A family (Kai Ward and his mother Jess) with an open level 3 case that Sam leads, its
    assessment submitted."""
    from sqlalchemy import select

    from casework.audit import trail
    from casework.auth.models import User
    from casework.auth.services import actor_for
    from casework.cases import leads
    from casework.cases import services as cases
    from casework.families import services as families

    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e-plan"))
        sam = session.scalar(select(User).where(User.email == seed.practitioner.email))
        actor = actor_for(sam)
        ward = families.create_family(session, actor, address_line_1="5 Canal Street", postcode="LS2 7EH")
        families.add_member(session, actor, ward.id, given_name="Kai", family_name="Ward", role="child", date_of_birth=date(2015, 5, 3))
        families.add_member(
            session, actor, ward.id, given_name="Jess", family_name="Ward", role="parent_carer", parental_responsibility=True
        )
        case = cases.create_case(session, actor, family_id=ward.id, level=3, source="request_for_support", reason="Kai is missing school.")
        leads.assign_lead(session, actor, case.id, user_id=sam.id)
        submitted_assessment(session, sam, case.id)  # the first TAF meeting plans from the assessment
        session.commit()
        return case.id, str(ward.reference)
    finally:
        session.close()


def _date(page: Any, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _review(page: Any, held: date, score: str, conclusion: str, summary: str, final: bool = False) -> None:
    page.get_by_role("button", name="Record a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a review")
    check_page(page, f"plan-review-{score}")
    _date(page, "Date of the meeting", held)
    page.get_by_role("group", name="Sam Patel").get_by_label("Present").check()
    page.get_by_role("group", name="Jess Ward (family)").get_by_label("Present").check()
    page.get_by_role("group", name="Kai Ward (family)").get_by_label("Not invited").check()
    page.get_by_label("Outcome 1: Kai goes to school every day").fill(score)
    page.get_by_role("group", name="Since the last meeting, are things").get_by_label(conclusion).check()
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Internal notes").fill("Internal: school attendance officer involved.")
    if final:
        page.get_by_label("This is the final review").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Review recorded", exact=True)).to_be_visible()


def test_plan_journey_from_first_taf_to_needs_met(page: Any, e2e_database: Any) -> None:
    _, db, seed = e2e_database
    case_id, reference = _seed_case(db, seed)
    sign_in(page, seed.practitioner)

    page.goto(f"/cases/{case_id}")
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Plan").click()
    expect(page.get_by_text("This case has no plan yet.")).to_be_visible()
    check_page(page, "plan-01-no-plan")
    page.get_by_role("button", name="Start the plan").click()
    check_page(page, "plan-02-start")
    _date(page, "Date of the first Team Around the Family meeting", date.today() - timedelta(days=14))
    page.get_by_label("The family's strengths").fill("Jess and Kai are close and Kai loves football.")
    page.get_by_label("If things get worse").fill("Jess calls Sam or the early help hub.")
    page.get_by_label("Practitioners' analysis (internal)").fill("Attendance is the main worry.")
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_text("Plan started. Next, add the outcomes the family wants.")).to_be_visible()
    check_page(page, "plan-03-started")

    page.get_by_role("button", name="Add an outcome").click()
    page.get_by_role("button", name="Add outcome").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page, "plan-04-outcome-errors")
    page.get_by_role("group", name="Who is this outcome for?").get_by_label("Kai Ward").check()
    page.get_by_label("What will be better?").fill("Kai goes to school every day")
    page.get_by_label("The need it meets").fill("School attendance")
    page.get_by_label("Score today").fill("3")
    page.get_by_role("button", name="Add outcome").click()
    expect(page.get_by_text("Outcome added", exact=True)).to_be_visible()

    page.get_by_role("button", name="Add an action").click()
    check_page(page, "plan-05-action")
    page.get_by_role("group", name="Which outcome is this action for?").get_by_label("Kai goes to school every day").check()
    page.get_by_label("What will be done?").fill("Walk Kai to school each morning")
    page.get_by_label("Who will do it?").select_option(label="Jess Ward (family)")
    _date(page, "Done by", date.today() + timedelta(days=28))
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_text("Action added", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Walk Kai to school each morning")).to_be_visible()

    _review(page, date.today() - timedelta(days=7), "5", "Better", "Kai went to school four days out of five.")
    _review(page, date.today(), "9", "Better", "Kai has been at school every day for three weeks.", final=True)

    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    expect(page.locator("#chart-1-desc")).to_contain_text("Review 2")
    table = page.get_by_role("table", name=re.compile("Scores for outcome 1"))
    expect(table.get_by_role("row")).to_have_count(4)  # header, baseline, two reviews
    expect(table).to_contain_text("9")
    check_page(page, "plan-06-chart")

    page.get_by_role("link", name="The family's plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your family's plan")
    expect(page.get_by_text('You said: "Kai goes to school every day"')).to_be_visible()
    expect(page.get_by_text("Attendance is the main worry.")).to_have_count(0)
    expect(page.get_by_text("Internal: school attendance officer involved.")).to_have_count(0)
    check_page(page, "plan-07-family-plan")

    page.goto(f"/cases/{case_id}/close")
    check_page(page, "plan-08-close")
    page.get_by_label("Needs met").check()
    page.get_by_label("Moving-on summary").fill("Kai is settled at school; Jess knows who to call.")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_text("Case closed", exact=True)).to_be_visible()
    check_page(page, "plan-09-closed")
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Plan").click()
    expect(page.get_by_text("No further review: the final review was held")).to_be_visible()
    expect(page.get_by_role("button", name="Add an outcome")).to_have_count(0)
    check_page(page, "plan-10-closed-plan")
    assert reference
