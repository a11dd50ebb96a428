"""Case episodes, level transitions and the history of lead professionals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from casework.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class Case(IdMixin, VersionMixin, TimestampMixin, EncryptedModel, Base):
    """One episode of early help for one family."""

    __tablename__ = "case_episode"
    __audit__ = "case"

    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    owning_team_id: Mapped[str] = mapped_column(ForeignKey("team.id"))
    status: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    lead_professional_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    assessment_due_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    closure_reason: Mapped[str | None] = mapped_column(String(40))
    closure_summary_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    re_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_case_id: Mapped[str | None] = mapped_column(ForeignKey("case_episode.id"))

    reason = EncryptedText("reason_enc")
    closure_summary = EncryptedText("closure_summary_enc")

    lead_professional = relationship("User", foreign_keys=[lead_professional_id], lazy="joined")

    __table_args__ = (
        Index("ix_case_episode_team_status", "owning_team_id", "status"),
        # A team's open cases per lead professional (the caseload), from the index alone.
        Index("ix_case_episode_team_status_lead", "owning_team_id", "status", "lead_professional_id"),
        Index("ix_case_episode_opened_at", "opened_at"),
    )

    @property
    def family_key_id(self) -> str:
        return self.family_id

    @property
    def case_id(self) -> str:
        return self.id


class LevelTransition(IdMixin, VersionMixin, EncryptedModel, Base):
    """A step up or down the continuum: who asked, why, who decided, what was handed over."""

    __tablename__ = "level_transition"
    __audit__ = "transition"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16))
    immediate_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    handover_notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    effective_at: Mapped[datetime | None]
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    decision_note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    receiving_lead_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    receiver_accepted_at: Mapped[datetime | None]
    family_agreement: Mapped[bool] = mapped_column(Boolean, default=False)

    reason = EncryptedText("reason_enc")
    handover_notes = EncryptedText("handover_notes_enc")
    decision_note = EncryptedText("decision_note_enc")

    case: Mapped[Case] = relationship()
    __table_args__ = (Index("ix_level_transition_status", "status", "case_id"),)

    @property
    def family_key_id(self) -> str:
        return self.family_id


class LeadAssignment(IdMixin, VersionMixin, EncryptedModel, Base):
    """Who led a case, from when to when, and why it changed. ``accepted_at`` is None while a
    handover waits for the receiver."""

    __tablename__ = "lead_assignment"
    __audit__ = "lead_assignment"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"), index=True)
    assigned_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    reason = EncryptedText("reason_enc")

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def family_key_id(self) -> str:
        return self.family_id

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.declined_at is None and self.ended_at is None


class Notification(IdMixin, Base):
    """A message for a user (the outbox): shown in "My work", sent by email where configured."""

    __tablename__ = "notification"

    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    subject_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)


def names_only(relation: Any) -> tuple[Any, ...]:
    """Loader options for a joined user who is only shown by name (a case's lead professional,
    an assignment's user): their roles and teams load only if something asks for them, rather
    than in two more queries every time the case is read."""
    from casework.auth.models import User

    return (joinedload(relation).lazyload(User.role_rows), joinedload(relation).lazyload(User.memberships))
