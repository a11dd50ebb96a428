"""Load realistic synthetic data: organisations, teams, staff and families with their people.

Names and addresses come from Faker's en_GB locale; NHS numbers from the synthetic range of the
``nhs-number`` package (never a real person's). The demo password is generated at random on
first load and kept in the instance folder (mode 0600), never in the repository.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import nhs_number
from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit import trail
from casework.auth import services as auth
from casework.auth.models import Organisation, User
from casework.db import Database
from casework.families import services as families

DEMO_EMAIL = "practitioner@demo.casework.test"
CREDENTIALS_FILE = "demo-credentials.txt"

ORGANISATIONS = [
    ("Northshire County Council", "local_authority", ["Early Help North", "Early Help South"]),
    ("Northshire Community Health NHS Trust", "health", ["Health Visiting East"]),
    ("St Anne's Primary School", "school", ["Pastoral Team"]),
    ("Northshire Constabulary", "police", ["Early Intervention"]),
    ("Homes for Northshire", "housing", ["Tenancy Support"]),
    ("Family Action Northshire", "voluntary", ["Family Support"]),
]


@dataclass(frozen=True)
class DemoResult:
    families: int
    seconds: float
    email: str
    password: str
    credentials_file: Path


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


def _staff(session: Session, password: str) -> list[User]:
    """Organisations, teams and one user per role; returns the local authority's practitioners."""
    practitioners = []
    for name, kind, teams in ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.name == name)) or auth.create_organisation(session, name, kind)
        for team in teams:
            auth.ensure_team(session, org, team)
    la = session.scalar(select(Organisation).where(Organisation.name == ORGANISATIONS[0][0]))
    health = session.scalar(select(Organisation).where(Organisation.name == ORGANISATIONS[1][0]))
    assert la is not None and health is not None  # nosec B101 - created above
    people = [
        (DEMO_EMAIL, "Priya Shah", la, ["practitioner"], "Early Help North"),
        ("manager@demo.casework.test", "Tom Adeyemi", la, ["manager"], "Early Help North"),
        ("south@demo.casework.test", "Grace O'Neill", la, ["practitioner"], "Early Help South"),
        ("safeguarding@demo.casework.test", "Sam Clarke", la, ["safeguarding_lead"], None),
        ("ig@demo.casework.test", "Helen Wood", la, ["ig_officer"], None),
        ("admin@demo.casework.test", "Alex Morgan", la, ["admin"], None),
        ("healthvisitor@demo.casework.test", "Fatima Begum", health, ["practitioner"], "Health Visiting East"),
    ]
    for email, name, org, roles, team in people:
        user = auth.user_by_email(session, email)
        if user is None:
            user = auth.create_user(session, email=email, name=name, organisation_id=org.id, roles=roles, team=team, password=password)
        if "practitioner" in roles and org is la:
            practitioners.append(user)
    return practitioners


def _families(session: Session, practitioners: list[User], count: int, seed: int, progress: bool) -> None:
    fake = Faker("en_GB")
    Faker.seed(seed)
    rng = random.Random(seed)  # nosec B311 - synthetic data, not security
    synthetic_nhs = nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=count * 4)
    today = date.today()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count, unit="family", desc="Families")
    for i in range(count):
        actor = auth.actor_for(practitioners[i % len(practitioners)])
        family = families.create_family(session, actor, address_line_1=fake.street_address().replace("\n", ", "), postcode=fake.postcode())
        surname = fake.last_name()
        adults = 1 + (rng.random() < 0.55)
        for a in range(adults):
            families.add_member(
                session,
                actor,
                family.id,
                given_name=fake.first_name_female() if a == 0 else fake.first_name_male(),
                family_name=surname,
                role="parent_carer",
                parental_responsibility=True,
                date_of_birth=today - timedelta(days=rng.randint(19 * 365, 50 * 365)),
                nhs_number=synthetic_nhs[i * 4 + a],
                language="English",
            )
        for c in range(rng.choice([1, 1, 2, 2, 2, 3, 4])):
            families.add_member(
                session,
                actor,
                family.id,
                given_name=fake.first_name(),
                family_name=surname,
                role="child",
                parental_responsibility=False,
                date_of_birth=today - timedelta(days=rng.randint(30, 17 * 365)),
                nhs_number=synthetic_nhs[i * 4 + 2 + c] if c < 2 else None,
                school=f"{fake.city()} Primary School" if rng.random() < 0.6 else None,
            )
        if bar is not None:
            bar.update(1)
        if i % 200 == 199:
            session.flush()
    if bar is not None:
        bar.close()


def load_demo(db: Database, instance_dir: Path, families: int = 200, progress: bool = False, seed: int = 2026) -> DemoResult:
    """Load ``families`` synthetic families (and the staff, once)."""
    started = time.perf_counter()
    creds = _read_credentials(instance_dir)
    password = creds[1] if creds else _password()
    session = db.session()
    trail.bind(session, trail.AuditContext("demo-loader", None, "demo-load"))
    try:
        practitioners = _staff(session, password)
        _families(session, practitioners, families, seed, progress)
        session.commit()
    finally:
        session.close()
    path = _write_credentials(instance_dir, DEMO_EMAIL, password)
    return DemoResult(families, time.perf_counter() - started, DEMO_EMAIL, password, path)


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
