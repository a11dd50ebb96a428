"""Restrictions of processing and legal holds. Both keep their history: a row is set once and
lifted once, never deleted (until the family itself is disposed of). Reasons are encrypted
under the family's key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class _SetAndLifted(IdMixin, VersionMixin, EncryptedModel):
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    set_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    lifted_at: Mapped[datetime | None]
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    lift_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    reason = EncryptedText("reason_enc")
    lift_reason = EncryptedText("lift_reason_enc")

    @property
    def family_key_id(self) -> str:
        return self.family_id

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class Restriction(_SetAndLifted, Base):
    """Processing of a family's information (``person_id`` empty) or one person's is restricted."""

    __tablename__ = "restriction"
    __audit__ = "restriction"

    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(8))  # "family" or "person"

    __table_args__ = (Index("ix_restriction_family_lifted", "family_id", "lifted_at"),)


class LegalHold(_SetAndLifted, Base):
    """A legal hold (a public inquiry, litigation): the family's records are not disposed of."""

    __tablename__ = "legal_hold"
    __audit__ = "legal_hold"

    __table_args__ = (Index("ix_legal_hold_family_lifted", "family_id", "lifted_at"),)
