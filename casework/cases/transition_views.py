"""Change-of-level pages: request a step up or down, a manager's decision, the receiver's
acceptance. Routes of the ``cases`` blueprint (registered in cases/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.cases import display, rules, services, transitions
from casework.cases.display import case_context, refused, require_open, version_of
from casework.cases.forms import ConfirmForm, DecisionForm, TransitionForm
from casework.cases.models import LevelTransition
from casework.errors import InvalidTransition, ValidationFailed
from casework.web.access import roles_required
from casework.web.requests import db_session

CASE_ROLES = ("practitioner", "manager")


@roles_required(*CASE_ROLES)
def request_change(case_id: str) -> Response | str:
    dbs = db_session()
    case = services.get_case(dbs, g.actor, case_id)
    require_open(case)
    practice = display.practice()
    form = TransitionForm()
    others = [level for level in practice.levels if level.number != case.level]
    form.to_level.choices = [(str(level.number), f"Level {level.number}: {level.name}") for level in others]
    members = services.team_members(dbs, case.owning_team_id)
    form.receiving_lead_id.choices = [("", "Choose a person")] + [(u.id, u.name) for u in members]
    from_statutory = case.level == practice.statutory_level.number
    if form.validate_on_submit():
        to_level = int(form.to_level.data or 0)
        try:
            change = transitions.request_transition(
                dbs,
                g.actor,
                case_id,
                to_level=to_level,
                reason=form.reason.data,
                immediate_risk=bool(form.immediate_risk.data),
                receiving_lead_id=(form.receiving_lead_id.data or None) if from_statutory else None,
                family_agreement=bool(form.family_agreement.data) if from_statutory else False,
                handover_notes=form.handover_notes.data if from_statutory else None,
            )
        except (ValidationFailed, InvalidTransition) as exc:
            refused(form, "to_level", exc)
            case = services.get_case(dbs, g.actor, case_id)
        else:
            flash(_requested_message(change, dict(form.receiving_lead_id.choices)), "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return render_template(
        "cases/transition_new.html",
        **case_context(case),
        form=form,
        level_hints=[{"hint": {"text": level.description}} for level in others],
        from_statutory=from_statutory,
        offer_immediate_risk=not from_statutory,
        statutory=practice.statutory_level,
        page_title="Request a change of level",
    )


def _requested_message(change: LevelTransition, people: dict[str, str]) -> str:
    if change.status == rules.APPROVED:
        return (
            f"The step-up to {display.level_phrase(change.to_level)} has taken effect. "
            "The team's managers have been told and will approve it afterwards."
        )
    if change.receiving_lead_id:
        return (
            f"Step-down requested. It waits for {people.get(change.receiving_lead_id, 'the receiving lead professional')} "
            "to accept the case and for a manager to approve it."
        )
    return "Change of level requested. It waits for a manager's decision."


def _render(change: LevelTransition, form: DecisionForm | ConfirmForm | None) -> str:
    case = change.case
    names = display.user_names(
        db_session(), [change.requested_by_id, change.decided_by_id, change.receiving_lead_id, case.lead_professional_id]
    )
    state = display.transition_state(change)
    return render_template(
        "cases/transition.html",
        **case_context(case),
        change=change,
        names=names,
        heading=display.direction_label(change),
        state=state,
        form=form,
        may_accept=change.receiving_lead_id == g.actor.user_id and change.status == rules.PENDING and change.receiver_accepted_at is None,
        page_title="Change of level",
    )


def _decision_form(change: LevelTransition) -> DecisionForm | ConfirmForm | None:
    """The manager's form, when the change waits for a manager of the owning team."""
    if change.case.owning_team_id not in g.actor.managed_team_ids or not display.awaiting_decision(change):
        return None
    form: DecisionForm | ConfirmForm = ConfirmForm() if change.immediate_risk else DecisionForm()
    if not form.version.data:
        form.version.data = str(change.version)
    return form


@roles_required(*CASE_ROLES)
def show_change(transition_id: str) -> str:
    change = transitions.get_transition(db_session(), g.actor, transition_id)
    return _render(change, _decision_form(change))


@roles_required("manager")
def decide(transition_id: str) -> Response | str:
    dbs = db_session()
    change = transitions.get_transition(dbs, g.actor, transition_id)
    form: DecisionForm | ConfirmForm = ConfirmForm() if change.immediate_risk else DecisionForm()
    if form.validate_on_submit():
        decision = form.decision.data if isinstance(form, DecisionForm) else rules.APPROVED
        case_id = change.case_id
        try:
            transitions.decide_transition(
                dbs, g.actor, transition_id, decision=decision or "", note=form.note.data, version=version_of(form.version.data)
            )
        except (ValidationFailed, InvalidTransition) as exc:
            refused(form, "decision" if isinstance(form, DecisionForm) else "note", exc)
            change = transitions.get_transition(dbs, g.actor, transition_id)
        else:
            flash("Change of level approved" if decision == rules.APPROVED else "Change of level rejected", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    return _render(change, form)


@roles_required(*CASE_ROLES)
def accept(transition_id: str) -> Response:
    change = transitions.accept_transfer(db_session(), g.actor, transition_id)
    flash("You have accepted the case. A manager now decides the step-down; you become lead professional when it is approved.", "success")
    return redirect(url_for("cases.show", case_id=change.case_id))


ROUTES: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    ("/cases/<case_id>/transitions/new", "request_change", request_change, ["GET", "POST"]),
    ("/transitions/<transition_id>", "transition", show_change, ["GET"]),
    ("/transitions/<transition_id>/decision", "decide", decide, ["POST"]),
    ("/transitions/<transition_id>/accept", "accept_transfer", accept, ["POST"]),
]
