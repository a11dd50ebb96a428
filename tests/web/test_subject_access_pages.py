"""The subject access review pages: an information governance officer starts a draft export,
sees every item with third-party information pre-marked, marks more with reasons, resumes the
review, and releases a package in which every redaction is honoured."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from casework.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.sar_world import KAI_CANARY, MANUAL_CANARY, OUTCOME_CANARY, sar_world
from tests.web.pages import csrf, error_summary_links, page, title

MANUAL_REASON = "Would identify a person who gave information in confidence"


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    return sar_world(session, world)


def _start(client, t) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/people/{t.mother.id}/subject-access")
    assert response.status_code == 200 and title(response).startswith("Subject access")
    started = client.post(f"/people/{t.mother.id}/subject-access", data={"csrf_token": csrf(response)})
    assert started.status_code == 302
    return str(started.headers["Location"])


def _form(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The review form as the browser would send it: ticked keys and every reason box."""
    form = page(response).find("form", id="redactions")
    data: dict[str, object] = {"redact": [i["value"] for i in form.select("input[name=redact]") if i.has_attr("checked")]}
    for box in form.select("input[type=text]"):
        data[box["name"]] = box.get("value", "")
    data["csrf_token"] = form.find("input", {"name": "csrf_token"})["value"]
    data["version"] = form.find("input", {"name": "version"})["value"]
    return data


def _key_of(response, key: str) -> str:  # type: ignore[no-untyped-def]
    box = page(response).find("input", {"name": "redact", "value": key})
    assert box is not None, key
    return str(box["id"]).removeprefix("redact-")


def test_subject_access_review_marks_third_parties_and_release_honours_every_redaction(client, session, t):
    sign_in(client, session, t.ig)
    url = _start(client, t)
    response = client.get(url)
    assert response.status_code == 200 and title(response).startswith("Review a subject access export")
    text = response.get_data(as_text=True)
    assert KAI_CANARY in text and MANUAL_CANARY in text  # the officer sees everything before deciding
    data = _form(response)
    assert f"person:{t.older.id}" in data["redact"] and f"outcome:{t.kai_outcome.id}" in data["redact"]
    assert f"person:{t.mother.id}" not in data["redact"]
    # the officer marks the family note too, with a reason, and saves: the review can be resumed
    note = f"family:{t.family.id}#note"
    data["redact"] = [*data["redact"], note]  # type: ignore[misc]
    data[f"reason:{note}"] = MANUAL_REASON
    saved = client.post(url, data=data)
    assert saved.status_code == 302
    resumed = client.get(url)
    assert note in _form(resumed)["redact"] and MANUAL_REASON in resumed.get_data(as_text=True)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_access.update")).all()
    assert len(events) == 1 and events[0].actor_id == t.ig.id
    # release: the package is built from the saved choices
    form = page(resumed).find("form", action=lambda a: bool(a) and a.endswith("/release"))
    released = client.post(form["action"], data={"csrf_token": csrf(resumed), "version": form.find("input", {"name": "version"})["value"]})
    assert released.status_code == 302
    shown = client.get(url)
    assert title(shown).startswith("Subject access export") and "Download the package" in shown.get_data(as_text=True)
    link = page(shown).find("a", string=lambda s: bool(s) and "Download the package" in s)
    package = client.get(link["href"])
    assert package.status_code == 200 and package.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    for name in archive.namelist():
        raw = archive.read(name)
        content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages) if name.endswith(".pdf") else raw.decode()
        for canary in (KAI_CANARY, OUTCOME_CANARY, MANUAL_CANARY, "Kai was upset"):
            assert canary not in content, f"{canary} in {name}"
        if name != "manifest.json":
            assert f"[redacted: {MANUAL_REASON}]" in content.replace("\n", " "), name
    released_doc = json.loads(archive.read("subject-access-export.json"))
    assert {"key": note, "reason": MANUAL_REASON} in released_doc["redactions"]
    # once released, the choices are fixed
    again = client.post(url, data={**_form(shown), "csrf_token": csrf(shown)})
    assert again.status_code == 409


def test_subject_access_review_asks_for_a_reason_for_each_redaction(client, session, t):
    sign_in(client, session, t.ig)
    url = _start(client, t)
    response = client.get(url)
    data = _form(response)
    key = f"case:{t.case.id}#reason"
    data["redact"] = [*data["redact"], key]  # type: ignore[misc]
    again = client.post(url, data=data)
    assert again.status_code == 200
    links = error_summary_links(again)
    assert links == {f"reason-{_key_of(again, key)}": "Give a reason for each redaction"}


def test_subject_access_pages_are_for_information_governance_only(client, session, t):
    sign_in(client, session, t.manager)
    assert client.get(f"/people/{t.mother.id}/subject-access").status_code == 403


def test_subject_access_officer_finds_the_person_in_any_family(client, session, t):
    sign_in(client, session, t.ig)
    found = client.get("/subject-access", query_string={"family_name": "quill", "date_of_birth": ["1", "6", "2014"]})
    assert found.status_code == 200
    links = [a["href"] for a in page(found).select("#results ~ table a")]
    assert links == [f"/people/{t.older.id}/subject-access"]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "person.search", AuditEvent.actor_id == t.ig.id)).all()
    assert len(events) == 1 and events[0].basis == "ig_officer"
    empty = client.get("/subject-access?family_name=")
    assert error_summary_links(empty) == {"family_name": "Enter the person's last name"}
