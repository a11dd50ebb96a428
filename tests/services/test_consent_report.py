"""The share-without-consent report: who oversees which decisions, their review state, and the
audit event of every reading."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.audit.read import events_after, head_seq, open_detail
from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.consent import report
from casework.consent import services as consent
from casework.db import today
from casework.errors import NotPermitted, ValidationFailed
from tests.services.test_consent_sharing import LEAD_BASIS, s

__all__ = ["s"]


@pytest.fixture()
def decisions(session, world, s):  # type: ignore[no-untyped-def]
    """Three decisions on the North case (active, review due, lapsed) and one on a South case."""
    on = today()
    made = {}
    for name, days in (("active", 60), ("review_due", 3)):
        made[name] = consent.record_override(
            session,
            s.a(s.manager),
            s.case.id,
            organisation_ids=[s.police.organisation_id],
            expires_on=on + timedelta(days=days),
            **LEAD_BASIS,
        )
    made["lapsed"] = consent.record_override(
        session, s.a(s.manager), s.case.id, organisation_ids=[s.health.organisation_id], expires_on=on, **LEAD_BASIS
    )
    south_manager = world.user(roles=("manager",), team="Early Help South", org=s.lead.organisation)
    south_family = world.family(s.la_elsewhere)
    south = cases.create_case(
        session, s.a(s.la_elsewhere), family_id=south_family.id, level=2, source="request_for_support", reason="Housing"
    )
    made["south"] = consent.record_override(
        session,
        actor_for(south_manager),
        south.id,
        organisation_ids=[s.police.organisation_id],
        expires_on=on + timedelta(days=30),
        **LEAD_BASIS,
    )
    session.commit()
    return made, south_manager


def _ids(rows) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.decision.id for r in rows]


def test_report_managers_see_their_teams_decisions_soonest_review_first(session, s, decisions):
    made, south_manager = decisions
    later = today() + timedelta(days=1)  # the decision reviewed today has lapsed by tomorrow
    rows = report.share_without_consent_report(session, s.a(s.manager), on=later)
    assert _ids(rows) == [made["lapsed"].id, made["review_due"].id, made["active"].id]
    assert [r.state for r in rows] == ["lapsed", "review_due", "active"]
    assert {r.team for r in rows} == {"Early Help North"}
    assert _ids(report.share_without_consent_report(session, actor_for(south_manager))) == [made["south"].id]


def test_report_information_governance_sees_every_decision(session, world, s, decisions):
    made, _ = decisions
    ig = world.user(roles=("ig_officer",), team=None, org=world.org("other", "Information Governance"))
    assert set(_ids(report.share_without_consent_report(session, actor_for(ig)))) == {d.id for d in made.values()}


def test_report_safeguarding_lead_sees_their_organisations_cases_only(session, world, s, decisions):
    made, _ = decisions
    own = world.user(roles=("safeguarding_lead",), team=None, org=s.lead.organisation)
    assert set(_ids(report.share_without_consent_report(session, actor_for(own)))) == {d.id for d in made.values()}
    assert report.share_without_consent_report(session, s.a(s.safeguarding_lead)) == []  # the school's lead


def test_report_filters_by_state(session, s, decisions):
    made, _ = decisions
    rows = report.share_without_consent_report(session, s.a(s.manager), state="review_due")
    assert _ids(rows) == [made["lapsed"].id, made["review_due"].id]  # today is the lapsed one's review date
    with pytest.raises(ValidationFailed) as refused:
        report.share_without_consent_report(session, s.a(s.manager), state="pending")
    assert set(refused.value.fields) == {"state"}


@pytest.mark.parametrize("who", ["lead", "health"])
def test_report_is_not_for_practitioners(session, s, who):
    with pytest.raises(NotPermitted):
        report.share_without_consent_report(session, s.a(getattr(s, who)))


def test_report_reading_is_audited_with_every_decision_listed(session, s, decisions):
    before = head_seq(session)
    rows = report.share_without_consent_report(session, s.a(s.manager))
    session.commit()
    [event] = [e for e in events_after(session, before) if e.action == "share_without_consent.report"]
    detail = open_detail(session, event)
    assert detail["decisions"] == _ids(rows) and detail["cases"] == [s.case.id]
