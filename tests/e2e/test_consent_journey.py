"""Sharing follows the family's consent, in the browser: the owning team's practitioner adds a
health visitor to the team around the family; the health visitor cannot open the case until the
mother agrees to share with the health organisation; after she withdraws, the health visitor's
next request is refused again. The health visitor stays signed in, in a browser of her own,
throughout. axe checks every page on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Seed, check_page, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture()
def second_page(browser: Any, live_server: str) -> Iterator[Any]:
    """Another person's browser, with cookies of its own."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def expect_not_found(page: Any, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page).to_have_title("Page not found – Early help casework")
    expect(page.get_by_role("main")).not_to_contain_text("Ellis")
    check_page(page, name)


def shared_with(page: Any) -> Any:
    return page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Basis", exact=True))


def tab(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Case sections").get_by_role("link", name=name).click()


def record_decision(page: Any, person: str, decision: str, organisation: str | None, method: str) -> None:
    page.get_by_role("group", name="Whose information is the decision about?").get_by_label(person).check()
    page.get_by_role("group", name="Who made the decision?").get_by_label("The person themself").check()
    page.get_by_role("group", name="What is the decision about?").get_by_label("Sharing information with other organisations").check()
    page.get_by_role("group", name="What did they decide?").get_by_label(decision, exact=True).check()
    if organisation:
        page.get_by_role("group", name="Which organisations does the decision cover?").get_by_label(organisation).check()
    page.get_by_role("group", name="How was the decision given?").get_by_label(method).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded. Who can see this family has been updated.")).to_be_visible()


def test_consent_journey_sharing_follows_consent(page: Any, second_page: Any, e2e_seed: Seed) -> None:
    seed = e2e_seed
    sam, grace = seed.practitioner, seed.health_visitor
    health = grace.organisation
    case_url = f"/cases/{seed.consent_case_id}"

    # Grace, the health visitor, signs in: the family's case does not exist for her.
    sign_in(second_page, grace)
    expect_not_found(second_page, case_url, "consent-01-health-visitor-not-found")

    # Sam, of the owning team, adds Grace to the team around the family.
    sign_in(page, sam)
    page.goto(case_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Family {seed.consent_family_reference}")
    tab(page, "Team")
    expect(page).to_have_title("Team around the family – Early help casework")
    expect(page.get_by_text("No practitioners have been added to the team yet.")).to_be_visible()
    check_page(page, "consent-02-team-empty")
    page.get_by_role("link", name="Add someone to the team").click()
    expect(page).to_have_title("Add someone to the team around the family – Early help casework")
    check_page(page, "consent-03-add-to-team")
    page.get_by_role("button", name="Add to the team").click()
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Choose either a practitioner or a family member")
    expect(link).to_have_attribute("href", "#user_id")
    check_page(page, "consent-04-add-to-team-errors")
    page.get_by_label("Practitioner", exact=True).select_option(label=f"{grace.name}, {health}")
    page.get_by_label("Their role in the team").fill("Health visitor")
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_text("Added to the team around the family")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=grace.name)
    expect(row).to_contain_text(health)
    expect(row).to_contain_text("Health visitor")
    check_page(page, "consent-05-team")

    # Being in the team is not enough: Grace cannot see the case, and the page says why.
    tab(page, "Who can see")
    expect(page).to_have_title("Who can see this family, and why – Early help casework")
    unable = page.get_by_role("table", name="In the team around the family, but cannot see the case")
    expect(unable.get_by_role("row").filter(has_text=grace.name)).to_contain_text(f"the family has not agreed to share with {health}")
    expect(page.get_by_role("table", name="People who can see the case")).to_contain_text(sam.name)
    check_page(page, "consent-06-viewers-before")
    expect_not_found(second_page, case_url, "consent-07-health-visitor-still-not-found")

    # Sam records Maya's agreement to share with the health organisation.
    tab(page, "Consent")
    expect(page).to_have_title("Consent and information sharing – Early help casework")
    expect(page.get_by_text("No decisions have been recorded yet.")).to_be_visible()
    check_page(page, "consent-08-consent-tab-empty")
    page.get_by_role("link", name="Record a decision").click()
    expect(page).to_have_title("Record a consent decision – Early help casework")
    check_page(page, "consent-09-record-decision")
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Select whose information the decision is about")).to_have_attribute("href", "#person_id")
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, "consent-10-record-decision-errors")
    record_decision(page, "Maya Ellis", "Agreed", health, "In writing")
    history = page.get_by_role("table", name=re.compile("^Every decision recorded"))
    expect(history.get_by_role("row")).to_have_count(2)  # the header and one decision
    expect(history).to_contain_text(f"Agreed to share with {health}")
    expect(shared_with(page).get_by_role("row").filter(has_text=health)).to_contain_text("The family's agreement")
    check_page(page, "consent-11-consent-given")

    # Grace can now open the case; the viewers page says why.
    response = second_page.goto(case_url)
    assert response is not None and response.status == 200
    expect(second_page.get_by_role("heading", level=1)).to_have_text(f"Family {seed.consent_family_reference}")
    check_page(second_page, "consent-12-health-visitor-sees-the-case")
    tab(page, "Who can see")
    able = page.get_by_role("table", name="People who can see the case")
    expect(able.get_by_role("row").filter(has_text=grace.name)).to_contain_text(
        re.compile(rf"Can see because the family agreed to share with {re.escape(health)} on \d{{1,2}} \w+ \d{{4}}")
    )
    check_page(page, "consent-13-viewers-after")

    # Maya withdraws: Grace's very next request is refused.
    tab(page, "Consent")
    page.get_by_role("link", name="Record a decision").click()
    record_decision(page, "Maya Ellis", "Withdrew an agreement given before", None, "Verbally")
    history = page.get_by_role("table", name=re.compile("^Every decision recorded"))
    expect(history.get_by_role("row")).to_have_count(3)
    expect(history.get_by_role("row").nth(1)).to_contain_text("Withdrew every agreement to share")
    expect(history.get_by_role("row").nth(2)).to_contain_text(f"Agreed to share with {health}")  # never overwritten
    card = page.locator(".govuk-summary-card").filter(has_text="Maya Ellis")
    expect(card.locator(".govuk-summary-list__row").filter(has_text="Refused or withdrawn")).to_contain_text(health)
    check_page(page, "consent-14-consent-withdrawn")
    expect_not_found(second_page, case_url, "consent-15-health-visitor-not-found-again")


def test_consent_journey_share_without_consent_and_is_this_family_known(page: Any, e2e_seed: Seed) -> None:
    seed = e2e_seed
    priya, kim = seed.manager, seed.safeguarding_lead
    health = seed.health_visitor.organisation
    case_url = f"/cases/{seed.consent_case_id}"

    # Priya, a manager of the owning team, decides to share without consent: first what, with
    # whom and why; then she checks her answers; nothing is recorded until she confirms.
    sign_in(page, priya)
    page.goto(case_url)
    tab(page, "Consent")
    page.get_by_role("link", name="Share without consent").click()
    expect(page).to_have_title("Share without consent – Early help casework")
    check_page(page, "swc-01-form")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Enter the lawful basis for sharing without consent")).to_have_attribute(
        "href", "#lawful_basis"
    )
    expect(summary.get_by_role("link", name="Enter the date this decision must be reviewed by")).to_have_attribute("href", "#expires_on")
    check_page(page, "swc-02-form-errors")
    page.get_by_role("group", name="Which organisations will the information be shared with?").get_by_label(health).check()
    page.get_by_label("Lawful basis").fill("UK GDPR Article 6(1)(e) public task; Article 9(2)(g)")
    page.get_by_label("Why must information be shared without consent?").fill("Ruby's weight has fallen sharply; Maya has refused contact.")
    review = page.get_by_role("group", name="Review this decision by")
    review.get_by_label("Day").fill("30")
    review.get_by_label("Month").fill("6")
    review.get_by_label("Year").fill("2099")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Check your answers before sharing without consent – Early help casework")
    expect(
        page.get_by_text("You are sharing without the family's consent: this decision is recorded, reported and reviewed")
    ).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("30 June 2099")
    check_page(page, "swc-03-check-answers")
    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Lawful basis")).to_have_value("UK GDPR Article 6(1)(e) public task; Article 9(2)(g)")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Record the decision to share without consent").click()
    expect(page.get_by_text("Decision to share without consent recorded.")).to_be_visible()
    expect(page).to_have_title("Who can see this family, and why – Early help casework")
    check_page(page, "swc-04-recorded")
    tab(page, "Consent")
    shared = shared_with(page).get_by_role("row").filter(has_text=health)
    expect(shared).to_contain_text("A decision to share without consent")
    expect(page.get_by_role("table").filter(has_text="Lawful basis and reason")).to_contain_text("Ruby's weight has fallen sharply")
    check_page(page, "swc-05-consent-tab")
    # The decision is in the report of decisions to share without consent, for review.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Shares without consent").click()
    expect(page).to_have_title("Decisions to share without consent – Early help casework")
    decision = page.get_by_role("row").filter(has_text="Ruby's weight has fallen sharply")
    expect(decision).to_contain_text(health)
    expect(decision).to_contain_text("30 June 2099")
    expect(decision).to_contain_text("Active")
    check_page(page, "swc-06-report")
    page.locator("header").get_by_role("button", name="Sign out").click()

    # Kim, the school's safeguarding lead, asks whether the family is known: only yes or no.
    sign_in(page, kim, landing=r"/$")  # a safeguarding lead's role needs a second factor: set up here
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Is this family known?").click()
    expect(page).to_have_title("Is this family known to early help? – Early help casework")
    check_page(page, "known-01-form")
    page.get_by_label("Last name").fill("Ellis")
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("20")
    born.get_by_label("Month").fill("1")
    born.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Check").click()
    answer = page.locator("#answer")
    expect(answer.get_by_role("heading")).to_have_text("Yes: known to early help")
    expect(answer).to_contain_text("Early Help North")
    expect(page.get_by_role("main")).not_to_contain_text("Ruby's weight")
    check_page(page, "known-02-yes")
    page.get_by_label("Last name").fill("Nobody")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#answer").get_by_role("heading")).to_have_text("No: not known to early help")
    check_page(page, "known-03-no")
