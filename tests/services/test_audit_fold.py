"""One event per request: a request's operations are folded into one chained event whose
header is the primary operation, whose detail lists every operation, and whose references let
"who looked" find every case, family and person it touched. An operation about another family
stays sealed under that family's key."""

from __future__ import annotations

import os

from sqlalchemy import select, update

from casework.audit import trail
from casework.audit.models import AuditEvent, AuditReference
from casework.audit.read import events_after, head_seq, open_detail
from casework.families.models import Family


def test_a_request_folds_its_operations_into_one_event(session, world):  # type: ignore[no-untyped-def]
    user = world.user()
    first, second = world.family(user), world.family(user)
    session.commit()
    before = head_seq(session)
    trail.bind(session, trail.AuditContext(user.id, user.organisation_id, "req-fold", one_event=True))
    trail.record(session, "family.read", subject_type="family", subject_id=first.id, family_id=first.id, basis="team")
    first.note = "Changed in the request"
    trail.record(session, "person.search", subject_type="person", detail={"hits": ["p-1", "p-2"]})
    trail.record(session, "family.read", subject_type="family", subject_id=second.id, family_id=second.id, basis="team")
    session.commit()

    events = events_after(session, before)
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.family_id, event.request_id) == ("family.update", first.id, "req-fold")
    operations = open_detail(session, event)["operations"]
    assert [op["action"] for op in operations] == ["family.read", "person.search", "family.read", "family.update"]
    assert operations[3]["detail"]["changes"]["note"] == [None, "Changed in the request"]
    refs = set(session.execute(select(AuditReference.ref_type, AuditReference.ref_id).where(AuditReference.seq == event.seq)).all())
    assert {("family", first.id), ("family", second.id), ("person", "p-1"), ("person", "p-2")} <= refs

    # The second family's key is destroyed: its operation's detail is gone, the rest still reads.
    session.execute(update(Family).where(Family.id == second.id).values(dek_wrapped=os.urandom(60)))
    session.expire_all()
    session.info.pop("cipher", None)
    operations = open_detail(session, session.get(AuditEvent, event.seq))["operations"]
    assert operations[2]["detail"] is None and operations[3]["detail"] is not None


def test_outside_a_request_each_operation_is_its_own_event(session, world):  # type: ignore[no-untyped-def]
    user = world.user()
    family = world.family(user)
    session.commit()
    before = head_seq(session)
    trail.record(session, "family.read", subject_type="family", subject_id=family.id, family_id=family.id)
    trail.record(session, "family.read", subject_type="family", subject_id=family.id, family_id=family.id)
    session.commit()
    assert [e.action for e in events_after(session, before)] == ["family.read", "family.read"]
