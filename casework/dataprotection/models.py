"""Subject access exports, corrections and statements of disagreement. Everything personal or
free text is encrypted under the family's key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class _FamilyKeyed:
    family_id: Mapped[str]

    @property
    def family_key_id(self) -> str:
        return self.family_id


class SubjectAccessExport(IdMixin, VersionMixin, TimestampMixin, _FamilyKeyed, EncryptedModel, Base):
    """A subject access request answered for one person: the gathered document as it stood when
    the review started, the officer's redaction choices, and (once released) the package.

    The audit trail records every change of the redaction choices with their reasons; the
    document and the package themselves are only marked as changed (they are large, and the
    document is what the export event already covers)."""

    __tablename__ = "subject_access_export"
    __audit__ = "subject_access"
    __audit_exclude__ = frozenset({"document", "package"})

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # draft | released
    created_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    released_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    released_at: Mapped[datetime | None]
    #: SHA-256 of the released ZIP (hex): lets anyone holding the package check it is the one released
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    document_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    redactions_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    package_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    document = EncryptedText("document_enc")  # JSON: the gathered items
    redactions = EncryptedText("redactions_enc")  # JSON: {item key or "key#field": reason}
    package = EncryptedText("package_enc")  # base64 of the released ZIP


class Correction(IdMixin, _FamilyKeyed, EncryptedModel, Base):
    """A correction of recorded details: what changed, from what, to what, why, who, when.
    Never edited: the history of a field is its corrections in order."""

    __tablename__ = "correction"
    __audit__ = "correction"

    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # person | family
    field: Mapped[str] = mapped_column(String(32))
    old_value_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    new_value_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    old_value = EncryptedText("old_value_enc")
    new_value = EncryptedText("new_value_enc")
    reason = EncryptedText("reason_enc")


class DisagreementStatement(IdMixin, _FamilyKeyed, EncryptedModel, Base):
    """A person's statement that they disagree with a practitioner's opinion about them, kept
    beside the opinion wherever it is shown. Never edited: a later statement adds to it."""

    __tablename__ = "disagreement_statement"
    __audit__ = "disagreement_statement"

    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: the opinion: ``assessment`` (a section of it), ``review`` (its summary) or ``plan`` (its analysis)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36))
    section_key: Mapped[str | None] = mapped_column(String(120))
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    text = EncryptedText("text_enc")

    __table_args__ = (Index("ix_disagreement_statement_record", "record_type", "record_id"),)
