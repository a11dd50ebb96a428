"""Shared fixtures: a real database (SQLite, or PostgreSQL with --db=postgresql) built by the
Alembic migrations once per session; each test runs inside a transaction that is rolled back
(SAVEPOINTs stand in for the app's commits)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from config import Settings

TEST_PASSWORD = "correct-horse-battery-staple"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="sqlite", choices=["sqlite", "postgresql"], help="database backend for the database suites")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def _pg_admin_url() -> str:
    url = os.environ.get("CASEWORK_TEST_DATABASE_URL")
    if not url:
        pytest.fail("--db=postgresql needs CASEWORK_TEST_DATABASE_URL (a PostgreSQL server we may create databases on)")
    from casework.db import normalise_url

    return normalise_url(url)


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database's URL: a SQLite file in ``directory``, or a PostgreSQL database
    created on the test server and dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'casework-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    admin_url = _pg_admin_url()
    name = f"casework_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with empty_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture()
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own for tests that must commit (CLI, canaries, migrations)."""
    with empty_database(backend, tmp_path) as url:
        yield url


@pytest.fixture()
def fresh_database(fresh_database_url: str, settings: Settings):  # type: ignore[no-untyped-def]
    """A migrated database of its own, sharing the session's keyring, with real commits."""
    from casework import build_database
    from casework.migrate import upgrade

    db = build_database(settings.with_overrides(database_url=fresh_database_url))
    with db.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    yield db
    db.engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    instance = tmp_path_factory.mktemp("instance")
    return Settings(
        env="testing",
        instance_dir=instance,
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        keyring_path=instance / "keyring.json",
        rate_limits_enabled=False,
        audit_checkpoint_dir=instance / "checkpoints",
    )


@pytest.fixture(scope="session")
def database(settings: Settings):  # type: ignore[no-untyped-def]
    from casework import build_database
    from casework.migrate import upgrade

    db = build_database(settings)
    with db.engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    yield db
    db.engine.dispose()


@pytest.fixture(scope="session")
def engine(database) -> Engine:  # type: ignore[no-untyped-def]
    return database.engine  # type: ignore[no-any-return]


@pytest.fixture()
def connection(database) -> Iterator[Connection]:  # type: ignore[no-untyped-def]
    """A connection in an outer transaction that is rolled back after the test."""
    conn = database.engine.connect()
    outer = conn.begin()
    database.sessionmaker.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()
        database.sessionmaker.configure(bind=database.engine, join_transaction_mode="conservative_savepoint")


@pytest.fixture()
def session(database, connection: Connection) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    from casework.audit import trail

    s = database.session()
    trail.bind(s, trail.AuditContext("test", None, "test-request"))
    yield s
    s.close()


@pytest.fixture(scope="session")
def app(settings: Settings, database):  # type: ignore[no-untyped-def]
    from casework import create_app

    return create_app(settings, database)


@pytest.fixture()
def client(app, connection):  # type: ignore[no-untyped-def]
    return app.test_client()


class World:
    """Builds organisations, teams, users and families through the real services."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self, kind: str = "local_authority", name: str | None = None):  # type: ignore[no-untyped-def]
        from casework.auth import services as auth

        return auth.create_organisation(self.session, name or f"Organisation {uuid.uuid4().hex[:8]}", kind)

    def user(self, roles=("practitioner",), team: str | None = "Team A", org=None, password: str | None = None):  # type: ignore[no-untyped-def]
        from casework.auth import services as auth

        org = org or self.org()
        n = self._next()
        return auth.create_user(
            self.session,
            email=f"user{n}-{uuid.uuid4().hex[:6]}@example.org",
            name=f"Test User {n}",
            organisation_id=org.id,
            roles=list(roles),
            team=team,
            password=password,
        )

    def enrol(self, user) -> str:  # type: ignore[no-untyped-def]
        """Give ``user`` an authenticator app (its secret is returned); the code of the step before
        now is used up in setting it up, as a person's first code is."""
        import time

        from casework.auth import second_factor
        from casework.security import mfa

        secret = second_factor.begin_enrolment(self.session, user)
        now = time.time()
        previous = mfa.code_for_step(secret, mfa.step_at(now) - 1)
        assert second_factor.confirm_enrolment(self.session, user, previous, now) is not None
        return secret

    def family(self, user, **kwargs):  # type: ignore[no-untyped-def]
        from casework.auth.services import actor_for
        from casework.families import services

        kwargs.setdefault("address_line_1", "1 Test Street")
        kwargs.setdefault("postcode", "SW1A 1AA")
        return services.create_family(self.session, actor_for(user), **kwargs)

    def person(self, user, family, **kwargs):  # type: ignore[no-untyped-def]
        from casework.auth.services import actor_for
        from casework.families import services

        kwargs.setdefault("given_name", "Alex")
        kwargs.setdefault("family_name", "Example")
        kwargs.setdefault("role", "child")
        return services.add_member(self.session, actor_for(user), family.id, **kwargs)


@pytest.fixture()
def world(session: Session) -> World:
    return World(session)


def audit_count(session: Session) -> int:
    from casework.audit.models import AuditEvent

    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def sign_in(client, session: Session, user) -> None:  # type: ignore[no-untyped-def]
    """Sign ``user`` in on ``client`` through a real server-side session that has passed both
    the password and (where the user has one, or must) the second factor."""
    from casework.auth import services as auth

    row = auth.start_session(session, user, second_factor=True)
    session.commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = row.id
        flask_session["_fresh"] = True


def bearer(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from casework.auth import services as auth

    _, token = auth.create_token(session, user, "test")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
