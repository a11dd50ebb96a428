"""Early Help Assessment operations: start (or re-assess), read, save, submit, sign off, return.

Every read goes through the access policy and is audited once; only the owning team writes.
The lead professional or a practitioner of the owning team starts, edits and submits; a manager
of the owning team who did not submit it signs it off or returns it with comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.assessments import rules
from casework.assessments.models import Assessment
from casework.audit import trail
from casework.cases import rules as case_rules
from casework.cases.models import Case
from casework.cases.services import plausible_id, practice_of, state_of, visible_case
from casework.consent import services as consent
from casework.consent.facts import admit, case_facts
from casework.consent.policy import Actor, Decision, decide_case
from casework.dataprotection.models import DisagreementStatement
from casework.dataprotection.rectify import statements_on
from casework.db import new_id, today, utcnow
from casework.errors import NotFound, NotPermitted, StaleVersion, ValidationFailed
from casework.families.models import Person
from casework.families.services import OWNING_BASES

CHILD_ROLES = ("child", "unborn")


@dataclass
class AssessmentView:
    """An assessment as one viewer may see it: sections about people withheld from them left out."""

    assessment: Assessment
    case: Case
    decision: Decision
    template: list[dict[str, Any]]
    sections: dict[str, dict[str, Any]]
    states: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)  # person id -> name, for per-child titles
    #: section key -> the statements of disagreement with it (shown wherever the section is)
    statements: dict[str, list[DisagreementStatement]] = field(default_factory=dict)

    @property
    def may_edit(self) -> bool:
        return self.decision.basis in OWNING_BASES and self.assessment.status in rules.EDITABLE

    def title(self, section: dict[str, Any]) -> str:
        person = section.get("person_id")
        return f"{section['title']}: {self.names.get(person, 'Child')}" if person else str(section["title"])


def _children(session: Session, family_id: str) -> list[Person]:
    people = session.scalars(select(Person).where(Person.family_id == family_id, Person.role.in_(CHILD_ROLES)))
    return sorted(people, key=lambda p: (p.date_of_birth or date.max, p.id))


def _names(session: Session, family_id: str, withheld: frozenset[str]) -> dict[str, str]:
    return {
        p.id: p.given_name or ("Unborn baby" if p.role == "unborn" else "Child")
        for p in _children(session, family_id)
        if p.id not in withheld
    }


def _may_write(actor: Actor, case: Case, decision: Decision) -> None:
    """The owning team's lead professional or practitioners write assessments."""
    if decision.basis not in OWNING_BASES:
        raise NotPermitted("Only the team that owns this case can change its assessment.")
    if actor.user_id != case.lead_professional_id and not actor.has_role("practitioner"):
        raise NotPermitted("Only the lead professional or a practitioner of the team can change an assessment.")


def _latest(session: Session, case_id: str) -> Assessment | None:
    return session.scalar(select(Assessment).where(Assessment.case_id == case_id).order_by(Assessment.number.desc()).limit(1))


def visible_assessment(session: Session, actor: Actor, assessment_id: str) -> tuple[Assessment, Case, Decision]:
    """The assessment, its case and the policy's decision, if ``actor`` may see the case (not audited)."""
    row = session.get(Assessment, assessment_id) if plausible_id(assessment_id) else None
    if row is None:
        raise NotFound()
    case = session.get(Case, row.case_id)
    if case is None:
        raise NotFound()
    decision = admit(session, decide_case(actor, case_facts(session, case, today())))
    return row, case, decision


def _check_version(row: Assessment, version: int | None) -> None:
    if version is not None and version != row.version:
        raise StaleVersion(
            "Someone else saved this assessment since you opened it. Your answers have not been saved yet: "
            "reload to see their changes, then add yours again."
        )


def view_of(session: Session, row: Assessment, case: Case, decision: Decision) -> AssessmentView:
    template = [dict(s) for s in rules.visible_template(row.template, decision.withheld)]
    keys = {s["key"] for s in template}
    answers = {k: v for k, v in row.sections.items() if k in keys}
    done = set(row.completed or ())
    states = {s["key"]: rules.section_state(s, answers.get(s["key"]), s["key"] in done) for s in template}
    statements: dict[str, list[DisagreementStatement]] = {}
    for said in statements_on(session, "assessment", [row.id]):
        if said.section_key is not None and said.section_key in keys and said.person_id not in decision.withheld:
            statements.setdefault(said.section_key, []).append(said)
    names = _names(session, case.family_id, decision.withheld)
    return AssessmentView(row, case, decision, template, answers, states, names, statements)


def _audit_read(session: Session, action: str, row: Assessment, case: Case, decision: Decision) -> None:
    trail.record(
        session, action, subject_type="assessment", subject_id=row.id, family_id=case.family_id, case_id=case.id, basis=decision.basis
    )


def start_assessment(session: Session, actor: Actor, case_id: str) -> AssessmentView:
    """Start the case's assessment, or a re-assessment once the last one is signed off.

    Needs the family's recorded agreement (or a decision to share without consent). The first
    assessment moves a requested case to the assessment stage; its due date is the case's.
    """
    case, decision = visible_case(session, actor, case_id)
    _may_write(actor, case, decision)
    latest = _latest(session, case.id)
    sharing = consent.derive_sharing(session, case)
    rules.check_start(
        case_open=case.status in case_rules.OPEN_STATUSES,
        agreement=consent.has_family_agreement(session, case),
        override=any(expires >= today() for expires in sharing.override.values()),
        latest_status=latest.status if latest else None,
    )
    practice = practice_of(session)
    if case.status == "requested":
        case_rules.check_status_change(practice, state_of(session, case), "assessment")
        case.status = "assessment"
    children = [rules.Child(p.id, "") for p in _children(session, case.family_id)]
    template = rules.build_template(practice, children)
    row = Assessment(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        number=(latest.number + 1) if latest else 1,
        previous_id=latest.id if latest else None,
        status=rules.DRAFT,
        template=template,
        completed=[],
        due_on=case.assessment_due_on if latest is None and case.assessment_due_on else case_rules.assessment_due(practice, today()),
        started_by_id=actor.user_id,
    )
    row.sections = rules.carried_over(template, latest.sections) if latest else {}
    session.add(row)
    session.flush()
    return view_of(session, row, case, decision)


def list_assessments(session: Session, actor: Actor, case_id: str) -> list[AssessmentView]:
    """A case's assessments, newest first (one audited read)."""
    case, decision = visible_case(session, actor, case_id)
    rows = list(session.scalars(select(Assessment).where(Assessment.case_id == case.id).order_by(Assessment.number.desc())))
    trail.record(
        session,
        "assessment.list",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
        detail={"assessments": [r.id for r in rows]},
    )
    return [view_of(session, r, case, decision) for r in rows]


def get_assessment(session: Session, actor: Actor, assessment_id: str, *, action: str = "assessment.read") -> AssessmentView:
    """An assessment as ``actor`` may see it; one audited read (``action`` names the view: page, print, PDF)."""
    row, case, decision = visible_assessment(session, actor, assessment_id)
    _audit_read(session, action, row, case, decision)
    return view_of(session, row, case, decision)


def save_assessment(
    session: Session,
    actor: Actor,
    assessment_id: str,
    *,
    version: int | None,
    sections: Any = None,
    complete: list[str] | None = None,
    incomplete: list[str] | None = None,
) -> AssessmentView:
    """Merge answers into a draft (validated against the template; blanks allowed) and mark
    sections complete or not. A save from a stale version is refused (409), never merged."""
    row, case, decision = visible_assessment(session, actor, assessment_id)
    _may_write(actor, case, decision)
    _check_version(row, version)
    rules.check_editable(row.status)
    practice = practice_of(session)
    merged = rules.merge_sections(practice, row.template, row.sections, sections or {})
    done = set(row.completed or ())
    for key in complete or ():
        section = rules.section_of(row.template, key)
        if section is None:
            raise ValidationFailed(fields={"complete": [f"No such section: {key}"]})
        rules.check_mark_complete(section, merged.get(key))
        done.add(key)
    done -= set(incomplete or ())
    if merged != row.sections:
        row.sections = merged
    if sorted(done) != sorted(row.completed or ()):
        row.completed = sorted(done)
    row.updated_at = utcnow()  # a save always moves the version on, so a second editor's stale copy is refused
    session.flush()
    return view_of(session, row, case, decision)


def submit_assessment(session: Session, actor: Actor, assessment_id: str, *, version: int | None = None) -> AssessmentView:
    """Submit for a manager's sign-off: every required answer must be given."""
    row, case, decision = visible_assessment(session, actor, assessment_id)
    _may_write(actor, case, decision)
    _check_version(row, version)
    rules.check_submit(row.status)
    rules.check_submission(row.template, row.sections)
    row.status = rules.SUBMITTED
    row.submitted_by_id = actor.user_id
    row.submitted_at = utcnow()
    row.completed = sorted(s["key"] for s in row.template)
    session.flush()
    return view_of(session, row, case, decision)


def _decide(session: Session, actor: Actor, assessment_id: str, version: int | None) -> tuple[Assessment, Case, Decision]:
    row, case, decision = visible_assessment(session, actor, assessment_id)
    _check_version(row, version)
    rules.check_decision(
        row.status,
        submitted_by_id=row.submitted_by_id,
        actor_id=actor.user_id,
        manages_team=decision.basis in OWNING_BASES and case.owning_team_id in actor.managed_team_ids,
    )
    return row, case, decision


def sign_off_assessment(session: Session, actor: Actor, assessment_id: str, *, version: int | None = None) -> AssessmentView:
    """A manager of the owning team signs the assessment off: it is read-only from now on."""
    row, case, decision = _decide(session, actor, assessment_id, version)
    row.status = rules.SIGNED_OFF
    row.decided_by_id = actor.user_id
    row.decided_at = utcnow()
    session.flush()
    return view_of(session, row, case, decision)


def return_assessment(
    session: Session, actor: Actor, assessment_id: str, *, comments: str | None, version: int | None = None
) -> AssessmentView:
    """A manager returns the assessment with comments: it can be edited and submitted again."""
    row, case, decision = _decide(session, actor, assessment_id, version)
    row.return_comments = rules.check_return(comments)
    row.status = rules.RETURNED
    row.decided_by_id = actor.user_id
    row.decided_at = utcnow()
    session.flush()
    return view_of(session, row, case, decision)


def cases_with_submitted_assessment(session: Session, case_ids: Sequence[str]) -> set[str]:
    """Which of ``case_ids`` have an assessment submitted or signed off (one query)."""
    if not case_ids:
        return set()
    query = select(Assessment.case_id).where(
        Assessment.case_id.in_(sorted(set(case_ids))), Assessment.status.in_([rules.SUBMITTED, rules.SIGNED_OFF])
    )
    return set(session.scalars(query.distinct()))


def assessment_submitted(session: Session, case_id: str) -> bool:
    """Has the case an assessment submitted or signed off? (Then it is no longer overdue.)"""
    return bool(cases_with_submitted_assessment(session, [case_id]))
