"""Benchmark: `casework demo load --families N` on a fresh PostgreSQL database (see bench/README.md).

Creates a database named casework_bench_<random> on the server of --admin-url, migrates it with
`casework db upgrade`, times `casework demo load` and `casework audit verify` as subprocesses
(as a user would run them), counts what was loaded, prints a table and always drops the
database again. Exits 1 when a step fails, the counts are wrong, the trail does not verify or
the load takes longer than --limit seconds (the acceptance criterion: 100,000 families in at
most five minutes).

    .venv/bin/python bench/demo_load.py                    # 100,000 families (`make bench`)
    .venv/bin/python bench/demo_load.py --families 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Step:
    seconds: float
    cpu_seconds: float
    output: str


def _command() -> list[str]:
    """The `casework` console script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("casework")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from casework.cli import main; main()"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str]) -> Step:
    """Run `casework <args>`: stderr (the progress bar) goes to the terminal, stdout is kept."""
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run([*_command(), *args], env=env, stdout=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        raise SystemExit(f"`casework {' '.join(args)}` failed with exit code {result.returncode}")
    return Step(seconds, _children_cpu() - cpu, result.stdout)


def _environment(database_url: str, instance: Path) -> dict[str, str]:
    """The caller's environment without any CASEWORK_ setting, pointed at the bench database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env.update(CASEWORK_ENV="development", CASEWORK_DATABASE_URL=database_url, CASEWORK_INSTANCE_DIR=str(instance))
    return env


def _counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM family), (SELECT count(*) FROM person),"
                    " (SELECT count(*) FROM audit_event),"
                    " (SELECT count(*) FROM audit_event WHERE action = 'family.create'),"
                    " (SELECT count(*) FROM audit_event WHERE action = 'person.create'),"
                    " (SELECT count(DISTINCT subject_id) FROM audit_event WHERE action IN ('family.create', 'person.create')),"
                    " pg_database_size(current_database())"
                )
            ).one()
    finally:
        engine.dispose()
    keys = ("families", "people", "events", "family_events", "person_events", "distinct_subjects", "bytes")
    return dict(zip(keys, (int(v) for v in row), strict=True))


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    vwidth = max(len(v) for _, v in rows)
    rule = f"+-{'-' * width}-+-{'-' * vwidth}-+"
    lines = [rule, *(f"| {k:<{width}} | {v:>{vwidth}} |" for k, v in rows), rule]
    return "\n".join(lines)


def bench(admin_url: str, families: int, limit: float) -> int:
    url = make_url(admin_url)
    name = f"casework_bench_{uuid.uuid4().hex[:8]}"
    database_url = url.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    instance = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    load_before = os.getloadavg()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        env = _environment(database_url, instance)
        _run(["db", "upgrade"], env)
        print(f"Loading {families:,} families into {name} ...", flush=True)
        load = _run(["demo", "load", "--families", str(families)], env)
        counts = _counts(database_url)
        verify = _run(["audit", "verify"], env)
        load_after = os.getloadavg()
        rows = [
            ("date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")),
            ("machine", f"{os.cpu_count()} cores, {_memory_gib()} GiB"),
            ("families", f"{counts['families']:,}"),
            ("people", f"{counts['people']:,}"),
            ("people per family", f"{counts['people'] / max(counts['families'], 1):.2f}"),
            ("audit events", f"{counts['events']:,}"),
            ("load seconds (wall)", f"{load.seconds:.1f}"),
            ("load CPU seconds (loader process)", f"{load.cpu_seconds:.1f}"),
            ("families per second", f"{families / load.seconds:,.0f}"),
            ("verify seconds", f"{verify.seconds:.1f}"),
            ("database size", f"{counts['bytes'] / 2**20:,.0f} MiB"),
            ("load average (1 min) before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f}"),
        ]
        print(_table(rows))
        problems = []
        if counts["families"] != families or counts["family_events"] != families:
            problems.append("families and family.create events do not match --families")
        if counts["person_events"] != counts["people"] or counts["distinct_subjects"] != families + counts["people"]:
            problems.append("not exactly one person.create event per person")
        if "intact" not in verify.output:
            problems.append("the audit trail did not verify")
        if load.seconds > limit:
            problems.append(f"the load took {load.seconds:.0f} s, over the {limit:.0f} s limit")
        for problem in problems:
            print(f"FAIL: {problem}")
        if not problems:
            print(f"OK: {families:,} families loaded in {load.seconds:.1f} s (limit {limit:.0f} s); the trail verifies.")
        return 1 if problems else 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(instance, ignore_errors=True)


def _memory_gib() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return round(kib / 2**20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--families", type=int, default=100_000, help="families to load (default 100000)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CASEWORK_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
        help="a PostgreSQL database on the server where the bench database may be created"
        " (default $CASEWORK_TEST_DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--limit", type=float, default=300.0, help="seconds the load may take (default 300: five minutes)")
    args = parser.parse_args(argv)
    from casework.db import normalise_url

    return bench(normalise_url(args.admin_url), args.families, args.limit)


if __name__ == "__main__":
    sys.exit(main())
