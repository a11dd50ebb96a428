"""Data protection API: the subject access export (API.md "Audit"), corrections and statements
of disagreement."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template, request

from casework.api import endpoint
from casework.dataprotection import review, sar
from casework.dataprotection.schemas import SubjectAccessExportSchema
from casework.web.requests import db_session

ZIP = "application/zip"


def render_package_html(document: dict[str, Any]) -> str:
    return render_template("dataprotection/package.html", doc=document)


def zip_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=ZIP)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@endpoint(
    "/people/<person_id>/subject-access-export",
    "GET",
    summary="Everything held about a person and the log of who accessed it (information governance officers). JSON by "
    "default, unredacted for review, with the redactions suggested for third-party information; with "
    "`Accept: application/zip` the release package (HTML, PDF, JSON and manifest.json with SHA-256 hashes): the "
    "latest released review's, or one with the suggested redactions when none has been released. Audited",
    tag="Data protection",
    response=SubjectAccessExportSchema,
    roles=("ig_officer",),
    errors=(401, 403, 404),
)
def subject_access_export(person_id: str) -> Any:
    if request.accept_mimetypes.best_match(["application/json", ZIP]) == ZIP:
        data = review.latest_package(db_session(), g.actor, person_id, render_package_html)
        return zip_response(data, "subject-access-export.zip")
    return sar.export(db_session(), g.actor, person_id)
