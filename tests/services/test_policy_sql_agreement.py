"""The SQL filter and the pure decide() give the same answer on generated states (families of
several teams, some of them restricted)."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casework.consent.policy import Actor, FamilyFacts, decide
from casework.consent.query import visible_families
from casework.db import utcnow
from casework.families.models import Family
from casework.retention.models import Restriction

ROLE_SETS = st.frozensets(st.sampled_from(["practitioner", "manager", "safeguarding_lead", "ig_officer", "admin"]), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    owners=st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.booleans()), min_size=1, max_size=6),  # team, restricted
    actor_teams=st.frozensets(st.integers(min_value=0, max_value=4), max_size=3),
    roles=ROLE_SETS,
)
def test_policy_sql_filter_agrees_with_decide(session, world, owners, actor_teams, roles):
    nested = session.begin_nested()
    try:
        org = world.org()
        from casework.auth.services import ensure_team

        teams = [ensure_team(session, org, f"Team {i}") for i in range(5)]
        families, restricted = [], set()
        ig = world.user(roles=("ig_officer",), team=None, org=org)
        for owner, is_restricted in owners:
            family = Family(id=str(uuid.uuid4()), owning_team_id=teams[owner].id, kek_id="kek1", dek_wrapped=b"\x00" * 60)
            session.add(family)
            families.append(family)
            if is_restricted:  # straight into the table: the reason would need the family's (made-up) key
                session.add(Restriction(id=str(uuid.uuid4()), family_id=family.id, scope="family", set_by_id=ig.id, set_at=utcnow()))
                restricted.add(family.id)
        session.flush()
        actor = Actor(user_id="u", organisation_id=org.id, roles=roles, team_ids=frozenset(teams[t].id for t in actor_teams))
        by_sql = set(session.scalars(select(Family.id).where(Family.id.in_([f.id for f in families]), visible_families(actor))))
        by_rule = {f.id for f in families if decide(actor, FamilyFacts(f.id, f.owning_team_id, restricted=f.id in restricted)).allowed}
        assert by_sql == by_rule
    finally:
        nested.rollback()
