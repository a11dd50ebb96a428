"""Words for the consent pages: where each person stands, the history, and who can see the
family and why, in plain English.

Presentation only: the services decide who may see what and what the history adds up to (with
the pure rules in consent/rules.py); this module turns their answers into sentences and rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import Organisation, User, UserRole
from casework.consent import rules
from casework.consent.models import Consent
from casework.consent.policy import CASE_ROLES
from casework.consent.services import OverrideView, consent_record, person_facts
from casework.consent.visibility import Viewer
from casework.families.forms import ROLE_CHOICES
from casework.families.models import Person
from casework.web import format_date

ROLE_LABELS = dict(ROLE_CHOICES)
METHOD_WORDS = {"written": "in writing", "verbal": "verbally"}
HOW_WORDS = {"owning team": "Works in the team that owns the case", "Team Around the Family": "In the team around the family"}


def organisation_names(session: Session) -> dict[str, str]:
    return {o.id: o.name for o in session.scalars(select(Organisation).order_by(Organisation.name))}


def practitioner_choices(session: Session) -> list[tuple[str, str]]:
    """Active practitioners and managers of every organisation, as "name, organisation"."""
    users = session.scalars(
        select(User)
        .where(User.active.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(sorted(CASE_ROLES)))))
        .order_by(User.name)
    ).unique()
    return [(u.id, f"{u.name}, {u.organisation.name}") for u in users]


def lines(values: Iterable[str]) -> Markup:
    """Escaped values, one a line."""
    return Markup("<br>").join(escape(v) for v in values)


def named(ids: Iterable[str], orgs: Mapping[str, str]) -> list[str]:
    return sorted(orgs.get(i, "An organisation no longer in casework") for i in ids)


def listed(ids: Iterable[str], orgs: Mapping[str, str]) -> str:
    names = named(ids, orgs)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def age_on(born: date | None, on: date) -> int | None:
    return rules.age_on(born, on) if born else None


def person_hint(person: Person, on: date) -> str:
    role = ROLE_LABELS.get(person.role, person.role)
    age = age_on(person.date_of_birth, on)
    if person.date_of_birth and age is not None:
        return f"{role}, born {format_date(person.date_of_birth)} (age {age})"
    return role + (", with parental responsibility" if person.parental_responsibility else "")


def decision_phrase(row: Consent, orgs: Mapping[str, str]) -> str:
    """What was decided, as a sentence: "Agreed to share with Northshire Community Health"."""
    covered = listed(row.organisation_ids or (), orgs)
    if row.purpose == "assessment":
        return {
            "given": "Agreed to early help and assessment",
            "refused": "Refused early help and assessment",
            "withdrawn": "Withdrew agreement to early help and assessment",
        }.get(row.decision, row.decision)
    if row.decision == "given":
        return f"Agreed to share with {covered}"
    if row.decision == "refused":
        return f"Refused sharing with {covered}" if covered else "Refused sharing"
    return f"Withdrew agreement to share with {covered}" if covered else "Withdrew every agreement to share"


def decided_by(row: Consent, people: Mapping[str, str]) -> str:
    how = METHOD_WORDS.get(row.method, row.method)
    if row.given_by_person_id == row.person_id:
        who = "Themself" + (", judged competent to decide" if row.competent else "")
    else:
        who = f"{people.get(row.given_by_person_id, 'Someone in the family')}, with parental responsibility"
    return f"{who}, {how}"


def history(rows: Sequence[Consent], people: Mapping[str, str], users: Mapping[str, str], orgs: Mapping[str, str]) -> list[dict[str, Any]]:
    """The consent history, newest first."""
    return [
        {
            "row": r,
            "person": people.get(r.person_id, "Someone in the family"),
            "decision": decision_phrase(r, orgs),
            "do_not_share": listed([*(r.do_not_share_with or ()), *(r.do_not_share_with_users or ())], {**orgs, **users}),
            "decided_by": decided_by(r, people),
            "recorded_by": users.get(r.recorded_by_id, "a colleague"),
        }
        for r in sorted(rows, key=lambda r: (r.recorded_at, r.id), reverse=True)
    ]


def _latest(rows: Sequence[Consent], person_id: str, purpose: str) -> Consent | None:
    mine = [r for r in rows if r.person_id == person_id and r.purpose == purpose]
    return max(mine, key=lambda r: (r.recorded_at, r.id)) if mine else None


def _until(expiry: date | None) -> str:
    return f" (review by {format_date(expiry)})" if expiry else ""


def positions(
    people: Sequence[Person],
    rows: Sequence[Consent],
    sharing: rules.Sharing,
    orgs: Mapping[str, str],
    on: date,
    users: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Where each person stands today: a summary card each, derived from the whole history."""
    records = [consent_record(r) for r in rows]
    names = {p.id: p.full_name for p in people}
    covered = {org for org, exp in sharing.override.items() if exp >= on}
    cards = []
    for person in people:
        state = rules.share_state(person_facts(person), records, on)
        agreement = _latest(rows, person.id, "assessment")
        if agreement is None:
            agreed: Any = "Not recorded"
        else:
            agreed = f"{decision_phrase(agreement, orgs)}: {decided_by(agreement, names).lower()}, {format_date(agreement.recorded_at)}"
            agreed += _until(agreement.expires_on)
        not_with = named(state.do_not_share_with, orgs) + [
            f"{name} (by name)" for name in named(state.do_not_share_with_users, users or {})
        ]
        given = [
            f"{orgs.get(o, 'An organisation')}{_until(exp)}" for o, exp in sorted(state.given.items(), key=lambda i: orgs.get(i[0], ""))
        ]
        rows_ = [
            {"key": {"text": "Early help and assessment"}, "value": {"text": agreed}},
            {"key": {"text": "Agreed to share with"}, "value": {"html": lines(given)} if given else {"text": "No one"}},
            {
                "key": {"text": "Refused or withdrawn"},
                "value": {"html": lines(named(state.refused, orgs))} if state.refused else {"text": "None"},
            },
            {
                "key": {"text": "Must not be shared with"},
                "value": {"html": lines(not_with)} if not_with else {"text": "None named"},
            },
        ]
        lifted = (state.refused | state.do_not_share_with) & covered
        if lifted:
            rows_.append(
                {
                    "key": {"text": "Shared without consent"},
                    "value": {"text": f"A decision to share without consent covers {listed(lifted, orgs)}"},
                }
            )
        cards.append({"card": {"title": {"text": person.full_name}}, "rows": rows_})
    return cards


def shared_with(sharing: rules.Sharing, orgs: Mapping[str, str], on: date) -> list[dict[str, str]]:
    """The organisations with a sharing basis today, and what it is."""
    result = []
    for org, basis in sorted(sharing.bases(on).items(), key=lambda i: orgs.get(i[0], "")):
        if basis == rules.CONSENT:
            expiry = sharing.consent.get(org)
            words, until = "The family's agreement", format_date(expiry) if expiry else "No review date"
        else:
            words, until = "A decision to share without consent", format_date(sharing.override[org])
        result.append({"organisation": orgs.get(org, "An organisation"), "basis": words, "until": until})
    return result


def consent_dates(people: Sequence[Person], rows: Sequence[Consent], on: date) -> dict[str, datetime]:
    """For each organisation the family agrees to share with, when that agreement was recorded."""
    records = [consent_record(r) for r in rows]
    dates: dict[str, datetime] = {}
    for person in people:
        state = rules.share_state(person_facts(person), records, on)
        for org, giver in state.given_by.items():
            agreed = [
                r.recorded_at
                for r in rows
                if r.person_id == person.id and r.purpose == "share" and r.decision == "given"
                if r.given_by_person_id == giver and org in (r.organisation_ids or ())
            ]
            if agreed:
                dates[org] = min(dates.get(org, max(agreed)), max(agreed))
    return dates


@dataclass(frozen=True)
class ViewerRow:
    name: str
    organisation: str
    connection: str
    why: str
    withheld: str


def _why(viewer: Viewer, team_name: str, agreed: Mapping[str, datetime], overrides: Sequence[OverrideView]) -> str:
    org = viewer.organisation or "their organisation"
    if viewer.basis == "team":
        return f"Can see because they work in {team_name}, the team that owns this case"
    if viewer.basis == "manager":
        return f"Can see because they manage {team_name}, the team that owns this case"
    if viewer.basis == "organisation":
        return f"Can see because they work for {org}, the organisation that owns this case, and are in the team around the family"
    org_id = viewer.user.organisation_id
    if viewer.basis == rules.CONSENT:
        when = agreed.get(org_id)
        return f"Can see because the family agreed to share with {org}" + (f" on {format_date(when)}" if when else "")
    if viewer.basis == rules.OVERRIDE:
        covering = [o for o in overrides if org_id in (o.organisation_ids or ())]
        latest = max(covering, key=lambda o: o.decided_at) if covering else None
        if latest is None:
            return f"Can see because of a decision to share with {org} without consent"
        return (
            f"Can see because of a decision on {format_date(latest.decided_at)} to share with {org} without consent, "
            f"to be reviewed by {format_date(latest.expires_on)}"
        )
    return f"Cannot see the case: the family has not agreed to share with {org}, and there is no decision to share without consent"


def viewer_rows(
    viewers: Sequence[Viewer],
    visible_names: set[str],
    team_name: str,
    agreed: Mapping[str, datetime],
    overrides: Sequence[OverrideView],
) -> tuple[list[ViewerRow], list[ViewerRow]]:
    """Who can see the case and why; and the team around the family who cannot. Only names of
    people the reader may see themself are shown as withheld."""
    able: list[ViewerRow] = []
    unable: list[ViewerRow] = []
    for v in viewers:
        withheld = [n for n in v.withheld if n in visible_names]
        row = ViewerRow(
            v.user.name, v.organisation, HOW_WORDS.get(v.how, v.how), _why(v, team_name, agreed, overrides), ", ".join(withheld)
        )
        (able if v.basis else unable).append(row)
    return able, unable


def withheld_rows(
    people: Sequence[Person],
    rows: Sequence[Consent],
    sharing: rules.Sharing,
    orgs: Mapping[str, str],
    on: date,
    users: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """For each organisation, and each practitioner named, whose details are withheld from them today, and why."""
    records = [consent_record(r) for r in rows]
    by_org: dict[str, list[str]] = {}
    for person in people:
        blocked = sharing.withheld_today(on).get(person.id, frozenset())
        if not blocked:
            continue
        state = rules.share_state(person_facts(person), records, on)
        for org in blocked:
            reasons = []
            if org in state.refused:
                reasons.append("refused or withdrew agreement to share")
            if org in state.do_not_share_with:
                reasons.append("asked that it must not see their information")
            by_org.setdefault(org, []).append(f"{person.full_name} ({' and '.join(reasons) or 'withheld'})")
    result = [
        {"organisation": orgs.get(org, "An organisation"), "people": "; ".join(sorted(names))}
        for org, names in sorted(by_org.items(), key=lambda i: orgs.get(i[0], ""))
    ]
    by_user: dict[str, list[str]] = {}
    for person in people:
        for user in sharing.withheld_users.get(person.id, frozenset()):
            by_user.setdefault(user, []).append(f"{person.full_name} (asked that this person must not see their information)")
    names_of = users or {}
    result += [
        {"organisation": f"{names_of.get(user, 'A practitioner')}, by name", "people": "; ".join(sorted(names))}
        for user, names in sorted(by_user.items(), key=lambda i: names_of.get(i[0], ""))
    ]
    return result
