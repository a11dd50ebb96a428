"""What the plan pages show: names instead of ids, RAG tags, the distance-travelled charts and
their tables, the choices of owners and attendees, and the family's plan as a PDF."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import User
from casework.cases.services import practice_of
from casework.db import today
from casework.families.models import Person
from casework.families.services import OWNING_BASES
from casework.plans import rules, services
from casework.plans.chart import distance_chart
from casework.plans.family import FamilyPlan
from casework.plans.forms import ACTION_STATUS_LABELS, ATTENDANCE_LABELS, CONCLUSION_LABELS
from casework.web.headers import csp_nonce

RAG_TAGS = {
    rules.RED: {"text": "Overdue", "classes": "govuk-tag--red"},
    rules.AMBER: {"text": "Due soon", "classes": "govuk-tag--yellow"},
    rules.GREEN: {"text": "On track", "classes": "govuk-tag--green"},
    rules.NONE: {"text": "Finished", "classes": "govuk-tag--grey"},
}


def family_people(session: Session, view: services.PlanView) -> list[Person]:
    """The family's people this actor may see (withheld people are left out)."""
    people = session.scalars(select(Person).where(Person.family_id == view.case.family_id).order_by(Person.created_at, Person.id))
    return [p for p in people if p.id not in view.decision.withheld]


def _users(session: Session, ids: set[str]) -> list[User]:
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(sorted(ids))).order_by(User.name)))


def owner_choices(session: Session, view: services.PlanView) -> list[tuple[str, str]]:
    """Who may own an action: members of the Team Around the Family, then the family."""
    users = [(f"user:{u.id}", u.name) for u in _users(session, services.taf_user_ids(session, view.case))]
    return users + [(f"person:{p.id}", f"{p.full_name} (family)") for p in family_people(session, view)]


def attendee_choices(session: Session, view: services.PlanView) -> list[tuple[str, str]]:
    users = [(u.id, u.name) for u in _users(session, services.taf_user_ids(session, view.case))]
    return users + [(p.id, f"{p.full_name} (family)") for p in family_people(session, view)]


def plan_page(session: Session, view: services.PlanView) -> dict[str, Any]:
    """Everything the Plan tab shows, in words."""
    practice = practice_of(session)
    names = services.names_for(session, view)
    on, amber = today(), practice.timescales.action_amber_working_days
    outcomes = []
    for n, outcome in enumerate(view.outcomes, start=1):
        scored = [(r.held_on, view.scores.get(r.id, {}).get(outcome.id)) for r in view.reviews]
        # The baseline comes before every score (reviews may be recorded after the meeting).
        baseline_on = min([outcome.created_at.date(), *(held for held, score in scored if score is not None)])
        points = rules.distance_travelled(outcome.baseline_score, baseline_on, scored)
        title = f"Distance travelled: {outcome.what_better_looks_like or 'outcome'}"
        outcomes.append(
            {
                "outcome": outcome,
                "number": n,
                "for": ", ".join(names.get(p, "") for p in outcome.person_ids if p in names),
                "points": points,
                "chart": distance_chart(
                    f"chart-{n}", title, points, practice.scoring.min, practice.scoring.max, csp_nonce() if has_request_context() else None
                )
                if len(points) > 1
                else None,
                "actions": [
                    {
                        "action": a,
                        "owner": names.get(a.owner_user_id or a.owner_person_id or "", "Someone"),
                        "status": ACTION_STATUS_LABELS.get(a.status, a.status),
                        "rag": RAG_TAGS[rules.action_rag(a.status, a.due_on, on, amber)],
                    }
                    for a in view.actions
                    if a.outcome_id == outcome.id
                ],
            }
        )
    reviews = [
        {
            "review": r,
            "conclusion": CONCLUSION_LABELS.get(r.conclusion, r.conclusion),
            "attendance": [(names[i], ATTENDANCE_LABELS.get(status, status)) for i, status in r.attendance.items() if i in names],
        }
        for r in reversed(view.reviews)
    ]
    return {
        "view": view,
        "plan_record": view.plan,
        "outcomes": outcomes,
        "reviews": reviews,
        "may_write": view.may_write,
        "review_overdue": rules.review_overdue(view.plan.next_review_on, on),
        "scale": practice.scoring,
        "owns": view.decision.basis in OWNING_BASES,
    }


def family_plan_pdf(fp: FamilyPlan) -> bytes:
    """The family's plan as a PDF (WeasyPrint), from the same words as the page."""
    from weasyprint import HTML

    html = render_template("plans/family_plan_print.html", fp=fp)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
