"""Per-family field encryption for ORM models.

A model declares ``given_name = Encrypted("given_name_enc")``: the attribute reads and writes
plain values, the mapped column holds AES-256-GCM ciphertext under the family's data key with
associated data (table, column, row id). Values set on an object are sealed in the session's
``before_flush`` hook (:func:`seal_pending`), when the row id is known. Each session holds a
:class:`FieldCipher` that unwraps a family's data key once and caches it for that session (one
request) only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar, overload

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from casework.security.crypto import KeyedSealer, Sealer, field_aad, new_key, unwrap_key, wrap_key
from casework.security.keyring import Keyring

T = TypeVar("T", str, date)

#: (session, family_id) -> (kek_id, wrapped data key); registered by casework.families.
WrappedKeyLoader = Callable[[Session, str], tuple[str, bytes]]
_loader: list[WrappedKeyLoader] = []

PLAIN = "_cw_plain"
PENDING = "_cw_pending"
BEFORE = "_cw_before"


def register_key_loader(loader: WrappedKeyLoader) -> None:
    _loader[:] = [loader]


class FieldCipher:
    """Seals and opens fields for one session, unwrapping each family key at most once."""

    def __init__(self, keyring: Keyring, session: Session) -> None:
        self.keyring = keyring
        self._session = session
        self._sealers: dict[str, Sealer] = {}

    def new_family_key(self, family_id: str) -> tuple[str, bytes]:
        """Make a data key for a new family; returns ``(kek_id, wrapped)`` to store."""
        data_key = new_key()
        self._sealers[family_id] = Sealer(data_key)
        kek_id = self.keyring.kek.current
        return kek_id, wrap_key(self.keyring.kek.get(kek_id), kek_id, family_id, data_key)

    def sealer(self, family_id: str | None) -> Sealer | KeyedSealer:
        """The family's sealer; ``None``: staff data about no family (:meth:`staff_sealer`)."""
        if family_id is None:
            return self.staff_sealer()
        sealer = self._sealers.get(family_id)
        if sealer is None:
            kek_id, wrapped = _loader[0](self._session, family_id)
            sealer = Sealer(unwrap_key(self.keyring.kek.get(kek_id), kek_id, family_id, wrapped))
            self._sealers[family_id] = sealer
        return sealer

    def system_sealer(self, key_id: str | None = None) -> tuple[str, Sealer]:
        key_id = key_id or self.keyring.audit.current
        return key_id, Sealer(self.keyring.audit.get(key_id))

    def staff_sealer(self) -> KeyedSealer:
        """Seals staff data that belongs to no family under the keyring's audit keys."""
        return KeyedSealer(self.keyring.audit.keys, self.keyring.audit.current)

    def forget(self, family_id: str) -> None:
        self._sealers.pop(family_id, None)


def cipher_of(session: Session) -> FieldCipher:
    cipher = session.info.get("cipher")
    if cipher is None:
        db = session.info.get("db")
        if db is None:
            raise RuntimeError("this session cannot encrypt: it was not made by casework.db.Database")
        cipher = session.info["cipher"] = FieldCipher(db.keyring, session)
    assert isinstance(cipher, FieldCipher)
    return cipher


def _encode(value: str | date) -> bytes:
    return (value.isoformat() if isinstance(value, date) else value).encode("utf-8")


class Encrypted(Generic[T]):
    """A plain-valued attribute stored as ciphertext in ``column`` (a LargeBinary column).

    Use :class:`EncryptedText` or :class:`EncryptedDate`.
    """

    kind: ClassVar[type[str] | type[date]] = str

    def __init__(self, column: str) -> None:
        self.column = column
        self.name = column

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        fields = dict(getattr(owner, "__encrypted__", {}))
        fields[name] = self
        owner.__encrypted__ = fields  # type: ignore[attr-defined]

    @overload
    def __get__(self, obj: None, owner: type) -> Encrypted[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T | None: ...
    def __get__(self, obj: object | None, owner: type) -> Encrypted[T] | T | None:
        if obj is None:
            return self
        plain = obj.__dict__.setdefault(PLAIN, {})
        if self.name in plain:
            return plain[self.name]  # type: ignore[no-any-return]
        blob = getattr(obj, self.column)
        value: Any
        if blob is None:
            value = None
        else:
            session = object_session(obj)
            if session is None:
                raise RuntimeError(f"{type(obj).__name__}.{self.name} cannot be read outside a session")
            text = self.open(cipher_of(session), obj, blob)
            value = date.fromisoformat(text) if self.kind is date else text
        plain[self.name] = value
        return value  # type: ignore[no-any-return]

    def open(self, cipher: FieldCipher, obj: Any, blob: bytes) -> str:
        sealer = cipher.sealer(obj.family_key_id)
        return sealer.open_text(blob, field_aad(obj.__tablename__, self.column, obj.id))

    def __set__(self, obj: object, value: T | None) -> None:
        if value is not None and not isinstance(value, self.kind):
            raise TypeError(f"{self.name} takes {self.kind.__name__}")
        before = obj.__dict__.setdefault(BEFORE, {})
        if self.name not in before and getattr(obj, self.column, None) is not None:
            before[self.name] = self.__get__(obj, type(obj))
        obj.__dict__.setdefault(PLAIN, {})[self.name] = value
        if value is None:
            setattr(obj, self.column, None)
            obj.__dict__.setdefault(PENDING, set()).discard(self.name)
        else:
            # A placeholder marks the column dirty; seal_pending() replaces it before the flush.
            setattr(obj, self.column, b"")
            obj.__dict__.setdefault(PENDING, set()).add(self.name)


class EncryptedModel:
    """Mixin for models with :class:`Encrypted` fields; ``family_key_id`` names the family."""

    __encrypted__: ClassVar[dict[str, Encrypted[Any]]] = {}
    # Each model defines a ``family_key_id`` property: the family whose data key covers it.

    def encrypted_before(self) -> dict[str, Any]:
        """Plain values of encrypted fields before this unit of work changed them."""
        return dict(self.__dict__.get(BEFORE, {}))


def seal_pending(session: Session, objects: list[Any]) -> None:
    """Encrypt the plain values set on ``objects`` (called from ``before_flush``)."""
    cipher = cipher_of(session)
    for obj in objects:
        pending = obj.__dict__.get(PENDING)
        if not pending:
            continue
        sealer = cipher.sealer(obj.family_key_id)
        plain = obj.__dict__[PLAIN]
        for name in sorted(pending):
            field = type(obj).__encrypted__[name]
            setattr(obj, field.column, sealer.seal(_encode(plain[name]), field_aad(obj.__tablename__, field.column, obj.id)))
        pending.clear()


def forget_plain(obj: Any) -> None:
    """Drop cached plain values (after expiry or refresh the ciphertext may have changed)."""
    if obj is None:  # expired after the object itself was garbage-collected
        return
    for key in (PLAIN, BEFORE, PENDING):
        obj.__dict__.pop(key, None)


class EncryptedText(Encrypted[str]):
    kind = str


class EncryptedDate(Encrypted[date]):
    kind = date


def install_expiry_hooks(base: type) -> None:
    @event.listens_for(base, "expire", propagate=True)
    def _on_expire(target: Any, attrs: Any) -> None:
        forget_plain(target)

    @event.listens_for(base, "refresh", propagate=True)
    def _on_refresh(target: Any, context: Any, attrs: Any) -> None:
        forget_plain(target)
