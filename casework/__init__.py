"""casework: early help case management for a council and its partner agencies."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from casework.audit import trail
from casework.db import Base, CheckpointPolicy, Database, make_engine
from casework.families.models import load_wrapped_key
from casework.practice import load_practice
from casework.retention import guard as restriction_guard
from casework.security.fields import install_expiry_hooks, register_key_loader
from casework.security.keyring import load_keyring
from config import Settings, SettingsError, load_settings

__all__ = ["create_app"]


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = settings.instance_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def build_database(settings: Settings, **engine_kwargs: Any) -> Database:
    """The database, keyring and practice framework, without Flask (used by the CLI too)."""
    practice = load_practice(settings.practice_file)
    keyring = load_keyring(settings.resolved_keyring_path, create=not settings.is_production)
    if settings.database_url is None:
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
    register_key_loader(load_wrapped_key)
    trail.install()
    restriction_guard.install()
    install_expiry_hooks(Base)
    policy = CheckpointPolicy(
        directory=settings.resolved_checkpoint_dir,
        every_events=settings.audit_checkpoint_every_events,
        every_minutes=settings.audit_checkpoint_every_minutes,
    )
    return Database(
        make_engine(settings.resolved_database_url, **engine_kwargs),
        keyring,
        practice,
        keyring_path=settings.resolved_keyring_path,
        checkpoints=policy,
    )


def create_app(settings: Settings | None = None, database: Database | None = None) -> Flask:
    """Build the app. Refuses to start, naming the problem, on an invalid configuration."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_dir), static_folder="web/static", static_url_path="/static")
    from casework.auth.models import ROLES

    unknown = sorted(settings.mfa_required_roles - set(ROLES))
    if unknown:
        raise SettingsError(f"CASEWORK_MFA_REQUIRED_ROLES names roles that do not exist: {', '.join(unknown)}")
    db = database or build_database(settings)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME="__Host-casework" if settings.is_production else "casework",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        # Flask-Login's remember-me cookie is never set (sessions are server-side); if it were:
        REMEMBER_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        TESTING=settings.env == "testing",
    )
    app.extensions["casework"] = {"settings": settings, "db": db, "practice": db.practice}
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("casework", "web/templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from casework.web import init_web

    init_web(app)
    return app


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
