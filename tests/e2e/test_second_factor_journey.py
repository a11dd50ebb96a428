"""The second factor in a browser: a manager's first sign-in sets up an authenticator app (the
key shown as text), saves recovery codes, and later sign-ins ask for a code; a recovery code
works instead of the app once. Every page is checked by axe under the Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Account, Seed, check_page, set_up_authenticator, sign_out, totp_code

MORGAN = Account("morgan.reid@north.example.gov.uk", "juniper-canal-beacon-64", "Morgan Reid", "Northshire Council")


@pytest.fixture(scope="module")
def morgan(e2e_database: tuple[Any, Any, Seed]) -> Account:
    """A manager of a team of their own, who has never signed in."""
    from casework.audit import trail
    from casework.auth import services as auth

    _, db, seed = e2e_database
    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e"))
        council = auth.user_by_email(session, seed.practitioner.email)
        assert council is not None
        auth.create_user(
            session,
            email=MORGAN.email,
            name=MORGAN.name,
            organisation_id=council.organisation_id,
            roles=["manager"],
            team="Early Help East",
            password=MORGAN.password,
        )
        session.commit()
    finally:
        session.close()
    return MORGAN


def _password(page: Any, account: Account) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_role("textbox", name="Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def test_second_factor_journey_set_up_then_sign_in_with_a_code(page: Any, morgan: Account) -> None:
    _password(page, morgan)
    # The role needs a second factor: nothing else until it is set up.
    expect(page).to_have_url(re.compile(r"/account/second-factor"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    check_page(page, "mfa-01-set-up")
    page.goto("/my-work")
    expect(page).to_have_url(re.compile(r"/account/second-factor"))
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct security code")
    check_page(page, "mfa-02-set-up-error")
    codes = set_up_authenticator(page, morgan.email)
    assert len(codes) == 10
    check_page(page, "mfa-03-recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page).to_have_url(re.compile(r"/my-work$"))
    sign_out(page)

    # Next time: the password, then a code from the app.
    _password(page, morgan)
    expect(page).to_have_url(re.compile(r"/sign-in/code"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    check_page(page, "mfa-04-code")
    page.get_by_label("Security code").fill(totp_code(morgan.email))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/my-work$"))
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Authenticator app, 10 recovery codes left")
    check_page(page, "mfa-05-account")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    check_page(page, "mfa-06-confirm")
    sign_out(page)

    # Without the phone: a recovery code, once.
    _password(page, morgan)
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/my-work$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have 9 left")
    sign_out(page)
    _password(page, morgan)
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct security code")
    check_page(page, "mfa-07-code-error")


def test_second_factor_journey_forgotten_password_page(page: Any) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page, "reset-01-ask")
    page.get_by_label("Email address").fill("nobody@north.example.gov.uk")
    page.get_by_role("button", name="Send a reset link").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("If that email address has an account")
    check_page(page, "reset-02-sent")
