"""Subject access in the browser: an information governance officer finds Maya Ellis, starts an
export, sees her daughter's details pre-marked for redaction, marks the family's address too
with a reason, saves, releases, and downloads a package in which neither the daughter's name nor
the address appears. axe checks every page."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Account, Seed, check_page, sign_in

pytestmark = pytest.mark.e2e
IG = Account("lee.ward@north.example.gov.uk", "juniper-canal-harvest-71", "Lee Ward", "Northshire Council")


@pytest.fixture()
def ig_officer(e2e_database: tuple[Any, Any, Seed]) -> Account:
    """An information governance officer of the council (made once, for this journey)."""
    from sqlalchemy import select

    from casework.audit import trail
    from casework.auth import services as auth
    from casework.auth.models import Organisation, User

    _, db, _ = e2e_database
    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e-ig"))
        if session.scalar(select(User).where(User.email == IG.email)) is None:
            council = session.scalar(select(Organisation).where(Organisation.name == IG.organisation))
            assert council is not None
            auth.create_user(session, email=IG.email, name=IG.name, organisation_id=council.id, roles=["ig_officer"], password=IG.password)
            session.commit()
    finally:
        session.close()
    return IG


def test_ig_officer_reviews_redacts_and_releases_a_subject_access_export(page: Any, e2e_seed: Seed, ig_officer: Account) -> None:
    sign_in(page, ig_officer, landing=r"/$")
    page.get_by_role("link", name="Subject access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access: find the person")
    page.get_by_label("Last name").fill("Ellis")
    page.get_by_role("button", name="Search").click()
    check_page(page, "subject access find")
    page.get_by_role("link", name="Subject access for Maya Ellis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maya Ellis")
    check_page(page, "subject access exports")
    page.get_by_role("button", name="Start a new export").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review a subject access export")
    # her daughter's details are pre-marked; the case's reason names her daughter
    ruby = page.locator("section").filter(has=page.get_by_role("heading", name="Another member of the household"))
    expect(ruby.get_by_role("checkbox", name="Redact this whole item")).to_be_checked()
    case = page.locator("section").filter(has=page.get_by_role("heading", name="Case opened"))
    expect(case.get_by_role("checkbox", name="Redact reason")).to_be_checked()
    check_page(page, "subject access review")
    family = page.locator("section").filter(has=page.get_by_role("heading", name="Your family's record"))
    family.get_by_role("checkbox", name="Redact address").check()
    family.get_by_role("textbox", name="Reason for redacting address").fill("Address of a refuge")
    page.get_by_role("button", name="Save redactions").click()
    expect(page.get_by_text("Redactions saved")).to_be_visible()
    page.get_by_role("button", name="Release the export").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access export")
    check_page(page, "subject access released")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the package").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    html = archive.read("subject-access-export.html").decode()
    assert "Maya" in html and "Ruby" not in html and "8 Station Road" not in html
    assert "[redacted: Address of a refuge]" in html
    manifest = json.loads(archive.read("manifest.json"))
    assert {f["name"] for f in manifest["files"]} == {
        "subject-access-export.html",
        "subject-access-export.pdf",
        "subject-access-export.json",
    }
