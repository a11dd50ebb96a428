"""Team Around the Family plan API (API.md "Team Around the Family plan").

The services' access policy answers 404 for a case the caller may not see and 403 for a partner
who may read but not write; so no route here declares roles of its own.
"""

from __future__ import annotations

from typing import Any

from flask import g

from casework.api import endpoint
from casework.api.schemas import PageQuerySchema, page_of
from casework.cases.services import practice_of
from casework.db import today
from casework.plans import closure, rules, services
from casework.plans.models import Action, Outcome, Review
from casework.plans.schemas import (
    ActionCreateSchema,
    ActionPageSchema,
    ActionSchema,
    ActionUpdateSchema,
    CheckRecordSchema,
    CheckSchema,
    OutcomeCreateSchema,
    OutcomePageSchema,
    OutcomeSchema,
    PlanCreateSchema,
    PlanSchema,
    ReviewCreateSchema,
    ReviewPageSchema,
    ReviewSchema,
)
from casework.plans.services import PlanView
from casework.web.requests import db_session


def _outcome_fields(outcome: Outcome, latest: int | None) -> dict[str, Any]:
    fields = (
        "id",
        "plan_id",
        "version",
        "person_ids",
        "need",
        "what_better_looks_like",
        "baseline_score",
        "shared_without_consent",
        "created_at",
    )
    return {name: getattr(outcome, name) for name in fields} | {"latest_score": latest}


def _outcome(view: PlanView, outcome: Outcome) -> dict[str, Any]:
    latest = None
    for review in view.reviews:
        latest = view.scores.get(review.id, {}).get(outcome.id, latest)
    return _outcome_fields(outcome, latest)


def _action(action: Action, owning: bool = True) -> dict[str, Any]:
    """An action; ``owning``: the reader is of the owning team (only they read its internal note)."""
    amber = practice_of(db_session()).timescales.action_amber_working_days
    fields = ("id", "plan_id", "outcome_id", "version", "description", "owner_user_id", "owner_person_id", "due_on", "status", "note")
    return {name: getattr(action, name) for name in fields} | {
        "note": action.note if owning else None,
        "shared_without_consent": action.shared_without_consent,
        "rag": rules.action_rag(action.status, action.due_on, today(), amber),
    }


def _review(view: PlanView, review: Review) -> dict[str, Any]:
    fields = ("id", "plan_id", "held_on", "conclusion", "summary", "decisions", "internal_notes", "next_review_on", "final")
    scores = view.scores.get(review.id, {})
    attendance = {k: v for k, v in review.attendance.items() if k not in view.decision.withheld}
    return {name: getattr(review, name) for name in fields} | {
        "internal_notes": review.internal_notes if view.owning else None,
        "attendance": attendance,
        "scores": [{"outcome_id": o, "score": s} for o, s in sorted(scores.items())],
        "shared_without_consent": review.shared_without_consent,
        "recorded_by_id": review.recorded_by_id,
        "recorded_at": review.recorded_at,
        "statements_of_disagreement": _statements(view, review.id),
    }


def _statements(view: PlanView, record_id: str) -> list[dict[str, Any]]:
    return [{"person_id": s.person_id, "text": s.text, "recorded_at": s.recorded_at} for s in view.statements.get(record_id, [])]


def _plan(view: PlanView) -> dict[str, Any]:
    plan = view.plan
    return {
        "id": plan.id,
        "case_id": plan.case_id,
        "version": plan.version,
        "agreed_on": plan.agreed_on,
        "next_review_on": plan.next_review_on,
        "review_overdue": rules.review_overdue(plan.next_review_on, today()),
        "strengths": plan.strengths,
        "contingency": plan.contingency,
        "analysis": plan.analysis if view.owning else None,
        "statements_of_disagreement": _statements(view, plan.id),
        "outcomes": [_outcome(view, o) for o in view.outcomes],
        "actions": [_action(a, view.owning) for a in view.actions],
        "reviews": [_review(view, r) for r in view.reviews],
    }


@endpoint(
    "/cases/<case_id>/plan",
    "POST",
    summary="Start the family's plan at the first TAF meeting (owning team); the case moves to the plan stage. "
    "The first review is due after the framework's review cadence",
    tag="Plans",
    body=PlanCreateSchema,
    response=PlanSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def create_plan(case_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """409: the case already has a plan, is closed, or needs a lead professional first."""
    session = db_session()
    plan = services.start_plan(session, g.actor, case_id, **body)
    return _plan(services.get_plan_by_id(session, g.actor, plan.id))


@endpoint("/cases/<case_id>/plan", "GET", summary="The case's plan as the caller may see it", tag="Plans", response=PlanSchema)
def get_plan(case_id: str) -> dict[str, Any]:
    return _plan(services.get_plan(db_session(), g.actor, case_id))


@endpoint(
    "/plans/<plan_id>/outcomes",
    "POST",
    summary="Add an outcome in the family's words, for named family members, with a baseline score",
    tag="Plans",
    body=OutcomeCreateSchema,
    response=OutcomeSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def add_outcome(plan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    outcome = services.add_outcome(db_session(), g.actor, plan_id, **body)
    return _outcome_fields(outcome, latest=None)


@endpoint("/plans/<plan_id>/outcomes", "GET", summary="The plan's outcomes", tag="Plans", query=PageQuerySchema, response=OutcomePageSchema)
def list_outcomes(plan_id: str, query: dict[str, Any]) -> dict[str, Any]:
    view = services.get_plan_by_id(db_session(), g.actor, plan_id)
    return page_of([_outcome(view, o) for o in view.outcomes], query)


@endpoint(
    "/plans/<plan_id>/actions",
    "POST",
    summary="Add a SMART action for an outcome: what, one owner (owner_user_id or owner_person_id), due date",
    tag="Plans",
    body=ActionCreateSchema,
    response=ActionSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def add_action(plan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return _action(services.add_action(db_session(), g.actor, plan_id, **body))


@endpoint(
    "/plans/<plan_id>/actions",
    "GET",
    summary="The plan's actions, soonest due first",
    tag="Plans",
    query=PageQuerySchema,
    response=ActionPageSchema,
)
def list_actions(plan_id: str, query: dict[str, Any]) -> dict[str, Any]:
    view = services.get_plan_by_id(db_session(), g.actor, plan_id)
    return page_of([_action(a, view.owning) for a in view.actions], query)


@endpoint(
    "/actions/<action_id>",
    "PATCH",
    summary="Update an action's status (with the version read; 409 stale_version when it changed)",
    tag="Plans",
    body=ActionUpdateSchema,
    response=ActionSchema,
    errors=(401, 403, 404, 409),
)
def update_action(action_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return _action(services.update_action(db_session(), g.actor, action_id, **body))


@endpoint(
    "/plans/<plan_id>/reviews",
    "POST",
    summary="Record a TAF review: attendance, a score per outcome, conclusion, summary, next review "
    "(default: the framework's cadence). A final review scores every outcome",
    tag="Plans",
    body=ReviewCreateSchema,
    response=ReviewSchema,
    status=201,
    errors=(401, 403, 404, 409),
)
def hold_review(plan_id: str, body: dict[str, Any]) -> dict[str, Any]:
    session = db_session()
    attendance = dict.fromkeys(body["not_invited"], "not_invited") | dict.fromkeys(body["apologies"], "apologies")
    attendance |= dict.fromkeys(body["attendees"], "present")
    review = services.hold_review(
        session,
        g.actor,
        plan_id,
        held_on=body["held_on"],
        attendance=attendance,
        scores={s["outcome_id"]: s["score"] for s in body["scores"]},
        conclusion=body["conclusion"],
        summary=body["summary"],
        decisions=body["decisions"],
        internal_notes=body["internal_notes"],
        next_review_on=body["next_review_on"],
        final=body["final"],
        action_updates={u["action_id"]: u["status"] for u in body["action_updates"]},
        shared_without_consent=body["shared_without_consent"],
    )
    view = services.get_plan_by_id(session, g.actor, plan_id)
    return _review(view, review)


@endpoint(
    "/plans/<plan_id>/reviews",
    "GET",
    summary="The plan's reviews, oldest first",
    tag="Plans",
    query=PageQuerySchema,
    response=ReviewPageSchema,
)
def list_reviews(plan_id: str, query: dict[str, Any]) -> dict[str, Any]:
    view = services.get_plan_by_id(db_session(), g.actor, plan_id)
    return page_of([_review(view, r) for r in view.reviews], query)


@endpoint(
    "/post-closure-checks/<check_id>",
    "POST",
    summary="Record whether the family's outcomes were sustained after closure (owning team)",
    tag="Plans",
    body=CheckRecordSchema,
    response=CheckSchema,
    errors=(401, 404, 409),
)
def record_check(check_id: str, body: dict[str, Any]) -> Any:
    return closure.record_check(db_session(), g.actor, check_id, sustained=body["sustained"], note=body["note"])
