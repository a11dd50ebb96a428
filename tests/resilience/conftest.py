"""Fixtures for the fault tests: a PostgreSQL database of their own whatever ``--db`` says (they
are about PostgreSQL going away, or workers dying under it), reached through a TCP proxy the test
can cut. Without CASEWORK_TEST_DATABASE_URL they fail, as the PostgreSQL suite does: CI sets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin_url, empty_database
from tests.resilience.proxy import TcpProxy


@pytest.fixture()
def postgresql_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server (dropped afterwards)."""
    _pg_admin_url()  # fails, naming the variable, when there is no PostgreSQL to test against
    with empty_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture()
def proxied_url(postgresql_url: str) -> Iterator[tuple[str, TcpProxy]]:
    """``postgresql_url`` reached through a proxy on the loopback interface."""
    url = make_url(postgresql_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    try:
        yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    finally:
        proxy.stop()
