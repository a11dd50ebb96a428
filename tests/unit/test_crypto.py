"""AES-256-GCM field sealing and data-key wrapping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.security.crypto import (
    FORMAT_VERSION,
    KEY_BYTES,
    NONCE_BYTES,
    DecryptionError,
    KeyedSealer,
    Sealer,
    field_aad,
    new_key,
    unwrap_key,
    wrap_key,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
AAD = field_aad("person", "given_name", "row-1")


def test_new_key_is_32_random_bytes() -> None:
    a, b = new_key(), new_key()
    assert len(a) == KEY_BYTES == 32
    assert a != b


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33, 64])
def test_sealer_refuses_a_key_that_is_not_32_bytes(length: int) -> None:
    with pytest.raises(ValueError, match="32-byte key"):
        Sealer(bytes(length))


def test_sealer_text_round_trip() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal_text("Zoë O'Brien", AAD)
    assert sealer.open_text(blob, AAD) == "Zoë O'Brien"


@settings(max_examples=100, deadline=None)
@given(plaintext=st.binary(max_size=512), aad=st.binary(max_size=64))
def test_sealer_round_trip_any_bytes(plaintext: bytes, aad: bytes) -> None:
    sealer = Sealer(KEY)
    assert sealer.open(sealer.seal(plaintext, aad), aad) == plaintext


def test_sealer_ciphertext_layout_and_no_plaintext() -> None:
    plaintext = b"a secret about a child"
    blob = Sealer(KEY).seal(plaintext, AAD)
    assert blob[:1] == FORMAT_VERSION
    assert len(blob) == 1 + NONCE_BYTES + len(plaintext) + 16
    assert plaintext not in blob


def test_sealer_same_plaintext_seals_differently_each_time() -> None:
    sealer = Sealer(KEY)
    first, second = sealer.seal(b"same", AAD), sealer.seal(b"same", AAD)
    assert first != second
    assert first[1 : 1 + NONCE_BYTES] != second[1 : 1 + NONCE_BYTES]


@pytest.mark.parametrize(
    "moved_to",
    [
        field_aad("person", "given_name", "row-2"),  # another row
        field_aad("person", "family_name", "row-1"),  # another column
        field_aad("family", "given_name", "row-1"),  # another table
        b"",
    ],
)
def test_sealer_ciphertext_moved_to_another_place_fails(moved_to: bytes) -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal_text("Sam", AAD)
    with pytest.raises(DecryptionError):
        sealer.open_text(blob, moved_to)


def test_field_aad_distinguishes_table_column_and_row() -> None:
    places = {
        field_aad("person", "given_name", "1"),
        field_aad("person", "given_name", "2"),
        field_aad("person", "family_name", "1"),
        field_aad("family", "given_name", "1"),
    }
    assert len(places) == 4


@settings(max_examples=100, deadline=None)
@given(data=st.data(), plaintext=st.binary(max_size=64))
def test_sealer_any_flipped_byte_fails(data: st.DataObject, plaintext: bytes) -> None:
    sealer = Sealer(KEY)
    blob = bytearray(sealer.seal(plaintext, AAD))
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    blob[position] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(DecryptionError):
        sealer.open(bytes(blob), AAD)


def test_sealer_wrong_key_fails() -> None:
    blob = Sealer(KEY).seal_text("Sam", AAD)
    with pytest.raises(DecryptionError, match="did not authenticate"):
        Sealer(OTHER_KEY).open_text(blob, AAD)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + bytes(NONCE_BYTES + 15)])
def test_sealer_too_short_is_not_a_ciphertext(blob: bytes) -> None:
    with pytest.raises(DecryptionError, match="not a casework ciphertext"):
        Sealer(KEY).open(blob, AAD)


def test_sealer_unknown_format_version_is_not_a_ciphertext() -> None:
    blob = Sealer(KEY).seal(b"data", AAD)
    with pytest.raises(DecryptionError, match="not a casework ciphertext"):
        Sealer(KEY).open(b"\x02" + blob[1:], AAD)


def test_wrap_key_round_trip() -> None:
    data_key = new_key()
    wrapped = wrap_key(KEY, "kek1", "family-1", data_key)
    assert data_key not in wrapped
    assert unwrap_key(KEY, "kek1", "family-1", wrapped) == data_key


def test_unwrap_key_for_another_family_fails() -> None:
    wrapped = wrap_key(KEY, "kek1", "family-1", new_key())
    with pytest.raises(DecryptionError):
        unwrap_key(KEY, "kek1", "family-2", wrapped)


def test_unwrap_key_under_another_kek_id_fails() -> None:
    wrapped = wrap_key(KEY, "kek1", "family-1", new_key())
    with pytest.raises(DecryptionError):
        unwrap_key(KEY, "kek2", "family-1", wrapped)


def test_unwrap_key_with_wrong_kek_fails() -> None:
    wrapped = wrap_key(KEY, "kek1", "family-1", new_key())
    with pytest.raises(DecryptionError):
        unwrap_key(OTHER_KEY, "kek1", "family-1", wrapped)


def test_wrapped_key_is_not_a_field_ciphertext() -> None:
    """A wrapped data key copied into a field does not open as that field."""
    wrapped = wrap_key(KEY, "kek1", "family-1", new_key())
    with pytest.raises(DecryptionError):
        Sealer(KEY).open(wrapped, field_aad("family", "data_key", "family-1"))


def test_crypto_keyed_sealer_names_its_key_and_opens_after_rotation():
    old_key, new_key_ = new_key(), new_key()
    before = KeyedSealer({"aud1": old_key}, "aud1")
    blob = before.seal_text("JBSWY3DPEHPK3PXP", b"casework:totp:user-1")
    after = KeyedSealer({"aud1": old_key, "aud2": new_key_}, "aud2")
    assert after.open_text(blob, b"casework:totp:user-1") == "JBSWY3DPEHPK3PXP"
    assert after.seal_text("x", b"a")[2:6] == b"aud2"
    with pytest.raises(DecryptionError):
        after.open_text(blob, b"casework:totp:user-2")  # moved to another account
    with pytest.raises(DecryptionError):
        KeyedSealer({"aud2": new_key_}, "aud2").open_text(blob, b"casework:totp:user-1")  # key gone
    with pytest.raises(DecryptionError):
        after.open(b"\x01" + blob[1:], b"casework:totp:user-1")  # not a keyed ciphertext
