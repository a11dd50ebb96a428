"""The start page and the health check."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, send_from_directory, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from casework.web.requests import db_session

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> Response | str:
    actor = g.actor
    if actor.roles & {"practitioner", "manager"}:
        return redirect(url_for("cases.my_work"))
    if actor.has_role("admin"):
        return redirect(url_for("admin.index"))
    return render_template("home.html", page_title="Early help casework")


@bp.get("/health")
def health() -> tuple[dict[str, str], int]:
    """Liveness and database reachability; no data, no session needed."""
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200


@bp.get("/assets/<path:filename>")
def assets(filename: str) -> Response:
    """GOV.UK Frontend's and MOJ Frontend's stylesheets refer to /assets/...: serve their files."""
    vendor = Path(current_app.static_folder or "") / "vendor"
    for package in ("govuk", "moj"):
        if (vendor / package / "assets" / filename).is_file():
            response = send_from_directory(vendor / package / "assets", filename, max_age=86400)
            return response
    abort(404)
