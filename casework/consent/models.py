"""Consent records (append-only), decisions to share without consent, Team Around the Family
membership, and the sharing state derived from them for queries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class Consent(IdMixin, EncryptedModel, Base):
    """One decision about one person and one purpose. Never updated: a later record supersedes."""

    __tablename__ = "consent"
    __audit__ = "consent"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    given_by_person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    competent: Mapped[bool | None] = mapped_column(Boolean)
    purpose: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    do_not_share_with: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: named practitioners (user ids) the person's own details must not be shown to
    do_not_share_with_users: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    method: Mapped[str] = mapped_column(String(16))
    expires_on: Mapped[date | None] = mapped_column(Date)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    note = EncryptedText("note_enc")

    @property
    def family_key_id(self) -> str:
        return self.family_id


class ShareWithoutConsent(IdMixin, EncryptedModel, Base):
    """The recorded decision the 2024 advice requires: with whom, on what basis, why, until when."""

    __tablename__ = "share_without_consent"
    __audit__ = "share_without_consent"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    organisation_ids: Mapped[list[str]] = mapped_column(JSON)
    lawful_basis_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    justification_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date)

    lawful_basis = EncryptedText("lawful_basis_enc")
    justification = EncryptedText("justification_enc")

    @property
    def family_key_id(self) -> str:
        return self.family_id


class TeamMember(IdMixin, VersionMixin, Base):
    """A member of the Team Around the Family: a practitioner (of any organisation) or a family member."""

    __tablename__ = "team_member"
    __audit__ = "team_member"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role_in_team: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]


class SharingBasis(Base):
    """Derived: which organisations may see a case, on what basis, until when. Recomputed from
    the consent history and overrides whenever either changes; the SQL access filter reads it."""

    __tablename__ = "sharing_basis"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    basis: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_sharing_basis_org", "organisation_id", "case_id"),)


class WithheldPerson(Base):
    """Derived: a person's own details withheld from an organisation by consent (an active
    share-without-consent basis for that organisation lifts it at read time)."""

    __tablename__ = "withheld_person"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class WithheldFromUser(Base):
    """Derived: a person's own details withheld from a named practitioner (a do-not-share-with
    list naming a person). Unlike organisation withholding, it applies whatever the practitioner's
    basis of access, and a share-without-consent decision (which names organisations) does not lift it."""

    __tablename__ = "withheld_from_user"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_withheld_from_user_user", "user_id", "person_id"),)
