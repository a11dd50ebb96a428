"""Views over many cases: the timeline of one case, "My work", team caseload, approvals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import Organisation, User
from casework.cases import rules
from casework.cases.models import Case, LeadAssignment, LevelTransition, Notification
from casework.cases.services import flags_for, practice_of, visible_case
from casework.consent import rules as consent_rules
from casework.consent.models import Consent
from casework.consent.policy import Actor
from casework.consent.query import visible_cases
from casework.consent.services import consent_record, person_facts
from casework.db import today, utcnow
from casework.families.models import Person


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


#: Consents whose review date falls within this many days are shown on My work.
EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ExpiringConsent:
    """A consent still in effect on a case I lead whose review date is near."""

    case: Case
    person: str
    purpose: str  # "assessment" or "share"
    organisations: tuple[str, ...]  # for "share": the names of the organisations it covers
    expires_on: date


@dataclass
class WorkItem:
    case: Case
    flags: rules.Flags
    expiring_consents: list[ExpiringConsent] = field(default_factory=list)


@dataclass
class MyWork:
    leading: list[WorkItem] = field(default_factory=list)
    handovers: list[LeadAssignment] = field(default_factory=list)
    transfers: list[LevelTransition] = field(default_factory=list)
    approvals: list[LevelTransition] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def expiring_consents(self) -> list[ExpiringConsent]:
        """Consents in effect on the cases I lead whose review date is within the window, soonest first."""
        return sorted((e for w in self.leading for e in w.expiring_consents), key=lambda e: e.expires_on)

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
    expiring = expiring_consents(session, leading, on)
    flags = flags_for(session, leading, on)
    work.leading = [WorkItem(c, flags[c.id], [e for e in expiring if e.case.id == c.id]) for c in leading]
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


def expiring_consents(session: Session, cases: list[Case], on: date) -> list[ExpiringConsent]:
    """Agreements to early help or to share, still in effect on ``cases``, whose review date is
    within :data:`EXPIRY_WINDOW_DAYS` (derived from each case's history by the consent rules)."""
    if not cases:
        return []
    until = on + timedelta(days=EXPIRY_WINDOW_DAYS)
    by_case = {c.id: c for c in cases}
    rows = list(session.scalars(select(Consent).where(Consent.case_id.in_(sorted(by_case))).order_by(Consent.recorded_at, Consent.id)))
    soon = {r.case_id for r in rows if r.decision == "given" and r.expires_on is not None and on <= r.expires_on <= until}
    organisations = {row.id: row.name for row in session.execute(select(Organisation.id, Organisation.name))} if soon else {}
    result: list[ExpiringConsent] = []
    for case_id in sorted(soon, key=lambda i: by_case[i].opened_at):
        case = by_case[case_id]
        records = [consent_record(r) for r in rows if r.case_id == case_id]
        for person in session.scalars(select(Person).where(Person.family_id == case.family_id).order_by(Person.created_at, Person.id)):
            facts = person_facts(person)
            state = consent_rules.share_state(facts, records, on)
            expiring: dict[date, list[str]] = {}
            for org, expiry in state.given.items():
                if expiry is not None and expiry <= until:
                    expiring.setdefault(expiry, []).append(org)
            for expiry, orgs in sorted(expiring.items()):
                names = tuple(sorted(organisations.get(o, "An organisation") for o in orgs))
                result.append(ExpiringConsent(case, person.full_name, "share", names, expiry))
            mine = [r for r in records if r.purpose == "assessment" and r.given_by_person_id == person.id]
            latest = mine[-1] if mine else None
            if latest and latest.decision == "given" and latest.expires_on is not None and on <= latest.expires_on <= until:
                result.append(ExpiringConsent(case, person.full_name, "assessment", (), latest.expires_on))
    return sorted(result, key=lambda e: e.expires_on)


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


def caseload(session: Session, actor: Actor, team_id: str, members: Sequence[User] | None = None) -> list[CaseloadRow]:
    """Open cases per lead professional in a team the actor manages (``members``: the team's
    case-holding members, when the caller has already loaded them)."""
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
    return [CaseloadRow(user, int(counts.get(user.id, 0))) for user in (team_members(session, team_id) if members is None else members)]
