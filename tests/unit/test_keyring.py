"""The keyring file: generation, JSON round trip, permissions, rotation and malformed input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from casework.security.crypto import new_key
from casework.security.keyring import KEYRING_FORMAT, Keyring, KeyringError, KeySet, load_keyring


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def ring_json(ring: Keyring) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ring.to_json())
    return data


def test_keyring_generate_has_one_current_key_per_family() -> None:
    ring = Keyring.generate()
    assert (ring.kek.current, ring.mac.current, ring.audit.current, ring.signing.current) == ("kek1", "mac1", "aud1", "sig1")
    assert len(ring.kek.current_key()) == 32
    assert len(ring.mac.current_key()) == 32
    assert len(ring.audit.current_key()) == 32
    assert len(ring.signing.current_key()) == 32
    assert len(ring.blind_index_root) == 32
    assert len({ring.kek.current_key(), ring.mac.current_key(), ring.audit.current_key(), ring.blind_index_root}) == 4


def test_keyring_generate_is_random_each_time() -> None:
    assert Keyring.generate().kek.current_key() != Keyring.generate().kek.current_key()


def test_keyring_json_round_trip() -> None:
    ring = Keyring.generate()
    again = Keyring.from_json(ring.to_json())
    assert again == ring
    assert ring_json(ring)["format"] == KEYRING_FORMAT


def test_keyring_json_round_trip_keeps_rotated_keys() -> None:
    ring = Keyring.generate()
    rotated = Keyring(
        kek=ring.kek.with_new("kek", new_key()),
        mac=ring.mac,
        audit=ring.audit,
        signing=ring.signing,
        blind_index_root=ring.blind_index_root,
    )
    again = Keyring.from_json(rotated.to_json())
    assert again.kek.current == "kek2"
    assert again.kek.get("kek1") == ring.kek.current_key()


def test_keyring_signing_key_verifies_its_own_signatures() -> None:
    ring = Keyring.from_json(Keyring.generate().to_json())
    signature = ring.signing_key().sign(b"checkpoint")
    ring.verify_key("sig1").verify(signature, b"checkpoint")  # raises when it does not verify
    assert set(ring.public_keys()) == {"sig1"}


def test_keyring_save_writes_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "keyring.json"
    Keyring.generate().save(path)
    assert mode_of(path) == 0o600
    assert not path.with_suffix(".tmp").exists()


def test_keyring_save_is_0600_even_over_a_stale_temporary_file(tmp_path: Path) -> None:
    """A .tmp left by a crash, readable by others, must not make the keyring readable by others."""
    path = tmp_path / "keyring.json"
    stale = path.with_suffix(".tmp")
    stale.write_text("left over", encoding="utf-8")
    stale.chmod(0o644)
    Keyring.generate().save(path)
    assert mode_of(path) == 0o600


def test_keyring_save_then_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.generate()
    ring.save(path)
    assert load_keyring(path, create=False) == ring


def test_load_keyring_missing_without_create_raises(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(path, create=False)
    assert not path.exists()


def test_load_keyring_missing_with_create_generates_0600(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "keyring.json"
    ring = load_keyring(path, create=True)
    assert path.exists()
    assert mode_of(path) == 0o600
    assert load_keyring(path, create=False) == ring
    assert load_keyring(path, create=True) == ring  # an existing ring is never regenerated


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2"])
def test_keyring_from_json_invalid_json(text: str) -> None:
    with pytest.raises(KeyringError, match="keyring is not valid JSON"):
        Keyring.from_json(text)


@pytest.mark.parametrize("text", ["[]", '"keyring"', '{"format": 2}', "{}"])
def test_keyring_from_json_wrong_format(text: str) -> None:
    with pytest.raises(KeyringError, match=f"keyring format must be {KEYRING_FORMAT}"):
        Keyring.from_json(text)


@pytest.mark.parametrize("part", ["kek", "mac", "audit", "signing"])
def test_keyring_from_json_missing_key_set(part: str) -> None:
    data = ring_json(Keyring.generate())
    del data[part]
    with pytest.raises(KeyringError, match=f"'{part}' is missing or malformed"):
        Keyring.from_json(json.dumps(data))


@pytest.mark.parametrize("part", ["kek", "mac", "audit", "signing"])
def test_keyring_from_json_key_set_without_keys(part: str) -> None:
    data = ring_json(Keyring.generate())
    data[part] = {"current": data[part]["current"], "keys": ["not", "a", "table"]}
    with pytest.raises(KeyringError, match=f"'{part}' is missing or malformed"):
        Keyring.from_json(json.dumps(data))


@pytest.mark.parametrize("current", ["mac9", None, ["mac1"], 1])
def test_keyring_from_json_current_not_in_keys(current: object) -> None:
    data = ring_json(Keyring.generate())
    data["mac"]["current"] = current
    with pytest.raises(KeyringError, match="'mac' has no current key"):
        Keyring.from_json(json.dumps(data))


@pytest.mark.parametrize("value", ["!!not base64!!", 12345, None, ["AAAA"]])
def test_keyring_from_json_key_not_base64(value: object) -> None:
    data = ring_json(Keyring.generate())
    data["kek"]["keys"]["kek1"] = value
    with pytest.raises(KeyringError, match="'kek' has a key that is not base64"):
        Keyring.from_json(json.dumps(data))


@pytest.mark.parametrize("value", ["!!not base64!!", 12345, None, "MISSING"])
def test_keyring_from_json_bad_blind_index_root(value: object) -> None:
    data = ring_json(Keyring.generate())
    if value == "MISSING":
        del data["blind_index_root"]
    else:
        data["blind_index_root"] = value
    with pytest.raises(KeyringError, match="'blind_index_root' is missing or malformed"):
        Keyring.from_json(json.dumps(data))


def test_load_keyring_malformed_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_text('{"format": 1}', encoding="utf-8")
    with pytest.raises(KeyringError, match="blind_index_root"):
        load_keyring(path, create=True)  # create only applies to a missing file
    assert path.read_text(encoding="utf-8") == '{"format": 1}'


def test_key_set_with_new_adds_a_current_id_and_keeps_the_old_key() -> None:
    old, new = new_key(), new_key()
    keys = KeySet("kek1", {"kek1": old})
    rotated = keys.with_new("kek", new)
    assert rotated.current == "kek2"
    assert rotated.current_key() == new
    assert rotated.get("kek1") == old
    assert keys.keys == {"kek1": old}  # the original is untouched


def test_key_set_with_new_numbers_after_the_highest_id() -> None:
    keys = KeySet("kek3", {"kek1": new_key(), "kek3": new_key(), "legacy": new_key()})
    assert keys.with_new("kek", new_key()).current == "kek4"
    assert KeySet("x", {"x": new_key()}).with_new("kek", new_key()).current == "kek1"


def test_key_set_get_unknown_id_raises_keyring_error() -> None:
    with pytest.raises(KeyringError, match="'kek7' is not in the keyring"):
        KeySet("kek1", {"kek1": new_key()}).get("kek7")
