"""Benchmark: casework under gunicorn at council scale, as ratios to a Flask hello-world (see bench/README.md).

1. Drops and recreates the PostgreSQL database ``--database`` (default ``casework_bench``) on the
   server of ``--admin-url``, migrates it and times ``casework demo load --families N``
   (``--reuse`` keeps the database and instance folder of an earlier run instead).
2. Picks a manager of the early help team with the most cases, gives them an API token and a
   signed-in browser session, and writes the requests of each measure (different cases, people,
   pages) to a file that ``bench/requests.lua`` sends in turn.
3. Serves ``bench/hello.py`` and then casework (``wsgi:app``, production settings) under gunicorn
   with the same settings (2 sync workers), and drives each with wrk from a second process on
   loopback, 32 connections: hello-world before and after the casework measures, each measure
   after a short warm-up.
4. Times ``casework.audit.verify.verify_trail`` against a loop that only hashes the same rows
   (bench/audit_verify.py) over the loaded trail, and runs bench/dashboard.py when it exists.
5. Prints the table: requests per second, the ratio to hello-world, p50 and p99, the target and
   whether it was met. Exit 1 when a request failed (a non-2xx answer or a socket error) or a
   step failed; missed targets are reported, not fatal.

    .venv/bin/python bench/throughput.py                       # `make bench`
    .venv/bin/python bench/throughput.py --families 10000 --duration 10
    .venv/bin/python bench/throughput.py --reuse               # measure again, no reload
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from demo_load import DEFAULT_ADMIN_URL, _environment, _memory_gib, _run
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "requests.lua"
DASHBOARD = ROOT / "bench" / "dashboard.py"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    ratio: float | None = None  # at least this share of hello-world's requests per second
    p50_ms: float | None = None
    p99_ms: float | None = None


MEASURES = [
    Measure("case_api", "GET /api/v1/cases/{id} (audited read)", ratio=0.15, p99_ms=100),
    Measure("case_page", "case summary page /cases/{id} (HTML)", ratio=0.10, p99_ms=150),
    Measure("caseload", "caseload page, 50 cases with family references", ratio=0.08),
    Measure("consent", "POST /api/v1/cases/{id}/consents", ratio=0.08),
    Measure("search", "GET /api/v1/people/search (blind index)", p50_ms=20),
]


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        def latency(pct: str) -> float:
            m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
            if not m:
                raise ValueError(f"wrk printed no {pct}% latency:\n{output}")
            return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

        rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
        total = re.search(r"(\d+) requests in", output)
        if not rps or not total:
            raise ValueError(f"wrk printed no rate:\n{output}")
        errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
        if socket_errors:
            # A sync worker closes every connection after answering, which wrk counts as read errors.
            errors += int(socket_errors.group(1)) + int(socket_errors.group(4))
        return cls(float(rps.group(1)), latency("50"), latency("99"), int(total.group(1)), errors)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """Serve ``app`` under gunicorn (sync workers) on a free loopback port; yields its base URL."""
    port = _free_port()
    args = [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}"]
    args += ["--chdir", str(ROOT), "--log-level", "warning", app]
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # nosec B603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + ("/health" if app == "wsgi:app" else "/"), timeout=5):  # nosec B310
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn {app} did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(url: str, requests_file: Path, duration: int, connections: int, threads: int) -> WrkResult:
    env = {**os.environ, "CASEWORK_BENCH_REQUESTS": str(requests_file)}
    args = ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{duration}s"]
    args += ["--timeout", "10s", "--latency", "--script", str(LUA), url]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603 B607
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stderr}")
    return WrkResult.parse(result.stdout)


def _write_requests(path: Path, headers: dict[str, str], requests: list[tuple[str, str, str]]) -> Path:
    lines = [f"H\t{name}\t{value}" for name, value in headers.items()]
    lines += ["\t".join(r) for r in requests]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prepare(env: dict[str, str], directory: Path, samples: int) -> dict[str, Path]:
    """A manager of the busiest early help team, their token and session, and each measure's
    requests (files for bench/requests.lua)."""
    from casework import create_app
    from casework.audit import trail
    from casework.auth import services as auth
    from casework.auth.models import TeamMembership, User, UserRole
    from casework.cases.models import Case
    from casework.families.models import Person
    from config import load_settings

    app = create_app(load_settings(env))
    db = app.extensions["casework"]["db"]
    session = db.session()
    trail.bind(session, trail.AuditContext("bench", None, "bench-prepare"))
    try:
        team_id, _ = session.execute(
            select(Case.owning_team_id, func.count()).group_by(Case.owning_team_id).order_by(func.count().desc()).limit(1)
        ).one()
        manager = session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .where(UserRole.role == "manager", TeamMembership.team_id == team_id, User.active.is_(True))
            .order_by(User.email)
            .limit(1)
        ).one()
        _, token = auth.create_token(session, manager, "bench")
        row = auth.start_session(session, manager, second_factor=True)  # as after the code from their app
        session.commit()
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": row.id, "_fresh": True})  # type: ignore[attr-defined]
        bearer = {"Authorization": f"Bearer {token}"}
        browser = {"Cookie": f"{cookie_name}={cookie}"}
        case_ids = list(session.scalars(select(Case.id).where(Case.owning_team_id == team_id).order_by(func.md5(Case.id)).limit(samples)))
        total = session.scalar(select(func.count()).select_from(Case).where(Case.owning_team_id == team_id)) or 0
        open_cases = session.execute(
            select(Case.id, Person.id)
            .join(Person, Person.family_id == Case.family_id)
            .where(Case.owning_team_id == team_id, Case.status != "closed", Person.role == "parent_carer")
            .order_by(func.md5(Case.id))
            .limit(samples)
        ).all()
        people = session.scalars(
            select(Person).join(Case, Case.family_id == Person.family_id).where(Case.owning_team_id == team_id).limit(samples)
        ).all()
        searches = sorted({(p.family_name, p.date_of_birth.isoformat()) for p in people if p.family_name and p.date_of_birth is not None})
        session.rollback()
    finally:
        session.close()
        db.engine.dispose()
    pages = max(1, min(total // 50, 200))
    consent = {"purpose": "assessment", "decision": "given", "method": "verbal"}
    return {
        "case_api": _write_requests(directory / "case_api.txt", bearer, [("GET", f"/api/v1/cases/{c}", "") for c in case_ids]),
        "case_page": _write_requests(directory / "case_page.txt", browser, [("GET", f"/cases/{c}", "") for c in case_ids]),
        "caseload": _write_requests(
            directory / "caseload.txt",
            browser,
            [("GET", f"/caseload?{urlencode({'team': team_id, 'page': n})}", "") for n in range(1, pages + 1)],
        ),
        "consent": _write_requests(
            directory / "consent.txt",
            {**bearer, "Content-Type": "application/json"},
            [("POST", f"/api/v1/cases/{c}/consents", json.dumps({**consent, "person_id": p})) for c, p in open_cases],
        ),
        "search": _write_requests(
            directory / "search.txt",
            bearer,
            [("GET", "/api/v1/people/search?" + urlencode({"family_name": n, "date_of_birth": d}), "") for n, d in searches],
        ),
        "hello": _write_requests(directory / "hello.txt", {}, [("GET", "/", "")]),
    }


def verify_ratio(env: dict[str, str]) -> tuple[int, float, float, bool]:
    """Events, hash-loop seconds, verify seconds and whether the loaded trail verifies."""
    from audit_verify import hash_loop
    from sqlalchemy.orm import Session

    from casework import build_database
    from casework.audit.verify import verify_trail
    from config import load_settings

    settings = load_settings(env)
    db = build_database(settings)
    try:
        with Session(db.engine) as session:
            t0 = time.perf_counter()
            events = hash_loop(session)
            loop = time.perf_counter() - t0
        with Session(db.engine) as session:
            t0 = time.perf_counter()
            result = verify_trail(session, db.keyring, settings.resolved_checkpoint_dir)
            verify = time.perf_counter() - t0
    finally:
        db.engine.dispose()
    return events, loop, verify, result.ok


def _row(label: str, rps: str, ratio: str, p50: str, p99: str, target: str, met: str) -> list[str]:
    return [label, rps, ratio, p50, p99, target, met]


def _markdown(rows: list[list[str]]) -> str:
    header = ["measure", "req/s", "ratio to hello", "p50 ms", "p99 ms", "target", "met"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in [header, *rows]]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _target(m: Measure) -> str:
    parts = [f">= {m.ratio:.2f}"] if m.ratio else []
    parts += [f"p50 <= {m.p50_ms:.0f} ms"] if m.p50_ms else []
    parts += [f"p99 <= {m.p99_ms:.0f} ms"] if m.p99_ms else []
    return ", ".join(parts)


def _met(m: Measure, r: WrkResult, hello: float) -> bool:
    return (
        r.requests > 0
        and (m.ratio is None or r.rps / hello >= m.ratio)
        and (m.p50_ms is None or r.p50_ms <= m.p50_ms)
        and (m.p99_ms is None or r.p99_ms <= m.p99_ms)
    )


def bench(args: argparse.Namespace) -> int:
    url = make_url(args.admin_url)
    database_url = url.set(database=args.database).render_as_string(hide_password=False)
    instance = ROOT / "instance" / f"bench-{args.database}"
    env = _environment(database_url, instance)
    load_seconds: float | None = None
    load_cpu = 0.0
    if not args.reuse:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{args.database}"'))
        admin.dispose()
        shutil.rmtree(instance, ignore_errors=True)
        instance.mkdir(parents=True)
        _run(["db", "upgrade"], env)
        print(f"Loading {args.families:,} families into {args.database} ...", flush=True)
        load = _run(["demo", "load", "--families", str(args.families)], env)
        load_seconds, load_cpu = load.seconds, load.cpu_seconds
        # What autovacuum would do before long on a live database: the visibility map lets
        # PostgreSQL count from indexes alone. Done here so it does not run during a measure.
        started = time.perf_counter()
        vacuum = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with vacuum.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        vacuum.dispose()
        print(f"VACUUM ANALYZE took {time.perf_counter() - started:.1f} s", flush=True)
    elif not (instance / "keyring.json").exists():
        raise SystemExit(f"--reuse needs the instance folder of an earlier run: {instance}")
    serve_env = {
        **env,
        "CASEWORK_ENV": "production",
        "CASEWORK_SECRET_KEY": secrets.token_urlsafe(32),
        "CASEWORK_KEYRING": str(instance / "keyring.json"),
    }
    load_before = os.getloadavg()
    rows: list[list[str]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        files = prepare(serve_env, Path(tmp), args.samples)
        log = Path(tmp) / "gunicorn.log"

        def drive(base: str, key: str, warm: bool = True) -> WrkResult:
            if warm:
                wrk(base, files[key], 3, args.connections, args.threads)
            result = wrk(base, files[key], args.duration, args.connections, args.threads)
            print(f"  {key:<10} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms", flush=True)
            if not result.requests:
                failures.append(f"{key}: no request was answered in {args.duration} s")
            elif result.errors:
                failures.append(f"{key}: {result.errors} of {result.requests} requests failed")
            return result

        print("Driving hello-world and casework with wrk ...", flush=True)
        with gunicorn("bench.hello:app", serve_env, args.workers, log) as base:
            hello_before = drive(base, "hello")
        results: dict[str, WrkResult] = {}
        with gunicorn("wsgi:app", serve_env, args.workers, log) as base:
            for m in MEASURES:
                results[m.key] = drive(base, m.key)
        with gunicorn("bench.hello:app", serve_env, args.workers, log) as base:
            hello_after = drive(base, "hello")
        hello = (hello_before.rps + hello_after.rps) / 2
        rows.append(
            _row(
                "Flask hello-world (before / after)",
                f"{hello_before.rps:,.0f} / {hello_after.rps:,.0f}",
                "1",
                f"{hello_before.p50_ms:.1f}",
                f"{hello_before.p99_ms:.1f}",
                "",
                "",
            )
        )
        for m in MEASURES:
            r = results[m.key]
            met = _met(m, r, hello)
            rows.append(
                _row(
                    m.label,
                    f"{r.rps:,.1f}",
                    f"{r.rps / hello:.3f}",
                    f"{r.p50_ms:.1f}",
                    f"{r.p99_ms:.1f}",
                    _target(m),
                    "yes" if met else "NO",
                )
            )
    if DASHBOARD.exists():
        # The same database and keyring, measured as they are and kept for the audit timing below.
        command = [sys.executable, str(DASHBOARD), "--reuse", "--keep", "--database", args.database]
        command += ["--instance", str(instance), "--admin-url", args.admin_url]
        dashboard = subprocess.run(command, env=serve_env, capture_output=True, text=True, check=False)  # nosec B603
        print(dashboard.stdout, end="")
        last = (dashboard.stdout.strip().splitlines() or ["(no output)"])[-1]
        rows.append(_row("manager dashboard (bench/dashboard.py)", "", "", "", "", "p50 <= 300 ms", f"exit {dashboard.returncode}: {last}"))
    print("Timing audit verification against a hashing loop ...", flush=True)
    events, loop, verify, ok = verify_ratio(env)
    ratio = loop / verify
    rows.append(
        _row(
            f"`casework audit verify`, {events:,} events",
            f"{events / verify:,.0f} events/s",
            f"{ratio:.2f} of hash loop",
            "",
            "",
            ">= 0.50 of hash loop",
            "yes" if ok and ratio >= 0.5 else "NO",
        )
    )
    if not ok:
        failures.append("the audit trail does not verify")
    if load_seconds is not None:
        rows.append(
            _row(
                f"`casework demo load --families {args.families}`",
                f"{load_seconds:.0f} s ({load_cpu:.0f} s CPU)",
                "",
                "",
                "",
                "<= 300 s",
                "yes" if load_seconds <= 300 else "NO",
            )
        )
    sizes = create_engine(database_url)
    with sizes.connect() as conn:
        size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    sizes.dispose()
    load_after = os.getloadavg()
    print()
    print(f"database {args.database}: {size / 2**20:,.0f} MiB")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {_memory_gib()} GiB; gunicorn {args.workers} sync workers, "
        f"wrk {args.threads} threads, {args.connections} connections, {args.duration} s per measure; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(_markdown(rows))
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--families", type=int, default=100_000, help="families to load (default 100000)")
    parser.add_argument("--database", default="casework_bench", help="the database to (re)create (default %(default)s)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CASEWORK_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
        help="a database on the PostgreSQL server, for creating the bench database (default $CASEWORK_TEST_DATABASE_URL)",
    )
    parser.add_argument("--reuse", action="store_true", help="measure the database an earlier run loaded, without reloading")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per measure (default 20)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--samples", type=int, default=1000, help="cases, people and consents to spread the requests over")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` installs it)")
    from casework.db import normalise_url

    args.admin_url = normalise_url(args.admin_url)
    return bench(args)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
