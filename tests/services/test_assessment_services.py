"""The Early Help Assessment through the services: agreement first, a section per child,
drafts, optimistic locking, submission, sign-off and return, read-only after sign-off,
re-assessment keeping history, encryption at rest, audited reads, withheld people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from casework.assessments import services
from casework.assessments.models import Assessment
from casework.audit.models import AuditEvent
from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.cases import work
from casework.cases.models import Case
from casework.consent import services as consent
from casework.db import today
from casework.errors import InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationFailed
from tests.assessment_world import CANARY, answers_for, assessment_world, share_with_health


@pytest.fixture()
def t(session, world):  # type: ignore[no-untyped-def]
    return assessment_world(session, world)


def _start(session, t):  # type: ignore[no-untyped-def]
    view = services.start_assessment(session, actor_for(t.lead), t.case.id)
    session.commit()
    return view


def _reads(session, assessment_id: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.subject_id == assessment_id, AuditEvent.action.like("assessment.%"))))


def test_start_assessment_needs_the_family_agreement(session, world) -> None:  # type: ignore[no-untyped-def]
    t = assessment_world(session, world, agreement=False)
    with pytest.raises(ValidationFailed) as refused:
        services.start_assessment(session, actor_for(t.lead), t.case.id)
    assert "consent" in refused.value.fields


def test_start_assessment_with_a_share_without_consent_decision(session, world) -> None:  # type: ignore[no-untyped-def]
    t = assessment_world(session, world, agreement=False)
    consent.record_override(
        session,
        actor_for(t.manager),
        t.case.id,
        organisation_ids=[t.health.id],
        lawful_basis="Children Act 1989 s17",
        justification="Risk of harm",
        expires_on=today() + timedelta(days=30),
    )
    view = services.start_assessment(session, actor_for(t.lead), t.case.id)
    assert view.assessment.status == "draft"


def test_start_assessment_sections_per_child_and_case_moves_to_assessment(session, t) -> None:  # type: ignore[no-untyped-def]
    view = _start(session, t)
    keys = [s["key"] for s in view.template]
    assert f"development.{t.older.id}" in keys and f"development.{t.younger.id}" in keys
    assert f"child_voice.{t.older.id}" in keys and f"child_voice.{t.younger.id}" in keys
    assert "family_environment" in keys and "analysis" in keys
    assert not any(t.mother.id in k for k in keys)
    assert session.get(Case, t.case.id).status == "assessment"
    assert view.assessment.due_on == t.case.assessment_due_on
    assert set(view.states.values()) == {"not_started"}
    assert view.title(next(s for s in view.template if s.get("person_id") == t.younger.id)).endswith(": Mia")


def test_only_one_assessment_under_way(session, t) -> None:  # type: ignore[no-untyped-def]
    _start(session, t)
    with pytest.raises(InvalidTransition):
        services.start_assessment(session, actor_for(t.lead), t.case.id)


def test_draft_saves_merge_and_states_follow(session, t) -> None:  # type: ignore[no-untyped-def]
    view = _start(session, t)
    a = view.assessment
    key = f"development.{t.older.id}"
    view = services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections={key: {"strengths": "Loves football"}})
    assert view.states[key] == "in_progress"
    session.commit()
    with pytest.raises(ValidationFailed) as incomplete:
        services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, complete=[key])
    assert f"sections.{key}.needs" in incomplete.value.fields
    session.rollback()
    a = session.get(Assessment, a.id)
    view = services.save_assessment(
        session, actor_for(t.colleague), a.id, version=a.version, sections={key: {"needs": "Reading"}}, complete=[key]
    )
    assert view.states[key] == "completed"
    assert view.sections[key] == {"strengths": "Loves football", "needs": "Reading"}


def test_answers_are_validated_against_the_template(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    voice = f"child_voice.{t.older.id}"
    with pytest.raises(ValidationFailed) as refused:
        services.save_assessment(
            session,
            actor_for(t.lead),
            a.id,
            version=a.version,
            sections={voice: {"how_gathered": "telepathy"}, "analysis": {"recommended_level": 9, "nonsense": "x"}, "nowhere": {}},
        )
    assert set(refused.value.fields) == {
        f"sections.{voice}.how_gathered",
        "sections.analysis.recommended_level",
        "sections.analysis.nonsense",
        "sections.nowhere",
    }


def test_stale_save_is_refused_and_the_first_is_kept(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    read = a.version
    services.save_assessment(session, actor_for(t.lead), a.id, version=read, sections={"family_environment": {"strengths": "First"}})
    session.commit()
    with pytest.raises(StaleVersion):
        services.save_assessment(
            session, actor_for(t.colleague), a.id, version=read, sections={"family_environment": {"strengths": "Second"}}
        )
    session.rollback()
    assert session.get(Assessment, a.id).sections["family_environment"] == {"strengths": "First"}


def test_submit_sign_off_read_only_and_reassessment(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    with pytest.raises(ValidationFailed) as missing:
        services.submit_assessment(session, actor_for(t.lead), a.id)
    assert "sections.analysis.recommended_level" in missing.value.fields
    session.rollback()
    a = session.get(Assessment, a.id)
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template))
    view = services.submit_assessment(session, actor_for(t.lead), a.id)
    assert view.assessment.status == "submitted" and set(view.states.values()) == {"completed"}
    with pytest.raises(InvalidTransition):
        services.save_assessment(session, actor_for(t.lead), a.id, version=None, sections={"analysis": {"analysis": "Later"}})
    with pytest.raises(NotPermitted):
        services.sign_off_assessment(session, actor_for(t.lead), a.id)
    with pytest.raises(ValidationFailed):
        services.return_assessment(session, actor_for(t.manager), a.id, comments=" ")
    services.return_assessment(session, actor_for(t.manager), a.id, comments="Say more about Kai's school")
    assert a.status == "returned" and a.return_comments == "Say more about Kai's school"
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections={"analysis": {"analysis": "More"}})
    services.submit_assessment(session, actor_for(t.lead), a.id)
    services.sign_off_assessment(session, actor_for(t.manager), a.id)
    session.commit()
    assert a.status == "signed_off" and a.decided_by_id == t.manager.id
    with pytest.raises(InvalidTransition):
        services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections={"analysis": {"analysis": "Changed"}})
    session.rollback()
    again = services.start_assessment(session, actor_for(t.lead), t.case.id).assessment
    assert again.number == 2 and again.previous_id == a.id and again.status == "draft"
    assert again.sections["analysis"]["analysis"] == "More"
    assert session.get(Assessment, a.id).status == "signed_off"


def test_a_manager_does_not_sign_off_their_own_submission(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    services.save_assessment(session, actor_for(t.practising_manager), a.id, version=a.version, sections=answers_for(a.template))
    services.submit_assessment(session, actor_for(t.practising_manager), a.id)
    with pytest.raises(NotPermitted):
        services.sign_off_assessment(session, actor_for(t.practising_manager), a.id)
    services.sign_off_assessment(session, actor_for(t.manager), a.id)


def test_only_the_owning_team_writes_and_others_do_not_see_it(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    with pytest.raises(NotFound):
        services.get_assessment(session, actor_for(t.other_team), a.id)
    with pytest.raises(NotFound):
        services.start_assessment(session, actor_for(t.hv), t.case.id)
    share_with_health(session, t)
    assert services.get_assessment(session, actor_for(t.hv), a.id).assessment.id == a.id
    with pytest.raises(NotPermitted):
        services.save_assessment(session, actor_for(t.hv), a.id, version=a.version, sections={})
    with pytest.raises(NotPermitted):
        services.start_assessment(session, actor_for(t.manager), t.case.id)  # not lead, not a practitioner


def test_sections_about_a_withheld_child_are_left_out(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template, "Kai's own story"))
    session.commit()
    share_with_health(session, t, withhold=t.older)
    view = services.get_assessment(session, actor_for(t.hv), a.id)
    assert not any(s.get("person_id") == t.older.id for s in view.template)
    assert not any(t.older.id in key for key in view.sections) and t.older.id not in view.names
    assert any(s.get("person_id") == t.younger.id for s in view.template)
    full = services.get_assessment(session, actor_for(t.lead), a.id)
    assert any(s.get("person_id") == t.older.id for s in full.template)


def test_every_read_is_audited_once(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    services.get_assessment(session, actor_for(t.lead), a.id)
    services.get_assessment(session, actor_for(t.lead), a.id, action="assessment.pdf")
    session.commit()
    actions = [e.action for e in _reads(session, a.id)]
    assert actions.count("assessment.read") == 1 and actions.count("assessment.pdf") == 1


def test_answers_are_encrypted_at_rest(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template, CANARY))
    services.submit_assessment(session, actor_for(t.lead), a.id)
    services.return_assessment(session, actor_for(t.manager), a.id, comments=f"Comments {CANARY}")
    session.commit()
    row = session.execute(text("SELECT * FROM assessment WHERE id = :id"), {"id": a.id}).mappings().one()
    raw = " ".join(str(bytes(v) if isinstance(v, memoryview) else v) for v in row.values())
    assert CANARY.encode().hex() not in raw.encode().hex() and CANARY not in raw
    for value in row.values():
        if isinstance(value, (bytes, memoryview)):
            assert CANARY.encode() not in bytes(value)
    assert session.get(Assessment, a.id).sections["family_environment"]["strengths"] == CANARY


def test_submitted_assessment_is_no_longer_overdue_in_my_work(session, t) -> None:  # type: ignore[no-untyped-def]
    a = _start(session, t).assessment
    late = t.case.assessment_due_on + timedelta(days=1)
    assert cases.case_flags(session, session.get(Case, t.case.id), late).assessment_overdue
    assert [w.case.id for w in work.my_work(session, actor_for(t.lead), late).overdue] == [t.case.id]
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template))
    services.submit_assessment(session, actor_for(t.lead), a.id)
    assert not cases.case_flags(session, session.get(Case, t.case.id), late).assessment_overdue
    assert work.my_work(session, actor_for(t.lead), late).overdue == []
