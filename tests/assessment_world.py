"""A family ready to be assessed, shared by the assessment tests: an early help team (lead
practitioner, a colleague, two managers), a health visitor in the Team Around the Family, a
mother with parental responsibility and two children, a level 2 case with a lead professional."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent

CANARY = "Xylophonic-canary-answer"


def assessment_world(session: Session, world: Any, *, agreement: bool = True) -> SimpleNamespace:
    la = world.org(kind="local_authority", name="Council")
    health = world.org(kind="health", name="Community Health")
    t = SimpleNamespace(la=la, health=health)
    t.lead = world.user(roles=("practitioner",), team="Early Help North", org=la)
    t.colleague = world.user(roles=("practitioner",), team="Early Help North", org=la)
    t.manager = world.user(roles=("manager",), team="Early Help North", org=la)
    t.practising_manager = world.user(roles=("manager", "practitioner"), team="Early Help North", org=la)
    t.other_team = world.user(roles=("practitioner",), team="Early Help South", org=la)
    t.hv = world.user(roles=("practitioner",), team="Health Visiting", org=health)
    t.family = world.family(t.lead)
    t.mother = world.person(t.lead, t.family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    t.older = world.person(t.lead, t.family, given_name="Kai", family_name="Quill", date_of_birth=date(2014, 6, 1))
    t.younger = world.person(t.lead, t.family, given_name="Mia", family_name="Quill", date_of_birth=date(2018, 4, 1))
    t.case = cases.create_case(session, actor_for(t.lead), family_id=t.family.id, level=2, source="request_for_support", reason="School")
    leads.assign_lead(session, actor_for(t.lead), t.case.id, user_id=t.lead.id, reason="Allocated")
    if agreement:
        agree(session, t)
    session.commit()
    return t


def agree(session: Session, t: SimpleNamespace) -> None:
    consent.record_consent(
        session, actor_for(t.lead), t.case.id, person_id=t.mother.id, purpose="assessment", decision="given", method="written"
    )


def share_with_health(session: Session, t: SimpleNamespace, *, withhold: Any = None) -> None:
    """The mother agrees to share with health (and, if given, the older child refuses it for themself)."""

    consent.add_team_member(session, actor_for(t.lead), t.case.id, user_id=t.hv.id, role_in_team="Health visitor")
    consent.record_consent(
        session,
        actor_for(t.lead),
        t.case.id,
        person_id=t.mother.id,
        purpose="share",
        decision="given",
        method="written",
        organisation_ids=[t.health.id],
    )
    if withhold is not None:
        consent.record_consent(
            session,
            actor_for(t.lead),
            t.case.id,
            person_id=withhold.id,
            given_by_person_id=withhold.id,
            competent=True,
            purpose="share",
            decision="refused",
            method="verbal",
            organisation_ids=[t.health.id],
        )
    session.commit()


def answers_for(template: list[dict[str, Any]], text: str = "Doing well at school") -> dict[str, dict[str, Any]]:
    """A valid answer to every question of a template."""
    samples = {"text": text, "score": 5, "date": "2026-01-15", "level": 2}
    return {
        s["key"]: {q["key"]: q["choices"][0] if q["type"] == "choice" else samples[q["type"]] for q in s["questions"]} for s in template
    }


def submitted_assessment(session: Session, lead: Any, case_id: str) -> Any:
    """The family's agreement (from the first parent with parental responsibility, if not yet
    recorded) and an assessment with every answer given, submitted by the lead professional:
    what a plan starts from."""
    from sqlalchemy import select

    from casework.assessments import services as assessments
    from casework.cases.models import Case
    from casework.families.models import Person

    actor = actor_for(lead)
    case = session.get(Case, case_id)
    assert case is not None
    if not consent.has_family_agreement(session, case):
        parent = session.scalars(
            select(Person).where(Person.family_id == case.family_id, Person.parental_responsibility.is_(True)).order_by(Person.created_at)
        ).first()
        assert parent is not None, "the family needs a parent with parental responsibility to agree"
        consent.record_consent(session, actor, case_id, person_id=parent.id, purpose="assessment", decision="given", method="written")
    started = assessments.start_assessment(session, actor, case_id).assessment
    assessments.save_assessment(session, actor, started.id, version=started.version, sections=answers_for(started.template))
    return assessments.submit_assessment(session, actor, started.id).assessment
