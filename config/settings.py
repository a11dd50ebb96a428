"""Settings classes, built from the environment (API.md "Configuration").

Nothing else in casework reads ``os.environ``: the app factory, the CLI and the tests call
:func:`load_settings` and pass the result down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRACTICE_FILE = Path(__file__).resolve().parent / "practice" / "default.toml"
ENVIRONMENTS = ("development", "testing", "production")


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_dir: Path = PROJECT_ROOT / "instance"
    database_url: str | None = None
    secret_key: str | None = None
    keyring_path: Path | None = None
    practice_file: Path = DEFAULT_PRACTICE_FILE
    redis_url: str | None = None
    audit_checkpoint_dir: Path | None = None
    # A signed audit checkpoint every N events or T minutes (whichever comes first), on append.
    audit_checkpoint_every_events: int = 1000
    audit_checkpoint_every_minutes: int = 60
    # Sessions (seconds). NCSC/ASVS: idle timeout and an absolute lifetime.
    session_idle_timeout: int = 30 * 60
    session_absolute_lifetime: int = 12 * 60 * 60
    max_content_length: int = 1024 * 1024
    rate_limits_enabled: bool = True
    # GOV.UK Notify: email is delivered only when an API key is set; otherwise it waits in the outbox.
    notify_api_key: str | None = None
    notify_reminder_template_id: str | None = None
    notify_password_reset_template_id: str | None = None
    # The second factor: roles that must use it (CASEWORK_MFA_REQUIRED_ROLES, comma-separated;
    # empty means nobody must). Practitioners may choose to.
    mfa_required_roles: frozenset[str] = frozenset({"manager", "safeguarding_lead", "ig_officer", "admin"})
    #: how many reverse proxies (load balancers) in front of the app set X-Forwarded-For: the
    #: throttle counts guesses by the client's address, so this must match the deployment
    trusted_proxies: int = 0
    #: how long an emailed password-reset link works
    password_reset_minutes: int = 60
    #: how recently a person must have re-entered their password to change a security setting
    reauthentication_minutes: int = 5
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_dir / 'casework.sqlite3'}"

    @property
    def resolved_keyring_path(self) -> Path:
        return self.keyring_path or self.instance_dir / "keyring.json"

    @property
    def resolved_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.instance_dir / "audit-checkpoints"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _positive(env_vars: Mapping[str, str], name: str, default: int) -> int:
    text = env_vars.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def _whole(env_vars: Mapping[str, str], name: str, default: int) -> int:
    text = env_vars.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise SettingsError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def _roles(env_vars: Mapping[str, str], name: str, default: frozenset[str]) -> frozenset[str]:
    if name not in env_vars:
        return default
    return frozenset(part.strip() for part in env_vars[name].split(",") if part.strip())


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``).

    In production a missing secret key or keyring stops start-up with a message naming what is
    missing; in development both are generated into the instance folder on first use.
    """
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("CASEWORK_ENV", "development").strip() or "development"
    if env not in ENVIRONMENTS:
        raise SettingsError(f"CASEWORK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance = _path(env_vars.get("CASEWORK_INSTANCE_DIR")) or PROJECT_ROOT / "instance"
    settings = Settings(
        env=env,
        instance_dir=instance.resolve(),
        database_url=env_vars.get("CASEWORK_DATABASE_URL") or None,
        secret_key=env_vars.get("CASEWORK_SECRET_KEY") or None,
        keyring_path=_path(env_vars.get("CASEWORK_KEYRING")),
        practice_file=_path(env_vars.get("CASEWORK_PRACTICE_FILE")) or DEFAULT_PRACTICE_FILE,
        redis_url=env_vars.get("CASEWORK_REDIS_URL") or None,
        audit_checkpoint_dir=_path(env_vars.get("CASEWORK_AUDIT_CHECKPOINT_DIR")),
        notify_api_key=env_vars.get("CASEWORK_NOTIFY_API_KEY") or None,
        notify_reminder_template_id=env_vars.get("CASEWORK_NOTIFY_REMINDER_TEMPLATE_ID") or None,
        notify_password_reset_template_id=env_vars.get("CASEWORK_NOTIFY_PASSWORD_RESET_TEMPLATE_ID") or None,
        trusted_proxies=_whole(env_vars, "CASEWORK_TRUSTED_PROXIES", 0),
        mfa_required_roles=_roles(env_vars, "CASEWORK_MFA_REQUIRED_ROLES", Settings.mfa_required_roles),
        audit_checkpoint_every_events=_positive(env_vars, "CASEWORK_AUDIT_CHECKPOINT_EVERY_EVENTS", 1000),
        audit_checkpoint_every_minutes=_positive(env_vars, "CASEWORK_AUDIT_CHECKPOINT_EVERY_MINUTES", 60),
    )
    if settings.is_production:
        missing = []
        if not settings.secret_key:
            missing.append("CASEWORK_SECRET_KEY (the session signing secret)")
        if not settings.keyring_path:
            missing.append("CASEWORK_KEYRING (the path of the keyring file)")
        elif not settings.keyring_path.is_file():
            missing.append(f"CASEWORK_KEYRING points at {settings.keyring_path}, which does not exist")
        if missing:
            raise SettingsError("casework will not start in production without: " + "; ".join(missing))
    return settings
