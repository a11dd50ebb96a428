"""Blind indexes: exact-match search over encrypted values without storing them.

An index value is HMAC-SHA256 (key derived per index with HKDF from the keyring's root) over a
normalised value, truncated to ``BITS`` bits so that several records share each value at
council scale: the index narrows the search, and the candidates are then decrypted and compared
exactly. Pure.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: 16 bits: at 250,000 people each family-name value is shared by a handful of records.
BITS = 16
INDEXES = ("family_name", "name_dob", "nhs_number", "postcode")


def derive_index_key(root: bytes, index: str) -> bytes:
    if index not in INDEXES:
        raise ValueError(f"unknown blind index {index!r}")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"casework:blind:{index}".encode()).derive(root)


def normalise_name(value: str) -> str:
    """Case-folded NFKC with runs of white space folded to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value).casefold()).strip()


def normalise_nhs_number(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def normalise_date(value: date) -> str:
    return value.isoformat()


class BlindIndexer:
    """Computes truncated HMAC index values for the four indexes."""

    def __init__(self, root: bytes) -> None:
        self._keys = {name: derive_index_key(root, name) for name in INDEXES}

    def _value(self, index: str, normalised: str) -> int:
        digest = hmac.new(self._keys[index], normalised.encode("utf-8"), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") >> (32 - BITS)

    def family_name(self, family_name: str) -> int:
        return self._value("family_name", normalise_name(family_name))

    def name_dob(self, family_name: str, date_of_birth: date) -> int:
        return self._value("name_dob", f"{normalise_name(family_name)}|{normalise_date(date_of_birth)}")

    def nhs_number(self, nhs_number: str) -> int:
        return self._value("nhs_number", normalise_nhs_number(nhs_number))

    def postcode(self, postcode: str) -> int:
        return self._value("postcode", normalise_postcode(postcode))
