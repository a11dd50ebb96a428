"""The second factor in the browser: enrolment where the role needs it, the code at sign-in,
replay refused, recovery codes used once, and tokens only from a session that gave a code."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from casework.audit.read import events_after, head_seq, open_detail
from casework.auth.models import RecoveryCode, User
from casework.security import mfa
from tests.conftest import TEST_PASSWORD
from tests.web.pages import csrf, error_summary_links, page, title


def _password(client, email: str, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf(form)})


def _code(client, code: str, path: str = "/sign-in/code"):  # type: ignore[no-untyped-def]
    form = client.get(path)
    return client.post(path, data={"code": code, "csrf_token": csrf(form)})


def _now_code(secret: str, offset: int = 0) -> str:
    return mfa.code_for_step(secret, mfa.step_at(time.time()) + offset)


def test_second_factor_required_role_enrols_before_anything_else(client, session, world):
    user = world.user(roles=("manager",), password=TEST_PASSWORD)
    session.commit()
    response = _password(client, user.email)
    assert response.headers["Location"].startswith("/account/second-factor")
    for path in ("/families", "/account/tokens", "/account", "/"):
        assert client.get(path).headers["Location"].startswith("/account/second-factor"), path
    setup = client.get("/account/second-factor")
    assert title(setup) == "Set up your second factor – Early help casework"
    secret = page(setup).select_one("#secret").get_text().replace(" ", "")  # type: ignore[union-attr]
    wrong = client.post("/account/second-factor", data={"code": _now_code(secret, -5), "csrf_token": csrf(setup)})
    assert error_summary_links(wrong) == {"code": "Enter a correct security code"}
    assert client.get("/families").status_code == 302  # still nothing else
    done = client.post("/account/second-factor", data={"code": _now_code(secret), "csrf_token": csrf(setup)})
    assert done.status_code == 200
    codes = [c.get_text(strip=True) for c in page(done).select("#recovery-codes code")]
    assert len(codes) == 10 and all(mfa.is_recovery_code(c) for c in codes)
    assert client.get("/families").status_code == 200
    # At rest: the secret sealed, the recovery codes as digests only.
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None and stored.totp_secret_enc and secret.encode() not in stored.totp_secret_enc
    assert stored.totp_pending_enc is None and stored.second_factor_enrolled
    hashes = set(session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert hashes == {mfa.recovery_digest(c) for c in codes}


def test_second_factor_asked_at_sign_in_and_replay_refused(client, app, session, world):
    user = world.user(roles=("safeguarding_lead",), password=TEST_PASSWORD)
    secret = world.enrol(user)
    session.commit()
    assert _password(client, user.email).headers["Location"].startswith("/sign-in/code")
    assert client.get("/safeguarding/known").headers["Location"].startswith("/sign-in/code")
    assert title(client.get("/sign-in/code")) == "Enter your security code – Early help casework"
    before = head_seq(session)
    session.refresh(user)
    used_at_enrolment = mfa.code_for_step(secret, user.totp_last_step)  # type: ignore[arg-type]
    assert error_summary_links(_code(client, used_at_enrolment)) == {"code": "Enter a correct security code"}
    assert error_summary_links(_code(client, "12345")) == {"code": "Enter a correct security code"}
    code = _now_code(secret)
    ok = _code(client, code)
    assert ok.status_code == 302
    assert client.get("/safeguarding/known").status_code == 200
    session.expire_all()
    events = events_after(session, before)
    assert [e.action for e in events][:2] == ["auth.second_factor_failed", "auth.second_factor_failed"]
    # The success writes the step it used (the request's event is headed by that write).
    operations = [op["action"] for op in open_detail(session, events[2])["operations"]]
    assert "auth.second_factor" in operations and events[2].action == "user.update"
    assert secret not in str(open_detail(session, events[2]))
    # The same code again, from another browser: refused (it has been used).
    other = app.test_client()
    _password(other, user.email)
    assert error_summary_links(_code(other, code)) == {"code": "Enter a correct security code"}


def test_second_factor_recovery_code_works_once(app, client, session, world):
    from casework.auth import second_factor

    user = world.user(roles=("ig_officer",), password=TEST_PASSWORD)
    world.enrol(user)
    codes = second_factor.replace_recovery_codes(session, user)
    session.commit()
    _password(client, user.email)
    response = _code(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert "You have 9 left" in client.get("/audit").get_data(as_text=True)
    other = app.test_client()
    _password(other, user.email)
    assert error_summary_links(_code(other, codes[3])) == {"code": "Enter a correct security code"}


def test_second_factor_optional_for_practitioners(client, session, world):
    user = world.user(roles=("practitioner",), password=TEST_PASSWORD)
    session.commit()
    assert _password(client, user.email).headers["Location"] == "/"
    assert client.get("/families").status_code == 200
    # A token acts without the second factor: only a session that gave a code creates one.
    form = client.get("/account/tokens")
    refused = client.post("/account/tokens", data={"name": "Script", "csrf_token": csrf(form)})
    assert error_summary_links(refused) == {"name": "Set up a second factor on Your account before you create a token"}
    assert page(refused).select_one("#new-token") is None


def test_second_factor_practitioner_who_enrolled_is_always_asked(client, session, world):
    user = world.user(roles=("practitioner",), password=TEST_PASSWORD)
    secret = world.enrol(user)
    session.commit()
    assert _password(client, user.email).headers["Location"].startswith("/sign-in/code")
    _code(client, _now_code(secret))
    form = client.get("/account/tokens")
    created = client.post("/account/tokens", data={"name": "Script", "csrf_token": csrf(form)})
    assert page(created).select_one("#new-token") is not None


def test_second_factor_required_roles_are_configurable(settings, database, connection, session, world):
    from casework import create_app

    relaxed = create_app(settings.with_overrides(mfa_required_roles=frozenset()), database).test_client()
    strict = create_app(settings.with_overrides(mfa_required_roles=frozenset({"practitioner"})), database).test_client()
    manager = world.user(roles=("manager",), password=TEST_PASSWORD)
    practitioner = world.user(roles=("practitioner",), password=TEST_PASSWORD)
    session.commit()
    assert _password(relaxed, manager.email).headers["Location"] == "/"
    assert _password(strict, practitioner.email).headers["Location"].startswith("/account/second-factor")


def test_second_factor_settings_refuse_unknown_roles(settings, database):
    from casework import create_app
    from config import SettingsError, load_settings

    assert load_settings({"CASEWORK_MFA_REQUIRED_ROLES": "manager, admin"}).mfa_required_roles == {"manager", "admin"}
    assert load_settings({"CASEWORK_MFA_REQUIRED_ROLES": ""}).mfa_required_roles == frozenset()
    assert load_settings({}).mfa_required_roles == mfa.DEFAULT_REQUIRED_ROLES
    with pytest.raises(SettingsError, match="superuser"):
        create_app(settings.with_overrides(mfa_required_roles=frozenset({"superuser"})), database)
