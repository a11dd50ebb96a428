"""Web shell: extensions, request boundary, access control, errors and page blueprints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g, request, url_for
from markupsafe import Markup, escape

from casework import db
from casework.extensions import csrf, wtf_helpers


def _navigation_items() -> list[dict[str, Any]]:
    actor = g.get("actor")
    if actor is None or g.get("second_factor_stage", "full") != "full":
        return []  # nothing to go to until the second factor is given
    items = []
    path = request.path
    if actor.roles & {"practitioner", "manager"}:
        items.append({"href": url_for("cases.my_work"), "text": "My work", "active": path.startswith("/my-work")})
        items.append({"href": url_for("families.index"), "text": "Families", "active": path.startswith("/families")})
        items.append({"href": url_for("families.search"), "text": "Search", "active": path.startswith("/search")})
    if actor.has_role("manager"):
        items.append({"href": url_for("cases.caseload"), "text": "Caseload", "active": path.startswith("/caseload")})
        items.append({"href": url_for("cases.approvals"), "text": "Approvals", "active": path.startswith("/approvals")})
        items.append(
            {"href": url_for("reports.dashboard"), "text": "Case flow", "active": path == "/reports" or path.startswith("/reports/cases")}
        )
    if actor.has_role("safeguarding_lead"):
        items.append({"href": url_for("consent.known"), "text": "Is this family known?", "active": path.startswith("/safeguarding")})
    if actor.roles & {"manager", "safeguarding_lead", "ig_officer"}:
        items.append(
            {
                "href": url_for("consent.share_without_consent_report"),
                "text": "Shares without consent",
                "active": path.startswith("/reports/share-without-consent"),
            }
        )
    if actor.has_role("admin"):
        items.append({"href": url_for("admin.index"), "text": "Administration", "active": path.startswith("/admin")})
    if actor.has_role("ig_officer"):
        items.append({"href": url_for("audit.index"), "text": "Audit", "active": path.startswith("/audit")})
        items.append({"href": url_for("retention.index"), "text": "Data protection", "active": path.startswith("/data-protection")})
        items.append({"href": url_for("dataprotection.find"), "text": "Subject access", "active": path.startswith("/subject-access")})
    items.append({"href": url_for("account.index"), "text": "Your account", "active": path.startswith("/account")})
    return items


def format_nhs_number(value: str | None) -> str:
    """NHS numbers are shown as 3 3 4 digits (NHS data dictionary)."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else (value or "")


#: Dates and times are stored in UTC and shown as the council's users see the clock.
LOCAL_TIME = db.LOCAL_TIME


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style: 3 November 2025."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TIME) if value.tzinfo else value
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """GOV.UK style: 3 November 2025 at 2:05pm (UK time)."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TIME) if value.tzinfo else value
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def format_lines(value: str | None) -> Markup:
    """User text with its line breaks kept, escaped."""
    return Markup("<br>").join(escape(line) for line in (value or "").splitlines())


def init_web(app: Flask) -> None:
    from casework.api import init_api
    from casework.assessments.views import bp as assessments_bp
    from casework.audit.views import bp as audit_bp
    from casework.auth.account_views import bp as account_bp
    from casework.auth.admin_views import bp as admin_bp
    from casework.auth.views import bp as auth_bp
    from casework.cases.views import bp as cases_bp
    from casework.consent.views import bp as consent_bp
    from casework.dataprotection.views import bp as dataprotection_bp
    from casework.families.views import bp as families_bp
    from casework.plans.views import bp as plans_bp
    from casework.reports.views import bp as reports_bp
    from casework.retention.views import bp as retention_bp
    from casework.web.access import init_access
    from casework.web.errors import init_errors
    from casework.web.headers import init_headers
    from casework.web.limits import init_limits
    from casework.web.requests import init_requests
    from casework.web.views import bp as web_bp

    csrf.init_app(app)
    wtf_helpers.init_app(app)
    init_headers(app)  # registered first, so it runs after the commit (which may replace the response)
    init_requests(app)
    init_access(app)
    init_errors(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(families_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(dataprotection_bp)
    app.register_blueprint(reports_bp)
    init_api(app)
    init_limits(app)
    app.add_template_global(_navigation_items, "navigation_items")
    app.add_template_filter(format_nhs_number, "nhs_number")
    app.add_template_filter(format_date, "govuk_date")
    app.add_template_filter(format_datetime, "govuk_datetime")
    app.add_template_filter(format_lines, "lines")
