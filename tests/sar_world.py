"""A family with a full history for the subject access tests: the assessment world (mother Ava,
her children Kai and Mia, a level 2 case) with a submitted assessment, a plan with outcomes for
Ava and for Kai, actions, a review whose summary names Kai, consents, a health visitor's look at
the case, and an information governance officer. The subject is Ava; Kai is a third party whose
details carry canary strings."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.services import actor_for
from casework.consent import services as consent
from casework.plans import services as plans
from tests.assessment_world import assessment_world, share_with_health, submitted_assessment

#: Third-party content the export must hold for the officer, and no released file may contain.
KAI_CANARY = "Zanzibar-Kai-School"
OUTCOME_CANARY = "Trombone-lessons-for-Kai"
MANUAL_CANARY = "Quokka-informant-detail"


def sar_world(session: Session, world: Any) -> SimpleNamespace:
    t = assessment_world(session, world)
    lead = actor_for(t.lead)
    t.ig = world.user(roles=("ig_officer",), team=None, org=t.la)
    t.older.school = KAI_CANARY
    t.family.note = f"Concerns raised by {MANUAL_CANARY}"  # nobody's name: only the officer can see it must go
    share_with_health(session, t)
    consent.record_consent(  # Kai's own refusal: another person's consent
        session,
        lead,
        t.case.id,
        person_id=t.older.id,
        given_by_person_id=t.older.id,
        competent=True,
        purpose="share",
        decision="refused",
        method="verbal",
        organisation_ids=[t.health.id],
        note=f"Kai said no ({KAI_CANARY})",
    )
    t.assessment = submitted_assessment(session, t.lead, t.case.id)
    t.plan = plans.start_plan(session, lead, t.case.id, contingency="Call the hub", analysis="Ava copes well")
    t.ava_outcome = plans.add_outcome(
        session, lead, t.plan.id, person_ids=[t.mother.id], need="Sleep", what_better_looks_like="Ava sleeps", baseline_score=3
    )
    t.kai_outcome = plans.add_outcome(
        session, lead, t.plan.id, person_ids=[t.older.id], need="Music", what_better_looks_like=OUTCOME_CANARY, baseline_score=2
    )
    t.ava_action = plans.add_action(
        session,
        lead,
        t.plan.id,
        outcome_id=t.ava_outcome.id,
        description="Bedtime routine",
        owner_person_id=t.mother.id,
        due_on=date(2099, 1, 1),
    )
    t.kai_action = plans.add_action(
        session,
        lead,
        t.plan.id,
        outcome_id=t.kai_outcome.id,
        description="Find a teacher",
        owner_user_id=t.lead.id,
        due_on=date(2099, 1, 1),
    )
    t.review = plans.hold_review(
        session,
        lead,
        t.plan.id,
        held_on=date.today(),
        attendance={t.mother.id: "present", t.lead.id: "present"},
        scores={t.ava_outcome.id: 5, t.kai_outcome.id: 4},
        conclusion="better",
        summary="Ava is sleeping better. Kai was upset at school.",
    )
    session.commit()
    return t


def every_record_key(t: SimpleNamespace) -> set[str]:
    """The keys of the items an export of Ava must hold (at least)."""
    keys = {f"person:{p.id}" for p in (t.mother, t.older, t.younger)}
    keys |= {f"family:{t.family.id}", f"case:{t.case.id}", f"assessment:{t.assessment.id}", f"plan:{t.plan.id}", f"review:{t.review.id}"}
    keys |= {f"outcome:{o.id}" for o in (t.ava_outcome, t.kai_outcome)}
    keys |= {f"action:{a.id}" for a in (t.ava_action, t.kai_action)}
    keys |= {f"assessment_section:{t.assessment.id}:{s['key']}" for s in t.assessment.template}
    return keys
