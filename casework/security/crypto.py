"""AES-256-GCM envelope encryption. Pure: standard library and ``cryptography`` only.

A ciphertext is ``VERSION || nonce(12) || ciphertext+tag``. Associated data binds every field
to its table, column and row (``field_aad``), so a ciphertext copied into another row or
column fails to decrypt; data keys are wrapped under a key-encryption key with the family id
as associated data.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(Exception):
    """A ciphertext did not authenticate: wrong key, wrong place, or altered."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def field_aad(table: str, column: str, row_id: str) -> bytes:
    """Associated data that binds a field's ciphertext to its place."""
    return f"casework:field:{table}:{column}:{row_id}".encode()


def wrap_aad(family_id: str, kek_id: str) -> bytes:
    return f"casework:dek:{family_id}:{kek_id}".encode()


class Sealer:
    """AES-256-GCM with one key; reuse it for every field under that key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_VERSION:
            raise DecryptionError("not a casework ciphertext")
        try:
            return self._aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
        except InvalidTag:
            raise DecryptionError("ciphertext did not authenticate") from None

    def seal_text(self, text: str, aad: bytes) -> bytes:
        return self.seal(text.encode("utf-8"), aad)

    def open_text(self, blob: bytes, aad: bytes) -> str:
        return self.open(blob, aad).decode("utf-8")


def wrap_key(kek: bytes, kek_id: str, family_id: str, data_key: bytes) -> bytes:
    """Wrap a family's data key under a key-encryption key."""
    return Sealer(kek).seal(data_key, wrap_aad(family_id, kek_id))


def unwrap_key(kek: bytes, kek_id: str, family_id: str, wrapped: bytes) -> bytes:
    """Unwrap a family's data key; :class:`DecryptionError` when it was moved or altered."""
    return Sealer(kek).open(wrapped, wrap_aad(family_id, kek_id))


KEYED_VERSION = b"\x02"


class KeyedSealer:
    """AES-256-GCM under a versioned key set (the keyring's audit keys), for staff data that
    belongs to no family (a second-factor secret, a password-reset email). The ciphertext names
    its key: ``KEYED_VERSION || len(key id) || key id || Sealer ciphertext``, so it still opens
    after the keys rotate."""

    __slots__ = ("_current", "_keys")

    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        self._keys = keys
        self._current = current

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        key_id = self._current.encode("ascii")
        return KEYED_VERSION + bytes([len(key_id)]) + key_id + Sealer(self._keys[self._current]).seal(plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < 2 or blob[:1] != KEYED_VERSION:
            raise DecryptionError("not a keyed casework ciphertext")
        size = blob[1]
        key_id = blob[2 : 2 + size].decode("ascii", "replace")
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError("the key of this ciphertext is not in the keyring")
        return Sealer(key).open(blob[2 + size :], aad)

    def seal_text(self, text: str, aad: bytes) -> bytes:
        return self.seal(text.encode("utf-8"), aad)

    def open_text(self, blob: bytes, aad: bytes) -> str:
        return self.open(blob, aad).decode("utf-8")
