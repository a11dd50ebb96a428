"""Data protection pages: the subject access review (information governance officers), and a
person's record with its corrections and statements of disagreement."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.dataprotection import review
from casework.dataprotection.api import render_package_html, zip_response
from casework.errors import ValidationFailed
from casework.web.access import roles_required
from casework.web.requests import db_session

bp = Blueprint("dataprotection", __name__, template_folder="templates")
IG = ("ig_officer",)


def _version() -> int | None:
    text = request.form.get("version", "")
    return int(text) if text.isdigit() else None


@bp.get("/people/<person_id>/subject-access")
@roles_required(*IG)
def exports(person_id: str) -> str:
    person, rows = review.list_reviews(db_session(), g.actor, person_id)
    return render_template("dataprotection/exports.html", person=person, rows=rows, page_title="Subject access")


@bp.post("/people/<person_id>/subject-access")
@roles_required(*IG)
def start(person_id: str) -> Response:
    row = review.start_review(db_session(), g.actor, person_id)
    flash("Draft export started. Information about other people has been marked for redaction: check every item.", "success")
    return redirect(url_for("dataprotection.review_export", export_id=row.id))


def _marks() -> tuple[dict[str, str], list[str]]:
    """The redactions ticked on the review page, and the keys ticked without a reason."""
    marks: dict[str, str] = {}
    missing: list[str] = []
    for key in request.form.getlist("redact"):
        reason = request.form.get(f"reason:{key}", "").strip()
        if reason:
            marks[key] = reason
        else:
            missing.append(key)
    return marks, missing


def _ids(found: review.Review) -> dict[str, str]:
    """An HTML id for each redactable key (keys hold characters ids should not)."""
    keys = (k for item in found.items for k in (item["key"], *(f"{item['key']}#{name}" for name in item["fields"])))
    return {key: f"r{n}" for n, key in enumerate(keys, start=1)}


def _review_page(found: review.Review, errors: list[dict[str, str]] | None = None, status: int = 200) -> tuple[str, int]:
    title = "Subject access export" if found.released else "Review a subject access export"
    html = render_template("dataprotection/review.html", r=found, ids=_ids(found), errors=errors or [], page_title=title)
    return html, status


@bp.get("/subject-access/<export_id>")
@roles_required(*IG)
def review_export(export_id: str) -> tuple[str, int]:
    return _review_page(review.get_review(db_session(), g.actor, export_id))


@bp.post("/subject-access/<export_id>")
@roles_required(*IG)
def save(export_id: str) -> Response | tuple[str, int]:
    dbs = db_session()
    marks, missing = _marks()
    if missing:  # the ticks come back as they were, pointing at the first empty reason
        found = review.get_review(dbs, g.actor, export_id)
        found.redactions = {**marks, **dict.fromkeys(missing, "")}
        return _review_page(found, [{"text": "Give a reason for each redaction", "href": f"#reason-{_ids(found)[missing[0]]}"}])
    try:
        review.save_redactions(dbs, g.actor, export_id, version=_version(), redactions=marks)
    except ValidationFailed as exc:
        found = review.get_review(dbs, g.actor, export_id)
        return _review_page(found, [{"text": m, "href": "#redactions"} for ms in exc.fields.values() for m in ms])
    flash("Redactions saved", "success")
    return redirect(url_for("dataprotection.review_export", export_id=export_id))


@bp.post("/subject-access/<export_id>/release")
@roles_required(*IG)
def release(export_id: str) -> Response:
    review.release(db_session(), g.actor, export_id, version=_version(), render_html=render_package_html)
    flash("Export released. Download the package and send it to the person securely.", "success")
    return redirect(url_for("dataprotection.review_export", export_id=export_id))


@bp.get("/subject-access/<export_id>/package")
@roles_required(*IG)
def package(export_id: str) -> Response:
    row, data = review.download(db_session(), g.actor, export_id)
    return zip_response(data, f"subject-access-{row.released_at:%Y-%m-%d}.zip" if row.released_at else "subject-access.zip")
