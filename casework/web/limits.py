"""Rate limits (Flask-Limiter), one limiter per app so that its storage is the deployment's:
Redis when ``CASEWORK_REDIS_URL`` is set (shared by every app server), memory otherwise."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: NCSC: throttle guessing. Per source address here; per account is added with the second factor.
SIGN_IN_LIMIT = "10 per 5 minutes"


def init_limits(app: Flask) -> Limiter:
    settings = app.extensions["casework"]["settings"]
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        default_limits=[],
        headers_enabled=False,
        enabled=settings.rate_limits_enabled,
        key_prefix="casework",
    )
    view: Any = limiter.limit(SIGN_IN_LIMIT, methods=["POST"])(app.view_functions["auth.sign_in"])
    app.view_functions["auth.sign_in"] = view
    app.extensions["casework"]["limiter"] = limiter
    return limiter
