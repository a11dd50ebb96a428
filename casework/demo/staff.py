"""The demo's organisations, teams and staff, created through the account services (audited).

Besides the named staff, who sign in with the demo password, each early help team gets enough
practitioners for a realistic caseload (about :data:`CASELOAD` open cases each) and a manager
for every :data:`TEAM_SPAN` practitioners. Their accounts have no password (as if invited and
not yet set up); their names come from Faker's en_GB locale, seeded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth import services as auth
from casework.auth.models import Organisation, Team, TeamMembership, User, UserRole

from .journeys import Roster

DEMO_EMAIL = "practitioner@demo.casework.test"
DEMO_DOMAIN = "demo.casework.test"
#: Open cases a demo practitioner carries, about (early help family workers hold 15-20).
CASELOAD = 18
#: Practitioners per manager.
TEAM_SPAN = 8
MIN_PRACTITIONERS = 4
#: Share of families with an open case, as the planner makes them (measured over 100,000
#: families with casework.demo.journeys; it sizes the teams).
OPEN_SHARE = 0.25

ORGANISATIONS = [
    ("Northshire County Council", "local_authority", ["Early Help North", "Early Help South"]),
    ("Northshire Community Health NHS Trust", "health", ["Health Visiting East"]),
    ("St Anne's Primary School", "school", ["Pastoral Team"]),
    ("Northshire Constabulary", "police", ["Early Intervention"]),
    ("Homes for Northshire", "housing", ["Tenancy Support"]),
    ("Family Action Northshire", "voluntary", ["Family Support"]),
]


def _organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    assert org is not None  # nosec B101 - created by create_staff
    return org


def create_staff(session: Session, password: str) -> list[User]:
    """Organisations, teams and one user per role (each once); the local authority's practitioners.

    Every demo user signs in with ``password``.
    """
    for name, kind, teams in ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.name == name)) or auth.create_organisation(session, name, kind)
        for team in teams:
            auth.ensure_team(session, org, team)
    la = _organisation(session, ORGANISATIONS[0][0])
    health = _organisation(session, ORGANISATIONS[1][0])
    people: list[tuple[str, str, Organisation, list[str], str | None]] = [
        (DEMO_EMAIL, "Priya Shah", la, ["practitioner"], "Early Help North"),
        ("manager@demo.casework.test", "Tom Adeyemi", la, ["manager"], "Early Help North"),
        ("south@demo.casework.test", "Grace O'Neill", la, ["practitioner"], "Early Help South"),
        ("south.manager@demo.casework.test", "Nadia Karim", la, ["manager"], "Early Help South"),
        ("safeguarding@demo.casework.test", "Sam Clarke", la, ["safeguarding_lead"], None),
        ("ig@demo.casework.test", "Helen Wood", la, ["ig_officer"], None),
        ("admin@demo.casework.test", "Alex Morgan", la, ["admin"], None),
        ("healthvisitor@demo.casework.test", "Fatima Begum", health, ["practitioner"], "Health Visiting East"),
    ]
    practitioners = []
    for email, full_name, org, roles, team_name in people:
        user = auth.user_by_email(session, email)
        if user is None:
            user = auth.create_user(
                session, email=email, name=full_name, organisation_id=org.id, roles=roles, team=team_name, password=password
            )
        if "practitioner" in roles and org is la:
            practitioners.append(user)
    return practitioners


def owning_teams(practitioners: list[User]) -> list[str]:
    """The teams that will own demo families, in turn: each practitioner's team."""
    return sorted({team for user in practitioners for team in user.team_ids})


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _members(session: Session, team_id: str, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(TeamMembership.team_id == team_id, UserRole.role == role, User.active.is_(True))
            .order_by(User.email)
        ).unique()
    )


def team_size(families: int, teams: int) -> tuple[int, int]:
    """Practitioners and managers an early help team needs for ``families`` shared by ``teams``."""
    practitioners = max(MIN_PRACTITIONERS, math.ceil(families / max(teams, 1) * OPEN_SHARE / CASELOAD))
    return practitioners, math.ceil(practitioners / TEAM_SPAN)


def create_caseworkers(session: Session, team_ids: Sequence[str], families: int, seed: int = 2026) -> None:
    """Enough practitioners and managers in each team for ``families`` families in all.

    Made as ``auth.create_user`` makes an invited account (no password yet), flushed a few
    hundred at a time rather than one by one: a 100,000-family demo needs over a thousand.
    The flush hook audits each as the service's would.
    """
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    practitioners, managers = team_size(families, len(team_ids))
    for team_id in team_ids:
        team = session.get(Team, team_id)
        assert team is not None  # nosec B101 - a team of the demo practitioners
        prefix = f"{_slug(team.name)}."
        taken = set(session.scalars(select(User.email).where(User.email.startswith(prefix))))
        for role, wanted in (("practitioner", practitioners), ("manager", managers)):
            for n in range(len(_members(session, team_id, role)) + 1, wanted + 1):
                email = f"{prefix}{role}{n}@{DEMO_DOMAIN}"
                if email in taken:
                    continue
                name = f"{fake.first_name()} {fake.last_name()}"
                user = User(
                    email=email, name=name, organisation_id=team.organisation_id, password_hash=None, password_changed_at=None, active=True
                )
                user.role_rows = [UserRole(role=role)]
                user.memberships = [TeamMembership(team_id=team.id)]
                session.add(user)
                if len(session.new) >= 600:
                    session.flush()
        session.flush()


def rosters(session: Session, team_ids: Sequence[str]) -> dict[str, Roster]:
    """Who may lead (practitioners) and decide (managers) in each team, by id; featured: a
    practitioner who signs in with the demo password (a named one)."""
    out = {}
    for team_id in team_ids:
        managers = tuple(u.id for u in _members(session, team_id, "manager"))
        practitioners = [u for u in _members(session, team_id, "practitioner") if u.id not in managers]
        featured = next((u.id for u in practitioners if u.password_hash is not None), None)
        out[team_id] = Roster(team_id, tuple(u.id for u in practitioners), managers, featured)
    return out
