"""Reminders into the outbox (once a day each) and out through the GOV.UK Notify adapter, with a
fake HTTP transport: nothing reaches the network."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
import requests
from requests.adapters import BaseAdapter
from sqlalchemy import select

from casework.auth.services import actor_for
from casework.cases import leads
from casework.cases import services as cases
from casework.notify.client import NotifyClient
from casework.notify.models import Outbox
from casework.notify.outbox import deliver, queue_reminders
from casework.plans import services as plans
from tests.assessment_world import submitted_assessment

API_KEY = f"casework_test-{uuid.uuid4()}-{uuid.uuid4()}"


class FakeNotify(BaseAdapter):
    """Answers like Notify's POST /v2/notifications/email; ``fail`` makes it refuse."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []
        self.fail = fail

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def,override]
        self.requests.append(request)
        response = requests.Response()
        response.request, response.url = request, request.url
        if self.fail:
            response.status_code = 400
            response._content = json.dumps({"status_code": 400, "errors": [{"error": "BadRequestError", "message": "nope"}]}).encode()
        else:
            response.status_code = 201
            response._content = json.dumps({"id": str(uuid.uuid4()), "reference": "r"}).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        pass


def _session_with(adapter: FakeNotify) -> requests.Session:
    http = requests.Session()
    http.mount("https://", adapter)
    return http


@pytest.fixture()
def due(session, world):  # type: ignore[no-untyped-def]
    lead = world.user(roles=("practitioner",), team="Early Help North")
    family = world.family(lead)
    world.person(lead, family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name="Mia", family_name="Quill", date_of_birth=date(2016, 4, 1))
    a = actor_for(lead)
    case = cases.create_case(session, a, family_id=family.id, level=3, source="request_for_support", reason="Worried")
    leads.assign_lead(session, a, case.id, user_id=lead.id)
    submitted_assessment(session, lead, case.id)
    plan = plans.start_plan(session, a, case.id, agreed_on=date.today() - timedelta(days=50))
    outcome = plans.add_outcome(
        session, a, plan.id, person_ids=[child.id], need="School", what_better_looks_like="School", baseline_score=3
    )
    plans.add_action(session, a, plan.id, outcome_id=outcome.id, description="Meet school", owner_user_id=lead.id, due_on=date.today())
    return lead, case


def test_notify_reminders_are_queued_once_a_day_without_personal_data(session, due):
    lead, case = due
    first = queue_reminders(session, date.today(), "template-1")
    assert (first.queued, first.already) == (2, 0)  # the action and the overdue review
    again = queue_reminders(session, date.today(), "template-1")
    assert (again.queued, again.already) == (0, 2)
    rows = list(session.scalars(select(Outbox).where(Outbox.case_id == case.id)))
    assert {r.kind for r in rows} == {"action_due", "review_due"} and {r.recipient for r in rows} == {lead.email}
    for row in rows:
        assert row.recipient_enc and lead.email.encode() not in row.recipient_enc
        words = json.loads(row.personalisation or "{}")
        assert set(words) == {"reminder", "due_on", "link_path"} and "Mia" not in json.dumps(words)
    assert queue_reminders(session, date.today() + timedelta(days=1), "template-1").queued == 2  # a new day


def test_notify_outbox_delivers_through_the_adapter(session, due):
    queue_reminders(session, date.today(), "template-1")
    fake = FakeNotify()
    result = deliver(session, NotifyClient(API_KEY, session=_session_with(fake)))
    assert (result.sent, result.failed) == (2, 0)
    assert len(fake.requests) == 2
    body = json.loads(fake.requests[0].body or b"{}")
    assert body["template_id"] == "template-1" and body["email_address"] == due[0].email and "link_path" in body["personalisation"]
    assert fake.requests[0].url.endswith("/v2/notifications/email") and fake.requests[0].headers["Authorization"].startswith("Bearer ")
    assert deliver(session, NotifyClient(API_KEY, session=_session_with(fake))).sent == 0  # nothing left


def test_notify_refusal_marks_the_message_failed_and_carries_on(session, due):
    queue_reminders(session, date.today(), "template-1")
    result = deliver(session, NotifyClient(API_KEY, session=_session_with(FakeNotify(fail=True))))
    assert (result.sent, result.failed) == (0, 2)
    assert {r.status for r in session.scalars(select(Outbox))} == {"failed"}


def test_notify_password_reset_email_is_sealed_under_the_audit_key_and_delivered(session, world):
    from casework.auth import reset
    from casework.notify.models import Outbox

    user = world.user()
    reset.request_reset(session, user.email, minutes=60, template_id="reset-template")
    row = session.scalar(select(Outbox).where(Outbox.user_id == user.id, Outbox.kind == reset.KIND))
    assert row is not None and row.family_id is None
    link = json.loads(row.personalisation or "{}")["link_path"]
    assert user.email.encode() not in (row.recipient_enc or b"") and link.encode() not in (row.personalisation_enc or b"")
    fake = FakeNotify()
    assert deliver(session, NotifyClient(API_KEY, session=_session_with(fake))).sent == 1
    body = json.loads(fake.requests[0].body or b"{}")
    assert body["template_id"] == "reset-template" and body["email_address"] == user.email
    assert body["personalisation"]["link_path"] == link and link.startswith(reset.LINK_PREFIX)
