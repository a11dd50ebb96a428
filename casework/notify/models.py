"""The email outbox: one row per message, queued by the reminders job and delivered by the
outbox job. The recipient and the personalisation are encrypted under the family's key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText

QUEUED, SENT, FAILED = "queued", "sent", "failed"


class Outbox(IdMixin, EncryptedModel, Base):
    __tablename__ = "email_outbox"
    __audit__ = "email"
    #: a password-reset link is a credential: the audit says it changed, never what it was
    __audit_exclude__ = frozenset({"personalisation"})

    #: None for staff email about no family (a password reset): sealed under the audit key then
    family_id: Mapped[str | None] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    #: the same reminder is queued at most once a day: kind, subject and date
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    template_id: Mapped[str] = mapped_column(String(64))
    recipient_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    personalisation_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    reference: Mapped[str | None] = mapped_column(String(64))  # Notify's notification id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    recipient = EncryptedText("recipient_enc")
    personalisation = EncryptedText("personalisation_enc")  # JSON

    @property
    def family_key_id(self) -> str | None:
        return self.family_id
