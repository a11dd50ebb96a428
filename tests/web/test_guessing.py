"""1,000 wrong passwords against one account, and spread across 50: no more than 10 in any 5
minutes reach the password check per account (or per address), no sign-in succeeds, and every
attempt is one audit event.

The guesses that reach ``verify_password`` are counted, per account, by wrapping it: that is
the check a throttle must come before.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from casework.audit.models import AuditEvent
from casework.audit.read import events_after, head_seq, open_detail
from tests.conftest import TEST_PASSWORD
from tests.web.pages import csrf

GUESSES = 1000
LIMIT = 10


class Clock:
    """The throttle's clock: stands still (however slow the machine) until the test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture()
def guessing(settings, database, connection, session, world, monkeypatch):  # type: ignore[no-untyped-def]
    """A throttled app (in-memory limits), a counter of password checks by account, a clock."""
    import limits.storage.memory

    from casework import create_app
    from casework.auth import services

    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    checked: Counter[str] = Counter()
    real = services.verify_password
    owner: dict[str | None, str] = {}

    def counting(stored_hash: str | None, password: str) -> bool:
        checked[owner.get(stored_hash, "no account")] += 1
        return real(stored_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    app = create_app(settings.with_overrides(rate_limits_enabled=True), database)
    # Each account's own argon2id hash, made with light parameters: checking a guess against it
    # takes milliseconds, so 500 checks do not take minutes (the parameters live in the hash).
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    users = [world.user() for _ in range(50)]
    for user in users:
        user.password_hash = light.hash(TEST_PASSWORD)
    session.commit()
    owner.update({u.password_hash: u.email for u in users})
    # A thousand attempts are a thousand audit events: enough for an automatic checkpoint, whose
    # file outlives this test's rolled-back transaction. Remove such files, so that the trail of
    # the database the next test shares still verifies against its checkpoint directory.
    directory = database.checkpoints.directory
    before = set(directory.glob("*.json")) if directory and directory.exists() else set()
    yield app.test_client(), users, checked, clock
    if directory and directory.exists():
        for path in set(directory.glob("*.json")) - before:
            path.unlink()


def _attack(client: Any, targets: list[tuple[str, str]]) -> Counter[int]:
    """POST a wrong password for each (email, address); the statuses seen."""
    token = csrf(client.get("/sign-in"))
    statuses: Counter[int] = Counter()
    for n, (email, address) in enumerate(targets):
        response = client.post(
            "/sign-in",
            data={"email": email, "password": f"wrong-guess-{n}", "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )
        statuses[response.status_code] += 1
    return statuses


def _addresses(count: int) -> list[str]:
    base = uuid.uuid4().int % 200
    return [f"10.{base}.{n // 250}.{n % 250 + 1}" for n in range(count)]


def _sign_in_events(session: Any, before: int) -> list[AuditEvent]:
    session.expire_all()
    return events_after(session, before)


def test_guessing_1000_at_one_account_from_1000_addresses(guessing, session):
    client, users, checked, clock = guessing
    target = users[0].email
    before = head_seq(session)
    statuses = _attack(client, [(target, address) for address in _addresses(GUESSES)])
    assert checked[target] == LIMIT  # the throttle comes before the password check
    assert statuses == Counter({200: LIMIT, 429: GUESSES - LIMIT})  # and nobody signed in (no 302)
    events = _sign_in_events(session, before)
    assert len(events) == GUESSES and {e.action for e in events} == {"auth.sign_in_failed"}
    assert {e.subject_id for e in events} == {users[0].id}
    reasons = Counter(open_detail(session, e)["reason"] for e in events)
    assert reasons == Counter({"credentials": LIMIT, "throttled": GUESSES - LIMIT})
    # Five minutes on, ten more guesses are checked, and no more.
    clock.now += 5 * 60 + 1
    _attack(client, [(target, address) for address in _addresses(100)])
    assert checked[target] == 2 * LIMIT


def test_guessing_1000_spread_across_50_accounts(guessing, session):
    client, users, checked, _ = guessing
    before = head_seq(session)
    targets = [(users[n % len(users)].email, address) for n, address in enumerate(_addresses(GUESSES))]
    statuses = _attack(client, targets)
    assert set(checked.values()) == {LIMIT} and len(checked) == len(users)  # 10 each, never more
    assert statuses[302] == 0 and statuses[200] + statuses[429] == GUESSES
    session.expire_all()
    count = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq > before, AuditEvent.action == "auth.sign_in_failed")
    )
    assert count == GUESSES == head_seq(session) - before


def test_guessing_1000_from_one_address_across_50_accounts(guessing, session):
    client, users, checked, _ = guessing
    before = head_seq(session)
    address = _addresses(1)[0]
    statuses = _attack(client, [(users[n % len(users)].email, address) for n in range(GUESSES)])
    assert sum(checked.values()) == LIMIT
    assert statuses == Counter({200: LIMIT, 429: GUESSES - LIMIT})
    assert head_seq(session) - before == GUESSES
