"""Nothing personal is stored in plain text, and ciphertexts are bound to their place."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from casework.audit import trail
from casework.auth import services as auth
from casework.families import services
from casework.families.models import Family, Person
from casework.security.crypto import DecryptionError

CANARY_GIVEN = "Zephyrinequill"
CANARY_FAMILY = "Xanthopoulou-Brightwater"
CANARY_NHS = "9434765919"
CANARY_NOTE = "Canary note: dog is called Biscuitbarrel"
CANARY_ADDRESS = "17 Quillfeather Mews"


def _load_canaries(db) -> None:  # type: ignore[no-untyped-def]
    session = db.session()
    trail.bind(session, trail.AuditContext("test", None, "canary"))
    org = auth.create_organisation(session, "Canary Council", "local_authority")
    user = auth.create_user(
        session, email="canary@example.org", name="Canary Tester", organisation_id=org.id, roles=["practitioner"], team="Canaries"
    )
    actor = auth.actor_for(user)
    family = services.create_family(session, actor, address_line_1=CANARY_ADDRESS, postcode="LS1 4AP", note=CANARY_NOTE)
    services.add_member(
        session,
        actor,
        family.id,
        given_name=CANARY_GIVEN,
        family_name=CANARY_FAMILY,
        role="child",
        date_of_birth=date(2013, 7, 21),
        nhs_number=CANARY_NHS,
        note=CANARY_NOTE,
    )
    services.get_family_with_members(session, actor, family.id)
    services.search_people(session, actor, family_name=CANARY_FAMILY)
    session.commit()
    session.close()


CANARIES = [CANARY_GIVEN, CANARY_FAMILY, CANARY_NHS, "943 476 5919", "Biscuitbarrel", "Quillfeather", "2013-07-21"]


def _assert_no_canary(blob: bytes, where: str) -> None:
    for canary in CANARIES:
        for encoded in {canary.encode(), canary.lower().encode(), canary.encode("utf-16-le")}:
            assert encoded not in blob, f"{canary!r} found in plain text in {where}"


def test_encryption_no_canary_in_the_database_file_or_dump(fresh_database, backend, tmp_path):
    _load_canaries(fresh_database)
    url = fresh_database.engine.url
    fresh_database.engine.dispose()
    if backend == "sqlite":
        path = Path(url.database)
        files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
        assert files
        for p in files:
            _assert_no_canary(p.read_bytes(), p.name)
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is needed for the PostgreSQL canary test (apt-get install postgresql-client)")
        out = subprocess.run(
            [
                pg_dump,
                "--no-owner",
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database or "",
            ],
            check=True,
            capture_output=True,
        ).stdout
        assert b"COPY public.person" in out
        _assert_no_canary(out, "pg_dump")


def test_encryption_values_round_trip_through_the_orm(session, world):
    user = world.user()
    family = world.family(user, note=CANARY_NOTE)
    person = world.person(user, family, given_name=CANARY_GIVEN, date_of_birth=date(2013, 7, 21), nhs_number=CANARY_NHS)
    session.commit()
    session.expire_all()
    again = session.get(Person, person.id)
    assert again is not None
    assert (again.given_name, again.date_of_birth, again.nhs_number) == (CANARY_GIVEN, date(2013, 7, 21), CANARY_NHS)
    assert session.get(Family, family.id).note == CANARY_NOTE  # type: ignore[union-attr]
    assert CANARY_GIVEN.encode() not in again.given_name_enc  # type: ignore[operator]


def _move_ciphertext(session, source, source_column: str, target, target_column: str) -> None:  # type: ignore[no-untyped-def]
    """Copy one person's ciphertext into another place with SQL, as someone with database access could."""
    session.commit()
    stolen = session.scalar(select(getattr(Person, source_column)).where(Person.id == source.id))
    session.execute(update(Person).where(Person.id == target.id).values({target_column: stolen}))
    session.expire_all()


@pytest.mark.parametrize("place", ["another row", "another column", "another family"])
def test_encryption_ciphertext_moved_elsewhere_fails_to_decrypt(session, world, place):
    user = world.user()
    one, two = world.family(user), world.family(user)
    a = world.person(user, one, given_name="Amelia", family_name="Stone")
    b = world.person(user, two if place == "another family" else one, given_name="Bertie")
    target, column = (a, "family_name_enc") if place == "another column" else (b, "given_name_enc")
    _move_ciphertext(session, a, "given_name_enc", target, column)
    moved = session.get(Person, target.id)
    with pytest.raises(DecryptionError):
        _ = moved.family_name if column == "family_name_enc" else moved.given_name  # type: ignore[union-attr]


def test_encryption_each_family_has_its_own_wrapped_key(session, world):
    user = world.user()
    one, two = world.family(user), world.family(user)
    session.commit()
    assert one.dek_wrapped != two.dek_wrapped
    assert one.kek_id == session.info["db"].keyring.kek.current
