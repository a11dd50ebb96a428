"""Deny by default: walk every route and prove nothing but the public few answer anonymously."""

from __future__ import annotations

import re

import pytest

PUBLIC = {
    "auth.sign_in",
    "auth.forgot_password",
    "auth.reset_link",
    "auth.reset_password",
    "static",
    "web.assets",
    "web.health",
    "api.openapi",
}
#: Pages any signed-in user may use; every other page declares its roles.
ANY_SIGNED_IN = {
    "web.home",
    "auth.sign_out",
    "auth.tokens",
    "auth.revoke_token",
    "auth.second_factor",
    "auth.set_up_second_factor",
    "account.index",
    "account.confirm",
    "account.change_password",
    "account.change_email",
    "account.new_recovery_codes",
}


def _url(rule) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "00000000-0000-4000-8000-000000000000", rule.rule)


def _rules(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_access_walk_every_route_needs_a_session_or_token(app, client):
    checked = 0
    for rule, method in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        response = client.open(_url(rule), method=method, json={} if method != "GET" else None)
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code} without a token"
            assert response.json["error"]["code"] == "unauthenticated"
        else:
            # Pages: unauthenticated POSTs fail CSRF (400) before anything else; GETs go to sign-in.
            assert response.status_code in (302, 400), f"{method} {rule.rule} answered {response.status_code} without a session"
            if response.status_code == 302:
                assert "/sign-in" in response.headers["Location"]
        checked += 1
    assert checked >= 15


def test_access_walk_public_endpoints_answer_anonymously(client):
    assert client.get("/sign-in").status_code == 200
    assert client.get("/sign-in/forgot").status_code == 200
    # A reset page without a valid link sends the person to ask for one.
    assert client.get("/sign-in/reset").headers["Location"] == "/sign-in/forgot"
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_access_walk_every_page_declares_its_roles(app):
    undeclared = []
    for rule, _ in _rules(app):
        if rule.endpoint in PUBLIC | ANY_SIGNED_IN:
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "required_roles", None) and not (rule.endpoint.startswith("api.") and hasattr(view, "required_roles")):
            undeclared.append(rule.endpoint)
    assert undeclared == [], f"routes that do not declare who may use them: {undeclared}"


@pytest.mark.parametrize("path", ["/families", "/search", "/admin/"])
def test_access_walk_get_pages_redirect_to_sign_in_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
