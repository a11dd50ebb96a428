"""Web shell: extensions, request boundary, access control, errors and page blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for

from casework.extensions import csrf, wtf_helpers


def _navigation_items() -> list[dict[str, Any]]:
    actor = g.get("actor")
    if actor is None:
        return []
    items = []
    path = request.path
    if actor.roles & {"practitioner", "manager"}:
        items.append({"href": url_for("families.index"), "text": "Families", "active": path.startswith("/families")})
        items.append({"href": url_for("families.search"), "text": "Search", "active": path.startswith("/search")})
    if actor.has_role("admin"):
        items.append({"href": url_for("admin.index"), "text": "Administration", "active": path.startswith("/admin")})
    items.append({"href": url_for("auth.tokens"), "text": "API tokens", "active": path.startswith("/account")})
    return items


def format_nhs_number(value: str | None) -> str:
    """NHS numbers are shown as 3 3 4 digits (NHS data dictionary)."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else (value or "")


def init_web(app: Flask) -> None:
    from casework.api import init_api
    from casework.auth.admin_views import bp as admin_bp
    from casework.auth.views import bp as auth_bp
    from casework.families.views import bp as families_bp
    from casework.web.access import init_access
    from casework.web.errors import init_errors
    from casework.web.limits import init_limits
    from casework.web.requests import init_requests
    from casework.web.views import bp as web_bp

    csrf.init_app(app)
    wtf_helpers.init_app(app)
    init_requests(app)
    init_access(app)
    init_errors(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(families_bp)
    init_api(app)
    init_limits(app)
    app.add_template_global(_navigation_items, "navigation_items")
    app.add_template_filter(format_nhs_number, "nhs_number")
