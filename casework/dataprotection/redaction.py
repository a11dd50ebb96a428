"""Redaction of a subject access export, as pure functions over plain data.

The export is a list of *items* (plain dicts, JSON as stored): ``key`` (``"<kind>:<id>"``),
``kind``, ``title`` (never a name), ``about`` (the people the item is about; empty for family-
and case-level records), optional ``case_id``, ``fields`` (name -> value) and ``labels``
(name -> label). A redaction names an item key (the whole item) or ``"<item key>#<field>"`` (one
field), with a reason; redacted content is absent from the output, replaced by
``[redacted: <reason>]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

ABOUT_ANOTHER = "Information about another person"
NAMES_ANOTHER = "Names another person"
MAX_REASON = 200
#: Where an item of each kind goes in the arranged document (API.md's shape).
SECTIONS = {"case": "cases", "consent": "consents"}

Item = dict[str, Any]
Redactions = dict[str, str]


def marker(reason: str) -> str:
    """What stands in the place of redacted content."""
    return f"[redacted: {reason}]"


def field_key(item_key: str, field: str) -> str:
    return f"{item_key}#{field}"


def redactable_keys(items: Iterable[Item]) -> set[str]:
    """Every key an officer may mark: each item, and each of its fields."""
    keys: set[str] = set()
    for item in items:
        keys.add(item["key"])
        keys.update(field_key(item["key"], name) for name in item["fields"])
    return keys


_WORD = re.compile(r"[^\W\d_]+")  # runs of letters: "Ruby's" holds "Ruby", "Quill-Smith" both names


def _name_tokens(names: Iterable[str]) -> set[str]:
    return {token.casefold() for name in names for token in _WORD.findall(name) if len(token) >= 2}


def names_in(text: str, tokens: set[str]) -> bool:
    """Whether ``text`` contains any of the name ``tokens`` as a whole word (case-insensitive)."""
    return not {w.casefold() for w in _WORD.findall(text)}.isdisjoint(tokens)


def suggest(items: Iterable[Item], subject_id: str, subject_names: Iterable[str], other_names: Iterable[str]) -> Redactions:
    """The redactions pre-marked for the officer's review: every item about other people only
    (other family members' details, their consents, their assessment sections and outcomes), and
    every text field of the rest that names another person. Names the subject shares (a family
    name) do not count."""
    tokens = _name_tokens(other_names) - _name_tokens(subject_names)
    marks: Redactions = {}
    for item in items:
        about = set(item.get("about") or ())
        if about and subject_id not in about:
            marks[item["key"]] = ABOUT_ANOTHER
            continue
        for name, value in item["fields"].items():
            if isinstance(value, str) and names_in(value, tokens):
                marks[field_key(item["key"], name)] = NAMES_ANOTHER
    return marks


def problems(items: Iterable[Item], redactions: Mapping[str, str]) -> dict[str, list[str]]:
    """Problems with an officer's redaction choices (unknown keys, missing or long reasons)."""
    known = redactable_keys(items)
    found: dict[str, list[str]] = {}
    for key, reason in redactions.items():
        if key not in known:
            found.setdefault("redactions", []).append("Choose only items and fields of this export")
        elif not (reason or "").strip():
            found.setdefault("reason", []).append("Give a reason for each redaction")
        elif len(reason) > MAX_REASON:
            found.setdefault("reason", []).append(f"A reason must be {MAX_REASON} characters or fewer")
    return found


def apply(items: Iterable[Item], redactions: Mapping[str, str]) -> list[Item]:
    """The items as released: redacted items keep only their key, kind and title; redacted
    fields are replaced by the marker; ``about`` (other people's ids) is dropped."""
    out: list[Item] = []
    for item in items:
        released: Item = {k: v for k, v in item.items() if k not in ("about", "fields")}
        whole = redactions.get(item["key"])
        if whole is not None:
            released["redacted"] = marker(whole)
            released["fields"] = {}
            released["labels"] = {}
        else:
            released["fields"] = {
                name: marker(redactions[field_key(item["key"], name)]) if field_key(item["key"], name) in redactions else value
                for name, value in item["fields"].items()
            }
        out.append(released)
    return out


def arrange(items: list[Item], subject_key: str, family_key: str, access_log: list[dict[str, Any]]) -> dict[str, Any]:
    """The export in API.md's shape: ``{person, family, cases, consents, records, access_log}``."""
    doc: dict[str, Any] = {"person": None, "family": None, "cases": [], "consents": [], "records": [], "access_log": access_log}
    for item in items:
        if item["key"] == subject_key:
            doc["person"] = item
        elif item["key"] == family_key:
            doc["family"] = item
        else:
            doc[SECTIONS.get(item["kind"], "records")].append(item)
    return doc
