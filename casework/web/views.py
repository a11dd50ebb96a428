"""The start page and the health check."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from casework.web.requests import db_session

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> Response | str:
    actor = g.actor
    if actor.roles & {"practitioner", "manager"}:
        return redirect(url_for("families.index"))
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
