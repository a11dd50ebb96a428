"""Database plumbing: Base and naming convention, id and time types, engines, sessions.

One session per request (or per CLI command). Services only ``flush()``; the boundary commits
once and rolls back on any error. On SQLite every transaction begins ``IMMEDIATE`` so that it
holds the write lock before it reads the audit chain head (DESIGN.md "Audit trail").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """An opaque record id (UUID4 text)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


#: The council's clock: times are stored in UTC, but "today" (due dates, expiry, age) is the date
#: in England, so a decision recorded at 00:30 in summer belongs to that day, not the one before.
LOCAL_TIME = ZoneInfo("Europe/London")


def today() -> date:
    return utcnow().astimezone(LOCAL_TIME).date()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class VersionMixin:
    """Optimistic locking: a stale edit is refused (409), never silently lost."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with casework's settings for SQLite or PostgreSQL."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            # deleted cells and freed pages are zeroed: nothing of a disposed family stays in the file
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT compilation: the access policy's filters make PostgreSQL estimate costs above
    # jit_above_cost for queries that touch a handful of rows, and compiling them took about two
    # seconds a query at 100,000 families (bench/README.md). Casework's queries are short.
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


@dataclass(frozen=True)
class CheckpointPolicy:
    """Where signed audit checkpoints are also written, and how often they are made."""

    directory: Path | None = None
    every_events: int = 1000
    every_minutes: int = 60


class Database:
    """An engine, its session factory and what sessions need to encrypt and audit."""

    def __init__(
        self,
        engine: Engine,
        keyring: Any,
        practice: Any,
        *,
        keyring_path: Path | None = None,
        checkpoints: CheckpointPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.practice = practice
        self.keyring_path = keyring_path
        self.checkpoints = checkpoints or CheckpointPolicy()
        self._keyring_stamp = self._stamp()
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False, info={"db": self})

    def _stamp(self) -> tuple[int, int] | None:
        if self.keyring_path is None:
            return None
        try:
            st = self.keyring_path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def refresh_keyring(self) -> None:
        """Reload the keyring file when it has changed (``casework keys rotate`` while running)."""
        stamp = self._stamp()
        if stamp is not None and stamp != self._keyring_stamp:
            from casework.security.keyring import Keyring

            assert self.keyring_path is not None
            self.keyring = Keyring.from_json(self.keyring_path.read_text(encoding="utf-8"))
            self._keyring_stamp = stamp

    def session(self) -> Session:
        self.refresh_keyring()
        return self.sessionmaker()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def database_of(session: Session) -> Database:
    db = session.info.get("db")
    if not isinstance(db, Database):
        raise RuntimeError("session was not made by casework.db.Database")
    return db
