"""Restriction of processing in the browser: the information governance officer finds a family
and restricts processing of it; the practitioner who holds the family then sees only the
restricted page (banner, what to do) where the family was; the officer lifts it and the family
is back. axe checks the data protection page and the restricted page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Account, Seed, check_page, sign_in, sign_out

pytestmark = pytest.mark.e2e

IG = Account("morgan.ives@north.example.gov.uk", PASSWORD + "-ig", "Morgan Ives", "Northshire Council")


def _family_and_officer(e2e_database: tuple[Any, Any, Seed]) -> str:
    """A family of the seed practitioner's own, and an information governance officer."""
    from sqlalchemy import select

    from casework.audit import trail
    from casework.auth import services as auth
    from casework.auth.models import User
    from casework.families import services as families

    _, db, seed = e2e_database
    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e-restriction"))
        sam = session.scalar(select(User).where(User.email == seed.practitioner.email))
        family = families.create_family(session, auth.actor_for(sam), address_line_1="21 Orchard Row", postcode="LS7 3AB")
        families.add_member(session, auth.actor_for(sam), family.id, given_name="Noor", family_name="Quayle", role="child")
        auth.create_user(
            session, email=IG.email, name=IG.name, organisation_id=sam.organisation_id, roles=["ig_officer"], password=IG.password
        )
        session.commit()
        return family.id
    finally:
        session.close()


def test_ig_restricts_a_family_and_the_practitioner_sees_only_the_banner(page: Any, e2e_database: tuple[Any, Any, Seed]) -> None:
    family_id = _family_and_officer(e2e_database)
    seed = e2e_database[2]
    sign_in(page, IG)
    page.get_by_role("link", name="Data protection").click()
    page.get_by_label("Family record id").fill(family_id)
    page.get_by_role("button", name="Find the family").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Family")
    expect(page.get_by_role("main")).to_contain_text("Noor Quayle")
    check_page(page, "data protection family")
    page.get_by_label("The whole family").check()
    page.get_by_label("Why is processing restricted?").fill("The family contests the accuracy of the assessment")
    page.get_by_role("button", name="Restrict processing").click()
    expect(page.get_by_text("Processing is restricted", exact=True)).to_be_visible()
    sign_out(page)

    sign_in(page, seed.practitioner)
    page.goto(f"/families/{family_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Processing is restricted")
    expect(page.get_by_role("region", name="Important")).to_contain_text("Contact your information governance team")
    expect(page.get_by_role("main")).not_to_contain_text("Noor")
    check_page(page, "restricted family")
    page.goto("/families")
    expect(page.get_by_role("main")).not_to_contain_text("21 Orchard Row")
    sign_out(page)

    sign_in(page, IG)
    page.goto(f"/data-protection/families/{family_id}")
    page.get_by_label("Why is it lifted?").fill("Assessment corrected")
    page.get_by_role("button", name="Lift it").click()
    expect(page.get_by_text("Lifted: the record of it is kept")).to_be_visible()
    sign_out(page)

    sign_in(page, seed.practitioner)
    page.goto(f"/families/{family_id}")
    expect(page.get_by_role("main")).to_contain_text("Noor Quayle")
