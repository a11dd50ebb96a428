"""Sign-in, sessions and sign-out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.audit.read import events_after, head_seq
from casework.auth.models import UserSession
from tests.conftest import TEST_PASSWORD
from tests.web.pages import csrf, error_summary_links, page, title


def _sign_in(client, email: str, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf(form)})


def test_auth_sign_in_page_has_title_and_form(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert title(response) == "Sign in – Early help casework"
    form = page(response).find("form")
    assert form is not None and form.get("method") == "post"
    assert page(response).find("input", {"name": "password", "type": "password"}) is not None


def test_auth_wrong_password_shows_error_summary_and_is_audited(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    before = head_seq(session)
    response = _sign_in(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert error_summary_links(response) == {"email": "Enter a correct email address and password"}
    session.expire_all()
    assert [e.action for e in events_after(session, before)] == ["auth.sign_in_failed"]


def test_auth_sign_in_renews_the_session_and_sign_out_ends_it(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    client.get("/sign-in")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    response = _sign_in(client, user.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302
    with client.session_transaction() as s:
        assert "planted" not in s  # the pre-sign-in session was discarded
        session_id = s["_user_id"]
    home = client.get("/", follow_redirects=True)
    assert user.name in home.get_data(as_text=True)
    stolen_cookie = client.get_cookie("casework").value  # type: ignore[union-attr]
    out = client.post("/sign-out", data={"csrf_token": csrf(home)})
    assert out.status_code == 302
    session.expire_all()
    assert session.get(UserSession, session_id).ended_at is not None  # type: ignore[union-attr]
    # Replaying the old cookie does not bring the session back: it was ended on the server.
    client.set_cookie("casework", stolen_cookie)
    assert client.get("/families").status_code == 302


def test_auth_idle_session_expires(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _sign_in(client, user.email, TEST_PASSWORD)
    assert client.get("/families").status_code == 200
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.last_seen_at -= timedelta(hours=1)  # type: ignore[union-attr]
    session.commit()
    assert client.get("/families").status_code == 302


def test_auth_absolute_session_lifetime(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _sign_in(client, user.email, TEST_PASSWORD)
    row = session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.created_at -= timedelta(hours=13)  # type: ignore[union-attr]
    session.commit()
    assert client.get("/families").status_code == 302


def test_auth_disabled_user_cannot_sign_in_and_is_signed_out(client, session, world):
    from casework.auth import services as auth

    user = world.user(password=TEST_PASSWORD)
    session.commit()
    _sign_in(client, user.email, TEST_PASSWORD)
    assert client.get("/families").status_code == 200
    auth.set_active(session, user, False)
    session.commit()
    assert client.get("/families").status_code == 302
    assert _sign_in(client, user.email, TEST_PASSWORD).status_code == 200  # the form again, with an error


def test_auth_sign_in_ignores_offsite_next(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    form = client.get("/sign-in?next=//evil.example/")
    response = client.post("/sign-in?next=//evil.example/", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf(form)})
    assert response.headers["Location"] == "/"


def test_auth_forms_refuse_missing_csrf(client, session, world):
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_auth_tokens_page_creates_shows_once_and_revokes(client, session, world):
    from tests.conftest import sign_in

    user = world.user()
    sign_in(client, session, user)
    form = client.get("/account/tokens")
    created = client.post("/account/tokens", data={"name": "Partner system", "csrf_token": csrf(form)})
    token = page(created).select_one("#new-token").get_text(strip=True)  # type: ignore[union-attr]
    assert token.startswith("cw_")
    assert client.get("/api/v1/families", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = client.get("/account/tokens")
    assert token not in listing.get_data(as_text=True)
    revoke_form = page(listing).select_one("form[action*='/revoke']")
    client.post(revoke_form["action"], data={"csrf_token": csrf(listing)})  # type: ignore[index]
    assert client.get("/api/v1/families", headers={"Authorization": f"Bearer {token}"}).status_code == 401
