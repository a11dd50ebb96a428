"""Two consents recorded for one case at the same time both succeed, and the sharing rows are
those the rules derive from both (real commits, two connections). Both requests rewrite the
case's sharing rows, the one that existed before included: without taking turns the second
inserted that row again and failed on its primary key (found by `make bench`)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from casework.audit import trail
from casework.auth import services as auth
from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from casework.consent.models import SharingBasis
from casework.errors import DomainError
from casework.families import services as families


def test_consent_recorded_while_another_is_uncommitted_waits_and_both_share(fresh_database):  # type: ignore[no-untyped-def]
    db = fresh_database
    setup = db.session()
    trail.bind(setup, trail.AuditContext("test", None, "setup"))
    council = auth.create_organisation(setup, "Council", "local_authority")
    school = auth.create_organisation(setup, "School", "school")
    health = auth.create_organisation(setup, "Health", "health")
    housing = auth.create_organisation(setup, "Housing", "housing")
    user = auth.create_user(setup, email="lead@example.org", name="Lead", organisation_id=council.id, roles=["practitioner"], team="North")
    actor = auth.actor_for(user)
    family = families.create_family(setup, actor, address_line_1="1 Test Street", postcode="SW1A 1AA")
    parent = families.add_member(
        setup, actor, family.id, given_name="Sam", family_name="Hart", role="parent_carer", parental_responsibility=True
    )
    case = cases.create_case(setup, actor, family_id=family.id, level=2, source="other", reason="Worried")
    leads.assign_lead(setup, actor, case.id, user_id=user.id)
    consent.record_consent(
        setup, actor, case.id, person_id=parent.id, purpose="share", decision="given", method="written", organisation_ids=[housing.id]
    )
    setup.commit()
    case_id, parent_id = case.id, parent.id
    setup.close()

    def record(session, organisation_id: str) -> None:  # type: ignore[no-untyped-def]
        trail.bind(session, trail.AuditContext(actor.user_id, actor.organisation_id, f"share-{organisation_id}"))
        consent.record_consent(
            session,
            actor,
            case_id,
            person_id=parent_id,
            purpose="share",
            decision="given",
            method="written",
            organisation_ids=[organisation_id],
        )

    first = db.session()
    record(first, school.id)  # flushed, its sharing rows written, not committed
    errors: list[Exception] = []

    def second() -> None:
        session = db.session()
        try:
            record(session, health.id)
            session.commit()
        except (SQLAlchemyError, DomainError) as exc:  # the test reports it below
            errors.append(exc)
            session.rollback()
        finally:
            session.close()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)  # the second request is now waiting for the first
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert errors == []

    check = db.session()
    stored = {(b.organisation_id, b.basis) for b in check.scalars(select(SharingBasis).where(SharingBasis.case_id == case_id))}
    assert stored == {(housing.id, "consent"), (school.id, "consent"), (health.id, "consent")}
    assert set(consent.derive_sharing(check, cases.get_case(check, actor, case_id)).consent) == {housing.id, school.id, health.id}
    check.rollback()
    check.close()
