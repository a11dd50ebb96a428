"""Inserting many rows fast, inside the session's transaction.

PostgreSQL: binary ``COPY ... FROM STDIN`` on the session's own connection. Measured here, it
is two to four times faster than a pipelined ``executemany`` (one INSERT per row), and binary
takes half the client CPU of text COPY (no hex-escaping of the ciphertexts). Other databases
(SQLite): SQLAlchemy Core ``insert(table)`` with the list of rows (``executemany``). Either way
the rows join the session's transaction, so under the tests' outer transaction they are rolled
back with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from psycopg import sql
from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

Row = dict[str, Any]


def _type_names(conn: Connection, table: Table, columns: list[str]) -> list[str]:
    """PostgreSQL type names of ``columns`` (``varchar``, ``bytea``, ``timestamp with time zone``)."""
    return [table.c[name].type.compile(dialect=conn.dialect).lower().split("(")[0] for name in columns]


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """Insert ``rows`` (dicts with the same keys, every value already in its stored form)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        conn.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    values = itemgetter(*columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT BINARY)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the session's connection is closed")
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(_type_names(conn, table, columns))
        for row in rows:
            copy.write_row(values(row))
