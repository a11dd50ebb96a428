"""Security headers on every response (OWASP ASVS 5.0 V3.4).

A Content-Security-Policy with a fresh nonce per request: scripts and styles only from this
origin or carrying the nonce, so an injected ``<script>`` does not run. Templates get the nonce
as ``cspNonce`` (the name GOV.UK Frontend's page template uses for its one inline script).
Framing is refused twice (``frame-ancestors`` and ``X-Frame-Options``), referrers are never
sent, and nothing but the static assets may be stored by a browser or proxy. HSTS in production.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.wrappers import Response

HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This request's nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_headers(app: Flask) -> None:
    production = app.extensions["casework"]["settings"].is_production

    @app.context_processor
    def _nonce() -> dict[str, str]:
        return {"cspNonce": csp_nonce()}

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not (request.path.startswith("/static/") or request.endpoint == "web.assets"):
            headers["Cache-Control"] = "no-store"
        if production:
            headers["Strict-Transport-Security"] = HSTS
        return response
