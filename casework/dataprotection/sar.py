"""Gathering everything held about a person for a subject access request.

Information governance officers alone produce exports (DESIGN.md, the access policy's rule 5).
The export covers the person's details and their family's, every case of the family with its
changes of level, consents about them or given by them (and other people's, pre-marked for
redaction), the Early Help Assessments' sections and the plans' outcomes, actions and reviews,
corrections of their details and their statements of disagreement; and the log of who accessed
their information (the "who looked" query of ``casework.audit.who``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.assessments.models import Assessment
from casework.audit import trail
from casework.audit.models import AuditEvent
from casework.audit.who import person_events
from casework.auth.models import Organisation, User
from casework.cases.models import Case, LevelTransition
from casework.cases.services import plausible_id
from casework.consent.models import Consent, ShareWithoutConsent
from casework.consent.policy import Actor
from casework.dataprotection import redaction
from casework.dataprotection.models import Correction, DisagreementStatement
from casework.db import utcnow
from casework.errors import NotFound, ValidationFailed
from casework.families.models import Family, Person
from casework.families.services import blind_indexer
from casework.plans.models import Action, Outcome, Plan, Review
from casework.security.blind import normalise_name

IG_BASIS = "ig_officer"
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "role",
    "parental_responsibility",
    "date_of_birth",
    "expected_date",
    "nhs_number",
    "gender",
    "ethnicity",
    "language",
    "school",
    "note",
)
FAMILY_FIELDS = ("reference", "address_line_1", "postcode", "note", "lsoa_code")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _item(
    key: str, kind: str, title: str, fields: dict[str, Any], *, about: list[str] | None = None, case_id: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"key": key, "kind": kind, "title": title, "about": sorted(about or [])}
    if case_id:
        item["case_id"] = case_id
    item["fields"] = {k: _plain(v) for k, v in fields.items()}
    item["labels"] = {k: k.replace("_", " ").capitalize() for k in fields}
    return item


@dataclass
class Gathered:
    """Everything held about one person, as items (see ``redaction``) and the access log."""

    person: Person
    family: Family
    items: list[dict[str, Any]]
    access_log: list[dict[str, Any]]
    generated_at: datetime

    @property
    def subject_key(self) -> str:
        return f"person:{self.person.id}"

    @property
    def family_key(self) -> str:
        return f"family:{self.family.id}"

    def to_json(self) -> str:
        return json.dumps(
            {"items": self.items, "access_log": self.access_log, "generated_at": self.generated_at.isoformat()},
            sort_keys=True,
            ensure_ascii=False,
        )

    def suggested(self, people: list[Person]) -> dict[str, str]:
        others = [p.full_name for p in people if p.id != self.person.id]
        return redaction.suggest(self.items, self.person.id, [self.person.full_name], others)


def ig_only(actor: Actor) -> None:
    """Subject access is information governance's work; anyone else finds nothing here."""
    if not actor.has_role("ig_officer"):
        raise NotFound()


def subject(session: Session, actor: Actor, person_id: str) -> tuple[Person, Family]:
    ig_only(actor)
    person = session.get(Person, person_id) if plausible_id(person_id) else None
    family = session.get(Family, person.family_id) if person is not None else None
    if person is None or family is None:
        raise NotFound()
    return person, family


class _Names:
    """Names of people, staff and organisations, looked up once each."""

    def __init__(self, session: Session, people: list[Person]) -> None:
        self.session = session
        self.people = {p.id: p.full_name for p in people}
        self._users: dict[str, str] = {}
        self._orgs: dict[str, str] = {}

    def person(self, person_id: str | None) -> str | None:
        return self.people.get(person_id or "", None)

    def user(self, user_id: str | None) -> str | None:
        if not user_id:
            return None
        if user_id not in self._users:
            found = self.session.get(User, user_id)
            self._users[user_id] = found.name if found else "Unknown"
        return self._users[user_id]

    def orgs(self, ids: list[str]) -> str:
        missing = [i for i in ids if i not in self._orgs]
        if missing:
            for org in self.session.scalars(select(Organisation).where(Organisation.id.in_(missing))):
                self._orgs[org.id] = org.name
        return ", ".join(self._orgs.get(i, "Unknown organisation") for i in ids)


def _people_items(person: Person, people: list[Person]) -> list[dict[str, Any]]:
    items = []
    for p in people:
        title = "Your details" if p.id == person.id else "Another member of the household"
        items.append(_item(f"person:{p.id}", "person", title, {f: getattr(p, f) for f in PERSON_FIELDS}, about=[p.id]))
    return items


def _case_items(session: Session, cases: list[Case], names: _Names) -> list[dict[str, Any]]:
    items = []
    for case in cases:
        fields = {
            "status": case.status,
            "level": case.level,
            "source": case.source,
            "reason": case.reason,
            "opened_at": case.opened_at,
            "lead_professional": names.user(case.lead_professional_id),
            "closed_at": case.closed_at,
            "closure_reason": case.closure_reason,
            "closure_summary": case.closure_summary,
            "re_referral": case.re_referral,
        }
        items.append(_item(f"case:{case.id}", "case", f"Case opened {case.opened_at:%d %B %Y}", fields, case_id=case.id))
        for t in session.scalars(select(LevelTransition).where(LevelTransition.case_id == case.id).order_by(LevelTransition.requested_at)):
            fields = {
                "from_level": t.from_level,
                "to_level": t.to_level,
                "direction": t.direction,
                "status": t.status,
                "immediate_risk": t.immediate_risk,
                "reason": t.reason,
                "handover_notes": t.handover_notes,
                "decision_note": t.decision_note,
                "requested_by": names.user(t.requested_by_id),
                "requested_at": t.requested_at,
                "decided_at": t.decided_at,
            }
            items.append(_item(f"transition:{t.id}", "transition", "Change of level", fields, case_id=case.id))
    return items


def _consent_items(session: Session, case_ids: list[str], names: _Names) -> list[dict[str, Any]]:
    items = []
    for c in session.scalars(select(Consent).where(Consent.case_id.in_(case_ids)).order_by(Consent.recorded_at, Consent.id)):
        fields = {
            "about": names.person(c.person_id),
            "given_by": names.person(c.given_by_person_id),
            "purpose": c.purpose,
            "decision": c.decision,
            "organisations": names.orgs(list(c.organisation_ids or [])),
            "method": c.method,
            "competent": c.competent,
            "expires_on": c.expires_on,
            "note": c.note,
            "recorded_at": c.recorded_at,
        }
        about = sorted({c.person_id, c.given_by_person_id})
        items.append(_item(f"consent:{c.id}", "consent", f"Consent ({c.purpose})", fields, about=about, case_id=c.case_id))
    for s in session.scalars(
        select(ShareWithoutConsent).where(ShareWithoutConsent.case_id.in_(case_ids)).order_by(ShareWithoutConsent.decided_at)
    ):
        fields = {
            "organisations": names.orgs(list(s.organisation_ids)),
            "lawful_basis": s.lawful_basis,
            "justification": s.justification,
            "decided_by": names.user(s.decided_by_id),
            "decided_at": s.decided_at,
            "expires_on": s.expires_on,
        }
        items.append(
            _item(f"share_without_consent:{s.id}", "share_without_consent", "Decision to share without consent", fields, case_id=s.case_id)
        )
    return items


def _statements_by_record(statements: list[DisagreementStatement]) -> dict[tuple[str, str, str | None], str]:
    found: dict[tuple[str, str, str | None], list[str]] = {}
    for s in statements:
        found.setdefault((s.record_type, s.record_id, s.section_key), []).append(s.text or "")
    return {k: "\n\n".join(v) for k, v in found.items()}


def _assessment_items(session: Session, case_ids: list[str], names: _Names, statements: dict[Any, str]) -> list[dict[str, Any]]:
    items = []
    for a in session.scalars(select(Assessment).where(Assessment.case_id.in_(case_ids)).order_by(Assessment.started_at, Assessment.number)):
        head = {
            "status": a.status,
            "started_at": a.started_at,
            "started_by": names.user(a.started_by_id),
            "submitted_at": a.submitted_at,
            "decided_at": a.decided_at,
            "return_comments": a.return_comments,
        }
        title = f"Early Help Assessment {a.number}"
        items.append(_item(f"assessment:{a.id}", "assessment", title, head, case_id=a.case_id))
        answers = a.sections
        for section in a.template:
            person_id = section.get("person_id")
            fields = {q["key"]: _answer(answers.get(section["key"], {}).get(q["key"])) for q in section["questions"]}
            labels = {q["key"]: q["label"] for q in section["questions"]}
            said = statements.get(("assessment", a.id, section["key"]))
            if said:
                fields["statement_of_disagreement"] = said
                labels["statement_of_disagreement"] = "Statement of disagreement"
            item = _item(
                f"assessment_section:{a.id}:{section['key']}",
                "assessment_section",
                f"{title}: {section['title']}",
                fields,
                about=[person_id] if person_id else [],
                case_id=a.case_id,
            )
            item["labels"] = labels
            items.append(item)
    return items


def _answer(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _plan_items(session: Session, case_ids: list[str], names: _Names, statements: dict[Any, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for plan in session.scalars(select(Plan).where(Plan.case_id.in_(case_ids)).order_by(Plan.created_at)):
        fields: dict[str, Any] = {
            "agreed_on": plan.agreed_on,
            "strengths": plan.strengths,
            "contingency": plan.contingency,
            "analysis": plan.analysis,
        }
        said = statements.get(("plan", plan.id, None))
        if said:
            fields["statement_of_disagreement"] = said
        items.append(_item(f"plan:{plan.id}", "plan", "Team Around the Family plan", fields, case_id=plan.case_id))
        outcomes = {o.id: o for o in session.scalars(select(Outcome).where(Outcome.plan_id == plan.id).order_by(Outcome.created_at))}
        for o in outcomes.values():
            fields = {
                "for": ", ".join(n for n in (names.person(p) for p in o.person_ids) if n),
                "need": o.need,
                "what_better_looks_like": o.what_better_looks_like,
                "baseline_score": o.baseline_score,
            }
            items.append(_item(f"outcome:{o.id}", "outcome", "Outcome", fields, about=list(o.person_ids), case_id=plan.case_id))
        for a in session.scalars(select(Action).where(Action.plan_id == plan.id).order_by(Action.created_at)):
            outcome = outcomes.get(a.outcome_id)
            about = set(outcome.person_ids if outcome else []) | ({a.owner_person_id} if a.owner_person_id else set())
            fields = {
                "description": a.description,
                "owner": names.person(a.owner_person_id) or names.user(a.owner_user_id),
                "due_on": a.due_on,
                "status": a.status,
                "note": a.note,
            }
            items.append(_item(f"action:{a.id}", "action", "Action", fields, about=sorted(about), case_id=plan.case_id))
        for r in session.scalars(select(Review).where(Review.plan_id == plan.id).order_by(Review.held_on, Review.recorded_at)):
            attendance = ", ".join(f"{names.person(i) or names.user(i)}: {s}" for i, s in sorted(r.attendance.items()))
            fields = {
                "held_on": r.held_on,
                "attendance": attendance,
                "conclusion": r.conclusion,
                "summary": r.summary,
                "decisions": r.decisions,
                "internal_notes": r.internal_notes,
                "next_review_on": r.next_review_on,
                "final": r.final,
            }
            said = statements.get(("review", r.id, None))
            if said:
                fields["statement_of_disagreement"] = said
            items.append(_item(f"review:{r.id}", "review", f"Review held {r.held_on:%d %B %Y}", fields, case_id=plan.case_id))
    return items


def _rectification_items(
    person: Person, family: Family, corrections: list[Correction], statements: list[DisagreementStatement], names: _Names
) -> list[dict[str, Any]]:
    items = []
    for c in corrections:
        fields = {
            "record": "Your details" if c.person_id == person.id else "Your family's details",
            "field": c.field,
            "old_value": c.old_value,
            "new_value": c.new_value,
            "reason": c.reason,
            "recorded_by": names.user(c.recorded_by_id),
            "recorded_at": c.recorded_at,
        }
        items.append(_item(f"correction:{c.id}", "correction", "Correction", fields))
    for s in statements:
        fields = {"opinion": s.record_type, "statement": s.text, "recorded_by": names.user(s.recorded_by_id), "recorded_at": s.recorded_at}
        items.append(_item(f"statement:{s.id}", "statement", "Statement of disagreement", fields, about=[person.id], case_id=s.case_id))
    return items


def access_log(session: Session, person: Person, names: _Names) -> list[dict[str, Any]]:
    """Every audited access to the person's information, oldest first (the "who looked" query)."""
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.actor_id, AuditEvent.organisation_id, AuditEvent.action, AuditEvent.basis)
        .where(person_events(person.id, person.family_id))
        .order_by(AuditEvent.seq)
    )
    log = []
    for row in rows:
        log.append(
            {
                "at": row.at.isoformat(),
                "actor_id": row.actor_id,
                "actor": names.user(row.actor_id) if row.actor_id and row.actor_id != "system" else row.actor_id,
                "organisation_id": row.organisation_id,
                "organisation": names.orgs([row.organisation_id]) if row.organisation_id else None,
                "action": row.action,
                "basis": row.basis,
            }
        )
    return log


def gather(session: Session, person: Person, family: Family) -> tuple[Gathered, list[Person]]:
    """Everything held about ``person`` (no access check, no audit: callers do both)."""
    people = list(session.scalars(select(Person).where(Person.family_id == family.id).order_by(Person.created_at, Person.id)))
    names = _Names(session, people)
    cases = list(session.scalars(select(Case).where(Case.family_id == family.id).order_by(Case.opened_at)))
    case_ids = [c.id for c in cases]
    statements = list(
        session.scalars(
            select(DisagreementStatement).where(DisagreementStatement.family_id == family.id).order_by(DisagreementStatement.recorded_at)
        )
    )
    by_record = _statements_by_record(statements)
    corrections = list(
        session.scalars(
            select(Correction)
            .where(Correction.family_id == family.id, or_(Correction.person_id == person.id, Correction.subject_type == "family"))
            .order_by(Correction.recorded_at)
        )
    )
    family_fields = {f: getattr(family, f) for f in FAMILY_FIELDS}
    items = [_item(f"family:{family.id}", "family", "Your family's record", family_fields)]
    items += _people_items(person, people)
    items += _case_items(session, cases, names)
    if case_ids:
        items += _consent_items(session, case_ids, names)
        items += _assessment_items(session, case_ids, names, by_record)
        items += _plan_items(session, case_ids, names, by_record)
    own_statements = [s for s in statements if s.person_id == person.id]
    items += _rectification_items(person, family, corrections, own_statements, names)
    return Gathered(person, family, items, access_log(session, person, names), utcnow()), people


def find_people(session: Session, actor: Actor, *, family_name: str | None, date_of_birth: date | None) -> list[Person]:
    """Information governance finds the person a request is about, in every family: exact match
    on last name (and date of birth when given) through the blind indexes. Audited as a search."""
    ig_only(actor)
    family_name = (family_name or "").strip()
    if not family_name:
        raise ValidationFailed(fields={"family_name": ["Enter the person's last name"]})
    idx = blind_indexer(session)
    if date_of_birth is not None:
        where = Person.name_dob_bi == idx.name_dob(family_name, date_of_birth)
    else:
        where = Person.family_name_bi == idx.family_name(family_name)
    hits = [
        p
        for p in session.scalars(select(Person).where(where).order_by(Person.id).limit(1000))
        if normalise_name(p.family_name or "") == normalise_name(family_name)
        and (date_of_birth is None or p.date_of_birth == date_of_birth)
    ][:50]
    detail = {"hits": [p.id for p in hits], "criteria": ["family_name", *(["date_of_birth"] if date_of_birth else [])]}
    trail.record(session, "person.search", subject_type="person", basis=IG_BASIS, detail=detail)
    return hits


def record_export(session: Session, action: str, person: Person, detail: dict[str, Any] | None = None) -> None:
    trail.record(
        session, action, subject_type="person", subject_id=person.id, family_id=person.family_id, basis=IG_BASIS, detail=detail or {}
    )


def export(session: Session, actor: Actor, person_id: str) -> dict[str, Any]:
    """The subject access export as JSON (API.md): everything held, unredacted, for the officer
    to review; each item says which redactions are suggested. Audited as one export event."""
    person, family = subject(session, actor, person_id)
    gathered, people = gather(session, person, family)
    suggested = gathered.suggested(people)
    record_export(
        session, "person.subject_access.export", person, {"items": len(gathered.items), "access_events": len(gathered.access_log)}
    )
    doc = redaction.arrange(gathered.items, gathered.subject_key, gathered.family_key, gathered.access_log)
    doc["generated_at"] = gathered.generated_at.isoformat()
    doc["suggested_redactions"] = [{"key": k, "reason": v} for k, v in sorted(suggested.items())]
    return doc
