"""The keyring: versioned key-encryption keys, audit keys, blind-index root, signing keys.

A JSON file. In development it is generated into the instance folder with mode 0600 on first
use; in production it is supplied (a mounted secret) and never generated. Old keys stay in the
ring after rotation so that everything wrapped, MAC'd or signed under them still verifies.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from casework.security.crypto import new_key

KEYRING_FORMAT = 1


class KeyringError(RuntimeError):
    """The keyring is missing, unreadable or incomplete."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class KeySet:
    """A family of versioned keys with one current id."""

    current: str
    keys: dict[str, bytes]

    def current_key(self) -> bytes:
        return self.keys[self.current]

    def get(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyringError(f"key {key_id!r} is not in the keyring") from None

    def with_new(self, prefix: str, key: bytes) -> KeySet:
        n = 1 + max((int(k.removeprefix(prefix)) for k in self.keys if k.removeprefix(prefix).isdigit()), default=0)
        key_id = f"{prefix}{n}"
        return KeySet(current=key_id, keys={**self.keys, key_id: key})

    def to_json(self) -> dict[str, object]:
        return {"current": self.current, "keys": {k: _b64(v) for k, v in self.keys.items()}}

    @classmethod
    def from_json(cls, data: object, name: str) -> KeySet:
        if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
            raise KeyringError(f"keyring: '{name}' is missing or malformed")
        try:
            keys = {str(k): _unb64(v) for k, v in data["keys"].items()}
        except ValueError:  # binascii.Error is a ValueError; so is non-text from _unb64
            raise KeyringError(f"keyring: '{name}' has a key that is not base64 text") from None
        current = data.get("current")
        if not isinstance(current, str) or current not in keys:
            raise KeyringError(f"keyring: '{name}' has no current key")
        return cls(current=str(current), keys=keys)


@dataclass(frozen=True)
class Keyring:
    kek: KeySet  # wraps families' data keys
    mac: KeySet  # audit chain HMAC keys
    audit: KeySet  # encrypts audit details not about a family
    signing: KeySet  # Ed25519 private keys (raw 32 bytes) for audit checkpoints
    blind_index_root: bytes

    @classmethod
    def generate(cls) -> Keyring:
        signing = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(
            kek=KeySet("kek1", {"kek1": new_key()}),
            mac=KeySet("mac1", {"mac1": new_key()}),
            audit=KeySet("aud1", {"aud1": new_key()}),
            signing=KeySet("sig1", {"sig1": signing}),
            blind_index_root=secrets.token_bytes(32),
        )

    def signing_key(self, key_id: str | None = None) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.signing.get(key_id or self.signing.current))

    def verify_key(self, key_id: str) -> Ed25519PublicKey:
        return self.signing_key(key_id).public_key()

    def public_keys(self) -> dict[str, str]:
        return {k: _b64(self.verify_key(k).public_bytes(Encoding.Raw, PublicFormat.Raw)) for k in self.signing.keys}

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEYRING_FORMAT,
                "kek": self.kek.to_json(),
                "mac": self.mac.to_json(),
                "audit": self.audit.to_json(),
                "signing": self.signing.to_json(),
                "blind_index_root": _b64(self.blind_index_root),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyringError(f"keyring is not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
            raise KeyringError(f"keyring format must be {KEYRING_FORMAT}")
        try:
            root = _unb64(data["blind_index_root"])
        except (KeyError, ValueError, TypeError):
            raise KeyringError("keyring: 'blind_index_root' is missing or malformed") from None
        return cls(
            kek=KeySet.from_json(data.get("kek"), "kek"),
            mac=KeySet.from_json(data.get("mac"), "mac"),
            audit=KeySet.from_json(data.get("audit"), "audit"),
            signing=KeySet.from_json(data.get("signing"), "signing"),
            blind_index_root=root,
        )

    def save(self, path: Path) -> None:
        """Write atomically with mode 0600."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # the mode above applies only when the file is new, not to a stale .tmp
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
        os.replace(tmp, path)


def load_keyring(path: Path, *, create: bool) -> Keyring:
    """Load the keyring at ``path``; generate it (0600) when ``create`` and it is absent."""
    if not path.exists():
        if not create:
            raise KeyringError(f"the keyring file {path} does not exist")
        ring = Keyring.generate()
        ring.save(path)
        return ring
    return Keyring.from_json(path.read_text(encoding="utf-8"))
