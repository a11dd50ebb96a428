"""Sign-in guessing is throttled per account and per address, with the limits held in Redis as in
production, and still held (in memory) when Redis cannot be reached."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import TEST_PASSWORD
from tests.web.pages import csrf, error_summary_links


@pytest.fixture()
def redis_url() -> str:
    """Redis as the project's machines run it (override with CASEWORK_TEST_REDIS_URL); a missing
    Redis is a failure, never a skip."""
    url = os.environ.get("CASEWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {url} for the rate-limit test: {exc}", pytrace=False)
    return url


def _address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"


def _guesses(client, email: str, address: str, count: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    form = client.get("/sign-in", environ_base={"REMOTE_ADDR": address})
    token = csrf(form)
    return [
        client.post(
            "/sign-in",
            data={"email": email, "password": "wrong-password-guess", "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )
        for _ in range(count)
    ]


def _app(settings, database, redis_url: str | None):  # type: ignore[no-untyped-def]
    from casework import create_app

    return create_app(settings.with_overrides(rate_limits_enabled=True, redis_url=redis_url), database)


def test_rate_limits_sign_in_throttled_in_redis(settings, database, connection, session, world, redis_url):
    app = _app(settings, database, redis_url)
    assert not app.extensions["casework"]["throttle"].using_fallback
    client = app.test_client()
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    address = _address()
    responses = _guesses(client, user.email, address, 12)
    assert [r.status_code for r in responses] == [200] * 10 + [429, 429]
    assert "Wait 5 minutes" in error_summary_links(responses[-1])["email"]
    # The right password does not get through while the account is locked, from anywhere.
    form = client.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    locked = client.post(
        "/sign-in",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf(form)},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    )
    assert locked.status_code == 429
    # Another account from another address is not held back.
    other = world.user(password=TEST_PASSWORD)
    session.commit()
    assert _guesses(client, other.email, _address(), 1)[0].status_code == 200


def test_rate_limits_locked_message_same_for_unknown_accounts(settings, database, connection, session, world):
    app = _app(settings, database, None)
    client = app.test_client()
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    known = _guesses(client, user.email, _address(), 11)[-1]
    unknown = _guesses(client, f"nobody-{uuid.uuid4().hex[:6]}@example.org", _address(), 11)[-1]
    assert known.status_code == unknown.status_code == 429
    assert error_summary_links(known) == error_summary_links(unknown)
    assert "contact your organisation's administrator" in error_summary_links(known)["email"]


def test_rate_limits_per_address_across_accounts(settings, database, connection, session, world):
    app = _app(settings, database, None)
    client = app.test_client()
    address = _address()
    statuses = [r.status_code for n in range(12) for r in _guesses(client, f"guess{n}-{uuid.uuid4().hex[:6]}@example.org", address, 1)]
    assert statuses == [200] * 10 + [429, 429]


def test_rate_limits_redis_down_falls_back_to_memory_never_open(settings, database, connection, session, world, caplog):
    app = _app(settings, database, "redis://127.0.0.1:1/15")  # a closed port: nothing answers
    client = app.test_client()
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    responses = _guesses(client, user.email, _address(), 12)
    assert [r.status_code for r in responses] == [200] * 10 + [429, 429]
    assert app.extensions["casework"]["throttle"].using_fallback
    assert "throttling in memory" in caplog.text
    assert user.email not in caplog.text


def test_rate_limits_redis_lost_midway_keeps_counting(settings, database, connection, session, world, redis_url):
    """Redis answers for the first guesses and then goes away: the limit still holds."""
    from casework.web import limits

    app = _app(settings, database, redis_url)
    throttle = app.extensions["casework"]["throttle"]
    client = app.test_client()
    user = world.user(password=TEST_PASSWORD)
    session.commit()
    address = _address()
    first = _guesses(client, user.email, address, 5)
    throttle._primary = limits.Throttle("redis://127.0.0.1:1/15")._primary  # Redis is now unreachable
    rest = _guesses(client, user.email, address, 12)
    statuses = [r.status_code for r in first + rest]
    # The in-memory window starts afresh when Redis goes: at most one more window's worth.
    assert statuses.count(200) <= 15
    assert statuses[-2:] == [429, 429]


def test_rate_limits_count_the_client_behind_trusted_proxies_only(settings, database, connection, session, world):
    from casework import create_app

    def twelve(client, forwarded: str) -> list[int]:  # type: ignore[no-untyped-def]
        token = csrf(client.get("/sign-in"))
        return [
            client.post(
                "/sign-in",
                data={"email": f"guess{n}-{uuid.uuid4().hex[:6]}@example.org", "password": "wrong", "csrf_token": token},
                headers={"X-Forwarded-For": forwarded},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            ).status_code
            for n in range(12)
        ]

    # No trusted proxy: a forged X-Forwarded-For does not make a new address.
    direct = _app(settings, database, None).test_client()
    assert twelve(direct, _address())[-2:] == [429, 429]
    # One trusted load balancer: each client address is counted on its own.
    behind = create_app(settings.with_overrides(rate_limits_enabled=True, trusted_proxies=1), database).test_client()
    assert twelve(behind, _address()) == [200] * 10 + [429, 429]
    assert twelve(behind, _address())[0] == 200
