"""Sign-in guessing is throttled, with the limits held in Redis as in production."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.web.pages import csrf


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


def test_rate_limits_sign_in_throttled_in_redis(settings, database, connection, session, world, redis_url):
    from casework import create_app

    app = create_app(settings.with_overrides(rate_limits_enabled=True, redis_url=redis_url), database)
    limiter = app.extensions["casework"]["limiter"]
    limiter.reset()
    client = app.test_client()
    address = f"10.{uuid.uuid4().int % 250}.0.1"
    user = world.user(password="correct-horse-battery-staple")
    session.commit()
    statuses = []
    for _ in range(12):
        form = client.get("/sign-in", environ_base={"REMOTE_ADDR": address})
        statuses.append(
            client.post(
                "/sign-in",
                data={"email": user.email, "password": "wrong-password-guess", "csrf_token": csrf(form)},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
        )
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    other = client.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert other.status_code == 200  # another address is not held back
    limiter.reset()
