"""Blind indexes: normalisation and keyed, truncated index values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.security.blind import (
    BITS,
    INDEXES,
    BlindIndexer,
    derive_index_key,
    normalise_name,
    normalise_nhs_number,
    normalise_postcode,
)

# Fixed roots keep every value in these tests deterministic (no chance collisions between runs).
ROOT = bytes(range(32))
OTHER_ROOT = bytes(range(100, 132))
NAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Smith", "smith"),
        ("  SMITH  ", "smith"),
        ("Mary   Ann", "mary ann"),
        ("Mary\tAnn\n", "mary ann"),
        ("Mary\u00a0Ann", "mary ann"),  # no-break space
        ("\uff33\uff2d\uff29\uff34\uff28", "smith"),  # full-width letters, NFKC
        ("Straße", "strasse"),  # case folding, not just lower-casing
        ("O'BRIEN", "o'brien"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_normalise_name_composes_accents() -> None:
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    assert normalise_name(decomposed) == normalise_name("Zoë") == "zoë"


@pytest.mark.parametrize("raw", ["943 476 5919", "943-476-5919", " 9434765919 ", "943 476 5919\n"])
def test_normalise_nhs_number_keeps_digits_only(raw: str) -> None:
    assert normalise_nhs_number(raw) == "9434765919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("AB", "AB"),  # too short to split: left as it is
    ],
)
def test_normalise_postcode(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


def test_derive_index_key_differs_per_index_and_root() -> None:
    keys = {derive_index_key(ROOT, index) for index in INDEXES}
    assert len(keys) == len(INDEXES)
    assert derive_index_key(ROOT, "postcode") != derive_index_key(OTHER_ROOT, "postcode")
    assert derive_index_key(ROOT, "postcode") == derive_index_key(ROOT, "postcode")
    assert all(len(key) == 32 for key in keys)


def test_derive_index_key_unknown_index_refused() -> None:
    with pytest.raises(ValueError, match="unknown blind index"):
        derive_index_key(ROOT, "given_name")


def test_blind_indexer_is_deterministic_per_key() -> None:
    a, b = BlindIndexer(ROOT), BlindIndexer(ROOT)
    assert a.family_name("Smith") == b.family_name("Smith")
    assert a.nhs_number("9434765919") == b.nhs_number("9434765919")
    assert a.postcode("SW1A 1AA") == b.postcode("SW1A 1AA")
    assert a.name_dob("Smith", date(2015, 3, 1)) == b.name_dob("Smith", date(2015, 3, 1))


def test_blind_indexer_matches_normalised_variants() -> None:
    indexer = BlindIndexer(ROOT)
    assert indexer.family_name("  SMITH ") == indexer.family_name("smith")
    assert indexer.name_dob("\uff33\uff2d\uff29\uff34\uff28", date(2015, 3, 1)) == indexer.name_dob("smith", date(2015, 3, 1))
    assert indexer.nhs_number("943 476 5919") == indexer.nhs_number("9434765919")
    assert indexer.postcode("sw1a1aa") == indexer.postcode("SW1A 1AA")


def test_blind_indexer_differs_across_index_kinds() -> None:
    """The same text gives different values in different indexes (each has its own key)."""
    indexer = BlindIndexer(ROOT)
    as_family_name = [indexer.family_name(n) for n in NAMES]
    as_postcode = [indexer._value("postcode", normalise_name(n)) for n in NAMES]
    as_nhs = [indexer._value("nhs_number", normalise_name(n)) for n in NAMES]
    assert as_family_name != as_postcode
    assert as_family_name != as_nhs
    assert as_postcode != as_nhs


def test_blind_indexer_differs_across_root_keys() -> None:
    ours, theirs = BlindIndexer(ROOT), BlindIndexer(OTHER_ROOT)
    assert [ours.family_name(n) for n in NAMES] != [theirs.family_name(n) for n in NAMES]
    assert ours.postcode("SW1A 1AA") != theirs.postcode("SW1A 1AA")


def test_blind_indexer_name_dob_differs_by_date() -> None:
    indexer = BlindIndexer(ROOT)
    assert indexer.name_dob("Smith", date(2015, 3, 1)) != indexer.name_dob("Smith", date(2015, 3, 2))
    values = {indexer.name_dob("Smith", date(2015, 1, day)) for day in range(1, 29)}
    assert len(values) > 20  # 16-bit values: a handful of collisions at most, never one value


def test_blind_indexer_values_spread_over_the_range() -> None:
    indexer = BlindIndexer(ROOT)
    values = {indexer.nhs_number(f"{n:010d}") for n in range(1000)}
    assert len(values) > 980
    assert max(values) >= 2 ** (BITS - 1)  # the top bit is used


@settings(max_examples=100, deadline=None)
@given(root=st.binary(min_size=32, max_size=32), text=st.text(max_size=40), born=st.dates())
def test_blind_indexer_values_fit_in_bits(root: bytes, text: str, born: date) -> None:
    indexer = BlindIndexer(root)
    for value in (indexer.family_name(text), indexer.name_dob(text, born), indexer.nhs_number(text), indexer.postcode(text)):
        assert 0 <= value < 2**BITS
