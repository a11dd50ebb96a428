"""Each measure of the managers' report on a hand-built data set whose answers are known
(tests/report_world.py), the scope of the figures, and the cases behind them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.auth.services import actor_for
from casework.cases.models import Case
from casework.errors import NotPermitted, ValidationFailed
from casework.reports import measures, services
from tests.conftest import audit_count
from tests.report_world import EXPECTED, report_world


@pytest.fixture()
def rw(session, world):  # type: ignore[no-untyped-def]
    return report_world(session, world)


def test_report_every_measure_is_right_on_the_hand_built_team(session, rw):  # type: ignore[no-untyped-def]
    report = services.build_report(session, actor_for(rw.manager), rw.filters)
    values = {code: figure.value for code, figure in report.figures.items()}
    assert values == EXPECTED


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_report_each_figure_lists_the_cases_behind_it(session, rw, code):  # type: ignore[no-untyped-def]
    behind = {
        "requests_received": {"a", "c", "e"},
        "re_referrals_12m": {"c"},
        "assessments_started": {"a", "e"},
        "assessments_completed": {"a", "e"},
        "assessments_completed_in_timescale": {"a"},
        "plans_started": {"a"},
        "reviews_held": {"a"},
        "reviews_on_time": {"a"},
        "reviews_overdue": {"g"},
        "open_cases": {"c", "e", "g"},
        "step_ups": {"b", "c"},
        "step_downs": {"e"},
        "closures": {"a", "b"},
        "closures_needs_met": {"a"},
        "post_closure_checks_due": {"a"},
        "post_closure_checks_recorded": {"a"},
        "outcomes_sustained": {"a"},
        "share_decisions": {"a", "e"},
        "share_agreements": {"e"},
        "shares_without_consent": {"e"},
        "flow_requested": {"a", "c", "e"},
        "flow_assessed": {"a", "e"},
        "flow_planned": {"a"},
        "flow_closed": {"a"},
        "flow_stepped_up": {"c"},
    }
    drill = measures.drill_code(measures.BY_CODE[code])
    page = services.list_cases_behind(session, actor_for(rw.manager), rw.filters, code, per_page=200)
    assert {c.id for c in page.items} == {getattr(rw, name).id for name in behind[drill]}
    assert page.total == len(behind[drill])


def test_report_filters_by_level_and_lead(session, rw):  # type: ignore[no-untyped-def]
    by_level = services.build_report(session, actor_for(rw.manager), rw.filters.narrowed(level=4))
    assert by_level.figures["open_cases"].value == 1 and by_level.figures["requests_received"].value == 1
    assert [(b.key, b.value) for b in by_level.open_by_level] == [("4", 1)]
    report = services.build_report(session, actor_for(rw.manager), rw.filters)
    assert {(b.key, b.value) for b in report.open_by_level} == {("1", 1), ("2", 1), ("3", 0), ("4", 1)}
    assert [(b.key, b.value) for b in report.caseload] == [(rw.lead.id, 3)]
    assert {(b.key, b.value) for b in report.closures_by_reason if b.value} == {("needs_met", 1), ("family_disengaged", 1)}
    assert [(b.key, b.value) for b in report.flow] == [(c, EXPECTED[c]) for c in measures.FLOW_STAGES]
    nobody = services.build_report(session, actor_for(rw.manager), rw.filters.narrowed(locality="E01000001"))
    assert all(f.value in (0, None) for f in nobody.figures.values())


def test_report_counts_only_the_managers_teams(session, world, rw):  # type: ignore[no-untyped-def]
    south = services.build_report(session, actor_for(rw.south_manager), rw.filters)
    assert south.figures["requests_received"].value == 1 and south.figures["closures"].value == 1
    # a service lead managing both teams sees both, or either one
    lead_of_both = world.user(roles=("manager",), team="Early Help North", org=rw.la)
    from casework.auth.models import TeamMembership

    session.add(TeamMembership(user_id=lead_of_both.id, team_id=rw.south))
    session.flush()
    session.refresh(lead_of_both)
    both = actor_for(lead_of_both)
    assert services.build_report(session, both, rw.filters).figures["requests_received"].value == 4
    assert services.build_report(session, both, rw.filters.narrowed(team=rw.south)).figures["requests_received"].value == 1
    with pytest.raises(NotPermitted):
        services.build_report(session, actor_for(rw.manager), rw.filters.narrowed(team=rw.south))
    with pytest.raises(NotPermitted):
        services.build_report(session, actor_for(rw.lead), rw.filters)


def test_report_reading_is_one_audited_event_naming_the_cases_listed(session, rw):  # type: ignore[no-untyped-def]
    session.commit()
    before = audit_count(session)
    services.build_report(session, actor_for(rw.manager), rw.filters)
    session.commit()
    assert audit_count(session) == before + 1
    services.list_cases_behind(session, actor_for(rw.manager), rw.filters, "open_cases")
    session.commit()
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.action == "report.cases"


def test_report_unknown_measure_and_bad_filters_are_validation_errors(session, rw):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        services.cases_behind(session, actor_for(rw.manager), rw.filters, "happiness")
    assert "measure" in caught.value.fields
    with pytest.raises(ValidationFailed) as bad:
        services.read_filters(session, actor_for(rw.manager), {"from": "2026-02-30", "team": rw.south})
    assert set(bad.value.fields) == {"from", "team"}


def test_report_counted_cases_are_every_case_behind_a_count(session, rw):  # type: ignore[no-untyped-def]
    ids = set(services.counted_cases(session, actor_for(rw.manager), rw.filters))
    assert ids == {rw.a.id, rw.b.id, rw.c.id, rw.e.id, rw.g.id}
    assert session.get(Case, rw.s.id) is not None and rw.s.id not in ids
