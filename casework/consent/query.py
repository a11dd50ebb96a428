"""The access policy as SQL: the filter every list, search, export and report uses."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from casework.cases.models import Case
from casework.consent.policy import Actor, case_team_ids
from casework.families.models import Family


def visible_families(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the families :func:`policy.decide` allows."""
    teams = case_team_ids(actor)
    if not teams:
        return false()
    return Family.owning_team_id.in_(sorted(teams))


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases :func:`policy.decide_case` allows."""
    teams = case_team_ids(actor)
    if not teams:
        return false()
    return Case.owning_team_id.in_(sorted(teams))
