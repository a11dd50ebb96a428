"""Organisations, teams, users and their roles, API tokens and server-side sessions.

Staff accounts are not case data: names and emails of practitioners are stored in plain text
(they appear on every page header) but never personal data about families.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow

ORGANISATION_KINDS = ("local_authority", "school", "early_years", "health", "police", "housing", "voluntary", "other")
ROLES = ("practitioner", "manager", "safeguarding_lead", "ig_officer", "admin")


class Organisation(IdMixin, VersionMixin, TimestampMixin, Base):
    __tablename__ = "organisation"
    __audit__ = "organisation"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))

    teams: Mapped[list[Team]] = relationship(back_populates="organisation", order_by="Team.name")
    __table_args__ = (UniqueConstraint("name", name="uq_organisation_name"),)


class Team(IdMixin, VersionMixin, TimestampMixin, Base):
    __tablename__ = "team"
    __audit__ = "team"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="teams")
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_team_org_name"),)


class TeamMembership(Base):
    __tablename__ = "team_membership"
    __audit__ = "team_membership"

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True, index=True)

    team: Mapped[Team] = relationship()


class UserRole(Base):
    __tablename__ = "user_role"
    __audit__ = "user_role"

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class User(IdMixin, VersionMixin, TimestampMixin, Base):
    __tablename__ = "app_user"
    __audit__ = "user"
    __audit_exclude__ = frozenset({"password_hash", "totp_secret_enc", "totp_pending_enc", "totp_last_step"})

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None]
    # The second factor: the TOTP secret sealed under the keyring's audit key (staff data, not a
    # family's), set when enrolment starts; enrolled once a first code has been accepted.
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: a new secret being set up (shown to the person, not yet confirmed with a code)
    totp_pending_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None]
    #: the last TOTP time step accepted: that code and every earlier one are refused (replay)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    memberships: Mapped[list[TeamMembership]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login's user protocol (the session id, not this id, is what the cookie carries).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.id

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def team_ids(self) -> frozenset[str]:
        return frozenset(m.team_id for m in self.memberships)

    @property
    def second_factor_enrolled(self) -> bool:
        return self.totp_enabled_at is not None


class ApiToken(IdMixin, Base):
    """A personal API token, stored only as its SHA-256 digest."""

    __tablename__ = "api_token"
    __audit__ = "api_token"
    __audit_exclude__ = frozenset({"token_hash"})

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A signed-in browser session; the cookie carries only its random id."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: when this session passed the second factor (None: password only)
    second_factor_at: Mapped[datetime | None]
    #: when the person last re-entered their password (and code) to change a security setting
    reauthenticated_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
    __table_args__ = (Index("ix_user_session_user_active", "user_id", "ended_at"),)


class RecoveryCode(IdMixin, Base):
    """A single-use recovery code for the second factor, stored only as its SHA-256 digest."""

    __tablename__ = "recovery_code"
    __audit__ = "recovery_code"
    __audit_exclude__ = frozenset({"code_hash"})

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PasswordReset(IdMixin, Base):
    """An emailed single-use password reset, stored only as the SHA-256 digest of its token."""

    __tablename__ = "password_reset"
    __audit__ = "password_reset"
    __audit_exclude__ = frozenset({"token_hash"})

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
