"""The redaction rules of a subject access export: what is pre-marked, what an officer may mark,
and that applying redactions leaves no redacted content behind."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casework.dataprotection import redaction

AVA, KAI = "p-ava", "p-kai"


def _items() -> list[dict[str, Any]]:
    return [
        {"key": f"person:{AVA}", "kind": "person", "title": "Your details", "about": [AVA], "fields": {"given_name": "Ava"}, "labels": {}},
        {"key": f"person:{KAI}", "kind": "person", "title": "Another", "about": [KAI], "fields": {"given_name": "Kai"}, "labels": {}},
        {"key": "family:f", "kind": "family", "title": "Family", "about": [], "fields": {"note": "Ava and Kai Quill moved"}, "labels": {}},
        {"key": "case:c", "kind": "case", "title": "Case", "about": [], "fields": {"reason": "Quill family", "level": 2}, "labels": {}},
        {"key": "consent:1", "kind": "consent", "title": "Consent", "about": [AVA, KAI], "fields": {"about": "Kai Quill"}, "labels": {}},
    ]


def test_redaction_suggest_marks_other_peoples_items_and_text_naming_them():
    marks = redaction.suggest(_items(), AVA, ["Ava Quill"], ["Kai Quill"])
    assert marks == {
        f"person:{KAI}": redaction.ABOUT_ANOTHER,
        "family:f#note": redaction.NAMES_ANOTHER,  # names Kai
        "consent:1#about": redaction.NAMES_ANOTHER,  # her consent, given for Kai: his name goes
    }  # the shared family name "Quill" alone is not another person's name


def test_redaction_names_in_matches_whole_words_only():
    tokens = {"kai"}
    assert redaction.names_in("Kai said so", tokens) and redaction.names_in("KAI.", tokens)
    assert redaction.names_in("worried about Kai's weight", tokens)
    assert not redaction.names_in("Kaiser Chiefs", tokens)


def test_redaction_problems_refuse_unknown_keys_and_missing_reasons():
    items = _items()
    assert redaction.problems(items, {"case:c#reason": "Crime prevention"}) == {}
    assert set(redaction.problems(items, {"case:x": "r"})) == {"redactions"}
    assert set(redaction.problems(items, {"case:c": " "})) == {"reason"}
    assert set(redaction.problems(items, {"case:c": "r" * 201})) == {"reason"}


def test_redaction_arrange_puts_items_in_the_api_shape():
    doc = redaction.arrange(_items(), f"person:{AVA}", "family:f", [])
    assert doc["person"]["key"] == f"person:{AVA}" and doc["family"]["key"] == "family:f"
    assert [i["key"] for i in doc["cases"]] == ["case:c"] and [i["key"] for i in doc["consents"]] == ["consent:1"]
    assert [i["key"] for i in doc["records"]] == [f"person:{KAI}"]


@given(st.sets(st.sampled_from(sorted(redaction.redactable_keys(_items()))), min_size=1), st.text(min_size=1, max_size=20))
def test_redaction_apply_leaves_no_redacted_value_anywhere(keys, reason):
    items = _items()
    for item in items:  # every value carries a unique canary
        item["fields"] = {name: f"canary-{item['key']}-{name}" for name in item["fields"]}
    out = redaction.apply(items, dict.fromkeys(keys, reason))
    released = json.dumps(out)
    for key in keys:
        item_key, _, field = key.partition("#")
        item = next(i for i in items if i["key"] == item_key)
        for name in [field] if field else list(item["fields"]):
            assert f"canary-{item_key}-{name}" not in released
    shown = [i.get("redacted") for i in out] + [v for i in out for v in i["fields"].values()]
    assert redaction.marker(reason) in shown
    assert all("about" not in i for i in out)  # nobody's id survives as whom an item is about
