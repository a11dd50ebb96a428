"""Team Around the Family plans: start the plan, add outcomes and actions, update actions, hold
reviews. Every read goes through the access policy and is audited; only the owning team writes,
and partners read with withheld people's outcomes and actions left out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.assessments.services import assessment_submitted
from casework.audit import trail
from casework.cases import rules as case_rules
from casework.cases.models import Case
from casework.cases.services import practice_of, state_of, visible_case
from casework.consent.models import TeamMember
from casework.consent.policy import Actor, Decision
from casework.dataprotection.models import DisagreementStatement
from casework.dataprotection.rectify import statements_on
from casework.db import new_id, today
from casework.errors import Conflict, InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationFailed
from casework.families.models import Person
from casework.families.services import OWNING_BASES
from casework.plans import rules
from casework.plans.models import Action, Outcome, Plan, Review, ReviewScore


@dataclass
class PlanView:
    """A plan as one actor may see it: withheld people's outcomes and actions left out."""

    case: Case
    plan: Plan
    decision: Decision
    outcomes: list[Outcome] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    #: review id -> outcome id -> score
    scores: dict[str, dict[str, int]] = field(default_factory=dict)
    #: plan or review id -> statements of disagreement with its analysis or summary
    statements: dict[str, list[DisagreementStatement]] = field(default_factory=dict)

    @property
    def owning(self) -> bool:
        """The owning team: the only readers of the internal fields (analysis, internal notes, action notes)."""
        return self.decision.basis in OWNING_BASES

    @property
    def may_write(self) -> bool:
        return self.owning and self.case.status in case_rules.OPEN_STATUSES


def _owning(decision: Decision) -> None:
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case can change its plan.")


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def plan_for_case(session: Session, case_id: str) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.case_id == case_id))


def _visible_plan(session: Session, actor: Actor, plan_id: str) -> tuple[Plan, Case, Decision]:
    plan = session.get(Plan, plan_id) if plan_id and "\x00" not in plan_id else None
    if plan is None:
        raise NotFound()
    case, decision = visible_case(session, actor, plan.case_id)
    return plan, case, decision


def start_plan(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    agreed_on: date | None = None,
    strengths: str | None = None,
    contingency: str | None = None,
    analysis: str | None = None,
) -> Plan:
    """Start the family's plan at the first TAF meeting; the case moves to the ``plan`` stage.

    Every way of creating a plan comes through here, so a precondition on the assessment
    (a submitted Early Help Assessment) belongs here too.
    """
    case, decision = visible_case(session, actor, case_id)
    _owning(decision)
    practice = practice_of(session)
    rules.check_plan_open(case.status in case_rules.OPEN_STATUSES)
    if plan_for_case(session, case.id) is not None:
        raise Conflict("This case already has a plan: add to it instead.")
    if not assessment_submitted(session, case.id):
        raise InvalidTransition("Submit the Early Help Assessment first: the first Team Around the Family meeting plans from it.")
    case_rules.check_status_change(practice, state_of(session, case), "plan")
    agreed = agreed_on or today()
    problems: dict[str, list[str]] = {}
    if agreed > today():
        problems["agreed_on"] = ["The date the plan was agreed must be today or in the past"]
    for name, value in (("strengths", strengths), ("contingency", contingency), ("analysis", analysis)):
        if value and len(value) > rules.MAX_TEXT:
            problems[name] = [f"Must be {rules.MAX_TEXT} characters or fewer"]
    if problems:
        raise ValidationFailed(fields=problems)
    plan = Plan(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        created_by_id=actor.user_id,
        agreed_on=agreed,
        next_review_on=rules.next_review_due(agreed, practice),
    )
    plan.strengths, plan.contingency, plan.analysis = _clean(strengths), _clean(contingency), _clean(analysis)
    session.add(plan)
    case.status = "plan"
    session.flush()
    return plan


def _hides(decision: Decision, person_ids: Iterable[str | None]) -> bool:
    return any(p in decision.withheld for p in person_ids if p)


def load_view(session: Session, case: Case, plan: Plan, decision: Decision) -> PlanView:
    view = PlanView(case, plan, decision)
    outcomes = list(session.scalars(select(Outcome).where(Outcome.plan_id == plan.id).order_by(Outcome.created_at, Outcome.id)))
    view.outcomes = [o for o in outcomes if not _hides(decision, o.person_ids)]
    shown = {o.id for o in view.outcomes}
    actions = session.scalars(select(Action).where(Action.plan_id == plan.id).order_by(Action.due_on, Action.created_at, Action.id))
    view.actions = [a for a in actions if a.outcome_id in shown and not _hides(decision, [a.owner_person_id])]
    view.reviews = list(session.scalars(select(Review).where(Review.plan_id == plan.id).order_by(Review.held_on, Review.recorded_at)))
    review_ids = [r.id for r in view.reviews]
    if review_ids:
        for row in session.scalars(select(ReviewScore).where(ReviewScore.review_id.in_(review_ids))):
            if row.outcome_id in shown:
                view.scores.setdefault(row.review_id, {})[row.outcome_id] = row.score
    said = statements_on(session, "plan", [plan.id]) + statements_on(session, "review", review_ids)
    for statement in said:
        if statement.person_id not in decision.withheld:
            view.statements.setdefault(statement.record_id, []).append(statement)
    return view


def _record_read(session: Session, action: str, view: PlanView) -> None:
    trail.record(
        session,
        action,
        subject_type="plan",
        subject_id=view.plan.id,
        family_id=view.case.family_id,
        case_id=view.case.id,
        basis=view.decision.basis,
    )


def get_plan(session: Session, actor: Actor, case_id: str) -> PlanView:
    """The case's plan as the actor may see it (one audited read); 404 when there is none yet."""
    case, decision = visible_case(session, actor, case_id)
    plan = plan_for_case(session, case.id)
    if plan is None:
        raise NotFound("This case has no plan yet.")
    view = load_view(session, case, plan, decision)
    _record_read(session, "plan.read", view)
    return view


def get_plan_by_id(session: Session, actor: Actor, plan_id: str) -> PlanView:
    plan, case, decision = _visible_plan(session, actor, plan_id)
    view = load_view(session, case, plan, decision)
    _record_read(session, "plan.read", view)
    return view


def _family_ids(session: Session, family_id: str) -> set[str]:
    return set(session.scalars(select(Person.id).where(Person.family_id == family_id)))


def add_outcome(
    session: Session,
    actor: Actor,
    plan_id: str,
    *,
    person_ids: list[str],
    need: str | None,
    what_better_looks_like: str | None,
    baseline_score: object,
    shared_without_consent: bool = False,
) -> Outcome:
    """An outcome in the family's words for named people, with a baseline score."""
    plan, case, decision = _visible_plan(session, actor, plan_id)
    _owning(decision)
    rules.check_plan_open(case.status in case_rules.OPEN_STATUSES)
    people = list(dict.fromkeys(person_ids))
    rules.check_outcome(
        practice_of(session),
        person_ids=people,
        known_person_ids=_family_ids(session, case.family_id),
        need=need,
        text=what_better_looks_like,
        baseline=baseline_score,
    )
    assert isinstance(baseline_score, int)
    outcome = Outcome(
        id=new_id(),
        plan_id=plan.id,
        case_id=case.id,
        family_id=case.family_id,
        person_ids=people,
        baseline_score=baseline_score,
        shared_without_consent=bool(shared_without_consent) or decision.basis == "share_without_consent",
        created_by_id=actor.user_id,
    )
    outcome.need, outcome.what_better_looks_like = _clean(need), _clean(what_better_looks_like)
    session.add(outcome)
    session.flush()
    return outcome


def taf_user_ids(session: Session, case: Case) -> set[str]:
    """Practitioners who may own actions and attend reviews: TAF members and the owning team."""
    members = session.scalars(select(TeamMember.user_id).where(TeamMember.case_id == case.id, TeamMember.removed_at.is_(None)))
    from casework.cases.services import team_members

    return {uid for uid in members if uid} | {u.id for u in team_members(session, case.owning_team_id)}


def add_action(
    session: Session,
    actor: Actor,
    plan_id: str,
    *,
    outcome_id: str | None,
    description: str | None,
    owner_user_id: str | None = None,
    owner_person_id: str | None = None,
    due_on: date | None,
    shared_without_consent: bool = False,
) -> Action:
    """A SMART action for one of the plan's outcomes, owned by a team member or a family member."""
    plan, case, decision = _visible_plan(session, actor, plan_id)
    _owning(decision)
    rules.check_plan_open(case.status in case_rules.OPEN_STATUSES)
    outcome = session.get(Outcome, outcome_id) if outcome_id else None
    owner_known = (
        (owner_user_id in taf_user_ids(session, case)) if owner_user_id else (owner_person_id in _family_ids(session, case.family_id))
    )
    open_actions = [a for a in session.scalars(select(Action).where(Action.plan_id == plan.id)) if a.status not in rules.FINISHED]
    rules.check_action(
        description=description,
        owner_user_id=owner_user_id,
        owner_person_id=owner_person_id,
        owner_known=owner_known,
        due_on=due_on,
        today=today(),
        outcome_known=outcome is not None and outcome.plan_id == plan.id,
        open_actions=len(open_actions),
    )
    assert due_on is not None and outcome is not None
    action = Action(
        id=new_id(),
        plan_id=plan.id,
        case_id=case.id,
        family_id=case.family_id,
        outcome_id=outcome.id,
        owner_user_id=owner_user_id or None,
        owner_person_id=owner_person_id or None,
        due_on=due_on,
        status="not_started",
        shared_without_consent=bool(shared_without_consent) or decision.basis == "share_without_consent",
        created_by_id=actor.user_id,
    )
    action.description = _clean(description)
    session.add(action)
    session.flush()
    return action


def visible_action(session: Session, actor: Actor, action_id: str) -> tuple[Action, Case, Decision]:
    action = session.get(Action, action_id) if action_id and "\x00" not in action_id else None
    if action is None:
        raise NotFound()
    case, decision = visible_case(session, actor, action.case_id)
    outcome = session.get(Outcome, action.outcome_id)
    if _hides(decision, [action.owner_person_id, *(outcome.person_ids if outcome else [])]):
        raise NotFound()
    return action, case, decision


def update_action(
    session: Session, actor: Actor, action_id: str, *, version: int | None, status: str | None, note: str | None = None
) -> Action:
    """Move an action on (not started, in progress, done, dropped), with an internal note."""
    action, case, decision = visible_action(session, actor, action_id)
    _owning(decision)
    rules.check_plan_open(case.status in case_rules.OPEN_STATUSES)
    if version is not None and version != action.version:
        raise StaleVersion()
    rules.check_action_update(status, note)
    action.status = str(status)
    if _clean(note):
        action.note = _clean(note)
    session.flush()
    return action


def hold_review(
    session: Session,
    actor: Actor,
    plan_id: str,
    *,
    held_on: date | None,
    attendance: Mapping[str, str],
    scores: Mapping[str, object],
    conclusion: str | None,
    summary: str | None,
    decisions: str | None = None,
    internal_notes: str | None = None,
    next_review_on: date | None = None,
    final: bool = False,
    action_updates: Mapping[str, str] | None = None,
    shared_without_consent: bool = False,
) -> Review:
    """Record a TAF review: who came, a score per outcome, the conclusion, what was decided and
    when the next review is (by default the framework's cadence). A final review sets none."""
    plan, case, decision = _visible_plan(session, actor, plan_id)
    _owning(decision)
    rules.check_plan_open(case.status in case_rules.OPEN_STATUSES)
    practice = practice_of(session)
    outcome_ids = list(session.scalars(select(Outcome.id).where(Outcome.plan_id == plan.id)))
    last = session.scalar(select(Review.held_on).where(Review.plan_id == plan.id).order_by(Review.held_on.desc()).limit(1))
    review_input = rules.ReviewInput(held_on, attendance, scores, conclusion, summary, decisions, next_review_on, final)
    rules.check_review(
        practice,
        review_input,
        outcome_ids=outcome_ids,
        attendee_ids=taf_user_ids(session, case) | _family_ids(session, case.family_id),
        today=today(),
        last_held_on=max(last, plan.agreed_on) if last else plan.agreed_on,
    )
    if final and not outcome_ids:
        raise ValidationFailed(fields={"scores": ["A final review needs outcomes to score"]})
    actions = {a.id: a for a in session.scalars(select(Action).where(Action.plan_id == plan.id))}
    updates = dict(action_updates or {})
    for action_id, status in updates.items():
        if action_id not in actions:
            raise ValidationFailed(fields={"action_updates": ["Action updates must be for actions of this plan"]})
        rules.check_action_update(status, None)
    assert held_on is not None
    review = Review(
        id=new_id(),
        plan_id=plan.id,
        case_id=case.id,
        family_id=case.family_id,
        held_on=held_on,
        attendance=dict(attendance),
        conclusion=str(conclusion),
        next_review_on=None if final else (next_review_on or rules.next_review_due(held_on, practice)),
        final=final,
        shared_without_consent=bool(shared_without_consent) or decision.basis == "share_without_consent",
        recorded_by_id=actor.user_id,
    )
    review.summary, review.decisions, review.internal_notes = _clean(summary), _clean(decisions), _clean(internal_notes)
    session.add(review)
    session.flush()
    for outcome_id, score in scores.items():
        assert isinstance(score, int)
        session.add(
            ReviewScore(id=new_id(), review_id=review.id, outcome_id=outcome_id, case_id=case.id, family_id=case.family_id, score=score)
        )
    for action_id, status in updates.items():
        actions[action_id].status = status
    plan.next_review_on = review.next_review_on
    session.flush()
    return review


def has_final_review(session: Session, case_id: str) -> bool:
    """Has the case's plan a final review that scored every outcome? (Closure with needs met.)"""
    plan = plan_for_case(session, case_id)
    if plan is None:
        return False
    outcome_ids = list(session.scalars(select(Outcome.id).where(Outcome.plan_id == plan.id)))
    finals = list(session.scalars(select(Review.id).where(Review.plan_id == plan.id, Review.final.is_(True))))
    scored = [frozenset(session.scalars(select(ReviewScore.outcome_id).where(ReviewScore.review_id == r))) for r in finals]
    return rules.has_final_scores(scored, outcome_ids)


def names_for(session: Session, view: PlanView) -> dict[str, str]:
    """Names of the people and practitioners a plan mentions (withheld people are never named)."""
    from casework.auth.models import User

    people = {
        p.id: p.full_name
        for p in session.scalars(select(Person).where(Person.family_id == view.case.family_id))
        if p.id not in view.decision.withheld
    }
    user_ids = {a.owner_user_id for a in view.actions if a.owner_user_id} | {uid for r in view.reviews for uid in r.attendance}
    users = (
        {row.id: row.name for row in session.execute(select(User.id, User.name).where(User.id.in_(sorted(user_ids))))} if user_ids else {}
    )
    return people | users
