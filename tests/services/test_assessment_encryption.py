"""Everything written in an assessment is encrypted at rest: a canary written in every answer
and in a manager's return comments is nowhere in the database file (SQLite, with its WAL) or in
a dump (PostgreSQL), audit trail included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from casework.assessments import services
from casework.audit import trail
from casework.auth.services import actor_for
from tests.assessment_world import answers_for, assessment_world
from tests.conftest import World

CANARY = "Quetzalwhisper"


def test_assessment_canary_nowhere_in_the_database_file_or_dump(fresh_database, backend) -> None:  # type: ignore[no-untyped-def]
    session = fresh_database.session()
    trail.bind(session, trail.AuditContext("test", None, "canary"))
    t = assessment_world(session, World(session))
    a = services.start_assessment(session, actor_for(t.lead), t.case.id).assessment
    services.save_assessment(session, actor_for(t.lead), a.id, version=a.version, sections=answers_for(a.template, f"{CANARY} says"))
    services.submit_assessment(session, actor_for(t.lead), a.id)
    services.return_assessment(session, actor_for(t.manager), a.id, comments=f"Ask {CANARY} again")
    services.get_assessment(session, actor_for(t.lead), a.id)
    session.commit()
    assert services.get_assessment(session, actor_for(t.lead), a.id).sections["parents_view"]["view"] == f"{CANARY} says"
    session.close()
    url = fresh_database.engine.url
    fresh_database.engine.dispose()
    if backend == "sqlite":
        path = Path(url.database or "")
        blobs = [p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is needed for the PostgreSQL canary test (apt-get install postgresql-client)")
        command = [pg_dump, "--no-owner", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        blobs = [subprocess.run([*command, url.database or ""], check=True, capture_output=True).stdout]
        assert b"COPY public.assessment" in blobs[0]
    assert blobs
    for blob in blobs:
        for encoded in (CANARY.encode(), CANARY.lower().encode(), CANARY.encode("utf-16-le")):
            assert encoded not in blob
