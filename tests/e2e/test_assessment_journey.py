"""The Early Help Assessment in the browser: Femi, the lead professional, starts the assessment of
a family with two children from the case's Assessment tab, works through every section of the
task list (one saved as a draft first), checks the answers and submits; Ruth, the team's
manager, signs it off; the assessment is read-only afterwards and has a print view. axe checks
every page on the way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Account, Seed, assert_accessible, check_page, sign_in

pytestmark = pytest.mark.e2e


LEAD = Account("femi.adeyemi@west.example.gov.uk", "juniper-harvest-beacon-71", "Femi Adeyemi", "Westshire Council")
MANAGER = Account("ruth.clarke@west.example.gov.uk", "indigo-falcon-meadow-26", "Ruth Clarke", "Westshire Council")


@dataclass(frozen=True)
class Family:
    case_id: str
    reference: str


@pytest.fixture(scope="module")
def okafor(e2e_database: tuple[Any, Any, Seed]) -> Family:
    """A team of its own (so the other journeys' empty states hold): Femi, a practitioner, and
    Ruth, the manager; the Okafor family (a mother with parental responsibility and two children),
    an open case led by Femi, and the mother's written agreement to early help and assessment."""
    from casework.audit import trail
    from casework.auth import services as auth
    from casework.auth.services import actor_for
    from casework.cases import leads
    from casework.cases import services as cases
    from casework.consent import services as consent
    from casework.families import services as families

    _, db, _seed = e2e_database
    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e"))
        council = auth.create_organisation(session, LEAD.organisation, "local_authority")
        users = {
            account.email: auth.create_user(
                session,
                email=account.email,
                name=account.name,
                organisation_id=council.id,
                roles=[role],
                team="Early Help West",
                password=account.password,
            )
            for account, role in ((LEAD, "practitioner"), (MANAGER, "manager"))
        }
        femi = users[LEAD.email]
        actor = actor_for(femi)
        family = families.create_family(session, actor, address_line_1="21 Park View", postcode="LS7 3JB")
        mother = families.add_member(
            session, actor, family.id, given_name="Ngozi", family_name="Okafor", role="parent_carer", parental_responsibility=True
        )
        families.add_member(
            session, actor, family.id, given_name="Chidi", family_name="Okafor", role="child", date_of_birth=date(2015, 3, 2)
        )
        families.add_member(session, actor, family.id, given_name="Ada", family_name="Okafor", role="child", date_of_birth=date(2019, 7, 9))
        case = cases.create_case(session, actor, family_id=family.id, level=2, source="request_for_support", reason="School attendance")
        leads.assign_lead(session, actor, case.id, user_id=femi.id, reason="Allocated")
        consent.record_consent(session, actor, case.id, person_id=mother.id, purpose="assessment", decision="given", method="written")
        session.commit()
        assert family.reference is not None
        return Family(case.id, family.reference)
    finally:
        session.close()


def fill_section(page: Any, words: str) -> None:
    """Answer every question on a section page: text in each box, the first option of each choice."""
    for box in page.locator("textarea").all():
        box.fill(words)
    for group in page.locator(".govuk-radios").all():
        group.locator("input[type=radio]").first.check()


def test_assessment_journey_two_children_submitted_and_signed_off(page: Any, okafor: Family) -> None:
    sign_in(page, LEAD)
    page.goto(f"/cases/{okafor.case_id}")
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name="Assessment").click()
    expect(page).to_have_title("Early Help Assessment – Early help casework")
    expect(page.get_by_text("No assessment has been started yet.")).to_be_visible()
    check_page(page, "assessment-01-tab")
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_text("Assessment started.")).to_be_visible()
    expect(page).to_have_title("Early Help Assessment 1 – Early help casework")
    groups = page.locator("h3.govuk-heading-s")
    expect(groups).to_have_text(["The whole family", "Chidi", "Ada"])
    check_page(page, "assessment-02-task-list")
    tasks = page.locator(".govuk-task-list__item")
    total = tasks.count()
    assert total == 11  # 5 whole-family sections, 3 for each child

    # The first section is saved as a draft and shows as in progress.
    tasks.first.get_by_role("link").click()
    check_page(page, "assessment-03-section")
    page.locator("textarea").first.fill("Warm relationships; grandparents nearby.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-task-list__item").first).to_contain_text("In progress")

    # Then every section is completed through the task list.
    for n in range(total):
        item = page.locator(".govuk-task-list__item").nth(n)
        item.get_by_role("link").click()
        title = page.title()
        check_page(page, f"assessment-04-section-{n + 1}")
        fill_section(page, f"What we found out ({n + 1}).")
        page.get_by_role("button", name="Save and mark as complete").click()
        expect(page.get_by_text("completed.")).to_be_visible()
        assert title.split(" – ")[0] in page.locator(".govuk-notification-banner").inner_text()
    expect(page.locator(".govuk-task-list__status").filter(has_text="Completed")).to_have_count(total)
    expect(page.get_by_text(f"You have completed {total} of {total} sections.")).to_be_visible()
    check_page(page, "assessment-05-all-complete")

    # Check the answers and submit.
    page.get_by_role("button", name="Check and submit").click()
    expect(page).to_have_title("Check the assessment and submit it – Early help casework")
    expect(page.get_by_role("heading", name="The child's own view: Ada")).to_be_visible()
    check_page(page, "assessment-06-check-answers")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_text("Assessment submitted.")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Waiting for sign-off")
    check_page(page, "assessment-07-submitted")
    assessment_url = page.url

    # The print view holds the whole assessment.
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^Early Help Assessment 1: family {okafor.reference}"))
    expect(page.get_by_role("heading", name="The child's developmental needs: Chidi")).to_be_visible()
    assert_accessible(page)

    # Ruth, the manager, signs it off.
    page.goto("/my-work")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, MANAGER)
    page.goto(assessment_url)
    check_page(page, "assessment-08-manager-task-list")
    page.get_by_role("button", name="Sign off or return").click()
    expect(page).to_have_title("Sign off or return the assessment – Early help casework")
    check_page(page, "assessment-09-review")
    page.get_by_role("button", name="Confirm decision").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "assessment-10-review-errors")
    page.get_by_role("group", name="Your decision").get_by_label("Sign off the assessment").check()
    page.get_by_role("button", name="Confirm decision").click()
    expect(page.get_by_text("Assessment signed off. It is now read-only.")).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Signed off")
    expect(page.get_by_text("This assessment has been signed off and is read-only.")).to_be_visible()
    expect(page.locator(".govuk-task-list__item a")).to_have_count(0)
    check_page(page, "assessment-11-signed-off")
