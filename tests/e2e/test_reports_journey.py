"""The managers' case-flow report in the browser: the team's manager opens the report from the
navigation, sees the figures, the case-flow picture and its table, follows the figure for
requests received to the cases behind it, and finds the family whose request was made. axe
checks both pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Seed, check_page, sign_in

pytestmark = pytest.mark.e2e


def test_manager_reads_the_case_flow_report_and_its_cases(page: Any, e2e_seed: Seed) -> None:
    seed = e2e_seed
    sign_in(page, seed.manager)
    page.get_by_role("navigation").get_by_role("link", name="Case flow").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Case flow report")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    flow = page.locator("#table-flow")
    expect(flow.get_by_role("row").filter(has_text="Requests")).to_be_visible()
    check_page(page, "case flow report")

    requests = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Requests received")))
    link = requests.get_by_role("link")
    figure = int(link.inner_text().split(":")[0].replace(",", ""))
    assert figure >= 1
    link.click()
    expect(page).to_have_url(re.compile(r"/reports/cases\?.*measure=requests_received"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests received")
    table = page.get_by_role("table")
    expect(table).to_contain_text(seed.consent_family_reference)
    expect(table.locator("caption")).to_contain_text(f"{figure} case")
    check_page(page, "cases behind a figure")
    page.get_by_role("link", name="Back to the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case flow report")
