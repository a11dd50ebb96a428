"""The subject access export (API.md "Audit"): everything held about a person, the log of who
accessed it, and the release package with its manifest, through HTTP only."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from casework.audit import who
from casework.auth.services import actor_for
from casework.dataprotection import rectify
from tests.conftest import bearer
from tests.sar_world import KAI_CANARY, MANUAL_CANARY, OUTCOME_CANARY, every_record_key, sar_world

API = "/api/v1"


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    return sar_world(session, world)


def _items(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = [doc["person"], doc["family"], *doc["cases"], *doc["consents"], *doc["records"]]
    return {i["key"]: i for i in items}


def test_subject_access_export_holds_every_linked_record_and_every_access(client, session, t):
    # people look at the case and the family: access events the log must hold
    assert client.get(f"{API}/cases/{t.case.id}", headers=bearer(session, t.hv)).status_code == 200
    assert client.get(f"{API}/families/{t.family.id}", headers=bearer(session, t.lead)).status_code == 200
    h = bearer(session, t.ig)
    response = client.get(f"{API}/people/{t.mother.id}/subject-access-export", headers=h)
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.json
    items = _items(doc)
    assert every_record_key(t) <= set(items)
    assert doc["person"]["key"] == f"person:{t.mother.id}" and doc["person"]["fields"]["given_name"] == "Ava"
    assert doc["family"]["fields"]["address_line_1"] == "1 Test Street"
    assert {c["key"] for c in doc["cases"]} == {f"case:{t.case.id}"}
    consents = {c["fields"]["about"] for c in doc["consents"]}
    assert consents == {"Ava Quill", "Kai Quill"}  # hers, and Kai's own (pre-marked below)
    assert items[f"person:{t.older.id}"]["fields"]["school"] == KAI_CANARY  # unredacted for the officer's review
    suggested = {s["key"] for s in doc["suggested_redactions"]}
    assert f"person:{t.older.id}" in suggested and f"outcome:{t.kai_outcome.id}" in suggested
    assert f"review:{t.review.id}#summary" in suggested  # the summary names Kai
    assert f"person:{t.mother.id}" not in suggested and f"outcome:{t.ava_outcome.id}" not in suggested
    # every access event for the person, as "who looked" counts them, is in the log
    # (then the export itself, appended when its request committed)
    _, page = who.person_accesses(session, actor_for(t.ig), t.mother.id)
    session.rollback()
    assert len(doc["access_log"]) == page.total - 1 and page.rows[0].action == "person.subject_access.export"
    log = {(e["actor_id"], e["action"], e["organisation_id"]) for e in doc["access_log"]}
    assert (t.hv.id, "case.read", t.health.id) in log and (t.lead.id, "family.read", t.la.id) in log
    assert set(doc["access_log"][0]) >= {"at", "actor_id", "organisation_id", "action", "basis"}


def test_subject_access_export_is_for_information_governance_only_and_audited(client, session, t):
    url = f"{API}/people/{t.mother.id}/subject-access-export"
    assert client.get(url, headers=bearer(session, t.lead)).status_code == 403
    assert client.get(url, headers=bearer(session, t.manager)).status_code == 403
    h = bearer(session, t.ig)
    assert client.get(f"{API}/people/not-a-person/subject-access-export", headers=h).status_code == 404
    response = client.get(url, headers={**h, "X-Request-Id": "sar-export-request-1"})
    assert response.status_code == 200
    from sqlalchemy import select

    from casework.audit.models import AuditEvent

    events = list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == "sar-export-request-1")))
    assert [(e.action, e.subject_id, e.basis, e.actor_id) for e in events] == [
        ("person.subject_access.export", t.mother.id, "ig_officer", t.ig.id)
    ]


def _texts(archive: zipfile.ZipFile) -> dict[str, str]:
    texts = {}
    for name in archive.namelist():
        data = archive.read(name)
        if name.endswith(".pdf"):
            texts[name] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        else:
            texts[name] = data.decode("utf-8")
    return texts


def test_subject_access_zip_withholds_third_parties_and_its_manifest_hashes_hold(client, session, t):
    h = bearer(session, t.ig)
    response = client.get(f"{API}/people/{t.mother.id}/subject-access-export", headers={**h, "Accept": "application/zip"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert names == {"manifest.json", "subject-access-export.html", "subject-access-export.pdf", "subject-access-export.json"}
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    texts = _texts(archive)
    for name, text in texts.items():
        for canary in (KAI_CANARY, OUTCOME_CANARY, "Kai was upset"):
            assert canary not in text, f"{canary} in {name}"
    assert "Ava sleeps" in texts["subject-access-export.pdf"]
    assert "[redacted: Information about another person]" in texts["subject-access-export.html"]
    released = json.loads(texts["subject-access-export.json"])
    assert released["person"]["fields"]["given_name"] == "Ava"
    assert "about" not in released["person"]


def test_subject_access_review_api_resumes_redacts_and_releases(client, session, t):
    h = bearer(session, t.ig)
    started = client.post(f"{API}/people/{t.mother.id}/subject-access-reviews", headers=h)
    assert started.status_code == 201, started.json
    review = started.json
    assert (
        review["status"] == "draft"
        and {"key": f"person:{t.older.id}", "reason": "Information about another person"} in review["redactions"]
    )
    url = f"{API}/subject-access-reviews/{review['id']}"
    marks = [*review["redactions"], {"key": f"family:{t.family.id}#note", "reason": "Confidential source"}]
    bad = client.patch(url, json={"version": review["version"], "redactions": [{"key": "case:nope", "reason": "x"}]}, headers=h)
    assert bad.status_code == 422 and "redactions" in bad.json["error"]["fields"]
    saved = client.patch(url, json={"version": review["version"], "redactions": marks}, headers=h)
    assert saved.status_code == 200 and saved.json["version"] == review["version"] + 1
    stale = client.patch(url, json={"version": review["version"], "redactions": marks}, headers=h)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    assert client.get(f"{url}/package", headers=h).status_code == 404  # nothing released yet
    released = client.post(f"{url}/release", json={"version": saved.json["version"]}, headers=h)
    assert released.status_code == 200 and released.json["status"] == "released"
    package = client.get(f"{url}/package", headers=h)
    assert package.mimetype == "application/zip" and hashlib.sha256(package.data).hexdigest() == released.json["package_sha256"]
    assert MANUAL_CANARY not in zipfile.ZipFile(io.BytesIO(package.data)).read("subject-access-export.json").decode()
    # the person's export through the first route now gives the released package
    latest = client.get(f"{API}/people/{t.mother.id}/subject-access-export", headers={**h, "Accept": "application/zip"})
    assert latest.data == package.data
    assert client.patch(url, json={"version": released.json["version"], "redactions": []}, headers=h).status_code == 409
    assert client.get(url, headers=bearer(session, t.lead)).status_code == 403


def test_subject_access_export_holds_corrections_and_statements_of_disagreement(client, session, t):
    lead = actor_for(t.lead)
    fixed = rectify.correct_person(session, lead, t.mother.id, field="family_name", value="Quill-Smith", reason="Married")
    moved = rectify.correct_family(session, lead, t.family.id, field="address_line_1", value="2 New Road", reason="Moved")
    kai = rectify.correct_person(session, lead, t.older.id, field="gender", value="Male", reason="Told us")
    said = rectify.add_statement(
        session, lead, t.mother.id, record_type="review", record_id=t.review.id, section_key=None, text="I was not asked"
    )
    session.commit()
    doc = client.get(f"{API}/people/{t.mother.id}/subject-access-export", headers=bearer(session, t.ig)).json
    items = _items(doc)
    assert items[f"correction:{fixed.id}"]["fields"]["old_value"] == "Quill"
    assert items[f"correction:{moved.id}"]["fields"]["new_value"] == "2 New Road"
    assert f"correction:{kai.id}" not in items  # another person's correction is not about her
    assert items[f"statement:{said.id}"]["fields"]["statement"] == "I was not asked"
    assert items[f"review:{t.review.id}"]["fields"]["statement_of_disagreement"] == "I was not asked"
    assert doc["person"]["fields"]["family_name"] == "Quill-Smith"


def test_subject_access_goes_on_while_the_family_is_restricted(client, session, t):
    """Restriction blocks everything but storage and information governance's own work: the
    officer still exports, reviews and releases everything held about the person."""
    from casework.retention import services as retention

    retention.set_restriction(session, actor_for(t.ig), t.family.id, reason="Accuracy contested")
    session.commit()
    h = bearer(session, t.ig)
    assert client.get(f"{API}/cases/{t.case.id}", headers=bearer(session, t.lead)).status_code == 409
    exported = client.get(f"{API}/people/{t.mother.id}/subject-access-export", headers=h)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    started = client.post(f"{API}/people/{t.mother.id}/subject-access-reviews", headers=h)
    assert started.status_code == 201, started.get_data(as_text=True)
    url = f"{API}/subject-access-reviews/{started.json['id']}"
    released = client.post(f"{url}/release", json={"version": started.json["version"]}, headers=h)
    assert released.status_code == 200, released.get_data(as_text=True)
    assert client.get(f"{url}/package", headers=h).mimetype == "application/zip"
