"""Browser journeys: a real casework server on a free port, driven by Debian's headless Chromium
through Playwright, with axe-core accessibility checks.

Self-contained: nothing here uses the database fixtures of ``tests/conftest.py`` (whose names,
such as ``app``, ``settings`` and ``database``, are deliberately not reused). Playwright never
downloads a browser: it drives the system ``chromium`` through ``executable_path``.

Set ``CASEWORK_E2E_SCREENSHOTS`` to a directory to keep a full-page screenshot of every page the
journeys check. A missing Chromium is a failure, never a skip: ``make test-e2e`` installs Debian's
``chromium`` first when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "violet-harbour-lantern-42"
OTHER_PASSWORD = "copper-meadow-whistle-87"
MANAGER_PASSWORD = "saffron-glacier-compass-19"
COLLEAGUE_PASSWORD = "amber-thistle-rowing-63"
HEALTH_VISITOR_PASSWORD = "marble-orchard-kestrel-55"
SAFEGUARDING_PASSWORD = "cobalt-willow-lighthouse-38"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# The app's own stylesheets and scripts that failed to load, per page (a missing `make assets`
# shows as unstyled pages that axe alone would not notice).
_BROKEN_STATIC: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    organisation: str


@dataclass(frozen=True)
class Seed:
    """What the fixture put in the database before the server started."""

    practitioner: Account
    outsider: Account
    family_id: str
    family_reference: str
    manager: Account
    colleague: Account
    case_family_id: str
    case_family_reference: str
    health_visitor: Account
    consent_case_id: str
    consent_family_reference: str
    safeguarding_lead: Account


def _seed(db: Any) -> Seed:
    """Two organisations, a practitioner in each, and one family owned by the first's team; in
    that team also a manager and a second practitioner, and a family with two people for the
    case journey. For the consent journeys: a health visitor in a health organisation, the
    school's designated safeguarding lead, and a family (a mother with parental responsibility
    and her child) with an open case."""
    from datetime import date

    from casework.audit import trail
    from casework.auth import services as auth
    from casework.cases import services as cases
    from casework.families import services as families

    practitioner = Account("sam.patel@north.example.gov.uk", PASSWORD, "Sam Patel", "Northshire Council")
    outsider = Account("jo.brennan@riverside.example.sch.uk", OTHER_PASSWORD, "Jo Brennan", "Riverside Primary School")
    manager = Account("priya.shah@north.example.gov.uk", MANAGER_PASSWORD, "Priya Shah", practitioner.organisation)
    colleague = Account("alex.morgan@north.example.gov.uk", COLLEAGUE_PASSWORD, "Alex Morgan", practitioner.organisation)
    health_visitor = Account("grace.okafor@nch.example.nhs.uk", HEALTH_VISITOR_PASSWORD, "Grace Okafor", "Northshire Community Health")
    safeguarding_lead = Account("kim.lee@riverside.example.sch.uk", SAFEGUARDING_PASSWORD, "Kim Lee", outsider.organisation)
    session = db.session()
    try:
        trail.bind(session, trail.AuditContext("e2e", None, "e2e"))
        council = auth.create_organisation(session, practitioner.organisation, "local_authority")
        user = auth.create_user(
            session,
            email=practitioner.email,
            name=practitioner.name,
            organisation_id=council.id,
            roles=["practitioner"],
            team="Early Help North",
            password=practitioner.password,
        )
        school = auth.create_organisation(session, outsider.organisation, "school")
        auth.create_user(
            session,
            email=outsider.email,
            name=outsider.name,
            organisation_id=school.id,
            roles=["practitioner"],
            team="Pastoral Team",
            password=outsider.password,
        )
        for account, role in ((manager, "manager"), (colleague, "practitioner")):
            auth.create_user(
                session,
                email=account.email,
                name=account.name,
                organisation_id=council.id,
                roles=[role],
                team="Early Help North",
                password=account.password,
            )
        family = families.create_family(session, auth.actor_for(user), address_line_1="3 Mill Lane", postcode="LS1 4AP")
        assert family.reference is not None
        hart = families.create_family(session, auth.actor_for(user), address_line_1="12 Beech Road", postcode="LS6 2QT")
        assert hart.reference is not None
        families.add_member(session, auth.actor_for(user), hart.id, given_name="Leo", family_name="Hart", role="child")
        families.add_member(
            session, auth.actor_for(user), hart.id, given_name="Dana", family_name="Hart", role="parent_carer", parental_responsibility=True
        )
        auth.create_user(
            session,
            email=safeguarding_lead.email,
            name=safeguarding_lead.name,
            organisation_id=school.id,
            roles=["safeguarding_lead"],
            password=safeguarding_lead.password,
        )
        health = auth.create_organisation(session, health_visitor.organisation, "health")
        auth.create_user(
            session,
            email=health_visitor.email,
            name=health_visitor.name,
            organisation_id=health.id,
            roles=["practitioner"],
            team="Health Visiting East",
            password=health_visitor.password,
        )
        ellis = families.create_family(session, auth.actor_for(user), address_line_1="8 Station Road", postcode="LS11 5QX")
        assert ellis.reference is not None
        families.add_member(
            session,
            auth.actor_for(user),
            ellis.id,
            given_name="Maya",
            family_name="Ellis",
            role="parent_carer",
            parental_responsibility=True,
            date_of_birth=date(1994, 9, 12),
        )
        families.add_member(
            session, auth.actor_for(user), ellis.id, given_name="Ruby", family_name="Ellis", role="child", date_of_birth=date(2025, 1, 20)
        )
        consent_case = cases.create_case(
            session,
            auth.actor_for(user),
            family_id=ellis.id,
            level=2,
            source="request_for_support",
            reason="Health visitor and nursery worried about Ruby's weight and Maya's low mood.",
        )
        seed = Seed(
            practitioner,
            outsider,
            family.id,
            family.reference,
            manager,
            colleague,
            hart.id,
            hart.reference,
            health_visitor,
            consent_case.id,
            ellis.reference,
            safeguarding_lead,
        )
        session.commit()
    finally:
        session.close()
    return seed


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Seed]]:
    """Settings, database and seed data: SQLite in a temporary directory, built by the real
    migrations, with the people and records of :func:`_seed`."""
    import casework
    from casework.migrate import upgrade
    from config import Settings

    tmp = tmp_path_factory.mktemp("e2e")
    settings = Settings(
        env="testing",
        instance_dir=tmp / "instance",
        database_url=f"sqlite:///{tmp}/e2e.sqlite3",
        secret_key="e2e-secret",
        keyring_path=tmp / "keyring.json",
        audit_checkpoint_dir=tmp / "checkpoints",
        rate_limits_enabled=False,
    )
    db = casework.build_database(settings)
    try:
        with db.engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
        yield settings, db, _seed(db)
    finally:
        db.engine.dispose()


@pytest.fixture(scope="session")
def e2e_seed(e2e_database: tuple[Any, Any, Seed]) -> Seed:
    return e2e_database[2]


@pytest.fixture(scope="session")
def live_server(e2e_database: tuple[Any, Any, Seed]) -> Iterator[str]:
    """The base URL of casework served on a free port of 127.0.0.1 from a daemon thread."""
    from werkzeug.serving import make_server

    import casework

    settings, db, _ = e2e_database
    app = casework.create_app(settings, db)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _chromium() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    # Never a skip: `make test-e2e` installs Debian's chromium when it is missing.
    pytest.fail("Debian's chromium is not installed (apt-get install chromium): the browser journeys cannot run", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless system Chromium (Playwright must never download its own browser here)."""
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page for each test; relative URLs go to the server."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        new_page = context.new_page()
        broken = _BROKEN_STATIC.setdefault(new_page, [])
        static = f"{live_server}/static/"

        def _on_response(response: Any) -> None:
            if response.url.startswith(static) and response.status >= 400:
                broken.append(f"{response.status} {response.url}")

        def _on_failed(request: Any) -> None:
            # ERR_ABORTED: the page navigated away while it loaded (the favicon, typically).
            if request.url.startswith(static) and request.failure != "net::ERR_ABORTED":
                broken.append(f"failed {request.url}: {request.failure}")

        def _on_console(message: Any) -> None:
            # The browser reports what the Content-Security-Policy blocked (a script or style
            # without the nonce): a page that relies on one is broken for real users.
            if message.type == "error" and "Content Security Policy" in message.text:
                broken.append(f"CSP blocked on {new_page.url}: {message.text}")

        new_page.on("response", _on_response)
        new_page.on("requestfailed", _on_failed)
        new_page.on("console", _on_console)
        yield new_page
    finally:
        context.close()


# Accessibility -------------------------------------------------------------------------------


def serious_violations(results: dict[str, Any]) -> list[str]:
    """One line per serious or critical axe violation: id, help text and the failing targets."""
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = [" >> ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])]
        rule = f"{violation['id']} ({violation['impact']}): {violation['help']} [{violation.get('helpUrl', '')}]"
        lines.append(f"{rule} -> {', '.join(targets)}")
    return lines


def assert_accessible(page: Any) -> None:
    """Fail, listing them, when axe-core finds serious or critical violations on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = serious_violations(results.response)
    assert not problems, f"axe found accessibility violations on {page.url}:\n" + "\n".join(problems)


def assert_styled(page: Any) -> None:
    """The app's stylesheets and scripts loaded: GOV.UK Frontend styles are in force."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    broken = _BROKEN_STATIC.get(page, [])
    assert not broken, "static files failed to load (has `make assets` been run?) or were blocked:\n" + "\n".join(broken)
    empty = page.evaluate("() => [...document.styleSheets].filter(s => !s.cssRules.length).map(s => s.href)")
    assert not empty, f"stylesheets with no rules on {page.url}: {empty}"
    initialised = "() => !!document.querySelector('[data-module=govuk-service-navigation][data-govuk-service-navigation-init]')"
    try:
        page.wait_for_function(initialised, timeout=5_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"GOV.UK Frontend JavaScript did not initialise on {page.url}", pytrace=False)


def check_page(page: Any, name: str) -> None:
    """Screenshot (when asked for), then check the page is styled and passes axe."""
    page.wait_for_load_state("load")
    shots = os.environ.get("CASEWORK_E2E_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"), full_page=True)
    assert_styled(page)
    assert_accessible(page)


#: Authenticator apps of the accounts that have set one up in these journeys (by email), and the
#: last time step each has used: the service refuses a code twice, as a real app's user would see.
AUTHENTICATORS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def totp_code(email: str) -> str:
    """The next code ``email``'s authenticator app would give: never one already used (this
    step or the next, else wait for a fresh step)."""
    from casework.security import mfa

    now = time.time()
    step = max(mfa.step_at(now), _LAST_STEP.get(email, -1) + 1)
    if step > mfa.step_at(now) + mfa.WINDOW:
        time.sleep((step - mfa.WINDOW) * mfa.STEP_SECONDS - now + 0.5)
    _LAST_STEP[email] = step
    return mfa.code_for_step(AUTHENTICATORS[email], step)


def set_up_authenticator(page: Any, email: str) -> list[str]:
    """On the set-up page: read the key as a person would type it into their app, enter the
    app's code, and return the recovery codes shown."""
    from playwright.sync_api import expect

    AUTHENTICATORS[email] = page.locator("#secret").inner_text().replace(" ", "").strip()
    _LAST_STEP.pop(email, None)
    page.get_by_label("Code from your authenticator app").fill(totp_code(email))
    page.get_by_role("button", name="Turn on the second factor").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    return [code.strip() for code in page.locator("#recovery-codes code").all_inner_texts()]


def sign_in(page: Any, account: Account, landing: str = r"/(my-work)?$") -> None:
    """Sign in through the form; practitioners and managers start at My work (``landing``: where
    others start). The one way the journeys sign in, so a change to signing in is made here
    once: accounts whose role needs a second factor set up an authenticator app at their first
    sign-in and give its code after."""
    from playwright.sync_api import expect

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_role("textbox", name="Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if "/account/second-factor" in page.url:
        set_up_authenticator(page, account.email)
        page.get_by_role("link", name="I have saved my recovery codes").click()
    elif "/sign-in/code" in page.url:
        page.get_by_label("Security code").fill(totp_code(account.email))
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(landing))
    expect(page.locator("header")).to_contain_text(account.name)


def sign_out(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
