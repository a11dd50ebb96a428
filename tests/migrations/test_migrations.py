"""One linear history, no drift between models and migrations, and a reversible latest step."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from casework.migrate import MIGRATIONS_DIR, alembic_config, downgrade, upgrade
from casework.models import metadata


def test_migrations_single_head_and_numbered_files():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        assert path.name[:4].isdigit() and path.name[4] == "_", f"{path.name} is not numbered"


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_latest_downgrades_and_upgrades_again(fresh_database_url):
    from casework.db import make_engine

    engine = make_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            upgrade(connection=conn)
            conn.commit()
            tables = set(inspect(conn).get_table_names())
            assert {"family", "person", "audit_event", "app_user"} <= tables
            downgrade(connection=conn, revision="-1")
            conn.commit()
            upgrade(connection=conn)
            conn.commit()
            assert set(inspect(conn).get_table_names()) == tables
    finally:
        engine.dispose()
