"""Security headers on every kind of response, a fresh CSP nonce on every script, and the
session cookie's flags (``__Host-``, Secure, HttpOnly, SameSite) in production."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from casework.plans.chart import distance_chart
from casework.plans.rules import Point
from tests.conftest import bearer, sign_in
from tests.web.pages import page

TEMPLATES = Path(__file__).resolve().parents[2] / "casework"


def _csp_nonce(response) -> str:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", csp)
    assert found, csp
    return found.group(1)


def _assert_security_headers(response, *, cached: bool = False) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp, (response.request.path, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers  # production only
    if cached:
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert response.headers["Cache-Control"] == "no-store", response.request.path


def _assert_scripts_carry_the_nonce(response) -> None:  # type: ignore[no-untyped-def]
    nonce = _csp_nonce(response)
    soup = page(response)
    scripts = soup.find_all("script")
    assert scripts, "GOV.UK Frontend's body-class script and the app's module are on every page"
    for script in scripts:
        assert script.get("nonce") == nonce, script
    for style in soup.find_all("style"):
        assert style.get("nonce") == nonce, style
    for tag in soup.find_all(True):
        assert "style" not in tag.attrs, f"a style attribute (no nonce can cover it) on <{tag.name}>"
        handlers = [a for a in tag.attrs if a.lower().startswith("on")]
        assert not handlers, f"inline event handler {handlers} on <{tag.name}>"


def test_security_headers_on_public_pages_redirects_and_errors(client):
    for path in ("/sign-in", "/sign-in/forgot", "/health", "/families", "/no-such-page", "/api/v1/families", "/api/v1/openapi.json"):
        _assert_security_headers(client.get(path))
    _assert_scripts_carry_the_nonce(client.get("/sign-in"))
    _assert_scripts_carry_the_nonce(client.get("/no-such-page"))


def test_security_headers_on_signed_in_pages_forms_and_api(client, session, world):
    user = world.user()
    family = world.family(user)
    headers = bearer(session, user)
    sign_in(client, session, user)
    for path in ("/my-work", "/families", "/families/new", f"/families/{family.id}", "/account", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_security_headers(response)
        _assert_scripts_carry_the_nonce(response)
    api = client.get(f"/api/v1/families/{family.id}", headers=headers)
    assert api.status_code == 200
    _assert_security_headers(api)


def test_security_headers_static_assets_may_be_cached(client):
    for path in ("/static/casework.css", "/assets/images/favicon.svg"):
        with client.get(path) as response:
            assert response.status_code == 200
            _assert_security_headers(response, cached=True)


def test_security_headers_nonce_is_fresh_per_request(client):
    assert _csp_nonce(client.get("/sign-in")) != _csp_nonce(client.get("/sign-in"))


#: Templates rendered only into files (the subject access release package's HTML and PDF), never
#: served as a page: no Content-Security-Policy applies to them, so they carry no nonce.
NOT_SERVED = {"dataprotection/templates/dataprotection/package.html"}


def test_security_headers_every_template_script_takes_the_nonce():
    """No template served as a page writes a script (or style) tag without the request's nonce."""
    offenders = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        if str(template.relative_to(TEMPLATES)) in NOT_SERVED:
            continue
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", template.read_text(encoding="utf-8")):
            if "cspNonce" not in tag:
                offenders.append(f"{template.relative_to(TEMPLATES)}: {tag}")
    assert not offenders, offenders


def test_security_headers_chart_style_takes_the_nonce():
    svg = distance_chart(
        "c", "Distance", [Point("Baseline", date(2026, 1, 5), 3), Point("Review 1", date(2026, 2, 16), 5)], 0, 10, nonce="n0nce"
    )
    assert "<style" in svg and "style=" not in svg  # a style attribute cannot carry a nonce
    assert all('nonce="n0nce"' in tag for tag in re.findall(r"<style\b[^>]*>", svg))


@pytest.fixture()
def production_client(settings, database, tmp_path):  # type: ignore[no-untyped-def]
    from casework import create_app

    keyring = tmp_path / "keyring.json"
    keyring.write_text(settings.resolved_keyring_path.read_text())
    prod = settings.with_overrides(env="production", keyring_path=keyring, secret_key="a-production-secret-key-for-tests")
    return create_app(prod, database).test_client()


def test_security_headers_production_hsts_and_host_prefixed_cookie(production_client, connection):
    response = production_client.get("/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-casework=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= flags and "domain" not in flags
    assert "SameSite=Lax" in cookie and "Path=/" in cookie


def test_security_headers_development_cookie_httponly_lax(client):
    cookie = client.get("/sign-in").headers["Set-Cookie"]
    assert cookie.startswith("casework=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
