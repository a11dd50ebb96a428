"""Load realistic synthetic data: organisations, teams, staff, families with their people, and
their cases at every stage.

Staff are created through the account services (the many caseworkers a large load needs, as
they make them, a few hundred to a flush). Families are generated in bulk
(:mod:`casework.demo.bulk`) yet stored exactly as the family services store them: a data key per
family, every personal field encrypted under it, blind indexes for search, and one audited
``family.create`` / ``person.create`` event per row in the hash chain, so that nothing tells a
loaded family from one a practitioner entered. About 70% of families have had early help in the
last two years: their cases, lead professionals and changes of level are stored as the case
services leave them (:mod:`casework.demo.caserows`), each row with its ``*.create`` event, so
the demo and its reports show cases at every stage. Names and addresses come from Faker's en_GB
locale; NHS numbers from the synthetic range of the ``nhs-number`` package (never a real
person's). The demo password is generated at random on first load and kept in the instance
folder (mode 0600), never in the repository.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth import services as auth
from casework.auth.models import Organisation
from casework.db import Database, utcnow
from casework.demo.bulk import BATCH_SIZE, load_households
from casework.demo.caserows import CaseMaker
from casework.demo.households import HouseholdGenerator
from casework.demo.rows import Batch
from casework.demo.staff import DEMO_EMAIL, create_caseworkers, create_staff, owning_teams, rosters
from casework.families.models import Family

CREDENTIALS_FILE = "demo-credentials.txt"
#: Who the trail says loaded the data.
AUDIT_CONTEXT = trail.AuditContext("demo-loader", None, "demo-load")


@dataclass(frozen=True)
class DemoResult:
    families: int
    seconds: float
    email: str
    password: str
    credentials_file: Path
    cases: int = 0


def _password() -> str:
    words = ["harbour", "lantern", "meadow", "copper", "orchard", "thistle", "pebble", "willow", "saffron", "quarry"]
    rng = secrets.SystemRandom()
    return "-".join(rng.sample(words, 3)) + f"-{rng.randint(10, 99)}"


def _write_credentials(instance_dir: Path, email: str, password: str) -> Path:
    path = instance_dir / CREDENTIALS_FILE
    instance_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{email}\n{password}\n")
    return path


def _read_credentials(instance_dir: Path) -> tuple[str, str] | None:
    path = instance_dir / CREDENTIALS_FILE
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    return (lines[0], lines[1]) if len(lines) >= 2 else None


def load_demo(
    db: Database,
    instance_dir: Path,
    families: int = 200,
    progress: bool = False,
    seed: int = 2026,
    batch_size: int = BATCH_SIZE,
) -> DemoResult:
    """Load ``families`` synthetic families with their cases (and the staff, enough for their
    caseloads), committing batch by batch.

    Each batch commits whole, with its audit events; a failure leaves the batches before it.

    Args:
        db: the database to load into.
        instance_dir: where the demo password is kept.
        families: how many families to add.
        progress: show a progress bar (tqdm, on stderr).
        seed: with the number of families already stored, chooses the households and the
            histories of their cases (dated back from the time of the load): a fresh database
            gets the same ones every time (ids and keys are always new), and a second load adds
            different people rather than the same names and NHS numbers again.
        batch_size: families per transaction.
    """
    started = time.perf_counter()
    creds = _read_credentials(instance_dir)
    password = creds[1] if creds else _password()
    session = db.session()
    trail.bind(session, AUDIT_CONTEXT)
    bar = None
    cases = 0
    try:
        teams = owning_teams(create_staff(session, password))
        stored = session.scalar(select(func.count()).select_from(Family)) or 0
        create_caseworkers(session, teams, stored + families)
        session.commit()
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=families, unit="family", desc="Families", smoothing=0.1)

        def on_batch(batch: Batch) -> None:
            nonlocal cases
            cases += len(batch.cases)
            if bar is not None:
                bar.update(len(batch.families))

        now = utcnow()
        day = now.date()
        generator = HouseholdGenerator(seed + stored, families, day)
        partners = sorted(session.scalars(select(Organisation.id).where(Organisation.kind != "local_authority")))
        maker = CaseMaker(db.practice, rosters(session, teams), seed + stored, now, day, partners)
        load_households(session, db.keyring, teams, families, generator, day, batch_size=batch_size, on_batch=on_batch, cases=maker)
        analyse(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        if bar is not None:
            bar.close()
        session.close()
    path = _write_credentials(instance_dir, DEMO_EMAIL, password)
    return DemoResult(families, time.perf_counter() - started, DEMO_EMAIL, password, path, cases)


def analyse(session: Session) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: until autovacuum catches up,
    the planner would take a team of 40,000 cases for a few dozen and choose plans that sort
    all of them for a page of 50."""
    if session.get_bind().dialect.name == "postgresql":
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()


def ensure_demo(db: Database, instance_dir: Path, families: int = 25) -> DemoResult:
    """Load a small demo set unless the demo user already exists."""
    creds = _read_credentials(instance_dir)
    session = db.session()
    try:
        exists = auth.user_by_email(session, DEMO_EMAIL) is not None
    finally:
        session.close()
    if exists and creds:
        return DemoResult(0, 0.0, creds[0], creds[1], instance_dir / CREDENTIALS_FILE)
    return load_demo(db, instance_dir, families=families)
