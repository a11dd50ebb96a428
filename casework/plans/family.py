"""The family's own plan: plain English, written to them, holding only what they agreed.

What it leaves out, always (the rule the tests hold it to):
- practitioners' analysis (``Plan.analysis``), internal notes (``Review.internal_notes``) and
  progress notes on actions (``Action.note``);
- anything marked ``shared_without_consent``: outcomes, actions and reviews recorded from
  information shared without the family's consent (marked by the practitioner who records them,
  and always when the writer's own access rests on a decision to share without consent);
- anything about a family member who asked not to share: an outcome naming a person who has
  withheld their details from any organisation on this case (``withheld_person``), the actions
  under it, and actions that person owns. Such a person is never named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import User
from casework.cases.services import visible_case
from casework.consent.models import WithheldPerson
from casework.consent.policy import Actor
from casework.dataprotection.rectify import statements_on
from casework.errors import NotFound, NotPermitted
from casework.families.models import Family, Person
from casework.families.services import OWNING_BASES
from casework.plans.models import Action, Outcome, Review, ReviewScore
from casework.plans.services import plan_for_case

STATUS_WORDS = {"not_started": "Not started yet", "in_progress": "Started", "done": "Done", "dropped": "No longer needed"}
CONCLUSION_WORDS = {"better": "Things are better", "same": "Things are about the same", "worse": "Things are harder"}


@dataclass(frozen=True)
class FamilyAction:
    what: str
    who: str
    by: date
    status: str


@dataclass(frozen=True)
class FamilyOutcome:
    for_whom: str
    what_better_looks_like: str
    why: str
    baseline: int
    latest: int | None
    actions: list[FamilyAction] = field(default_factory=list)


@dataclass(frozen=True)
class FamilyReview:
    held_on: date
    conclusion: str
    summary: str
    decisions: str | None
    #: family members' statements that they disagree with the summary (never of a withheld person)
    disagreements: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FamilyPlan:
    family_reference: str
    agreed_on: date
    next_review_on: date | None
    strengths: str | None
    contingency: str | None
    outcomes: list[FamilyOutcome]
    reviews: list[FamilyReview]
    scale_min: int
    scale_max: int


def _names(people: list[str]) -> str:
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]


def family_plan(session: Session, actor: Actor, case_id: str) -> FamilyPlan:
    """The family's plan (owning team only: they give it to the family). One audited read."""
    from casework.cases.services import practice_of

    case, decision = visible_case(session, actor, case_id)
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case prints the family's plan.")
    plan = plan_for_case(session, case.id)
    if plan is None:
        raise NotFound("This case has no plan yet.")
    private = set(session.scalars(select(WithheldPerson.person_id).where(WithheldPerson.case_id == case.id)))
    people = {p.id: p for p in session.scalars(select(Person).where(Person.family_id == case.family_id)) if p.id not in private}
    reviews = [
        r for r in session.scalars(select(Review).where(Review.plan_id == plan.id).order_by(Review.held_on)) if not r.shared_without_consent
    ]
    latest: dict[str, int] = {}
    if reviews:
        for review in reviews:
            for row in session.scalars(select(ReviewScore).where(ReviewScore.review_id == review.id)):
                latest[row.outcome_id] = row.score
    outcomes = [
        o
        for o in session.scalars(select(Outcome).where(Outcome.plan_id == plan.id).order_by(Outcome.created_at, Outcome.id))
        if not o.shared_without_consent and not set(o.person_ids) & private
    ]
    actions = [
        a
        for a in session.scalars(select(Action).where(Action.plan_id == plan.id).order_by(Action.due_on, Action.created_at))
        if not a.shared_without_consent and a.owner_person_id not in private
    ]
    owners = {
        u.id: u.name
        for u in session.scalars(select(User).where(User.id.in_(sorted({a.owner_user_id for a in actions if a.owner_user_id}))))
    }

    def who(action: Action) -> str:
        if action.owner_person_id:
            person = people.get(action.owner_person_id)
            return "You" if person is None else (person.given_name or "You")
        return owners.get(action.owner_user_id or "", "Someone from the team")

    shown = []
    for outcome in outcomes:
        named = [people[p].given_name or "You" for p in outcome.person_ids if p in people]
        shown.append(
            FamilyOutcome(
                for_whom=_names(named) if named else "The family",
                what_better_looks_like=outcome.what_better_looks_like or "",
                why=outcome.need or "",
                baseline=outcome.baseline_score,
                latest=latest.get(outcome.id),
                actions=[
                    FamilyAction(a.description or "", who(a), a.due_on, STATUS_WORDS.get(a.status, a.status))
                    for a in actions
                    if a.outcome_id == outcome.id
                ],
            )
        )
    said: dict[str, list[str]] = {}
    for statement in statements_on(session, "review", [r.id for r in reviews]):
        if statement.person_id in people:
            said.setdefault(statement.record_id, []).append(statement.text or "")
    family = session.get(Family, case.family_id)
    trail.record(
        session,
        "family_plan.read",
        subject_type="plan",
        subject_id=plan.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    practice = practice_of(session)
    return FamilyPlan(
        family_reference=(family.reference if family else None) or "",
        agreed_on=plan.agreed_on,
        next_review_on=plan.next_review_on,
        strengths=plan.strengths,
        contingency=plan.contingency,
        outcomes=shown,
        reviews=[
            FamilyReview(r.held_on, CONCLUSION_WORDS.get(r.conclusion, r.conclusion), r.summary or "", r.decisions, said.get(r.id, []))
            for r in reviews
        ],
        scale_min=practice.scoring.min,
        scale_max=practice.scoring.max,
    )
