"""Who looked, in the browser: the practitioner opens a case; the team's manager then sees that
view on the case's "who looked" page, with who, when, organisation and basis. axe checks the
page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Seed, check_page, sign_in

pytestmark = pytest.mark.e2e


def test_manager_sees_who_looked_at_a_case(page: Any, e2e_seed: Seed) -> None:
    seed = e2e_seed
    sign_in(page, seed.practitioner)
    page.goto(f"/cases/{seed.consent_case_id}")
    expect(page.get_by_role("main")).to_be_visible()
    page.locator("header").get_by_role("button", name="Sign out").click()

    second_page = page
    sign_in(second_page, seed.manager)
    second_page.goto(f"/cases/{seed.consent_case_id}/who-looked")
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Who looked at this case")
    table = second_page.get_by_role("table")
    row = table.get_by_role("row").filter(has_text=seed.practitioner.name).filter(has_text="case.read").first
    expect(row).to_contain_text(seed.practitioner.organisation)
    expect(row).to_contain_text("Owning team")
    check_page(second_page, "who looked at a case")
