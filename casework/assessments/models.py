"""Early Help Assessments: one row per assessment (a re-assessment is a new row linked to the
one before), its answers encrypted under the family's key."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class Assessment(IdMixin, VersionMixin, TimestampMixin, EncryptedModel, Base):
    """An Early Help Assessment of one case. ``template`` is the framework's sections as they
    stood when it started (no personal data); ``sections`` (the answers) are encrypted."""

    __tablename__ = "assessment"
    __audit__ = "assessment"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("assessment.id"))
    status: Mapped[str] = mapped_column(String(16))
    template: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    completed: Mapped[list[str]] = mapped_column(JSON, default=list)
    answers_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    due_on: Mapped[date | None] = mapped_column(Date)
    started_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    return_comments_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    answers = EncryptedText("answers_enc")
    return_comments = EncryptedText("return_comments_enc")

    @property
    def family_key_id(self) -> str:
        return self.family_id

    @property
    def sections(self) -> dict[str, dict[str, Any]]:
        """The answers, section by section (``{}`` before anything is written)."""
        raw = self.answers
        loaded: dict[str, dict[str, Any]] = json.loads(raw) if raw else {}
        return loaded

    @sections.setter
    def sections(self, value: dict[str, dict[str, Any]]) -> None:
        self.answers = json.dumps(value, sort_keys=True, ensure_ascii=False) if value else None
