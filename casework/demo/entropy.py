"""Randomness for bulk loading, drawn from the operating system in blocks.

The services take each record id, data key, AES-GCM nonce and family reference from
``os.urandom`` one call at a time. Measured here (py-spy, 15,000 families), those ``getrandom`` system calls were
about a quarter of the loader's time; drawing 64 KiB per call and slicing it gives values from
the same CSPRNG at a fraction of the cost. A pool belongs to one thread: two threads slicing one
pool could hand out the same nonce twice.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.families.rules import _REFERENCE_ALPHABET
from casework.security.crypto import FORMAT_VERSION, NONCE_BYTES

BLOCK = 1 << 16
# Each random byte picks one of 32 letters (b & 31), so every letter is equally likely.
assert len(_REFERENCE_ALPHABET) == 32  # nosec B101 - checked once, at import
_REFERENCE_TABLE = bytes(ord(_REFERENCE_ALPHABET[b & 31]) for b in range(256))


class EntropyPool:
    """Bytes from ``os.urandom``, drawn ``block`` at a time and never handed out twice."""

    __slots__ = ("_block", "_buffer", "_position")

    def __init__(self, block: int = BLOCK) -> None:
        self._block = block
        self._buffer = b""
        self._position = 0

    def take(self, n: int) -> bytes:
        if self._position + n > len(self._buffer):
            self._buffer = os.urandom(max(self._block, n))
            self._position = 0
        start = self._position
        self._position = start + n
        return self._buffer[start : self._position]

    def record_id(self) -> str:
        """A random UUID4 as text, as ``casework.db.new_id`` makes (the text of
        ``uuid.UUID(bytes=..., version=4)``, formatted directly: a third of the time)."""
        raw = bytearray(self.take(16))
        raw[6] = raw[6] & 0x0F | 0x40  # version 4
        raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def reference(self) -> str:
        """A family reference as ``casework.families.rules.new_reference`` makes: ``EH-`` and eight letters."""
        return "EH-" + self.take(8).translate(_REFERENCE_TABLE).decode("ascii")


class PooledSealer:
    """AES-256-GCM under one key, in the ciphertext layout of ``casework.security.crypto.Sealer``
    (version, 12-byte nonce, ciphertext and tag), with nonces from an :class:`EntropyPool`."""

    __slots__ = ("_aead", "_entropy")

    def __init__(self, key: bytes, entropy: EntropyPool) -> None:
        self._aead = AESGCM(key)
        self._entropy = entropy

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = self._entropy.take(NONCE_BYTES)
        return FORMAT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def seal_text(self, text: str, aad: bytes) -> bytes:
        return self.seal(text.encode("utf-8"), aad)
