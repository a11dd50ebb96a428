"""Account operations: organisations, teams, users, passwords, tokens, sessions.

Each takes an explicit ``session`` and returns model objects; they flush and never commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth.models import (
    ORGANISATION_KINDS,
    ROLES,
    ApiToken,
    Organisation,
    Team,
    TeamMembership,
    User,
    UserRole,
    UserSession,
)
from casework.consent.policy import Actor
from casework.db import utcnow
from casework.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from casework.security.passwords import hash_password, password_problems, verify_password
from casework.security.tokens import new_token, token_digest


def actor_for(user: User) -> Actor:
    """The plain facts the access policy needs about ``user``."""
    return Actor(user_id=user.id, organisation_id=user.organisation_id, roles=user.roles, team_ids=user.team_ids)


def require_role(actor: Actor, *roles: str) -> None:
    if not any(actor.has_role(r) for r in roles):
        raise NotPermitted()


def create_organisation(session: Session, name: str, kind: str) -> Organisation:
    name = name.strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = ["Enter the organisation's name"]
    if kind not in ORGANISATION_KINDS:
        problems["kind"] = [f"Kind must be one of: {', '.join(ORGANISATION_KINDS)}"]
    if problems:
        raise ValidationFailed(fields=problems)
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise ValidationFailed(fields={"name": ["An organisation with that name already exists"]})
    org = Organisation(name=name, kind=kind)
    session.add(org)
    session.flush()
    return org


def get_organisation(session: Session, organisation_id: str) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound()
    return org


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def ensure_team(session: Session, organisation: Organisation, name: str) -> Team:
    """The team called ``name`` in ``organisation``, created when it does not exist."""
    name = name.strip()
    if not name:
        raise ValidationFailed(fields={"team": ["Enter the team's name"]})
    team = session.scalar(select(Team).where(Team.organisation_id == organisation.id, Team.name == name))
    if team is None:
        team = Team(organisation_id=organisation.id, name=name)
        session.add(team)
        session.flush()
    return team


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    organisation_id: str,
    roles: list[str],
    team: str | None = None,
    password: str | None = None,
) -> User:
    """Create a staff account. ``password`` None leaves it to be set by invitation."""
    email = normalise_email(email)
    problems: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        problems["email"] = ["Enter an email address in the correct format, like name@example.org"]
    if not name.strip():
        problems["name"] = ["Enter the user's full name"]
    bad = [r for r in roles if r not in ROLES]
    if not roles or bad:
        problems["roles"] = [f"Roles must be one or more of: {', '.join(ROLES)}"]
    org = session.get(Organisation, organisation_id) if organisation_id else None
    if org is None:
        problems["organisation_id"] = ["Choose an existing organisation"]
    if password is not None:
        pw = password_problems(password, (email, name))
        if pw:
            problems["password"] = pw
    if problems or org is None:
        raise ValidationFailed(fields=problems)
    if session.scalar(select(User.id).where(User.email == email)):
        raise ValidationFailed(fields={"email": ["A user with that email address already exists"]})
    user = User(
        email=email,
        name=name.strip(),
        organisation_id=org.id,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
        active=True,
    )
    user.role_rows = [UserRole(role=r) for r in dict.fromkeys(roles)]
    if team:
        t = ensure_team(session, org, team)
        user.memberships = [TeamMembership(team_id=t.id)]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def add_to_team(session: Session, user: User, team: Team) -> None:
    if team.id not in user.team_ids:
        user.memberships.append(TeamMembership(team_id=team.id))
        session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    problems = password_problems(password, (user.email, user.name))
    if problems:
        raise ValidationFailed(fields={"password": problems})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(session, user)
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Every attempt is audited."""
    user = user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    trail.record(
        session,
        "auth.sign_in" if ok else "auth.sign_in_failed",
        subject_type="user",
        subject_id=user.id if user else None,
        detail=None if ok else {"reason": "credentials"},
    )
    return user if ok else None


def record_throttled(session: Session, email: str) -> None:
    """Audit a sign-in attempt refused by the throttle (the password was not checked)."""
    user = user_by_email(session, email)
    trail.record(session, "auth.sign_in_failed", subject_type="user", subject_id=user.id if user else None, detail={"reason": "throttled"})


def reauthenticate(session: Session, user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s, before a change to a security setting. Audited."""
    ok = verify_password(user.password_hash, password) and user.active
    trail.record(session, "auth.reauthenticate" if ok else "auth.reauthenticate_failed", subject_type="user", subject_id=user.id)
    return ok


def change_email(session: Session, user: User, email: str) -> None:
    """Change the address ``user`` signs in with (it receives password resets)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationFailed(fields={"email": ["Enter an email address in the correct format, like name@example.org"]})
    if email != user.email and session.scalar(select(User.id).where(User.email == email)):
        raise ValidationFailed(fields={"email": ["A user with that email address already exists"]})
    user.email = email
    session.flush()


# Server-side sessions -----------------------------------------------------------------------


def start_session(session: Session, user: User, *, second_factor: bool = False) -> UserSession:
    """A new server-side session; ``second_factor``: it has already passed the second factor."""
    now = utcnow()
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, second_factor_at=now if second_factor else None)
    session.add(row)
    session.flush()
    return row


def passed_second_factor(session: Session, row: UserSession) -> None:
    row.second_factor_at = utcnow()
    session.flush()


def mark_reauthenticated(session: Session, row: UserSession) -> None:
    row.reauthenticated_at = utcnow()
    session.flush()


def recently_reauthenticated(row: UserSession, minutes: int, now: datetime | None = None) -> bool:
    return row.reauthenticated_at is not None and (now or utcnow()) - row.reauthenticated_at <= timedelta(minutes=minutes)


def load_session(session: Session, session_id: str, idle: int, absolute: int, now: datetime | None = None) -> UserSession | None:
    """The live session with this id, touching its last-seen time; None when ended or expired."""
    now = now or utcnow()
    row = session.get(UserSession, session_id)
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    if now - row.last_seen_at > timedelta(seconds=idle) or now - row.created_at > timedelta(seconds=absolute):
        row.ended_at = now
        return None
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
    return row


def end_session(session: Session, session_id: str) -> None:
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_sessions(session: Session, user: User) -> None:
    """End every session of ``user`` (password change, account disabled)."""
    session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def set_active(session: Session, user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()


# API tokens -------------------------------------------------------------------------------


def create_token(session: Session, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """A new personal token: returns the row and the token, which is shown only this once."""
    if not user.active:
        raise Conflict("That account is disabled.")
    token = new_token()
    row = ApiToken(user_id=user.id, name=(name.strip() or "API token")[:100], token_hash=token_digest(token))
    session.add(row)
    session.flush()
    return row, token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return row.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def revoke_token(session: Session, user: User, token_id: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
