"""The audit hash chain: an untouched chain verifies; every kind of tampering is found where it was done."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.audit.chain import GENESIS, ChainRow, ChainState, Failure, Header, chain_row, link_mac, timestamp, verify_rows

MAC_KEY = bytes(range(32))
OTHER_KEY = bytes(range(32, 64))
KEYS = {"mac1": MAC_KEY}
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

Mac = Callable[[bytes, bytes, bytes, bytes], bytes]


def header(seq: int, at: datetime) -> Header:
    return Header(
        seq=seq,
        at=timestamp(at),
        actor_id=f"user-{seq % 3}",
        organisation_id="org-1",
        action="case.read" if seq % 2 else "person.update",
        subject_type="case",
        subject_id=f"case-{seq % 4}",
        family_id=f"family-{seq % 4}",
        case_id=f"case-{seq % 4}",
        request_id=f"req-{seq}",
        basis="team",
        key_id="dek:family",
        mac_key_id="mac1",
    )


def link(headers: Sequence[Header], details: Sequence[bytes], key: bytes = MAC_KEY, mac: Mac = link_mac) -> list[ChainRow]:
    """Chain ``headers`` and ``details`` from GENESIS, as the appender does (or as an attacker would)."""
    rows, prev = [], GENESIS
    for h, detail in zip(headers, details, strict=True):
        this = mac(key, h.encode(), detail, prev)
        rows.append(ChainRow(header=h, detail=detail, prev_mac=prev, mac=this))
        prev = this
    return rows


def build(n: int, key: bytes = MAC_KEY) -> list[ChainRow]:
    headers = [header(seq, START + timedelta(seconds=seq)) for seq in range(1, n + 1)]
    return link(headers, [f"ciphertext {seq}".encode() for seq in range(1, n + 1)], key)


def relink(rows: Sequence[ChainRow], key: bytes = MAC_KEY) -> list[ChainRow]:
    """Recompute every link and MAC: what someone holding ``key`` could do after an edit."""
    return link([r.header for r in rows], [r.detail for r in rows], key)


def verify(rows: Sequence[ChainRow], keys: dict[str, bytes] = KEYS) -> Failure | None:
    return verify_rows(rows, keys, ChainState())


def replace_header(row: ChainRow, **changes: object) -> ChainRow:
    return dataclasses.replace(row, header=dataclasses.replace(row.header, **changes))  # type: ignore[arg-type]


def flip(data: bytes, position: int, xor: int = 0x01) -> bytes:
    out = bytearray(data)
    out[position] ^= xor
    return bytes(out)


# --- an untouched chain -----------------------------------------------------------------------


def test_verify_rows_untouched_chain_verifies_and_updates_state() -> None:
    rows = build(10)
    state = ChainState()
    assert verify_rows(rows, KEYS, state) is None
    assert state.next_seq == 11
    assert state.checked == 10
    assert state.prev_mac == rows[-1].mac
    assert state.last_at == rows[-1].header.at


def test_verify_rows_empty_chain_verifies() -> None:
    state = ChainState()
    assert verify_rows([], KEYS, state) is None
    assert (state.next_seq, state.prev_mac, state.checked) == (1, GENESIS, 0)


def test_verify_rows_equal_timestamps_are_not_backwards() -> None:
    headers = [header(seq, START) for seq in (1, 2, 3)]
    assert verify(link(headers, [b"a", b"b", b"c"])) is None


def test_verify_rows_first_row_must_link_to_genesis() -> None:
    rows = build(3)
    forged = ChainRow(
        rows[0].header, rows[0].detail, b"\xff" * 32, link_mac(MAC_KEY, rows[0].header.encode(), rows[0].detail, b"\xff" * 32)
    )
    assert verify([forged, *rows[1:]]) == Failure(1, "link to the previous event is broken")


def test_verify_rows_in_batches_carries_state() -> None:
    rows = build(10)
    state = ChainState()
    for batch in (rows[:3], rows[3:4], rows[4:9], rows[9:]):
        assert verify_rows(batch, KEYS, state) is None
    assert state.checked == 10
    assert state.next_seq == 11


def test_verify_rows_in_batches_finds_tampering_in_a_later_batch() -> None:
    rows = build(10)
    rows[6] = dataclasses.replace(rows[6], detail=b"rewritten")
    state = ChainState()
    assert verify_rows(rows[:5], KEYS, state) is None
    assert verify_rows(rows[5:], KEYS, state) == Failure(7, "MAC does not match: the event was altered")
    assert state.checked == 6  # stops at the last good event


def test_verify_rows_batch_must_continue_from_the_state() -> None:
    """A fresh state on the second half is the caller's mistake and is reported as a gap at 1."""
    rows = build(6)
    assert verify_rows(rows[3:], KEYS, ChainState()) == Failure(1, "sequence gap or duplicate: expected 1, found 4")


def test_verify_rows_truncated_tail_is_visible_only_in_the_count() -> None:
    """Dropping the newest events leaves a valid chain; checkpoints compare ``checked`` with their size."""
    rows = build(8)
    state = ChainState()
    assert verify_rows(rows[:5], KEYS, state) is None
    assert state.checked == 5


# --- tampering --------------------------------------------------------------------------------

HEADER_CHANGES: dict[str, object] = {
    "at": timestamp(START + timedelta(seconds=4, microseconds=1)),
    "actor_id": "user-99",
    "organisation_id": None,
    "action": "case.delete",
    "subject_type": "person",
    "subject_id": "case-99",
    "family_id": None,
    "case_id": "case-3",
    "request_id": "req-x",
    "basis": "manager",
    "key_id": "dek:other",
}


@pytest.mark.parametrize(("field", "value"), HEADER_CHANGES.items(), ids=list(HEADER_CHANGES))
def test_verify_rows_changed_header_field_detected(field: str, value: object) -> None:
    rows = build(8)
    assert getattr(rows[4].header, field) != value
    rows[4] = replace_header(rows[4], **{field: value})
    assert verify(rows) == Failure(5, "MAC does not match: the event was altered")


def test_verify_rows_header_fields_all_covered() -> None:
    """Every header field is either in HEADER_CHANGES or checked separately below (seq, mac_key_id)."""
    assert {f.name for f in dataclasses.fields(Header)} == {*HEADER_CHANGES, "seq", "mac_key_id"}


def test_verify_rows_changed_seq_detected() -> None:
    rows = build(8)
    rows[4] = replace_header(rows[4], seq=50)
    assert verify(rows) == Failure(5, "sequence gap or duplicate: expected 5, found 50")


def test_verify_rows_changed_seq_with_relinked_macs_detected() -> None:
    rows = build(8)
    rows[4] = replace_header(rows[4], seq=6)
    assert verify(relink(rows)) == Failure(5, "sequence gap or duplicate: expected 5, found 6")


def test_verify_rows_unknown_mac_key_id_detected() -> None:
    rows = build(8)
    rows[2] = replace_header(rows[2], mac_key_id="mac9")
    assert verify(rows) == Failure(3, "unknown MAC key 'mac9'")


def test_verify_rows_other_known_mac_key_id_detected() -> None:
    rows = build(5)
    rows[2] = replace_header(rows[2], mac_key_id="mac2")
    assert verify(rows, {"mac1": MAC_KEY, "mac2": OTHER_KEY}) == Failure(3, "MAC does not match: the event was altered")


def test_verify_rows_rotated_mac_key_verifies_with_both_keys() -> None:
    headers = [header(seq, START + timedelta(seconds=seq)) for seq in range(1, 7)]
    headers[3:] = [dataclasses.replace(h, mac_key_id="mac2") for h in headers[3:]]
    rows, prev = [], GENESIS
    for h in headers:
        key = MAC_KEY if h.mac_key_id == "mac1" else OTHER_KEY
        mac = link_mac(key, h.encode(), b"detail", prev)
        rows.append(ChainRow(h, b"detail", prev, mac))
        prev = mac
    assert verify(rows, {"mac1": MAC_KEY, "mac2": OTHER_KEY}) is None
    assert verify(rows, {"mac1": MAC_KEY}) == Failure(4, "unknown MAC key 'mac2'")


def test_verify_rows_changed_detail_byte_detected() -> None:
    rows = build(8)
    rows[5] = dataclasses.replace(rows[5], detail=flip(rows[5].detail, 3))
    assert verify(rows) == Failure(6, "MAC does not match: the event was altered")


def test_verify_rows_changed_prev_mac_detected() -> None:
    rows = build(8)
    rows[3] = dataclasses.replace(rows[3], prev_mac=flip(rows[3].prev_mac, 0))
    assert verify(rows) == Failure(4, "link to the previous event is broken")


def test_verify_rows_changed_mac_detected() -> None:
    rows = build(8)
    rows[3] = dataclasses.replace(rows[3], mac=flip(rows[3].mac, 31))
    assert verify(rows) == Failure(4, "MAC does not match: the event was altered")


def test_verify_rows_edit_with_own_mac_recomputed_breaks_next_link() -> None:
    """Re-MACing only the edited event (with the key) still breaks the following event's link."""
    rows = build(8)
    edited = replace_header(rows[3], action="case.delete")
    rows[3] = dataclasses.replace(edited, mac=link_mac(MAC_KEY, edited.header.encode(), edited.detail, edited.prev_mac))
    assert verify(rows) == Failure(5, "link to the previous event is broken")


def test_verify_rows_deleted_middle_row_detected() -> None:
    rows = build(8)
    del rows[3]
    assert verify(rows) == Failure(4, "sequence gap or duplicate: expected 4, found 5")


def test_verify_rows_deleted_middle_row_renumbered_detected() -> None:
    """Deleting and renumbering the rest (without the key) breaks the MAC of the renumbered row."""
    rows = build(8)
    del rows[3]
    rows[3:] = [replace_header(r, seq=r.header.seq - 1) for r in rows[3:]]
    assert verify(rows) == Failure(4, "link to the previous event is broken")


def test_verify_rows_swapped_rows_detected() -> None:
    rows = build(8)
    rows[2], rows[3] = rows[3], rows[2]
    assert verify(rows) == Failure(3, "sequence gap or duplicate: expected 3, found 4")


def test_verify_rows_duplicated_row_detected() -> None:
    rows = build(8)
    rows.insert(3, rows[2])
    assert verify(rows) == Failure(4, "sequence gap or duplicate: expected 4, found 3")


def test_verify_rows_time_backwards_detected() -> None:
    """Even with the MAC key, an event may not be dated before the one it follows."""
    rows = build(8)
    rows[5] = replace_header(rows[5], at=timestamp(START))
    assert verify(relink(rows)) == Failure(6, "time runs backwards")


def test_verify_rows_time_backwards_without_key_detected_as_alteration() -> None:
    rows = build(8)
    rows[5] = replace_header(rows[5], at=timestamp(START))
    assert verify(rows) == Failure(6, "MAC does not match: the event was altered")


def test_verify_rows_chain_recomputed_with_another_key_detected() -> None:
    rows = relink(build(8), key=OTHER_KEY)
    assert verify(rows) == Failure(1, "MAC does not match: the event was altered")


def test_verify_rows_chain_recomputed_without_a_key_detected() -> None:
    """A keyless rewrite (plain SHA-256 over the same inputs) cannot produce valid links."""

    def sha256_link(_key: bytes, header: bytes, detail: bytes, prev_mac: bytes) -> bytes:
        return hashlib.sha256(header + detail + prev_mac).digest()

    rows = build(8)
    rewritten = link([r.header for r in rows], [r.detail for r in rows], mac=sha256_link)
    assert verify(rewritten) == Failure(1, "MAC does not match: the event was altered")


def test_link_mac_is_unambiguous_about_boundaries() -> None:
    """Moving bytes between header and detail changes the MAC (inputs are length-prefixed)."""
    assert link_mac(MAC_KEY, b"ab", b"c", GENESIS) != link_mac(MAC_KEY, b"a", b"bc", GENESIS)
    assert link_mac(MAC_KEY, b"ab", b"c", GENESIS) == link_mac(MAC_KEY, b"ab", b"c", GENESIS)
    assert link_mac(MAC_KEY, b"ab", b"c", GENESIS) != link_mac(OTHER_KEY, b"ab", b"c", GENESIS)


def test_header_encode_is_canonical() -> None:
    h = header(3, START)
    assert h.encode() == dataclasses.replace(h).encode()
    assert b'"seq":3' in h.encode()
    assert h.encode() != dataclasses.replace(h, actor_id=None).encode()


def test_timestamp_has_microseconds_and_offset() -> None:
    assert timestamp(START) == "2025-01-06T09:00:00.000000+00:00"


# --- generated chains and tampering -----------------------------------------------------------


@st.composite
def chains(draw: st.DrawFn) -> list[ChainRow]:
    n = draw(st.integers(1, 12), label="length")
    gaps = draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n), label="microsecond gaps")
    details = draw(st.lists(st.binary(min_size=1, max_size=40), min_size=n, max_size=n), label="details")
    at, headers = START, []
    for seq, gap in enumerate(gaps, start=1):
        at += timedelta(microseconds=gap)
        headers.append(header(seq, at))
    return link(headers, details)


TEXT_FIELDS = [
    "actor_id",
    "organisation_id",
    "action",
    "subject_type",
    "subject_id",
    "family_id",
    "case_id",
    "request_id",
    "basis",
    "key_id",
]


@settings(max_examples=100, deadline=None)
@given(rows=chains(), data=st.data())
def test_verify_rows_generated_chain_verifies_in_any_batches(rows: list[ChainRow], data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=4), label="cuts"))
    state = ChainState()
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        assert verify_rows(rows[start:end], KEYS, state) is None
    assert state.checked == len(rows)
    assert state.prev_mac == rows[-1].mac


@settings(max_examples=150, deadline=None)
@given(rows=chains(), data=st.data())
def test_verify_rows_any_single_byte_tampering_found_at_its_position(rows: list[ChainRow], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    target = data.draw(st.sampled_from(["detail", "prev_mac", "mac", "header"]), label="target")
    row = rows[index]
    if target == "header":
        field = data.draw(st.sampled_from(TEXT_FIELDS), label="field")
        old = getattr(row.header, field)
        new = data.draw(st.text(max_size=12).filter(lambda value: value != old), label="value")
        rows[index] = replace_header(row, **{field: new})
        expected_reason = "MAC does not match: the event was altered"
    else:
        value: bytes = getattr(row, target)
        position = data.draw(st.integers(0, len(value) - 1), label="position")
        xor = data.draw(st.integers(1, 255), label="xor")
        changed: dict[str, bytes] = {target: flip(value, position, xor)}
        rows[index] = dataclasses.replace(row, **changed)  # type: ignore[arg-type]
        expected_reason = "link to the previous event is broken" if target == "prev_mac" else "MAC does not match: the event was altered"
    cut = data.draw(st.integers(0, len(rows)), label="batch cut")
    state = ChainState()
    failure = verify_rows(rows[:cut], KEYS, state) or verify_rows(rows[cut:], KEYS, state)
    assert failure == Failure(index + 1, expected_reason)
    assert state.checked == index


@settings(max_examples=100, deadline=None)
@given(rows=chains().filter(lambda rows: len(rows) >= 2), data=st.data())
def test_verify_rows_any_reordering_found_at_first_moved_position(rows: list[ChainRow], data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(rows))).filter(lambda p: list(p) != sorted(p)), label="order")
    first_moved = next(i for i, j in enumerate(order) if i != j)
    failure = verify([rows[j] for j in order])
    assert failure is not None
    assert failure.seq == first_moved + 1
    assert failure.reason.startswith("sequence gap or duplicate")


# --- the one row builder ------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.none() | st.text(max_size=12), st.none() | st.text(max_size=12), st.binary(max_size=40)),
        min_size=1,
        max_size=8,
    )
)
def test_chain_row_links_sealed_rows_that_verify(events: list[tuple[str, str | None, str | None, bytes]]) -> None:
    """Rows made by ``chain_row`` carry the canonical header (as the detail's associated data
    and the MAC's input) and chain from GENESIS into a trail the verifier accepts."""
    sealed_with: list[bytes] = []

    def seal(plain: bytes, aad: bytes) -> bytes:
        sealed_with.append(aad)
        return hashlib.sha256(aad).digest() + plain

    rows, prev = [], GENESIS
    for seq, (action, actor, family, detail) in enumerate(events, start=1):
        at = START + timedelta(seconds=seq)
        row = chain_row(
            seq=seq,
            at=at,
            at_text=timestamp(at),
            actor_id=actor,
            organisation_id="org-1",
            request_id="req-1",
            action=action,
            subject_type="case",
            subject_id=None,
            family_id=family,
            case_id=None,
            basis="team",
            key_id="family",
            mac_key_id="mac1",
            mac_key=MAC_KEY,
            detail=detail,
            seal=seal,
            prev_mac=prev,
        )
        h = Header(seq, timestamp(at), actor, "org-1", action, "case", None, family, None, "req-1", "team", "family", "mac1")
        assert sealed_with[-1] == h.encode()
        assert row["detail"] == hashlib.sha256(h.encode()).digest() + detail
        assert row["prev_mac"] == prev and row["mac"] == link_mac(MAC_KEY, h.encode(), row["detail"], prev)
        assert row["at"] == at and row["action"] == action and row["family_id"] == family
        rows.append(ChainRow(header=h, detail=row["detail"], prev_mac=row["prev_mac"], mac=row["mac"]))
        prev = row["mac"]
    assert verify(rows) is None
