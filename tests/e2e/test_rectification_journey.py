"""Rectification in the browser: the practitioner opens Dana Hart from her family's page, corrects
her last name with a reason, and sees the previous value in the Corrections history; then
opens the page for a statement of disagreement. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Seed, check_page, sign_in

pytestmark = pytest.mark.e2e


def test_practitioner_corrects_a_name_and_sees_the_history(page: Any, e2e_seed: Seed) -> None:
    sign_in(page, e2e_seed.practitioner)
    page.goto(f"/families/{e2e_seed.case_family_id}")
    page.get_by_role("link", name="Dana Hart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Hart")
    expect(page.get_by_text("No details have been corrected")).to_be_visible()
    check_page(page, "person page")
    page.get_by_role("link", name="Correct a detail").click()
    check_page(page, "correct a detail")
    page.get_by_role("button", name="Correct the detail").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the detail is being corrected")
    check_page(page, "correct a detail with errors")
    page.get_by_label("Which detail is wrong?").select_option(label="Last name")
    page.get_by_label("The correct value").fill("Hart-Jones")
    page.get_by_label("Why is it being corrected?").fill("She showed us the deed poll")
    page.get_by_role("button", name="Correct the detail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Hart-Jones")
    row = page.get_by_role("table").get_by_role("row").filter(has_text="Last name")
    expect(row).to_contain_text("Hart")
    expect(row).to_contain_text("Hart-Jones")
    expect(row).to_contain_text("deed poll")
    check_page(page, "person page with a correction")
    page.get_by_role("link", name="Record a statement of disagreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a statement of disagreement")
    check_page(page, "statement of disagreement")
