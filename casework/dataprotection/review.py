"""The review of a subject access export before release: the officer starts a draft (the
document as it stands, with third-party information pre-marked), marks or unmarks items and
fields to redact with a reason, and releases the package. The draft and its choices are stored
encrypted under the family's key, so a review can be resumed; every step is audited (the
draft's creation and each change of the choices by the flush hook, reads by ``trail.record``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.services import plausible_id
from casework.consent.policy import Actor
from casework.dataprotection import package, redaction, sar
from casework.dataprotection.models import SubjectAccessExport
from casework.db import new_id, utcnow
from casework.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from casework.families.models import Person

RenderHtml = Callable[[dict[str, Any]], str]


@dataclass
class Review:
    """A draft or released export as the officer sees it."""

    export: SubjectAccessExport | None  # None: a package built for the API without a stored review
    person: Person
    items: list[dict[str, Any]]
    access_log: list[dict[str, Any]]
    generated_at: str
    redactions: dict[str, str]

    @property
    def released(self) -> bool:
        return self.export is not None and self.export.status == "released"

    def redacted_document(self) -> dict[str, Any]:
        """The document as released: redactions applied, in API.md's shape."""
        person_key, family_key = f"person:{self.person.id}", f"family:{self.person.family_id}"
        doc = redaction.arrange(redaction.apply(self.items, self.redactions), person_key, family_key, self.access_log)
        doc["generated_at"] = self.generated_at
        doc["redactions"] = [{"key": k, "reason": v} for k, v in sorted(self.redactions.items())]
        return doc


def _review_of(session: Session, row: SubjectAccessExport) -> Review:
    person = session.get(Person, row.person_id)
    if person is None:
        raise NotFound()
    stored = json.loads(row.document or "{}")
    return Review(
        row,
        person,
        stored.get("items", []),
        stored.get("access_log", []),
        stored.get("generated_at", ""),
        json.loads(row.redactions or "{}"),
    )


def _visible(session: Session, actor: Actor, export_id: str) -> SubjectAccessExport:
    sar.ig_only(actor)
    row = session.get(SubjectAccessExport, export_id) if plausible_id(export_id) else None
    if row is None:
        raise NotFound()
    return row


def list_reviews(session: Session, actor: Actor, person_id: str) -> tuple[Person, list[SubjectAccessExport]]:
    """The person and their exports, newest first (one audited read)."""
    person, _ = sar.subject(session, actor, person_id)
    rows = list(
        session.scalars(
            select(SubjectAccessExport).where(SubjectAccessExport.person_id == person.id).order_by(SubjectAccessExport.created_at.desc())
        )
    )
    sar.record_export(session, "person.subject_access.list", person, {"exports": [r.id for r in rows]})
    return person, rows


def start_review(session: Session, actor: Actor, person_id: str) -> SubjectAccessExport:
    """Gather everything held about the person into a new draft, third-party information pre-marked."""
    person, family = sar.subject(session, actor, person_id)
    gathered, people = sar.gather(session, person, family)
    row = SubjectAccessExport(id=new_id(), person_id=person.id, family_id=family.id, status="draft", created_by_id=actor.user_id)
    row.document = gathered.to_json()
    row.redactions = json.dumps(gathered.suggested(people), sort_keys=True)
    session.add(row)
    session.flush()
    sar.record_export(session, "person.subject_access.export", person, {"export": row.id, "items": len(gathered.items)})
    return row


def get_review(session: Session, actor: Actor, export_id: str) -> Review:
    """A draft or released export with its redaction choices (audited read)."""
    row = _visible(session, actor, export_id)
    review = _review_of(session, row)
    sar.record_export(session, "subject_access.read", review.person, {"export": row.id})
    return review


def _check(row: SubjectAccessExport, version: int | None) -> None:
    if row.status != "draft":
        raise Conflict("This export has been released: start a new one to change it.")
    if version is not None and version != row.version:
        raise StaleVersion()


def save_redactions(session: Session, actor: Actor, export_id: str, *, version: int | None, redactions: dict[str, str]) -> Review:
    """Replace the draft's redaction choices (each key an item or ``item#field``, with a reason)."""
    row = _visible(session, actor, export_id)
    _check(row, version)
    review = _review_of(session, row)
    cleaned = {k: (v or "").strip() for k, v in redactions.items()}
    problems = redaction.problems(review.items, cleaned)
    if problems:
        raise ValidationFailed(fields=problems)
    row.redactions = json.dumps(cleaned, sort_keys=True)
    session.flush()
    review.redactions = cleaned
    return review


def release(session: Session, actor: Actor, export_id: str, *, version: int | None, render_html: RenderHtml) -> Review:
    """Release the draft: build the package from the redacted document and keep it (encrypted)."""
    row = _visible(session, actor, export_id)
    _check(row, version)
    review = _review_of(session, row)
    at = utcnow()
    about = {"export_id": row.id, "person_id": row.person_id, "released_at": at.isoformat(), "generated_at": review.generated_at}
    zipped = package.build(review.redacted_document(), render_html, about)
    row.package = base64.b64encode(zipped).decode("ascii")
    row.package_sha256 = package.sha256(zipped)
    row.status, row.released_at, row.released_by_id = "released", at, actor.user_id
    session.flush()
    return review


def download(session: Session, actor: Actor, export_id: str) -> tuple[SubjectAccessExport, bytes]:
    """The released package (audited)."""
    row = _visible(session, actor, export_id)
    if row.status != "released" or not row.package:
        raise NotFound()
    person = session.get(Person, row.person_id)
    assert person is not None
    sar.record_export(session, "subject_access.download", person, {"export": row.id, "sha256": row.package_sha256})
    return row, base64.b64decode(row.package)


def latest_package(session: Session, actor: Actor, person_id: str, render_html: RenderHtml) -> bytes:
    """The person's release package for the API: the latest released export's; when none has
    been released, one built now with the suggested redactions (third-party information
    withheld), since a package must never go out with other people's information unreviewed."""
    person, family = sar.subject(session, actor, person_id)
    row = session.scalars(
        select(SubjectAccessExport)
        .where(SubjectAccessExport.person_id == person.id, SubjectAccessExport.status == "released")
        .order_by(SubjectAccessExport.released_at.desc())
    ).first()
    if row is not None and row.package:
        sar.record_export(session, "subject_access.download", person, {"export": row.id, "sha256": row.package_sha256})
        return base64.b64decode(row.package)
    gathered, people = sar.gather(session, person, family)
    suggested = gathered.suggested(people)
    review = Review(None, person, gathered.items, gathered.access_log, gathered.generated_at.isoformat(), suggested)
    about = {"export_id": None, "person_id": person.id, "released_at": utcnow().isoformat(), "generated_at": review.generated_at}
    zipped = package.build(review.redacted_document(), render_html, about)
    sar.record_export(session, "person.subject_access.export", person, {"package": package.sha256(zipped), "redactions": len(suggested)})
    return zipped
