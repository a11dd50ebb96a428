"""Benchmark: `casework demo load --families N` on a fresh PostgreSQL database (see bench/README.md).

Creates a database named casework_bench_<random> on the server of --admin-url, migrates it with
`casework db upgrade`, times `casework demo load` and `casework audit verify` as subprocesses
(as a user would run them), counts what was loaded (families, people, cases by status and level,
changes of level, lead assignments), prints a table and always drops the database again. Exits
1 when a step fails, a row lacks its one create event, about 70% of families do not have a
case, the trail does not verify or the load takes longer than --limit seconds (the acceptance
criterion: 100,000 families in at most five minutes).

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
from typing import Any

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


COUNTS = {
    "families": "SELECT count(*) FROM family",
    "people": "SELECT count(*) FROM person",
    "cases": "SELECT count(*) FROM case_episode",
    "transitions": "SELECT count(*) FROM level_transition",
    "assignments": "SELECT count(*) FROM lead_assignment",
    "families_with_cases": "SELECT count(DISTINCT family_id) FROM case_episode",
    "re_referrals": "SELECT count(*) FROM case_episode WHERE re_referral",
    "requests_without_lead": "SELECT count(*) FROM case_episode WHERE status = 'requested' AND lead_professional_id IS NULL",
    "immediate_risk": "SELECT count(*) FROM level_transition WHERE immediate_risk",
    "awaiting_review": "SELECT count(*) FROM level_transition WHERE immediate_risk AND decided_by_id IS NULL",
    "pending_handovers": "SELECT count(*) FROM lead_assignment WHERE accepted_at IS NULL AND declined_at IS NULL AND ended_at IS NULL",
    "consents": "SELECT count(*) FROM consent",
    "share_consents": "SELECT count(*) FROM consent WHERE purpose = 'share'",
    "sharing_basis": "SELECT count(*) FROM sharing_basis",
    "assessments": "SELECT count(*) FROM assessment",
    "plans": "SELECT count(*) FROM taf_plan",
    "outcomes": "SELECT count(*) FROM taf_outcome",
    "reviews": "SELECT count(*) FROM taf_review",
    "staff": "SELECT count(*) FROM app_user",
    "events": "SELECT count(*) FROM audit_event",
    "bytes": "SELECT pg_database_size(current_database())",
}
#: Tables whose every row must have exactly one create event, by action.
CREATED = {
    "family": "family.create",
    "person": "person.create",
    "case_episode": "case.create",
    "level_transition": "transition.create",
    "lead_assignment": "lead_assignment.create",
    "consent": "consent.create",
    "assessment": "assessment.create",
    "taf_plan": "plan.create",
    "taf_outcome": "outcome.create",
    "taf_review": "review.create",
}


def _counts(database_url: str) -> dict[str, Any]:
    """Counts of what was loaded, cases by status and level, and the rows without exactly one create event."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            counts: dict[str, Any] = {key: int(conn.execute(text(query)).scalar_one()) for key, query in COUNTS.items()}
            counts["by_status"] = {
                (status, level): int(n)
                for status, level, n in conn.execute(text("SELECT status, level, count(*) FROM case_episode GROUP BY 1, 2 ORDER BY 1, 2"))
            }
            counts["transitions_by_kind"] = {
                (direction, status): int(n)
                for direction, status, n in conn.execute(text("SELECT direction, status, count(*) FROM level_transition GROUP BY 1, 2"))
            }
            counts["closures"] = dict(
                conn.execute(text("SELECT closure_reason, count(*) FROM case_episode WHERE closure_reason IS NOT NULL GROUP BY 1")).all()
            )
            counts["assessments_by_status"] = dict(conn.execute(text("SELECT status, count(*) FROM assessment GROUP BY 1")).all())
            counts["unmatched"] = {}
            for table, action in CREATED.items():
                # Rows whose id is not the subject of exactly one such event, and events without a row.
                query = (
                    f"SELECT count(*) FROM (SELECT subject_id, count(*) AS n FROM audit_event WHERE action = '{action}'"
                    f" GROUP BY subject_id) e FULL JOIN {table} r ON r.id = e.subject_id WHERE r.id IS NULL OR e.n IS DISTINCT FROM 1"
                )
                counts["unmatched"][table] = int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()
    return counts


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
        cases = counts["cases"]
        rows = [
            ("date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")),
            ("machine", f"{os.cpu_count()} cores, {_memory_gib()} GiB"),
            ("families", f"{counts['families']:,}"),
            ("people", f"{counts['people']:,}"),
            ("people per family", f"{counts['people'] / max(counts['families'], 1):.2f}"),
            ("families with a case", f"{counts['families_with_cases']:,} ({counts['families_with_cases'] / max(families, 1):.0%})"),
            ("cases", f"{cases:,}"),
            *((f"  {status}, level {level}", f"{n:,}") for (status, level), n in counts["by_status"].items()),
            ("  requested without a lead", f"{counts['requests_without_lead']:,}"),
            ("  re-referrals", f"{counts['re_referrals']:,} ({counts['re_referrals'] / max(cases, 1):.0%})"),
            *((f"  closed: {reason}", f"{n:,}") for reason, n in sorted(counts["closures"].items(), key=lambda kv: -kv[1])),
            ("level transitions", f"{counts['transitions']:,}"),
            *((f"  {direction}, {status}", f"{n:,}") for (direction, status), n in sorted(counts["transitions_by_kind"].items())),
            ("  immediate risk (awaiting review)", f"{counts['immediate_risk']:,} ({counts['awaiting_review']:,})"),
            ("lead assignments", f"{counts['assignments']:,}"),
            ("  handovers awaiting the receiver", f"{counts['pending_handovers']:,}"),
            ("consents (of which to share)", f"{counts['consents']:,} ({counts['share_consents']:,})"),
            ("sharing bases", f"{counts['sharing_basis']:,}"),
            *((f"assessments, {status}", f"{n:,}") for status, n in sorted(counts["assessments_by_status"].items())),
            ("TAF plans / outcomes / reviews", f"{counts['plans']:,} / {counts['outcomes']:,} / {counts['reviews']:,}"),
            ("staff accounts", f"{counts['staff']:,}"),
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
        if counts["families"] != families:
            problems.append("the number of families does not match --families")
        problems += [f"{table}: {n} rows without exactly one {CREATED[table]} event" for table, n in counts["unmatched"].items() if n]
        if not 0.6 <= counts["families_with_cases"] / max(families, 1) <= 0.8:
            problems.append("not about 70% of families have a case")
        if counts["events"] < 10 * families:
            problems.append("fewer than ten audit events per family")
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
