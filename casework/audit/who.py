"""Who looked: every view, change, export and search hit of a case or a person, a user's
activity, and failed sign-ins, read from the trail's plain columns (no detail is decrypted).

Which events touched what:
- a case: events with that ``case_id``, and events whose detail listed it (lists, My work);
- a person: events whose subject is the person; events about their family or its cases whose
  subject is not another person (a family or case page shows every member); and search results
  and member lists that named them (``audit_reference``).
Managers see the cases and people of the teams they manage; information governance officers
see everything, and alone see users' activity and failed sign-ins. Looking is itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from casework.audit import trail
from casework.audit.models import AuditEvent, AuditReference
from casework.auth.models import Organisation, User
from casework.cases.models import Case
from casework.consent.policy import Actor
from casework.errors import NotFound
from casework.families.models import Family, Person

PER_PAGE = 50
BASIS_LABELS = {
    "team": "Owning team",
    "manager": "Manager of the owning team",
    "organisation": "Team around the family, same organisation",
    "consent": "Consent",
    "share_without_consent": "Share without consent",
    "ig_officer": "Information governance",
}


@dataclass(frozen=True)
class Row:
    seq: int
    at: datetime
    who: str
    organisation: str
    action: str
    basis: str
    subject: str


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def _may_see_team(actor: Actor, team_id: str) -> bool:
    return actor.has_role("ig_officer") or team_id in actor.managed_team_ids


def _basis(actor: Actor) -> str:
    return "ig_officer" if actor.has_role("ig_officer") else "manager"


def _page(session: Session, where: ColumnElement[bool], page: int) -> Page:
    total = int(session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0)
    events = list(
        session.execute(
            select(
                AuditEvent.seq,
                AuditEvent.at,
                AuditEvent.actor_id,
                AuditEvent.organisation_id,
                AuditEvent.action,
                AuditEvent.basis,
                AuditEvent.subject_type,
            )
            .where(where)
            .order_by(AuditEvent.seq.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    users = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id})))}
    orgs = {
        o.id: o.name
        for o in session.scalars(select(Organisation).where(Organisation.id.in_({e.organisation_id for e in events if e.organisation_id})))
    }
    rows = [
        Row(
            seq=e.seq,
            at=e.at,
            who=users.get(e.actor_id or "", e.actor_id or "unknown"),
            organisation=orgs.get(e.organisation_id or "", "—"),
            action=e.action,
            basis=BASIS_LABELS.get(e.basis or "", e.basis or "—"),
            subject=e.subject_type or "—",
        )
        for e in events
    ]
    return Page(rows, page, total)


def _referenced(ref_type: str, ref_id: str) -> ColumnElement[bool]:
    refs = select(AuditReference.seq).where(AuditReference.ref_type == ref_type, AuditReference.ref_id == ref_id)
    return AuditEvent.seq.in_(refs)


def case_accesses(session: Session, actor: Actor, case_id: str, page: int = 1) -> tuple[Case, Page]:
    case = session.get(Case, case_id)
    if case is None or not _may_see_team(actor, case.owning_team_id):
        raise NotFound()
    result = _page(session, or_(AuditEvent.case_id == case.id, _referenced("case", case.id)), page)
    trail.record(
        session, "case.audit.read", subject_type="case", subject_id=case.id, family_id=case.family_id, case_id=case.id, basis=_basis(actor)
    )
    return case, result


def person_events(person_id: str, family_id: str) -> ColumnElement[bool]:
    """The events that touched a person (see the module's docstring); also the subject access
    export's access log."""
    about_person = and_(AuditEvent.subject_type == "person", AuditEvent.subject_id == person_id)
    about_family = and_(AuditEvent.family_id == family_id, or_(AuditEvent.subject_type.is_(None), AuditEvent.subject_type != "person"))
    return or_(about_person, about_family, _referenced("person", person_id), _referenced("family", family_id))


def person_accesses(session: Session, actor: Actor, person_id: str, page: int = 1) -> tuple[Person, Page]:
    person = session.get(Person, person_id)
    family = session.get(Family, person.family_id) if person is not None else None
    if person is None or family is None or not _may_see_team(actor, family.owning_team_id):
        raise NotFound()
    result = _page(session, person_events(person.id, family.id), page)
    trail.record(session, "person.audit.read", subject_type="person", subject_id=person.id, family_id=family.id, basis=_basis(actor))
    return person, result


def _ig_only(actor: Actor) -> None:
    if not actor.has_role("ig_officer"):
        raise NotFound()


def user_activity(session: Session, actor: Actor, user_id: str, page: int = 1) -> tuple[User, Page]:
    _ig_only(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    result = _page(session, AuditEvent.actor_id == user.id, page)
    trail.record(session, "user.activity.read", subject_type="user", subject_id=user.id, basis="ig_officer")
    return user, result


def failed_sign_ins(session: Session, actor: Actor, page: int = 1) -> Page:
    _ig_only(actor)
    result = _page(session, AuditEvent.action == "auth.sign_in_failed", page)
    # The account tried, when it exists, rather than the (absent) actor.
    found = session.execute(select(AuditEvent.seq, AuditEvent.subject_id).where(AuditEvent.seq.in_([r.seq for r in result.rows])))
    subjects: dict[int, str | None] = {row[0]: row[1] for row in found}
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_({s for s in subjects.values() if s})))}
    rows = [
        Row(r.seq, r.at, names.get(subjects.get(r.seq) or "", "An unknown email address"), r.organisation, r.action, r.basis, r.subject)
        for r in result.rows
    ]
    trail.record(session, "auth.failed_sign_ins.read", subject_type="user", basis="ig_officer")
    return Page(rows, result.page, result.total)
