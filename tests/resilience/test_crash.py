"""Crash test: ``kill -9`` of the app's workers, again and again, under a write load on PostgreSQL.

gunicorn serves the app (two sync workers, as in production) on the loopback interface against a
new PostgreSQL database. Client threads create families through the API with a real token while a
killer sends SIGKILL to a worker every second and a half; gunicorn's master starts a new one each
time. Afterwards every write the clients saw acknowledged (201 with an id) must be in the database,
with its audit event, and ``casework audit verify`` must pass: a worker dying mid-request loses
that request (its transaction is rolled back by PostgreSQL), never one already acknowledged, and
never leaves the audit chain broken. Bounded: about 25 seconds of load, loopback only.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess  # nosec B404 - starts gunicorn from this virtualenv
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from casework.cli import main
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.postgresql

LOAD_SECONDS = 25
CLIENTS = 4
KILL_EVERY = 1.5
MINIMUM_KILLS = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.fixture()
def environment(postgresql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "CASEWORK_ENV": "testing",
        "CASEWORK_DATABASE_URL": postgresql_url,
        "CASEWORK_INSTANCE_DIR": str(tmp_path / "instance"),
        "CASEWORK_KEYRING": str(tmp_path / "keyring.json"),
        "CASEWORK_SECRET_KEY": "crash-test-secret-key-not-for-production",
        "CASEWORK_AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        # Checkpoints are made (and written to files) many times during the load.
        "CASEWORK_AUDIT_CHECKPOINT_EVERY_EVENTS": "50",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _cli(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(result.output)


@pytest.fixture()
def gunicorn(environment: dict[str, str], project_root: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, str]]:
    _cli("db", "upgrade")  # also makes the keyring, before two workers could race to
    org = _cli("orgs", "create", "--name", "Crash Council", "--kind", "local_authority").strip().splitlines()[-1]
    user = ["users", "create", "--email", "crash@example.org", "--name", "Cr Ash", "--org", org, "--role", "practitioner"]
    _cli(*user, "--team", "North", input=TEST_PASSWORD + "\n")
    token = _cli("tokens", "create", "--email", "crash@example.org").strip().splitlines()[-1]
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers=2",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--timeout=30",
        "--graceful-timeout=2",
        # The app is loaded once in the master and workers are forked from it, so a killed
        # worker's replacement serves within milliseconds (the master opens no connections).
        "--preload",
        "wsgi:app",
    ]
    log = open(Path(environment["CASEWORK_INSTANCE_DIR"]).parent / "gunicorn.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(command, cwd=project_root, env={**os.environ, **environment}, stdout=log, stderr=log)  # nosec B603
    try:
        _wait_healthy(port, server)
        yield server, port, token
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


def _wait_healthy(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            if _request(port, "GET", "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not answer /health")


def _request(port: int, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data and response.getheader("Content-Type", "").startswith("application/json") else None
    finally:
        conn.close()


def test_crash_kill_9_of_workers_under_write_load_loses_no_acknowledged_write(gunicorn, environment) -> None:  # type: ignore[no-untyped-def]
    server, port, token = gunicorn
    acknowledged: list[str] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            body = {"address_line_1": f"{n}-{i} Crash Street", "postcode": "SW1A 1AA"}
            try:
                status, payload = _request(port, "POST", "/api/v1/families", body, token)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    outcomes[type(exc).__name__] += 1
                continue
            with lock:
                outcomes[str(status)] += 1
                if status == 201 and payload and payload.get("id"):
                    acknowledged.append(payload["id"])

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    kills = 0
    deadline = time.monotonic() + LOAD_SECONDS
    time.sleep(1)
    while time.monotonic() < deadline:
        workers = _children(server.pid)
        if workers:
            os.kill(workers[kills % len(workers)], signal.SIGKILL)
            kills += 1
        time.sleep(KILL_EVERY)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert server.poll() is None, "the gunicorn master survived its workers' deaths"
    _wait_healthy(port, server)

    engine = create_engine(environment["CASEWORK_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        from casework.audit.models import AuditEvent
        from casework.families.models import Family

        with engine.connect() as conn:
            stored = set(conn.scalars(select(Family.id)))
            audited = set(conn.scalars(select(AuditEvent.family_id).where(AuditEvent.family_id.is_not(None))))
    finally:
        engine.dispose()
    lost = [family_id for family_id in acknowledged if family_id not in stored]
    unaudited = [family_id for family_id in acknowledged if family_id not in audited]
    summary = f"{kills} kills, {len(acknowledged)} acknowledged, {len(stored)} stored, outcomes {dict(outcomes)}"
    print(f"crash test: {summary}")
    assert kills >= MINIMUM_KILLS, summary
    assert len(acknowledged) >= 30, summary
    assert sum(n for k, n in outcomes.items() if k != "201") > 0, f"no request was cut by a kill: {summary}"
    assert not lost, f"{len(lost)} acknowledged write(s) missing: {summary}"
    assert not unaudited, f"{len(unaudited)} acknowledged write(s) without their audit event: {summary}"
    assert stored >= set(acknowledged)
    verify = _cli("audit", "verify")
    assert "intact" in verify, verify
