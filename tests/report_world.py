"""A hand-built early help team whose report figures are known, shared by the report tests.

Early Help North (manager ``manager``, lead professional ``lead``) over a period of the last 30
days, with dates moved back where a case must fall before the period:

- A: opened 3 days ago; assessment submitted today (in timescale); plan agreed today; a final
  review today; closed today with needs met; its post-closure check (moved to fall due today)
  found the outcomes sustained. A refused agreement to share.
- B: opened 60 days ago, still open until today: stepped up 2 -> 3 (approved today), then closed
  today (family disengaged).
- D: opened 100 days ago, closed 50 days ago (moved out of the area): before the period.
- C: D's family again, opened today (a re-referral); an immediate-risk step-up to level 4.
- E: opened 10 days ago; assessment submitted today, due 5 days ago (late); agreement to share
  with health; a decision to share without consent; stepped down 2 -> 1 (approved today).
- G: opened 70 days ago; assessment submitted and plan agreed 60 days ago; never reviewed, so
  its first review (six weeks on) is overdue.
- S: Early Help South's case, opened and closed today: never in North's figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.auth.services import actor_for
from casework.cases import leads, transitions
from casework.cases import services as cases
from casework.consent import services as consent
from casework.db import today, utcnow
from casework.plans import closure
from casework.plans import services as plans
from casework.plans.models import Plan, PostClosureCheck
from casework.reports.measures import Filters, Period
from tests.assessment_world import submitted_assessment

#: The figures the data set must give for North over the period.
EXPECTED: dict[str, float | int | None] = {
    "requests_received": 3,
    "re_referrals_12m": 1,
    "assessments_started": 2,
    "assessments_completed": 2,
    "assessments_completed_in_timescale": 1,
    "assessments_in_timescale_rate": 50.0,
    "median_days_request_to_assessment": 6.5,
    "plans_started": 1,
    "median_days_assessment_to_plan": 0.0,
    "median_days_request_to_plan": 3.0,
    "reviews_held": 1,
    "reviews_on_time": 1,
    "reviews_on_time_rate": 100.0,
    "reviews_overdue": 1,
    "open_cases": 3,
    "step_ups": 2,
    "step_downs": 1,
    "closures": 2,
    "closures_needs_met": 1,
    "closures_needs_met_rate": 50.0,
    "post_closure_checks_due": 1,
    "post_closure_checks_recorded": 1,
    "outcomes_sustained": 1,
    "outcomes_sustained_rate": 100.0,
    "share_decisions": 2,
    "share_agreements": 1,
    "agreement_to_share_rate": 50.0,
    "shares_without_consent": 1,
    "flow_requested": 3,
    "flow_assessed": 2,
    "flow_planned": 1,
    "flow_closed": 1,
    "flow_stepped_up": 1,
}


def _ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def report_world(session: Session, world: Any) -> SimpleNamespace:
    la = world.org(kind="local_authority", name="Council")
    health = world.org(kind="health", name="Community Health")
    t = SimpleNamespace(la=la, health=health)
    t.lead = world.user(roles=("practitioner",), team="Early Help North", org=la)
    t.manager = world.user(roles=("manager",), team="Early Help North", org=la)
    t.south_lead = world.user(roles=("practitioner",), team="Early Help South", org=la)
    t.south_manager = world.user(roles=("manager",), team="Early Help South", org=la)
    lead, manager = actor_for(t.lead), actor_for(t.manager)
    t.north = t.lead.memberships[0].team_id
    t.south = t.south_lead.memberships[0].team_id

    def family(user: Any) -> Any:
        f = world.family(user)
        world.person(user, f, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
        return f

    def open_case(user: Any, f: Any, level: int = 2) -> Any:
        case = cases.create_case(session, actor_for(user), family_id=f.id, level=level, source="request_for_support", reason="Worried")
        leads.assign_lead(session, actor_for(user), case.id, user_id=user.id)
        return case

    # D, then C for the same family (a re-referral)
    fam_d = family(t.lead)
    t.d = open_case(t.lead, fam_d)
    cases.close_case(session, lead, t.d.id, reason="moved_out_of_area", summary="Moved away")
    t.d.opened_at, t.d.closed_at = _ago(100), _ago(50)
    session.flush()
    t.c = open_case(t.lead, fam_d)
    transitions.request_transition(session, lead, t.c.id, to_level=4, reason="Disclosure", immediate_risk=True)

    # A: assessed, planned, reviewed, closed with needs met, check sustained
    t.a = open_case(t.lead, family(t.lead))
    submitted_assessment(session, t.lead, t.a.id)
    refusal = {"purpose": "share", "decision": "refused", "method": "verbal", "organisation_ids": [health.id]}
    consent.record_consent(session, lead, t.a.id, person_id=_parent(session, t.a.family_id), **refusal)
    plan = plans.start_plan(session, lead, t.a.id)
    outcome = plans.add_outcome(
        session, lead, plan.id, person_ids=[_parent(session, t.a.family_id)], need="Home", what_better_looks_like="Calm", baseline_score=3
    )
    plans.hold_review(
        session,
        lead,
        plan.id,
        held_on=today(),
        attendance={t.lead.id: "present"},
        scores={outcome.id: 8},
        conclusion="better",
        summary="Done",
        final=True,
    )
    cases.close_case(session, lead, t.a.id, reason="needs_met", summary="Needs met")
    check = session.scalar(select(PostClosureCheck).where(PostClosureCheck.case_id == t.a.id))
    assert check is not None
    check.due_on = today()
    session.flush()
    closure.record_check(session, lead, check.id, sustained=True)
    t.a.opened_at = _ago(3)

    # B: an old case stepped up and closed today
    t.b = open_case(t.lead, family(t.lead))
    change = transitions.request_transition(session, lead, t.b.id, to_level=3, reason="Several agencies")
    transitions.decide_transition(session, manager, change.id, decision="approved", note=None)
    cases.close_case(session, lead, t.b.id, reason="family_disengaged", summary="Stopped engaging")
    t.b.opened_at = _ago(60)

    # E: a late assessment, sharing, a step down
    t.e = open_case(t.lead, family(t.lead))
    late = submitted_assessment(session, t.lead, t.e.id)
    parent = _parent(session, t.e.family_id)
    consent.record_consent(session, lead, t.e.id, person_id=parent, **{**refusal, "decision": "given", "method": "written"})
    consent.record_override(
        session,
        manager,
        t.e.id,
        organisation_ids=[health.id],
        lawful_basis="UK GDPR Art 6(1)(e)",
        justification="Risk",
        expires_on=today() + timedelta(days=90),
    )
    down = transitions.request_transition(session, lead, t.e.id, to_level=1, reason="Universal services suffice")
    transitions.decide_transition(session, manager, down.id, decision="approved", note=None)
    t.e.opened_at = _ago(10)
    session.get(Assessment, late.id).due_on = today() - timedelta(days=5)  # type: ignore[union-attr]

    # G: planned long ago and never reviewed
    t.g = open_case(t.lead, family(t.lead))
    old = submitted_assessment(session, t.lead, t.g.id)
    g_plan = plans.start_plan(session, lead, t.g.id)
    t.g.opened_at = _ago(70)
    old_row = session.get(Assessment, old.id)
    assert old_row is not None
    old_row.started_at = old_row.submitted_at = _ago(61)
    g_plan_row = session.get(Plan, g_plan.id)
    assert g_plan_row is not None
    g_plan_row.agreed_on = today() - timedelta(days=60)
    g_plan_row.next_review_on = today() - timedelta(days=18)

    # S: another team's case
    t.s = open_case(t.south_lead, family(t.south_lead))
    cases.close_case(session, actor_for(t.south_lead), t.s.id, reason="other", summary="Other")
    session.flush()
    t.filters = Filters(Period(today() - timedelta(days=29), today()))
    return t


def _parent(session: Session, family_id: str) -> str:
    from casework.families.models import Person

    found = session.scalar(select(Person.id).where(Person.family_id == family_id, Person.parental_responsibility.is_(True)))
    assert found is not None
    return found
