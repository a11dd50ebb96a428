"""Views over many cases: the timeline of one case, "My work", team caseload, approvals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import User
from casework.cases import rules
from casework.cases.models import Case, LeadAssignment, LevelTransition, Notification
from casework.cases.services import case_flags, practice_of, visible_case
from casework.consent.policy import Actor
from casework.consent.query import visible_cases
from casework.db import today, utcnow


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    title: str
    by: str | None
    text: str | None = None


def _names(session: Session, ids: set[str | None]) -> dict[str, str]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return {row[0]: row[1] for row in session.execute(select(User.id, User.name).where(User.id.in_(wanted)))}


def timeline(session: Session, actor: Actor, case_id: str) -> tuple[Case, list[TimelineItem]]:
    """Everything that happened to a case, newest first (one audited read)."""
    case, decision = visible_case(session, actor, case_id)
    practice = practice_of(session)
    transitions = list(session.scalars(select(LevelTransition).where(LevelTransition.case_id == case.id)))
    leads = list(session.scalars(select(LeadAssignment).where(LeadAssignment.case_id == case.id)))
    ids: set[str | None] = {case.opened_by_id, case.closed_by_id}
    ids |= {t.requested_by_id for t in transitions} | {t.decided_by_id for t in transitions} | {t.receiving_lead_id for t in transitions}
    ids |= {a.user_id for a in leads} | {a.assigned_by_id for a in leads}
    names = _names(session, ids)

    def level_name(n: int) -> str:
        return f"level {n} ({practice.level(n).name})" if practice.has_level(n) else f"level {n}"

    items = [
        TimelineItem(
            case.opened_at,
            f"Request for support opened at {level_name(case.level if not transitions else transitions[0].from_level)}",
            names.get(case.opened_by_id or ""),
            case.reason,
        )
    ]
    for t in transitions:
        verb = "Step-up" if t.direction == rules.STEP_UP else "Step-down"
        title = f"{verb} to {level_name(t.to_level)} requested" + (" with immediate risk: took effect at once" if t.immediate_risk else "")
        items.append(TimelineItem(t.requested_at, title, names.get(t.requested_by_id), t.reason))
        if t.receiver_accepted_at:
            items.append(
                TimelineItem(t.receiver_accepted_at, "Receiving lead professional accepted the case", names.get(t.receiving_lead_id or ""))
            )
        if t.decided_at:
            outcome = "approved afterwards" if t.immediate_risk else t.status
            items.append(
                TimelineItem(
                    t.decided_at, f"{verb} to {level_name(t.to_level)} {outcome}", names.get(t.decided_by_id or ""), t.decision_note
                )
            )
    for a in leads:
        if a.started_at:
            items.append(
                TimelineItem(
                    a.started_at, f"{names.get(a.user_id, 'Someone')} became lead professional", names.get(a.assigned_by_id), a.reason
                )
            )
        elif a.declined_at:
            items.append(TimelineItem(a.declined_at, f"{names.get(a.user_id, 'Someone')} declined the handover", names.get(a.user_id)))
        elif a.is_pending:
            items.append(
                TimelineItem(a.proposed_at, f"Handover offered to {names.get(a.user_id, 'someone')}", names.get(a.assigned_by_id), a.reason)
            )
    if case.closed_at:
        reason = practice.closure_reason(case.closure_reason or "")
        items.append(
            TimelineItem(
                case.closed_at,
                f"Closed: {reason.label if reason else case.closure_reason}",
                names.get(case.closed_by_id or ""),
                case.closure_summary,
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    trail.record(
        session,
        "case.timeline.read",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    return case, items


@dataclass
class WorkItem:
    case: Case
    flags: rules.Flags


@dataclass
class MyWork:
    leading: list[WorkItem] = field(default_factory=list)
    handovers: list[LeadAssignment] = field(default_factory=list)
    transfers: list[LevelTransition] = field(default_factory=list)
    approvals: list[LevelTransition] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def overdue(self) -> list[WorkItem]:
        return [w for w in self.leading if w.flags.assessment_overdue]


def my_work(session: Session, actor: Actor, on: date | None = None) -> MyWork:
    """A practitioner's cases and what waits for them; for managers, the approvals too."""
    on = on or today()
    work = MyWork()
    leading = list(
        session.scalars(
            select(Case)
            .where(visible_cases(actor), Case.lead_professional_id == actor.user_id, Case.status.in_(sorted(rules.OPEN_STATUSES)))
            .order_by(Case.assessment_due_on)
        )
    )
    work.leading = [WorkItem(c, case_flags(session, c, on)) for c in leading]
    work.handovers = list(
        session.scalars(
            select(LeadAssignment)
            .join(Case, Case.id == LeadAssignment.case_id)
            .where(
                visible_cases(actor),
                LeadAssignment.user_id == actor.user_id,
                LeadAssignment.accepted_at.is_(None),
                LeadAssignment.declined_at.is_(None),
                LeadAssignment.ended_at.is_(None),
            )
        )
    )
    work.transfers = list(
        session.scalars(
            select(LevelTransition)
            .join(Case, Case.id == LevelTransition.case_id)
            .where(
                visible_cases(actor),
                LevelTransition.receiving_lead_id == actor.user_id,
                LevelTransition.status == rules.PENDING,
                LevelTransition.receiver_accepted_at.is_(None),
            )
        )
    )
    work.approvals = approvals_queue(session, actor, record=False)
    work.notifications = list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(50)
        )
    )
    shown = sorted(
        {w.case.id for w in work.leading} | {t.case_id for t in (*work.transfers, *work.approvals)} | {h.case_id for h in work.handovers}
    )
    if shown or work.handovers or work.transfers or work.approvals:
        trail.record(session, "work.read", subject_type="case", detail={"cases": shown})
    return work


def approvals_queue(session: Session, actor: Actor, record: bool = True) -> list[LevelTransition]:
    """Transitions a manager must decide: pending ones, and immediate-risk step-ups to confirm
    (one audited read naming the cases shown, unless the caller records its own)."""
    teams = sorted(actor.managed_team_ids)
    if not teams:
        return []
    items = list(
        session.scalars(
            select(LevelTransition)
            .join(Case, Case.id == LevelTransition.case_id)
            .where(Case.owning_team_id.in_(teams))
            .where(
                (LevelTransition.status == rules.PENDING)
                | ((LevelTransition.immediate_risk.is_(True)) & (LevelTransition.decided_by_id.is_(None)))
            )
            .order_by(LevelTransition.immediate_risk.desc(), LevelTransition.requested_at)
        )
    )
    if items and record:
        trail.record(session, "approvals.read", subject_type="case", detail={"cases": sorted({t.case_id for t in items})})
    return items


def mark_notifications_read(session: Session, actor: Actor) -> None:
    for note in session.scalars(select(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))):
        note.read_at = utcnow()
    session.flush()


@dataclass(frozen=True)
class CaseloadRow:
    user: User
    open_cases: int


def caseload(session: Session, actor: Actor, team_id: str) -> list[CaseloadRow]:
    """Open cases per lead professional in a team the actor manages."""
    from casework.cases.services import team_members
    from casework.errors import NotPermitted

    if team_id not in actor.managed_team_ids:
        raise NotPermitted()
    counts: dict[str | None, int] = {
        row[0]: int(row[1])
        for row in session.execute(
            select(Case.lead_professional_id, func.count())
            .where(Case.owning_team_id == team_id, Case.status.in_(sorted(rules.OPEN_STATUSES)), Case.lead_professional_id.is_not(None))
            .group_by(Case.lead_professional_id)
        )
    }
    return [CaseloadRow(user, int(counts.get(user.id, 0))) for user in team_members(session, team_id)]
