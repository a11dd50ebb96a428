"""A family's case history replayed through the lifecycle rules, as the case services would.

An :class:`Action` is one thing a user does: open a case, allocate or hand over the lead, move
the case to assessment or plan, ask for a change of level, accept a transfer, decide, close.
:class:`CaseBook` applies each with the checks of :mod:`casework.cases.rules` and the effects
that ``casework.cases.services``, ``leads`` and ``transitions`` have on the rows: the columns
they set, the earlier assignments they end, one ``version`` step per row changed by a call, the
case's ``updated_at``. An action the rules refuse leaves nothing behind, as a refused request
does. Actions dated after ``now`` have not happened yet, which is how cases come to be waiting
for allocation, a decision or a handover. Pure: no session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from casework.cases import rules
from casework.errors import DomainError, NotFound, NotPermitted
from casework.practice import Practice

from .texts import STEP_DOWN_LEAD_REASON

OPEN, ASSIGN, ANSWER, STATUS, REQUEST, ACCEPT, DECIDE, CLOSE = "open", "assign", "answer", "status", "request", "accept", "decide", "close"
ACCEPTED, DECLINED = "accept", "decline"

Row = dict[str, Any]


class Action(NamedTuple):
    """One call to a case service, by ``actor`` at ``at`` (a named tuple: a plan makes
    hundreds of thousands).

    ``user``: the new lead (assign), the receiving lead (request). ``level``: the level opened
    at or asked for. ``code``: the source (open), status (status), decision (decide), closure
    reason (close), accept/decline (answer). ``text``: the reason, note or summary.
    """

    at: datetime
    kind: str
    actor: str
    user: str | None = None
    level: int | None = None
    code: str | None = None
    text: str | None = None
    notes: str | None = None
    immediate_risk: bool = False
    family_agreement: bool = False


@dataclass(slots=True)
class Record:
    """A row as stored, less its ciphertexts, and the plain values of its encrypted fields."""

    row: Row
    plain: dict[str, str | None]


@dataclass
class CaseHistory:
    """One case and the rows created with it, in the order they were created."""

    case: Record
    created: list[tuple[str, Record]] = field(default_factory=list)  # ("lead_assignment" | "transition", record)
    #: When the case first reached each stage after ``requested``, and who moved it there.
    stages: dict[str, tuple[datetime, str]] = field(default_factory=dict)

    def rows_of(self, kind: str) -> list[Record]:
        return [record for name, record in self.created if name == kind]


class CaseBook:
    """A family's cases, built by applying actions in time order."""

    def __init__(
        self,
        practice: Practice,
        family_id: str,
        team_id: str,
        staff: frozenset[str],
        managers: frozenset[str],
        new_id: Callable[[], str],
        now: datetime,
        assessment_due: Callable[[date], date] | None = None,
    ) -> None:
        """``assessment_due``: :func:`rules.assessment_due` for this practice (a cache of it, say)."""
        self._practice = practice
        self._due = assessment_due or (lambda opened: rules.assessment_due(practice, opened))
        self._family_id = family_id
        self._team_id = team_id
        self._staff = staff
        self._managers = managers
        self._new_id = new_id
        self._now = now
        self.cases: list[CaseHistory] = []
        self.refused = 0
        self._touched: dict[int, Record] = {}
        self._new: set[int] = set()

    # -- driving ---------------------------------------------------------------------------

    def run(self, actions: Iterable[Action]) -> CaseHistory | None:
        """Apply one case's actions (its ``open`` first); the case, or None if it never opened."""
        ordered = sorted((a for a in actions if a.at <= self._now), key=lambda a: a.at)
        if not ordered or ordered[0].kind != OPEN or not self._apply(None, ordered[0]):
            return None
        history = self.cases[-1]
        for action in ordered[1:]:
            self._apply(history, action)
        return history

    def _apply(self, history: CaseHistory | None, action: Action) -> bool:
        self._touched.clear()
        self._new.clear()
        try:
            if history is None:
                self._open(action)
            else:
                getattr(self, f"_{action.kind}")(history, action)
        except DomainError:
            self.refused += 1
            return False
        self._flush(action.at)
        return True

    def _flush(self, at: datetime) -> None:
        """What a flush does to the rows changed since the last: one version step each."""
        for key, record in self._touched.items():
            if key not in self._new:
                record.row["version"] += 1
                if "updated_at" in record.row:
                    record.row["updated_at"] = at
        self._touched.clear()
        self._new.clear()

    def _set(self, record: Record, **values: Any) -> None:
        record.row.update(values)
        self._touched[id(record)] = record

    def _created(self, record: Record) -> Record:
        self._new.add(id(record))
        return record

    def _state(self, history: CaseHistory) -> rules.CaseState:
        row = history.case.row
        pending = any(t.row["status"] == rules.PENDING for t in history.rows_of("transition"))
        return rules.CaseState(row["status"], row["level"], row["lead_professional_id"], pending)

    # -- cases (casework.cases.services) ---------------------------------------------------

    def _open(self, a: Action) -> None:
        assert a.level is not None and a.code is not None  # nosec B101 - the planner sets both
        open_exists = any(c.case.row["status"] in rules.OPEN_STATUSES for c in self.cases)
        rules.check_new_case(self._practice, level=a.level, source=a.code, reason=a.text, open_case_exists=open_exists)
        closed = [c.case.row for c in self.cases if c.case.row["closed_at"] is not None]
        last = max(closed, key=lambda r: r["closed_at"]) if closed else None
        case_id = self._new_id()
        row: Row = {
            "id": case_id,
            "version": 1,
            "created_at": a.at,
            "updated_at": a.at,
            "family_id": self._family_id,
            "owning_team_id": self._team_id,
            "status": "requested",
            "level": a.level,
            "source": a.code,
            "lead_professional_id": None,
            "opened_at": a.at,
            "opened_by_id": a.actor,
            "assessment_due_on": self._due(a.at.date()),
            "closed_at": None,
            "closed_by_id": None,
            "closure_reason": None,
            "re_referral": rules.is_re_referral(self._practice, a.at.date(), last["closed_at"].date() if last else None),
            "previous_case_id": last["id"] if last else None,
        }
        self.cases.append(CaseHistory(self._created(Record(row, {"reason": (a.text or "").strip(), "closure_summary": None}))))

    def _status(self, h: CaseHistory, a: Action) -> None:
        assert a.code is not None  # nosec B101 - the planner sets it
        rules.check_status_change(self._practice, self._state(h), a.code)
        self._set(h.case, status=a.code)
        h.stages.setdefault(a.code, (a.at, a.actor))

    def _close(self, h: CaseHistory, a: Action) -> None:
        row = h.case.row
        if a.actor != row["lead_professional_id"] and a.actor not in self._managers:
            raise NotPermitted("Only the lead professional or a manager of the team can close this case.")
        rules.check_closure(self._practice, self._state(h), reason=a.code, summary=a.text, has_final_review=False)
        self._set(h.case, status="closed", closed_at=a.at, closed_by_id=a.actor, closure_reason=a.code)
        h.case.plain["closure_summary"] = (a.text or "").strip()

    # -- lead professionals (casework.cases.leads) -----------------------------------------

    def _leads(self, h: CaseHistory) -> list[Record]:
        return h.rows_of("lead_assignment")

    def _pending_offers(self, h: CaseHistory) -> list[Record]:
        return [r for r in self._leads(h) if r.row["accepted_at"] is None and r.row["declined_at"] is None and r.row["ended_at"] is None]

    def _start_lead(
        self, h: CaseHistory, user: str, assigned_by: str, reason: str | None, at: datetime, offer: Record | None = None
    ) -> None:
        current = next((r for r in self._leads(h) if r.row["started_at"] is not None and r.row["ended_at"] is None), None)
        if current is not None:
            self._set(current, ended_at=at)
        for other in self._pending_offers(h):
            if other is not offer:
                self._set(other, ended_at=at)  # a newer decision supersedes an unanswered handover
        if offer is None:
            offer = self._new_assignment(h, user, assigned_by, reason, at)
        self._set(offer, accepted_at=offer.row["accepted_at"] or at, started_at=at)
        self._set(h.case, lead_professional_id=user)

    def _new_assignment(self, h: CaseHistory, user: str, assigned_by: str, reason: str | None, at: datetime) -> Record:
        row: Row = {
            "id": self._new_id(),
            "version": 1,
            "case_id": h.case.row["id"],
            "family_id": self._family_id,
            "user_id": user,
            "assigned_by_id": assigned_by,
            "proposed_at": at,
            "accepted_at": None,
            "started_at": None,
            "ended_at": None,
            "declined_at": None,
        }
        record = self._created(Record(row, {"reason": (reason or "").strip() or None}))
        h.created.append(("lead_assignment", record))
        return record

    def _assign(self, h: CaseHistory, a: Action) -> None:
        assert a.user is not None  # nosec B101 - the planner sets it
        change = rules.check_lead_assignment(
            self._state(h),
            candidate_id=a.user,
            candidate_eligible=a.user in self._staff,
            actor_id=a.actor,
            actor_manages_team=a.actor in self._managers,
            actor_in_team=a.actor in self._staff,
        )
        if change.effective_now:
            self._start_lead(h, a.user, a.actor, a.text, a.at)
            return
        for other in self._pending_offers(h):
            self._set(other, ended_at=a.at)
        self._new_assignment(h, a.user, a.actor, a.text, a.at)

    def _answer(self, h: CaseHistory, a: Action) -> None:
        offer = next((r for r in self._pending_offers(h) if r.row["user_id"] == a.actor), None)
        if offer is None or h.case.row["status"] not in rules.OPEN_STATUSES:
            raise NotFound("There is no handover waiting for you on this case.")
        if a.code == ACCEPTED:
            self._start_lead(h, a.actor, offer.row["assigned_by_id"], None, a.at, offer)
        else:
            self._set(offer, declined_at=a.at)

    # -- changes of level (casework.cases.transitions) -------------------------------------

    def _request(self, h: CaseHistory, a: Action) -> None:
        assert a.level is not None  # nosec B101 - the planner sets it
        case = h.case.row
        plan = rules.plan_transition(
            self._practice,
            self._state(h),
            to_level=a.level,
            reason=a.text,
            immediate_risk=a.immediate_risk,
            receiving_lead_id=a.user,
            family_agreement=a.family_agreement,
        )
        if plan.needs_receiver and a.user not in self._staff:
            raise NotFound("The receiving lead professional is not in the team that owns the case.")
        row: Row = {
            "id": self._new_id(),
            "version": 1,
            "case_id": case["id"],
            "family_id": self._family_id,
            "from_level": case["level"],
            "to_level": a.level,
            "direction": plan.direction,
            "immediate_risk": a.immediate_risk,
            "status": plan.status,
            "requested_by_id": a.actor,
            "requested_at": a.at,
            "effective_at": None,
            "decided_by_id": None,
            "decided_at": None,
            "receiving_lead_id": a.user if plan.needs_receiver else None,
            "receiver_accepted_at": None,
            "family_agreement": a.family_agreement,
        }
        plain = {"reason": (a.text or "").strip(), "handover_notes": (a.notes or "").strip() or None, "decision_note": None}
        h.created.append(("transition", self._created(Record(row, plain))))
        if plan.status == rules.APPROVED:
            row["effective_at"] = a.at
            self._set(h.case, level=a.level)

    def _awaiting(self, h: CaseHistory) -> Record:
        transitions = h.rows_of("transition")
        if not transitions:
            raise NotFound()
        return transitions[-1]

    def _accept(self, h: CaseHistory, a: Action) -> None:
        transition = self._awaiting(h)
        if transition.row["receiving_lead_id"] != a.actor or transition.row["status"] != rules.PENDING:
            raise NotPermitted("Only the receiving lead professional can accept this case.")
        if transition.row["receiver_accepted_at"] is None:
            self._set(transition, receiver_accepted_at=a.at)

    def _decide(self, h: CaseHistory, a: Action) -> None:
        assert a.code is not None  # nosec B101 - the planner sets it
        t, case = self._awaiting(h), h.case.row
        rules.check_decision(
            status=t.row["status"],
            immediate_risk=t.row["immediate_risk"],
            decision=a.code,
            approver_manages_team=a.actor in self._managers,
            approver_is_requester=t.row["requested_by_id"] == a.actor,
            already_reviewed=t.row["decided_by_id"] is not None,
            receiver_accepted=t.row["receiver_accepted_at"] is not None,
            needs_receiver=t.row["receiving_lead_id"] is not None,
            case_open=case["status"] in rules.OPEN_STATUSES,
            note=a.text,
            level_changed=t.row["from_level"] != case["level"],
        )
        self._set(t, decided_by_id=a.actor, decided_at=a.at)
        t.plain["decision_note"] = (a.text or "").strip() or None
        if t.row["immediate_risk"]:
            return
        self._set(t, status=a.code)
        if a.code == rules.APPROVED:
            self._set(t, effective_at=a.at)
            self._set(h.case, level=t.row["to_level"])
            receiver = t.row["receiving_lead_id"]
            if receiver and receiver != case["lead_professional_id"]:
                self._flush(a.at)  # start_lead's first query autoflushes the decision and the new level
                self._start_lead(h, receiver, a.actor, STEP_DOWN_LEAD_REASON, a.at)
