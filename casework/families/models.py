"""Families and people. Every personal and free-text field is encrypted under the family's key."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from casework.db import Base, IdMixin, TimestampMixin, VersionMixin
from casework.security.fields import EncryptedDate, EncryptedModel, EncryptedText

PERSON_ROLES = ("child", "unborn", "parent_carer", "other_adult")


class Family(IdMixin, VersionMixin, TimestampMixin, EncryptedModel, Base):
    __tablename__ = "family"
    __audit__ = "family"
    __audit_exclude__ = frozenset({"dek_wrapped", "kek_id"})

    owning_team_id: Mapped[str] = mapped_column(ForeignKey("team.id"), index=True)
    kek_id: Mapped[str] = mapped_column(String(32))
    dek_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    postcode_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    postcode_bi: Mapped[int | None] = mapped_column(Integer, index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9))

    reference = EncryptedText("reference_enc")
    address_line_1 = EncryptedText("address_enc")
    postcode = EncryptedText("postcode_enc")
    note = EncryptedText("note_enc")

    members: Mapped[list[Person]] = relationship(back_populates="family", order_by="Person.created_at")

    @property
    def family_key_id(self) -> str:
        return self.id


class Person(IdMixin, VersionMixin, TimestampMixin, EncryptedModel, Base):
    __tablename__ = "person"
    __audit__ = "person"

    family_id: Mapped[str] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=False)
    given_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    expected_date_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    nhs_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    gender_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    ethnicity_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    language_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    school_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_name_bi: Mapped[int | None] = mapped_column(Integer, index=True)
    name_dob_bi: Mapped[int | None] = mapped_column(Integer, index=True)
    nhs_number_bi: Mapped[int | None] = mapped_column(Integer, index=True)

    given_name = EncryptedText("given_name_enc")
    family_name = EncryptedText("family_name_enc")
    date_of_birth = EncryptedDate("date_of_birth_enc")
    expected_date = EncryptedDate("expected_date_enc")
    nhs_number = EncryptedText("nhs_number_enc")
    gender = EncryptedText("gender_enc")
    ethnicity = EncryptedText("ethnicity_enc")
    language = EncryptedText("language_enc")
    school = EncryptedText("school_enc")
    note = EncryptedText("note_enc")

    family: Mapped[Family] = relationship(back_populates="members")

    @property
    def family_key_id(self) -> str:
        return self.family_id

    @property
    def full_name(self) -> str:
        return f"{self.given_name or ''} {self.family_name or ''}".strip()


#: Most families whose wrapped keys :func:`load_wrapped_key` reads in one query.
KEY_BATCH = 200
_WAITING = "family_keys_waiting"
_FETCHED = "family_keys_fetched"


def _families_held(session: Session) -> set[str]:
    """Families of the records loaded in the session (without loading anything more)."""
    found: set[str] = set()
    for obj in session.identity_map.values():
        state = obj.__dict__
        family_id = state.get("id") if isinstance(obj, Family) else state.get("family_id")
        if isinstance(family_id, str):
            found.add(family_id)
    return found


def load_wrapped_key(session: Session, family_id: str) -> tuple[str, bytes]:
    """The wrapped data key of ``family_id`` (registered with the field cipher).

    The cipher asks for one family at a time, as it first opens one of its fields, so a page
    of cases or search hits would cost a query per family. The first ask also reads the keys of
    the other families whose records the session has loaded (up to :data:`KEY_BATCH`), in the
    same query; later asks take theirs from that batch. Each key read ahead is handed out once:
    a family asked for again (after the cipher forgot it, as key rotation does) is read afresh.
    """
    waiting: dict[str, tuple[str, bytes]] = session.info.setdefault(_WAITING, {})
    found = waiting.pop(family_id, None)
    if found is not None:
        return found
    fetched: set[str] = session.info.setdefault(_FETCHED, set())
    ahead = sorted(_families_held(session) - fetched - {family_id})[: KEY_BATCH - 1]
    rows = session.execute(select(Family.id, Family.kek_id, Family.dek_wrapped).where(Family.id.in_([family_id, *ahead]))).all()
    fetched.update(ahead)
    for row in rows:
        if row.id != family_id:
            waiting[row.id] = (row.kek_id, row.dek_wrapped)
    mine = next((row for row in rows if row.id == family_id), None)
    if mine is None:
        raise LookupError("no data key for that family")
    return mine.kek_id, mine.dek_wrapped
