"""Recording consent, decisions to share without consent, and Team Around the Family
membership; and keeping the derived sharing state (what the access filter reads) in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import Organisation, TeamMembership, User, UserRole
from casework.cases.models import Case, Notification
from casework.cases.services import visible_case
from casework.consent import rules
from casework.consent.facts import forget_facts
from casework.consent.models import Consent, ShareWithoutConsent, SharingBasis, TeamMember, WithheldFromUser, WithheldPerson
from casework.consent.policy import CASE_ROLES, Actor
from casework.db import new_id, today
from casework.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from casework.families.models import Person


def person_facts(person: Person) -> rules.PersonFacts:
    return rules.PersonFacts(person.id, person.role, person.date_of_birth, person.parental_responsibility)


def consent_record(row: Consent) -> rules.ConsentRecord:
    return rules.ConsentRecord(
        id=row.id,
        person_id=row.person_id,
        given_by_person_id=row.given_by_person_id,
        competent=row.competent,
        purpose=row.purpose,
        decision=row.decision,
        organisation_ids=frozenset(row.organisation_ids or ()),
        do_not_share_with=frozenset(row.do_not_share_with or ()),
        recorded_at=row.recorded_at,
        expires_on=row.expires_on,
        do_not_share_with_users=frozenset(row.do_not_share_with_users or ()),
    )


def override_record(row: ShareWithoutConsent) -> rules.Override:
    return rules.Override(row.id, frozenset(row.organisation_ids or ()), row.expires_on, row.decided_at)


def _history(session: Session, case: Case) -> tuple[list[rules.PersonFacts], list[rules.ConsentRecord], list[rules.Override]]:
    people = [person_facts(p) for p in session.scalars(select(Person).where(Person.family_id == case.family_id))]
    consents = [consent_record(c) for c in session.scalars(select(Consent).where(Consent.case_id == case.id))]
    overrides = [override_record(o) for o in session.scalars(select(ShareWithoutConsent).where(ShareWithoutConsent.case_id == case.id))]
    return people, consents, overrides


def derive_sharing(session: Session, case: Case, on: date | None = None) -> rules.Sharing:
    """The case's sharing position derived from its whole history (the pure rules' answer)."""
    people, consents, overrides = _history(session, case)
    return rules.sharing(people, consents, overrides, on or today())


def refresh_sharing(session: Session, case: Case) -> None:
    """Rewrite the derived sharing rows of a case from its history, so the SQL access filter
    answers as the pure rules do. Withdrawal therefore takes effect on the next request.

    Two requests recording for the same case at once take turns: the case row is locked before
    the history is read, so the second derives its rows from a history that includes the first's
    record, and finds the first's rows to delete (without the lock both inserted the same rows
    and the second failed on the primary key; found by `make bench`)."""
    session.flush()
    # FOR NO KEY UPDATE: the key-share locks the new rows' foreign keys took do not conflict with it.
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update(key_share=True))
    state = derive_sharing(session, case)
    session.flush()
    session.execute(delete(SharingBasis).where(SharingBasis.case_id == case.id))
    session.execute(delete(WithheldPerson).where(WithheldPerson.case_id == case.id))
    session.execute(delete(WithheldFromUser).where(WithheldFromUser.case_id == case.id))
    rows = [{"case_id": case.id, "organisation_id": o, "basis": rules.CONSENT, "expires_on": e} for o, e in state.consent.items()]
    rows += [{"case_id": case.id, "organisation_id": o, "basis": rules.OVERRIDE, "expires_on": e} for o, e in state.override.items()]
    if rows:
        session.execute(insert(SharingBasis), rows)
    withheld = [{"case_id": case.id, "person_id": p, "organisation_id": o} for p, orgs in state.withheld.items() for o in sorted(orgs)]
    if withheld:
        session.execute(insert(WithheldPerson), withheld)
    named = [{"case_id": case.id, "person_id": p, "user_id": u} for p, users in state.withheld_users.items() for u in sorted(users)]
    if named:
        session.execute(insert(WithheldFromUser), named)
    forget_facts(session, case.id)


def _owning_actor(session: Session, actor: Actor, case_id: str) -> Case:
    """The case, for someone in its owning team (who holds the record and its consents)."""
    case, decision = visible_case(session, actor, case_id)
    if decision.basis not in ("team", "manager"):
        raise NotPermitted("Only the team that owns this case can record this.")
    return case


def _organisation_ids(session: Session) -> set[str]:
    return set(session.scalars(select(Organisation.id)))


def record_consent(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    person_id: str | None,
    given_by_person_id: str | None = None,
    competent: bool | None = None,
    purpose: str | None,
    decision: str | None,
    method: str | None,
    organisation_ids: list[str] | None = None,
    expires_on: date | None = None,
    do_not_share_with: list[str] | None = None,
    note: str | None = None,
) -> Consent:
    """Append a consent decision (nothing is ever overwritten) and re-derive who may see the case."""
    case = _owning_actor(session, actor, case_id)
    if case.status == "closed":
        raise InvalidTransition("This case is closed.")
    people = {p.id: p for p in session.scalars(select(Person).where(Person.family_id == case.family_id))}
    person = people.get(person_id or "")
    decider = people.get(given_by_person_id or person_id or "")
    organisations = _organisation_ids(session)
    named = set(do_not_share_with or []) - organisations
    named_users = set(session.scalars(select(User.id).where(User.id.in_(sorted(named))))) if named else set()
    rules.check_consent(
        person=person_facts(person) if person else None,
        decider=person_facts(decider) if decider else None,
        competent=competent,
        purpose=purpose,
        decision=decision,
        method=method,
        organisation_ids=organisation_ids or [],
        known_organisation_ids=organisations,
        do_not_share_with=do_not_share_with or [],
        expires_on=expires_on,
        note=note,
        today=today(),
        known_user_ids=named_users,
        lead_professional_id=case.lead_professional_id,
    )
    assert person is not None and decider is not None and purpose and decision and method  # nosec B101 - checked above
    row = Consent(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        person_id=person.id,
        given_by_person_id=decider.id,
        competent=competent if decider.id == person.id else None,
        purpose=purpose,
        decision=decision,
        organisation_ids=sorted(set(organisation_ids or [])),
        do_not_share_with=sorted(set(do_not_share_with or []) & organisations),
        do_not_share_with_users=sorted(named_users),
        method=method,
        expires_on=expires_on,
        recorded_by_id=actor.user_id,
    )
    row.note = (note or "").strip() or None
    session.add(row)
    session.flush()
    refresh_sharing(session, case)
    return row


def list_consents(session: Session, actor: Actor, case_id: str) -> list[Consent]:
    """The full consent history of a case, oldest first (audited; never overwritten)."""
    case, decision = visible_case(session, actor, case_id)
    rows = list(session.scalars(select(Consent).where(Consent.case_id == case.id).order_by(Consent.recorded_at, Consent.id)))
    rows = [r for r in rows if r.person_id not in decision.withheld]
    trail.record(
        session, "consent.list", subject_type="case", subject_id=case.id, family_id=case.family_id, case_id=case.id, basis=decision.basis
    )
    return rows


def has_family_agreement(session: Session, case: Case) -> bool:
    people, consents, _ = _history(session, case)
    return rules.has_agreement(people, consents, today())


def record_override(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    organisation_ids: list[str] | None,
    lawful_basis: str | None,
    justification: str | None,
    expires_on: date | None,
) -> ShareWithoutConsent:
    """Record a decision to share without consent (managers and safeguarding leads): it grants
    access, notifies the owning team's managers, and is reported for review."""
    case = _case_for_override(session, actor, case_id)
    if case.status == "closed":
        raise InvalidTransition("This case is closed.")
    rules.check_override(
        organisation_ids=organisation_ids or [],
        known_organisation_ids=_organisation_ids(session),
        lawful_basis=lawful_basis,
        justification=justification,
        expires_on=expires_on,
        today=today(),
    )
    assert expires_on is not None  # nosec B101 - checked above
    row = ShareWithoutConsent(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        organisation_ids=sorted(set(organisation_ids or [])),
        decided_by_id=actor.user_id,
        expires_on=expires_on,
    )
    row.lawful_basis = (lawful_basis or "").strip()
    row.justification = (justification or "").strip()
    session.add(row)
    managers = session.scalars(
        select(User.id)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(TeamMembership.team_id == case.owning_team_id, UserRole.role == "manager", User.active.is_(True))
    )
    for manager_id in dict.fromkeys(managers):
        session.add(Notification(id=new_id(), user_id=manager_id, kind="shared_without_consent", case_id=case.id, subject_id=row.id))
    session.flush()
    refresh_sharing(session, case)
    return row


def _case_for_override(session: Session, actor: Actor, case_id: str) -> Case:
    """Managers of the owning team, and safeguarding leads of the owning organisation (who may
    not otherwise see the case: risk of harm cannot wait for a team to give them access)."""
    from casework.auth.models import Team

    case = session.get(Case, case_id) if case_id else None
    if case is None:
        raise NotFound()
    team = session.get(Team, case.owning_team_id)
    if actor.has_role("safeguarding_lead") and team is not None and team.organisation_id == actor.organisation_id:
        return case
    case, _ = visible_case(session, actor, case_id)
    if case.owning_team_id not in actor.managed_team_ids:
        raise NotPermitted("Only a safeguarding lead or a manager of the owning team can decide to share without consent.")
    return case


#: Bases on which the reader belongs to the data controller that holds the case (the owning
#: team, or a Team Around the Family member from the owning organisation).
CONTROLLER_BASES = frozenset({"team", "manager", "organisation"})


@dataclass(frozen=True)
class OverrideView:
    """A decision to share without consent as one reader may see it. Partner agencies see that
    the decision exists, its lawful basis, whom it covers and its review date; the justification
    (often the safeguarding concern itself) stays with the organisation that holds the case."""

    id: str
    case_id: str
    organisation_ids: list[str]
    lawful_basis: str | None
    justification: str | None
    justification_withheld: bool
    decided_by_id: str
    decided_at: datetime
    expires_on: date


def list_overrides(session: Session, actor: Actor, case_id: str) -> list[OverrideView]:
    """The case's decisions to share without consent, oldest first, audited as one read."""
    case, decision = visible_case(session, actor, case_id)
    controller = decision.basis in CONTROLLER_BASES
    rows = [
        OverrideView(
            id=o.id,
            case_id=o.case_id,
            organisation_ids=list(o.organisation_ids or ()),
            lawful_basis=o.lawful_basis,
            justification=o.justification if controller else None,
            justification_withheld=not controller,
            decided_by_id=o.decided_by_id,
            decided_at=o.decided_at,
            expires_on=o.expires_on,
        )
        for o in session.scalars(
            select(ShareWithoutConsent).where(ShareWithoutConsent.case_id == case.id).order_by(ShareWithoutConsent.decided_at)
        )
    ]
    trail.record(
        session,
        "share_without_consent.list",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    return rows


def add_team_member(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    user_id: str | None = None,
    person_id: str | None = None,
    role_in_team: str | None = None,
) -> TeamMember:
    """Add a practitioner (of any organisation) or a family member to the Team Around the Family.
    Membership alone shows a practitioner from another organisation nothing: a sharing basis
    for their organisation is needed too."""
    case = _owning_actor(session, actor, case_id)
    if case.status == "closed":
        raise InvalidTransition("This case is closed.")
    problems: dict[str, list[str]] = {}
    if bool(user_id) == bool(person_id):
        problems["user_id"] = ["Choose either a practitioner or a family member"]
    role = (role_in_team or "").strip()
    if not role:
        problems["role_in_team"] = ["Enter their role in the team, for example 'Health visitor'"]
    elif len(role) > 100:
        problems["role_in_team"] = ["Role must be 100 characters or fewer"]
    if user_id:
        user = session.get(User, user_id)
        if user is None or not user.active or not (user.roles & CASE_ROLES):
            problems["user_id"] = ["Choose an active practitioner or manager"]
    if person_id:
        person = session.get(Person, person_id)
        if person is None or person.family_id != case.family_id:
            problems["person_id"] = ["Choose a person in this family"]
    if problems:
        raise ValidationFailed(fields=problems)
    existing = session.scalar(
        select(TeamMember).where(
            TeamMember.case_id == case.id,
            TeamMember.removed_at.is_(None),
            (TeamMember.user_id == user_id) if user_id else (TeamMember.person_id == person_id),
        )
    )
    if existing is not None:
        raise InvalidTransition("They are already in the team around this family.")
    row = TeamMember(
        id=new_id(),
        case_id=case.id,
        family_id=case.family_id,
        user_id=user_id,
        person_id=person_id,
        role_in_team=role,
        added_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    forget_facts(session, case.id)
    return row


def list_team_members(session: Session, actor: Actor, case_id: str) -> list[TeamMember]:
    case, decision = visible_case(session, actor, case_id)
    rows = list(
        session.scalars(
            select(TeamMember).where(TeamMember.case_id == case.id, TeamMember.removed_at.is_(None)).order_by(TeamMember.added_at)
        )
    )
    rows = [r for r in rows if r.person_id not in decision.withheld]
    trail.record(
        session,
        "team_member.list",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    return rows


def remove_team_member(session: Session, actor: Actor, case_id: str, member_id: str) -> TeamMember:
    from casework.db import utcnow

    case = _owning_actor(session, actor, case_id)
    row = session.get(TeamMember, member_id)
    if row is None or row.case_id != case.id or row.removed_at is not None:
        raise NotFound()
    row.removed_at = utcnow()
    session.flush()
    forget_facts(session, case.id)
    return row
