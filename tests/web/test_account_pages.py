"""Your account: re-authentication (password, and a code when enrolled) before changing the
password, the email address or the second factor; a changed password ends the other sessions."""

from __future__ import annotations

import time

from sqlalchemy import select

from casework.auth.models import User, UserSession
from casework.security import mfa
from tests.conftest import TEST_PASSWORD
from tests.web.pages import csrf, error_summary_links, page, title

NEW_PASSWORD = "quartz-meadow-falcon-31"


def _password(client, email: str, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf(form)})


def _post(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    form = client.get(path)
    return client.post(path, data={**data, "csrf_token": csrf(form)})


def _confirm(client, password: str = TEST_PASSWORD, code: str = "", next_path: str = "/account"):  # type: ignore[no-untyped-def]
    return _post(client, f"/account/confirm?next={next_path}", password=password, code=code)


def test_account_page_lists_settings(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _password(client, user.email)
    response = client.get("/account")
    assert title(response) == "Your account – Early help casework"
    assert user.email in response.get_data(as_text=True)
    assert "Not set up" in response.get_data(as_text=True)


def test_account_changes_need_the_password_first(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _password(client, user.email)
    for path in ("/account/password", "/account/email", "/account/second-factor"):
        assert client.get(path).headers["Location"].startswith("/account/confirm?next="), path
    wrong = _confirm(client, "not-my-password", next_path="/account/password")
    assert error_summary_links(wrong) == {"password": "Enter your correct password"}
    assert page(wrong).find("input", {"name": "code"}) is None  # no code asked: no second factor yet
    assert _confirm(client, next_path="/account/password").headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_account_change_password_ends_other_sessions(client, app, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    elsewhere = app.test_client()
    _password(elsewhere, user.email)
    _password(client, user.email)
    _confirm(client)
    mismatch = _post(client, "/account/password", password=NEW_PASSWORD, confirm="something-else-entirely")
    assert error_summary_links(mismatch) == {"confirm": "The passwords do not match"}
    changed = _post(client, "/account/password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert changed.headers["Location"] == "/account"
    assert client.get("/families").status_code == 200  # carries on, in a new session
    assert elsewhere.get("/families").status_code == 302  # signed out
    session.expire_all()
    live = session.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))).all()
    assert len(live) == 1
    assert _password(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_account_change_email(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    taken = world.user()
    session.commit()
    _password(client, user.email)
    _confirm(client)
    assert error_summary_links(_post(client, "/account/email", email=taken.email)) == {
        "email": "A user with that email address already exists"
    }
    assert _post(client, "/account/email", email="New.Address@Example.org").headers["Location"] == "/account"
    session.expire_all()
    assert session.get(User, user.id).email == "new.address@example.org"  # type: ignore[union-attr]


def test_account_reauthentication_needs_the_code_when_enrolled(client, session, world):
    user = world.user(roles=("manager",), password=TEST_PASSWORD)
    secret = world.enrol(user)
    session.commit()
    _password(client, user.email)
    step = mfa.step_at(time.time())
    _post(client, "/sign-in/code", code=mfa.code_for_step(secret, step))
    without = _confirm(client, next_path="/account/second-factor")
    assert error_summary_links(without) == {"code": "Enter a correct security code"}
    ok = _confirm(client, code=mfa.code_for_step(secret, step + 1), next_path="/account/second-factor")
    assert ok.headers["Location"] == "/account/second-factor"
    # Replacing the app: the old one keeps working until the new one is confirmed.
    setup = client.get("/account/second-factor")
    new_secret = page(setup).select_one("#secret").get_text().replace(" ", "")  # type: ignore[union-attr]
    assert new_secret != secret
    session.expire_all()
    assert session.get(User, user.id).second_factor_enrolled  # type: ignore[union-attr]
    done = client.post("/account/second-factor", data={"code": mfa.code_for_step(new_secret, step), "csrf_token": csrf(setup)})
    assert len(page(done).select("#recovery-codes code")) == 10


def test_account_disabling_a_user_ends_their_sessions(client, app, session, world):
    from casework.auth import services as auth

    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _password(client, user.email)
    assert client.get("/families").status_code == 200
    auth.set_active(session, user, False)
    session.commit()
    session.expire_all()
    ended = session.scalars(select(UserSession.ended_at).where(UserSession.user_id == user.id)).all()
    assert ended and all(e is not None for e in ended)
    assert client.get("/families").status_code == 302


def test_account_new_recovery_codes_replace_the_old_ones(client, app, session, world):
    from casework.auth import second_factor

    user = world.user(roles=("practitioner",), password=TEST_PASSWORD)
    secret = world.enrol(user)
    old = second_factor.replace_recovery_codes(session, user)
    session.commit()
    _password(client, user.email)
    step = mfa.step_at(time.time())
    _post(client, "/sign-in/code", code=mfa.code_for_step(secret, step))
    assert client.get("/account/recovery-codes").headers["Location"].startswith("/account/confirm?next=")
    _confirm(client, code=mfa.code_for_step(secret, step + 1), next_path="/account/recovery-codes")
    made = _post(client, "/account/recovery-codes")
    new = [c.get_text(strip=True) for c in page(made).select("#recovery-codes code")]
    assert len(new) == 10 and not set(new) & set(old)
    assert "You have new recovery codes" in made.get_data(as_text=True)
    other = app.test_client()
    _password(other, user.email)
    assert error_summary_links(_post(other, "/sign-in/code", code=old[0])) == {"code": "Enter a correct security code"}
    assert _post(other, "/sign-in/code", code=new[0]).status_code == 302
