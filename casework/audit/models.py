"""Audit events. No foreign keys: events outlive the rows they describe (disposal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(64))
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(36))
    family_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36))
    request_id: Mapped[str | None] = mapped_column(String(64))
    basis: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))
    mac_key_id: Mapped[str] = mapped_column(String(32))
    detail: Mapped[bytes] = mapped_column(LargeBinary)
    prev_mac: Mapped[bytes] = mapped_column(LargeBinary)
    mac: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        Index("ix_audit_event_family", "family_id", "seq"),
        Index("ix_audit_event_case", "case_id", "seq"),
        Index("ix_audit_event_actor", "actor_id", "seq"),
    )


class AuditCheckpoint(Base):
    """A signed statement of the trail's size and head MAC at a time (also written to files)."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    head: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditReference(Base):
    """Records an event's detail names besides its own case and family: search hits (people),
    lists (cases, families). A lookup for "who looked", derived from the chained (encrypted)
    detail when the event is appended; ids only, no personal data."""

    __tablename__ = "audit_reference"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ref_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (Index("ix_audit_reference_ref", "ref_type", "ref_id", "seq"),)
