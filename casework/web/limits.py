"""Throttling guesses: every sign-in, second-factor and reset attempt counts against the account
named and the source address, in Redis when ``CASEWORK_REDIS_URL`` is set (shared by every app
server) and in memory otherwise.

Built on ``limits``, the rate-limit engine of Flask-Limiter, with a moving window, so "10 in 5
minutes" holds for every 5 minutes and not only within fixed clock windows. When Redis cannot be
reached the throttle falls back to a per-process in-memory window (never to no limit), logs
that once, and tries Redis again after :data:`RETRY_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.security import throttle as rules

log = logging.getLogger("casework.limits")

RETRY_SECONDS = 30.0
#: Redis must answer quickly: a sign-in waits for it.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: whole minutes until another attempt is counted (when not allowed)
    wait_minutes: int = 0


class Throttle:
    """At most :data:`rules.GUESSES` attempts per account and per address in the window."""

    def __init__(self, storage_uri: str | None, *, enabled: bool = True, limit: str = rules.LIMIT) -> None:
        self.enabled = enabled
        self.item: RateLimitItem = parse(limit)
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._primary: MovingWindowRateLimiter | None = None
        if storage_uri:
            storage = storage_from_string(
                storage_uri,
                key_prefix="casework",
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if not isinstance(storage, Storage):
                raise TypeError("the rate-limit storage must be synchronous (redis://, not async+redis://)")
            self._primary = MovingWindowRateLimiter(storage)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def using_fallback(self) -> bool:
        return self._primary is None or time.monotonic() < self._down_until

    def _call(self, method: str, *keys: str) -> object:
        """Run ``method`` on Redis, or on the in-memory window while Redis is unreachable."""
        if self._primary is not None and time.monotonic() >= self._down_until:
            try:
                return getattr(self._primary, method)(self.item, *keys)
            except (RedisError, StorageError, OSError):  # storage failure: fall back, never fail open
                with self._lock:
                    if time.monotonic() >= self._down_until:
                        log.warning("rate-limit storage unreachable: throttling in memory for %ss", int(RETRY_SECONDS))
                    self._down_until = time.monotonic() + RETRY_SECONDS
        return getattr(self._fallback, method)(self.item, *keys)

    def _wait(self, *keys: str) -> int:
        now = time.time()
        resets = []
        for key in keys:
            stats = self._call("get_window_stats", key)
            if getattr(stats, "remaining", 1) <= 0:
                resets.append(float(getattr(stats, "reset_time", now + rules.WINDOW_SECONDS)))
        return rules.minutes_to_wait(max(resets, default=now + rules.WINDOW_SECONDS), now)

    def attempt(self, purpose: str, email: str, address: str | None) -> Verdict:
        """Count one attempt at ``email`` from ``address``; refused when either is used up.

        Both are tested before either is counted, so a refused attempt uses up nothing; the
        account is counted first, so however many addresses guess at the same moment, no more
        than the limit of attempts at one account get through.
        """
        if not self.enabled:
            return Verdict(True)
        account, source = rules.account_key(purpose, email), rules.address_key(purpose, address)
        if self._call("test", source) and self._call("test", account) and self._call("hit", account) and self._call("hit", source):
            return Verdict(True)
        return Verdict(False, self._wait(account, source))


def throttle() -> Throttle:
    found: Throttle = current_app.extensions["casework"]["throttle"]
    return found


def init_limits(app: Flask) -> Throttle:
    settings = app.extensions["casework"]["settings"]
    if settings.trusted_proxies:
        # Behind a load balancer every request comes from it: take the client's address from the
        # X-Forwarded-For entries our own proxies added (and only those: a client cannot forge them).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)  # type: ignore[method-assign]
    made = Throttle(settings.redis_url, enabled=settings.rate_limits_enabled)
    app.extensions["casework"]["throttle"] = made
    return made
