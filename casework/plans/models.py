"""Team Around the Family plans: outcomes, actions, reviews and their scores, and the check
that outcomes were sustained after closure.

Free text is encrypted under the family's key. ``shared_without_consent`` marks content that
draws on information shared without the family's consent; it never reaches the family's plan,
nor do the internal fields (``Plan.analysis``, ``Action.note``, ``Review.internal_notes``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, IdMixin, VersionMixin, utcnow
from casework.security.fields import EncryptedModel, EncryptedText


class _FamilyKeyed:
    family_id: Mapped[str]

    @property
    def family_key_id(self) -> str:
        return self.family_id


class Plan(IdMixin, VersionMixin, _FamilyKeyed, EncryptedModel, Base):
    """The family's plan agreed at the first TAF meeting: one per case."""

    __tablename__ = "taf_plan"
    __audit__ = "plan"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), unique=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    created_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_on: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    strengths_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contingency_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    analysis_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    strengths = EncryptedText("strengths_enc")
    contingency = EncryptedText("contingency_enc")
    analysis = EncryptedText("analysis_enc")  # internal: practitioners' analysis


class Outcome(IdMixin, VersionMixin, _FamilyKeyed, EncryptedModel, Base):
    """What will be better, in the family's words, for named people, with a baseline score."""

    __tablename__ = "taf_outcome"
    __audit__ = "outcome"

    plan_id: Mapped[str] = mapped_column(ForeignKey("taf_plan.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    person_ids: Mapped[list[str]] = mapped_column(JSON)
    need_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    baseline_score: Mapped[int] = mapped_column(Integer)
    shared_without_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need = EncryptedText("need_enc")
    what_better_looks_like = EncryptedText("text_enc")


class Action(IdMixin, VersionMixin, _FamilyKeyed, EncryptedModel, Base):
    """A SMART action: what, who (a team member or a family member), by when, and where it stands."""

    __tablename__ = "taf_action"
    __audit__ = "action"

    plan_id: Mapped[str] = mapped_column(ForeignKey("taf_plan.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    outcome_id: Mapped[str] = mapped_column(ForeignKey("taf_outcome.id", ondelete="CASCADE"))
    description_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    owner_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    shared_without_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    description = EncryptedText("description_enc")
    note = EncryptedText("note_enc")  # internal: the latest progress note

    __table_args__ = (Index("ix_taf_action_status_due", "status", "due_on"),)


class Review(IdMixin, _FamilyKeyed, EncryptedModel, Base):
    """A TAF review meeting. Never edited: the next review records what changed."""

    __tablename__ = "taf_review"
    __audit__ = "review"

    plan_id: Mapped[str] = mapped_column(ForeignKey("taf_plan.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), index=True)  # case flags count reviews
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    held_on: Mapped[date] = mapped_column(Date)
    #: team member or family member id -> present / apologies / not_invited
    attendance: Mapped[dict[str, str]] = mapped_column(JSON)
    conclusion: Mapped[str] = mapped_column(String(16))
    summary_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    decisions_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    internal_notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_without_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    summary = EncryptedText("summary_enc")
    decisions = EncryptedText("decisions_enc")
    internal_notes = EncryptedText("internal_notes_enc")  # internal: never in the family's plan


class ReviewScore(IdMixin, Base):
    """The score an outcome had at a review."""

    __tablename__ = "taf_review_score"
    __audit__ = "review_score"

    review_id: Mapped[str] = mapped_column(ForeignKey("taf_review.id", ondelete="CASCADE"))
    outcome_id: Mapped[str] = mapped_column(ForeignKey("taf_outcome.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("review_id", "outcome_id"),)


class PostClosureCheck(IdMixin, VersionMixin, _FamilyKeyed, EncryptedModel, Base):
    """Months after a case closes: were the family's outcomes sustained? (Supporting Families)"""

    __tablename__ = "post_closure_check"
    __audit__ = "post_closure_check"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_episode.id", ondelete="CASCADE"), unique=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    assigned_to_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    sustained: Mapped[bool | None] = mapped_column(Boolean)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime | None]

    note = EncryptedText("note_enc")
