"""A practitioner's first journey: sign in, create a family record, add a child, sign out; and
the same family's page as seen from another organisation (it does not exist for them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Account, Seed, check_page

pytestmark = pytest.mark.e2e

SIGN_IN_URL = re.compile(r"/sign-in(\?|$)")


def sign_in(page: Any, account: Account) -> None:
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def error_summary(page: Any) -> Any:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    return summary


def test_family_journey_sign_in_create_family_and_member(page: Any, e2e_seed: Seed) -> None:
    user = e2e_seed.practitioner

    # Every page needs a session: the start page sends us to sign in.
    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Early help casework")
    expect(page).to_have_title("Sign in – Early help casework")
    check_page(page, "01-sign-in")

    sign_in(page, user)
    expect(page).to_have_url(re.compile(r"/my-work$"))  # practitioners start at My work
    page.get_by_role("link", name="Families", exact=True).click()
    expect(page).to_have_url(re.compile(r"/families$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Families")
    header = page.locator("header")
    expect(header).to_contain_text(f"{user.name}, {user.organisation}")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    for landmark in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    check_page(page, "02-families")

    # Create a family record: a bad postcode first.
    page.get_by_role("link", name="Create a family record").click()  # a link styled as a button
    expect(page).to_have_url(re.compile(r"/families/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a family record")
    check_page(page, "03-create-family")

    page.get_by_label("Address").fill("27 Orchard Road")
    page.get_by_label("Postcode").fill("NOT A POSTCODE")
    page.get_by_role("button", name="Create family record").click()
    summary = error_summary(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    link = summary.get_by_role("link", name="Enter a real postcode, like SW1A 1AA")
    expect(link).to_have_attribute("href", "#postcode")
    expect(page.locator("#postcode-error")).to_contain_text("Enter a real postcode")
    check_page(page, "04-create-family-error")
    link.click()
    expect(page.get_by_label("Postcode")).to_be_focused()

    # What was typed is kept; fix the postcode and create the record.
    expect(page.get_by_label("Address")).to_have_value("27 Orchard Road")
    page.get_by_label("Postcode").fill("ls2 7ej")
    page.get_by_role("button", name="Create family record").click()
    expect(page).to_have_url(re.compile(r"/families/[^/]+$"))
    expect(page.get_by_text("Family record created. Now add the people in the family.")).to_be_visible()
    reference = page.get_by_role("heading", level=1)
    expect(reference).to_have_text(re.compile(r"^EH-[A-Z0-9]{8}$"))
    family_url = page.url
    expect(page.locator(".govuk-summary-list")).to_contain_text("27 Orchard Road")
    expect(page.locator(".govuk-summary-list")).to_contain_text("LS2 7EJ")
    expect(page.get_by_text("No one has been added to this family yet.")).to_be_visible()
    check_page(page, "05-family")

    # Add a family member: nothing filled in first.
    page.get_by_role("link", name="Add a family member").click()
    expect(page).to_have_url(re.compile(r"/members/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a family member")
    check_page(page, "06-add-member")

    page.get_by_role("button", name="Add family member").click()
    summary = error_summary(page)
    expect(summary.get_by_role("link", name="Enter the person's first name")).to_have_attribute("href", "#given_name")
    expect(summary.get_by_role("link", name="Enter the person's last name")).to_have_attribute("href", "#family_name")
    role_link = summary.get_by_role("link", name=re.compile(r"^Choose (who|whether) th"))
    expect(role_link).to_have_attribute("href", "#role")
    expect(page.locator("#role")).to_have_accessible_name("Child")  # the link lands on the first radio
    check_page(page, "07-add-member-errors")

    page.get_by_label("First name").fill("Ava")
    page.get_by_label("Last name").fill("Clarke")
    page.get_by_role("group", name="Who is this person in the family?").get_by_label("Child", exact=True).check()
    responsibility = page.get_by_role("group", name=re.compile(r"^Does this person have parental responsibility"))
    responsibility.get_by_label("No", exact=True).check()
    birth = page.get_by_role("group", name="Date of birth", exact=True)
    birth.get_by_label("Day").fill("14")
    birth.get_by_label("Month").fill("3")
    birth.get_by_label("Year").fill("2016")
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    page.get_by_role("button", name="Add family member").click()

    expect(page).to_have_url(family_url)
    expect(page.get_by_text("Family member added")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Ava Clarke")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(["Ava Clarke", "Child", "14 March 2016", re.compile(r"^943 ?476 ?5919$"), "No"])
    check_page(page, "08-family-with-member")

    # The new family is on the team's list, with the child's name.
    page.get_by_role("link", name="Back to families").click()
    expect(page.get_by_role("row").filter(has_text="Ava Clarke")).to_contain_text("LS2 7EJ")

    # Sign out: the session ends and case pages ask for sign-in again.
    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_text("You have signed out")).to_be_visible()
    expect(page.locator("header")).not_to_contain_text(user.name)
    check_page(page, "09-signed-out")
    page.goto("/families")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)families$"))
    page.goto(family_url)
    expect(page).to_have_url(SIGN_IN_URL)


def test_family_journey_other_organisation_gets_not_found(page: Any, e2e_seed: Seed) -> None:
    seed = e2e_seed
    page.goto("/sign-in")
    sign_in(page, seed.outsider)
    expect(page).to_have_url(re.compile(r"/my-work$"))
    page.get_by_role("link", name="Families", exact=True).click()
    expect(page).to_have_url(re.compile(r"/families$"))
    expect(page.locator("header")).to_contain_text(f"{seed.outsider.name}, {seed.outsider.organisation}")
    expect(page.get_by_text("There are no family records yet.")).to_be_visible()

    response = page.goto(f"/families/{seed.family_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text(seed.family_reference)
    expect(page.locator("body")).not_to_contain_text("3 Mill Lane")
    check_page(page, "10-not-found")

    response = page.goto(f"/families/{seed.family_id}/members/new")
    assert response is not None
    assert response.status == 404
