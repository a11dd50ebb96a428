"""Password reset by an emailed single-use link: queued in the outbox, the token stored and
shown nowhere else, the same answer for unknown addresses, every session ended, and the
second factor still asked for afterwards."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.audit.read import events_after, head_seq, open_detail
from casework.auth.models import PasswordReset, UserSession
from casework.notify.models import Outbox
from casework.security import mfa
from tests.conftest import TEST_PASSWORD, sign_in
from tests.web.pages import csrf, error_summary_links, page

NEW_PASSWORD = "lantern-orchard-velvet-92"


def _operations(session, before: int) -> set[str]:  # type: ignore[no-untyped-def]
    """Every action recorded since ``before``: events' own and those folded into them."""
    found = set()
    for event in events_after(session, before):
        found.add(event.action)
        found |= {op["action"] for op in open_detail(session, event).get("operations", [])}
    return found


def _ask(client, email: str):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in/forgot")
    return client.post("/sign-in/forgot", data={"email": email, "csrf_token": csrf(form)})


def _link(session, user) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    row = session.scalars(
        select(Outbox).where(Outbox.user_id == user.id, Outbox.kind == "password_reset").order_by(Outbox.created_at)
    ).all()[-1]
    assert row.family_id is None and row.recipient == user.email
    return str(json.loads(row.personalisation or "{}")["link_path"])


def _set(client, link: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get(link, follow_redirects=True)
    return client.post("/sign-in/reset", data={"password": password, "confirm": password, "csrf_token": csrf(form)})


def _password(client, email: str, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf(form)})


def test_password_reset_link_sets_a_new_password_once(client, app, session, world, caplog):
    caplog.set_level(logging.DEBUG)
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    other_browser = app.test_client()
    sign_in(other_browser, session, user)
    before = head_seq(session)
    asked = _ask(client, user.email)
    assert asked.headers["Location"] == "/sign-in"
    link = _link(session, user)
    token = link.removeprefix("/sign-in/reset/")
    # Only a digest is stored, and the token appears in no audit detail, log or later URL.
    stored = session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert stored is not None and token not in stored.token_hash
    for event in events_after(session, before):
        assert token not in json.dumps(open_detail(session, event), default=str)
    landing = client.get(link)
    assert landing.headers["Location"] == "/sign-in/reset" and token not in landing.headers["Location"]
    done = _set(client, link)
    assert done.headers["Location"] == "/sign-in"
    assert token not in caplog.text
    # The old password is gone, the new one works, and every earlier session has ended.
    assert _password(app.test_client(), user.email, TEST_PASSWORD).status_code == 200
    assert _password(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert other_browser.get("/families").status_code == 302
    session.expire_all()
    live = session.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))).all()
    assert len(live) == 1  # only the sign-in just now
    # The link works once.
    again = client.get(link, follow_redirects=True)
    assert "This link has expired or has already been used" in again.get_data(as_text=True)
    assert {"auth.password_reset_requested", "password_reset.create", "auth.password_reset"} <= _operations(session, before)


def test_password_reset_same_answer_for_unknown_and_disabled_accounts(client, session, world):
    from casework.auth import services as auth

    user = world.user(password=TEST_PASSWORD)
    disabled = world.user(password=TEST_PASSWORD)
    auth.set_active(session, disabled, False)
    session.commit()
    answers = []
    for email in (user.email, "nobody@example.org", disabled.email):
        response = _ask(client, email)
        answers.append(
            (
                response.status_code,
                response.headers["Location"],
                page(client.get("/sign-in")).select_one(".govuk-notification-banner").get_text(" ", strip=True),
            )
        )  # type: ignore[union-attr]
    assert answers[0] == answers[1] == answers[2]
    session.expire_all()
    queued = session.scalars(select(Outbox.user_id).where(Outbox.kind == "password_reset")).all()
    assert user.id in queued and disabled.id not in queued


def test_password_reset_expires_and_a_new_request_retires_the_old_link(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _ask(client, user.email)
    first = _link(session, user)
    _ask(client, user.email)
    second = _link(session, user)
    assert first != second
    assert "expired or has already been used" in client.get(first, follow_redirects=True).get_data(as_text=True)
    row = session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)))
    row.expires_at -= timedelta(hours=2)  # type: ignore[union-attr]
    session.commit()
    assert "expired or has already been used" in client.get(second, follow_redirects=True).get_data(as_text=True)


def test_password_reset_refuses_a_weak_password_and_keeps_the_link(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _ask(client, user.email)
    link = _link(session, user)
    weak = _set(client, link, "password")
    assert error_summary_links(weak)["password"].startswith("Password")
    assert _set(client, link).headers["Location"] == "/sign-in"


def test_password_reset_does_not_bypass_the_second_factor(client, app, session, world):
    user = world.user(roles=("manager",), password=TEST_PASSWORD)
    secret = world.enrol(user)
    session.commit()
    _ask(client, user.email)
    _set(client, _link(session, user))
    browser = app.test_client()
    assert _password(browser, user.email, NEW_PASSWORD).headers["Location"].startswith("/sign-in/code")
    assert browser.get("/caseload").headers["Location"].startswith("/sign-in/code")
    form = browser.get("/sign-in/code")
    code = mfa.code_for_step(secret, mfa.step_at(time.time()))
    assert browser.post("/sign-in/code", data={"code": code, "csrf_token": csrf(form)}).status_code == 302
    assert browser.get("/caseload").status_code == 200


def test_password_reset_requests_are_throttled(settings, database, connection, session, world):
    from casework import create_app

    client = create_app(settings.with_overrides(rate_limits_enabled=True), database).test_client()
    before = head_seq(session)
    statuses = [_ask(client, f"someone-{n}@example.org").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    session.expire_all()
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.seq > before).order_by(AuditEvent.seq.desc())).action
        == "auth.password_reset_requested"
    )  # type: ignore[union-attr]


def test_password_reset_tokens_are_redacted_from_request_logs(app, caplog):
    caplog.set_level(logging.INFO)
    token = "cw_" + "x" * 43
    for name in ("werkzeug", "gunicorn.access"):
        logging.getLogger(name).info('%s - - "%s" %s -', "127.0.0.1", f"GET /sign-in/reset/{token} HTTP/1.1", 302)
    assert token not in caplog.text
    assert caplog.text.count("/sign-in/reset/[redacted] HTTP/1.1") == 2
