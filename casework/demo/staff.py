"""The demo's organisations, teams and staff, created through the account services (audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth import services as auth
from casework.auth.models import Organisation, User

DEMO_EMAIL = "practitioner@demo.casework.test"

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
