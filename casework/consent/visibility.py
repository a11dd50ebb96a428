"""Who can see a family, and why; and the safeguarding lead's "is this family known?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import Organisation, Team, TeamMembership, User, UserRole
from casework.cases import rules as case_rules
from casework.cases.models import Case
from casework.cases.services import visible_case
from casework.consent.facts import case_facts
from casework.consent.models import TeamMember
from casework.consent.policy import CASE_ROLES, Actor, decide_case
from casework.db import today
from casework.errors import NotPermitted, ValidationFailed
from casework.families import rules as family_rules
from casework.families.models import Person
from casework.security.blind import normalise_name, normalise_nhs_number


@dataclass(frozen=True)
class Viewer:
    user: User
    organisation: str
    how: str  # "owning team", "Team Around the Family"
    basis: str | None  # None: in the team but cannot see (no sharing basis)
    withheld: tuple[str, ...]  # names of people withheld from them
    withheld_ids: tuple[str, ...] = ()  # and their ids


def who_can_see(session: Session, actor: Actor, case_id: str) -> tuple[Case, list[Viewer]]:
    """Every person who can see this case, and the basis for each; TAF members without a basis
    are listed too, as unable to see it. One audited read."""
    case, decision = visible_case(session, actor, case_id)
    facts = case_facts(session, case, today())
    # People withheld from the caller stay withheld here too: never name them in someone else's row.
    people = {
        p.id: p.full_name
        for p in session.scalars(select(Person).where(Person.family_id == case.family_id))
        if p.id not in decision.withheld
    }
    team_users = session.scalars(
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == case.owning_team_id, User.active.is_(True))
        .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(sorted(CASE_ROLES)))))
        .order_by(User.name)
    ).unique()
    taf_ids = [
        m for m in session.scalars(select(TeamMember.user_id).where(TeamMember.case_id == case.id, TeamMember.removed_at.is_(None))) if m
    ]
    taf_users = list(session.scalars(select(User).where(User.id.in_(taf_ids), User.active.is_(True)).order_by(User.name)).unique())
    orgs = {o.id: o.name for o in session.scalars(select(Organisation))}
    viewers: list[Viewer] = []
    seen: set[str] = set()
    for user, how in [*((u, "owning team") for u in team_users), *((u, "Team Around the Family") for u in taf_users)]:
        if user.id in seen:
            continue
        seen.add(user.id)
        from casework.auth.services import actor_for

        d = decide_case(actor_for(user), facts)
        hidden = sorted((people[p], p) for p in d.withheld if p in people)
        viewers.append(
            Viewer(
                user,
                orgs.get(user.organisation_id, ""),
                how,
                d.basis if d.allowed else None,
                tuple(name for name, _ in hidden),
                tuple(pid for _, pid in hidden),
            )
        )
    trail.record(
        session,
        "case.viewers.read",
        subject_type="case",
        subject_id=case.id,
        family_id=case.family_id,
        case_id=case.id,
        basis=decision.basis,
    )
    return case, viewers


@dataclass(frozen=True)
class KnownAnswer:
    known: bool
    lead_professional: str | None = None
    lead_email: str | None = None
    team: str | None = None


def known_to_early_help(
    session: Session, actor: Actor, *, family_name: str | None, date_of_birth: date | None, nhs_number: str | None
) -> KnownAnswer:
    """For a safeguarding lead: is this person in a family with an open early help case? Only
    yes or no and the lead professional's contact; the question and answer are audited."""
    from casework.families.services import _indexer

    if not actor.has_role("safeguarding_lead"):
        raise NotPermitted()
    name, nhs = (family_name or "").strip(), (nhs_number or "").strip()
    if not nhs and not (name and date_of_birth):
        raise ValidationFailed(fields={"family_name": ["Enter a last name and date of birth, or an NHS number"]})
    if nhs and not family_rules.is_valid_nhs_number(nhs):
        raise ValidationFailed(fields={"nhs_number": ["Enter a valid NHS number"]})
    idx = _indexer(session)
    query = select(Person)
    if nhs:
        query = query.where(Person.nhs_number_bi == idx.nhs_number(nhs))
    else:
        assert date_of_birth is not None  # nosec B101 - checked above
        query = query.where(Person.name_dob_bi == idx.name_dob(name, date_of_birth))
    families = set()
    for person in session.scalars(query.limit(500)):
        if nhs and person.nhs_number != normalise_nhs_number(nhs):
            continue
        if not nhs and (normalise_name(person.family_name or "") != normalise_name(name) or person.date_of_birth != date_of_birth):
            continue
        families.add(person.family_id)
    case = None
    if families:
        case = session.scalar(
            select(Case)
            .where(Case.family_id.in_(sorted(families)), Case.status.in_(sorted(case_rules.OPEN_STATUSES)))
            .order_by(Case.opened_at.desc())
            .limit(1)
        )
    answer = KnownAnswer(False)
    if case is not None:
        lead = session.get(User, case.lead_professional_id) if case.lead_professional_id else None
        team = session.get(Team, case.owning_team_id)
        answer = KnownAnswer(True, lead.name if lead else None, lead.email if lead else None, team.name if team else None)
    trail.record(
        session,
        "safeguarding.known_query",
        subject_type="case" if case else None,
        subject_id=case.id if case else None,
        family_id=case.family_id if case else None,
        case_id=case.id if case else None,
        basis="safeguarding_lead",
        detail={"criteria": "nhs_number" if nhs else "family_name+date_of_birth", "known": answer.known},
    )
    return answer
