"""Assessment pages: the Assessment tab, starting (agreement first), the task list with a group
per child, a section form with save as draft and save and mark as complete, a stale save that
keeps the user's answers with a message, submission with missing answers linked, sign-off,
and the print view and PDF with only what the viewer may see, each view audited."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from casework.assessments import services
from casework.assessments.models import Assessment
from casework.audit.models import AuditEvent
from casework.auth.services import actor_for
from tests.assessment_world import answers_for, assessment_world, share_with_health
from tests.conftest import sign_in
from tests.web.pages import csrf, page, title


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    return assessment_world(session, world)


def _started(session, t) -> Assessment:  # type: ignore[no-untyped-def]
    a = services.start_assessment(session, actor_for(t.lead), t.case.id).assessment
    session.commit()
    return a


def _events(session, subject_id: str, action: str) -> int:  # type: ignore[no-untyped-def]
    return len(session.scalars(select(AuditEvent).where(AuditEvent.subject_id == subject_id, AuditEvent.action == action)).all())


def test_assessment_tab_starts_an_assessment(client, session, t) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, t.lead)
    response = client.get(f"/cases/{t.case.id}/assessments")
    assert response.status_code == 200 and title(response).startswith("Early Help Assessment")
    assert page(response).find("a", string="Assessment")["aria-current"] == "page"
    response = client.post(f"/cases/{t.case.id}/assessments", data={"csrf_token": csrf(response)})
    assert response.status_code == 302
    a = session.scalars(select(Assessment).where(Assessment.case_id == t.case.id)).one()
    assert response.headers["Location"].endswith(f"/assessments/{a.id}")


def test_start_without_agreement_shows_why(client, session, world) -> None:  # type: ignore[no-untyped-def]
    t = assessment_world(session, world, agreement=False)
    sign_in(client, session, t.lead)
    form = client.get(f"/cases/{t.case.id}/assessments")
    assert "agreement" in page(form).get_text()
    response = client.post(f"/cases/{t.case.id}/assessments", data={"csrf_token": csrf(form)})
    assert response.status_code == 200 and title(response).startswith("Error:")
    assert "agreement" in page(response).select_one(".govuk-error-summary").get_text()


def test_task_list_groups_sections_by_child(client, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _started(session, t)
    sign_in(client, session, t.lead)
    response = client.get(f"/assessments/{a.id}")
    doc = page(response)
    headings = [h.get_text(strip=True) for h in doc.select("h3.govuk-heading-s")]
    assert headings == ["The whole family", "Kai", "Mia"]
    assert len(doc.select(".govuk-task-list__item")) == len(a.template)
    assert {s.get_text(strip=True) for s in doc.select(".govuk-task-list__status")} == {"Not yet started"}
    assert _events(session, a.id, "assessment.read") == 1


def test_section_save_as_draft_then_complete(client, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _started(session, t)
    key = f"child_voice.{t.younger.id}"
    sign_in(client, session, t.lead)
    url = f"/assessments/{a.id}/sections/{key}"
    form = client.get(url)
    assert title(form).startswith("The child's own view: Mia")
    legends = [x.get_text(strip=True) for x in page(form).select("legend")]
    assert legends == ["How the child's view was gathered"]
    version = page(form).find("input", {"name": "version"})["value"]
    response = client.post(
        url, data={"csrf_token": csrf(form), "version": version, "q_in_their_words": "I like my cat", "draft": "Save as draft"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Assessment, a.id).sections[key] == {"in_their_words": "I like my cat"}
    form = client.get(url)
    version = page(form).find("input", {"name": "version"})["value"]
    incomplete = client.post(url, data={"csrf_token": csrf(form), "version": version, "q_in_their_words": "I like my cat", "save": "Save"})
    assert incomplete.status_code == 200 and title(incomplete).startswith("Error:")
    done = client.post(
        url,
        data={
            "csrf_token": csrf(form),
            "version": version,
            "q_in_their_words": "I like my cat",
            "q_how_gathered": "drawing",
            "save": "Save",
        },
    )
    assert done.status_code == 302
    task_list = page(client.get(f"/assessments/{a.id}"))
    assert "Completed" in [s.get_text(strip=True) for s in task_list.select(".govuk-task-list__status")]


def test_two_editors_second_gets_a_message_and_keeps_their_input(client, app, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _started(session, t)
    url = f"/assessments/{a.id}/sections/parents_view"
    sign_in(client, session, t.lead)
    other = app.test_client()
    sign_in(other, session, t.colleague)
    first_form, second_form = client.get(url), other.get(url)
    version = page(first_form).find("input", {"name": "version"})["value"]
    assert page(second_form).find("input", {"name": "version"})["value"] == version
    saved = client.post(
        url, data={"csrf_token": csrf(first_form), "version": version, "q_view": "Mum says mornings are hard", "draft": "x"}
    )
    assert saved.status_code == 302
    stale = other.post(
        url, data={"csrf_token": csrf(second_form), "version": version, "q_view": "Dad says school is the worry", "draft": "x"}
    )
    assert stale.status_code == 409 and title(stale).startswith("Error:")  # refused, the form kept
    doc = page(stale)
    assert "Someone else saved" in doc.select_one(".govuk-error-summary").get_text()
    assert doc.find("textarea", {"name": "q_view"}).get_text() == "Dad says school is the worry"
    session.expire_all()
    assert session.get(Assessment, a.id).sections["parents_view"] == {"view": "Mum says mornings are hard"}
    assert "Mum says mornings are hard" in doc.find(id="saved-now").find_next("dl").get_text()
    assert _events(session, a.id, "assessment.read") == 3  # the two forms and the refused save's page (a save is its write)
    newer = doc.find("input", {"name": "version"})["value"]
    assert int(newer) > int(version)
    again = other.post(url, data={"csrf_token": csrf(stale), "version": newer, "q_view": "Both: mornings and school", "draft": "x"})
    assert again.status_code == 302  # saved knowingly, after seeing what the first editor wrote
    session.expire_all()
    assert session.get(Assessment, a.id).sections["parents_view"] == {"view": "Both: mornings and school"}


def test_submit_lists_missing_answers_then_manager_signs_off(client, app, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _started(session, t)
    sign_in(client, session, t.lead)
    check = client.get(f"/assessments/{a.id}/submit")
    refused = client.post(f"/assessments/{a.id}/submit", data={"csrf_token": csrf(check), "version": str(a.version)})
    assert refused.status_code == 200 and title(refused).startswith("Error:")
    links = [x["href"] for x in page(refused).select(".govuk-error-summary a")]
    assert f"/assessments/{a.id}/sections/development.{t.older.id}" in links
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template))
    session.commit()
    check = client.get(f"/assessments/{a.id}/submit")
    version = page(check).find("input", {"name": "version"})["value"]
    assert client.post(f"/assessments/{a.id}/submit", data={"csrf_token": csrf(check), "version": version}).status_code == 302
    manager = app.test_client()
    sign_in(manager, session, t.manager)
    review = manager.get(f"/assessments/{a.id}/review")
    assert review.status_code == 200
    version = page(review).find("input", {"name": "version"})["value"]
    missing = manager.post(f"/assessments/{a.id}/review", data={"csrf_token": csrf(review), "version": version, "decision": "return"})
    assert title(missing).startswith("Error:")
    done = manager.post(f"/assessments/{a.id}/review", data={"csrf_token": csrf(review), "version": version, "decision": "sign_off"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Assessment, a.id).status == "signed_off"
    assert client.get(f"/assessments/{a.id}/sections/analysis").status_code == 409
    assert client.get(f"/assessments/{a.id}/review").status_code == 403


def _pdf_text(response: Any) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)


def test_print_and_pdf_show_only_what_the_viewer_may_see(client, app, session, t) -> None:  # type: ignore[no-untyped-def]
    a = _started(session, t)
    answers = answers_for(a.template, "Shared story")
    answers[f"development.{t.older.id}"]["strengths"] = "Kai-private-words"
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers)
    session.commit()
    share_with_health(session, t, withhold=t.older)
    sign_in(client, session, t.lead)
    printed = client.get(f"/assessments/{a.id}/print")
    assert printed.status_code == 200 and "Kai-private-words" in printed.get_data(as_text=True)
    text = _pdf_text(client.get(f"/assessments/{a.id}/pdf"))
    assert "Kai-private-words" in text and "Early Help Assessment 1" in text
    hv = app.test_client()
    sign_in(hv, session, t.hv)
    printed = hv.get(f"/assessments/{a.id}/print").get_data(as_text=True)
    assert "Kai-private-words" not in printed and "Kai" not in printed and "Shared story" in printed
    text = _pdf_text(hv.get(f"/assessments/{a.id}/pdf"))
    assert "Kai-private-words" not in text and "Shared story" in text
    assert _events(session, a.id, "assessment.print") == 2 and _events(session, a.id, "assessment.pdf") == 2
    other = app.test_client()
    sign_in(other, session, t.other_team)
    assert other.get(f"/assessments/{a.id}/pdf").status_code == 404
