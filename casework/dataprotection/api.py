"""Data protection API: the subject access export (API.md "Audit"), corrections and statements
of disagreement."""

from __future__ import annotations

from typing import Any

from flask import Response, g, render_template, request

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema, page_of
from casework.dataprotection import rectify, review, sar
from casework.dataprotection.schemas import (
    CorrectionCreateSchema,
    CorrectionPageSchema,
    CorrectionSchema,
    StatementCreateSchema,
    StatementPageSchema,
    StatementSchema,
    SubjectAccessExportSchema,
    SubjectAccessReleaseSchema,
    SubjectAccessReviewSchema,
    SubjectAccessReviewUpdateSchema,
)
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


WRITERS = ("practitioner", "manager", "ig_officer")


@endpoint(
    "/people/<person_id>/corrections",
    "POST",
    summary="Correct one of a person's details (names, date of birth, expected date, NHS number, gender, ethnicity, "
    "language, school); the previous value is kept in the history. The owning team or an information governance officer",
    tag="Data protection",
    body=CorrectionCreateSchema,
    response=CorrectionSchema,
    status=201,
    roles=WRITERS,
    errors=(401, 403, 404),
)
def correct_person(person_id: str, body: dict[str, Any]) -> Any:
    return rectify.correct_person(db_session(), g.actor, person_id, field=body["field"], value=body["value"], reason=body["reason"])


@endpoint(
    "/families/<family_id>/corrections",
    "POST",
    summary="Correct a family's address or postcode; the previous value is kept in the history",
    tag="Data protection",
    body=CorrectionCreateSchema,
    response=CorrectionSchema,
    status=201,
    roles=WRITERS,
    errors=(401, 403, 404),
)
def correct_family(family_id: str, body: dict[str, Any]) -> Any:
    return rectify.correct_family(db_session(), g.actor, family_id, field=body["field"], value=body["value"], reason=body["reason"])


@endpoint(
    "/people/<person_id>/corrections",
    "GET",
    summary="The history of corrections of a person's details and their family's, newest first",
    tag="Data protection",
    query=PageQuerySchema,
    response=CorrectionPageSchema,
    roles=WRITERS,
)
def list_corrections(person_id: str, query: dict[str, Any]) -> Any:
    return page_of(rectify.list_corrections(db_session(), g.actor, person_id), query)


@endpoint(
    "/people/<person_id>/statements",
    "POST",
    summary="Record a person's statement of disagreement with an opinion about them: an assessment's section "
    "(record_type assessment, section_key), a review's summary or a plan's analysis. Shown wherever the opinion is",
    tag="Data protection",
    body=StatementCreateSchema,
    response=StatementSchema,
    status=201,
    roles=WRITERS,
    errors=(401, 403, 404),
)
def add_statement(person_id: str, body: dict[str, Any]) -> Any:
    return rectify.add_statement(db_session(), g.actor, person_id, **body)


@endpoint(
    "/people/<person_id>/statements",
    "GET",
    summary="A person's statements of disagreement, newest first",
    tag="Data protection",
    query=PageQuerySchema,
    response=StatementPageSchema,
    roles=WRITERS,
)
def list_statements(person_id: str, query: dict[str, Any]) -> Any:
    return page_of(rectify.list_statements(db_session(), g.actor, person_id), query)


def _review(found: review.Review) -> dict[str, Any]:
    row = found.export
    assert row is not None
    return {
        "id": row.id,
        "person_id": row.person_id,
        "status": row.status,
        "version": row.version,
        "created_at": row.created_at,
        "released_at": row.released_at,
        "package_sha256": row.package_sha256,
        "generated_at": found.generated_at,
        "items": found.items,
        "redactions": [{"key": k, "reason": v} for k, v in sorted(found.redactions.items())],
        "access_events": len(found.access_log),
    }


IG = ("ig_officer",)


@endpoint(
    "/people/<person_id>/subject-access-reviews",
    "POST",
    summary="Start the review of a subject access export: everything held now, third-party information pre-marked for "
    "redaction. Stored encrypted so the review can be resumed",
    tag="Data protection",
    response=SubjectAccessReviewSchema,
    status=201,
    roles=IG,
    errors=(401, 403, 404),
)
def start_subject_access_review(person_id: str) -> dict[str, Any]:
    dbs = db_session()
    row = review.start_review(dbs, g.actor, person_id)
    return _review(review.get_review(dbs, g.actor, row.id))


@endpoint(
    "/subject-access-reviews/<export_id>",
    "GET",
    summary="A subject access review",
    tag="Data protection",
    response=SubjectAccessReviewSchema,
    roles=IG,
)
def get_subject_access_review(export_id: str) -> dict[str, Any]:
    return _review(review.get_review(db_session(), g.actor, export_id))


@endpoint(
    "/subject-access-reviews/<export_id>",
    "PATCH",
    summary="Replace the review's redactions: item keys, or `<item key>#<field>`, each with a reason (409 once released "
    "or when the version is stale)",
    tag="Data protection",
    body=SubjectAccessReviewUpdateSchema,
    response=SubjectAccessReviewSchema,
    roles=IG,
    errors=(401, 403, 404, 409),
)
def update_subject_access_review(export_id: str, body: dict[str, Any]) -> dict[str, Any]:
    marks = {r["key"]: r["reason"] for r in body["redactions"]}
    return _review(review.save_redactions(db_session(), g.actor, export_id, version=body["version"], redactions=marks))


@endpoint(
    "/subject-access-reviews/<export_id>/release",
    "POST",
    summary="Release the review: the package is built from the saved redactions and kept; its SHA-256 is returned",
    tag="Data protection",
    body=SubjectAccessReleaseSchema,
    response=SubjectAccessReviewSchema,
    roles=IG,
    errors=(401, 403, 404, 409),
)
def release_subject_access_review(export_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return _review(review.release(db_session(), g.actor, export_id, version=body["version"], render_html=render_package_html))


@endpoint(
    "/subject-access-reviews/<export_id>/package",
    "GET",
    summary="The released package (application/zip): HTML, PDF, JSON and manifest.json with SHA-256 hashes",
    tag="Data protection",
    roles=IG,
    errors=(401, 403, 404),
)
def subject_access_package(export_id: str) -> Response:
    _, data = review.download(db_session(), g.actor, export_id)
    return zip_response(data, "subject-access-export.zip")
