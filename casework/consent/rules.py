"""Consent and information sharing, pure: who may decide, and what the history adds up to.

Two different things are called consent (information-sharing advice, 2024): the family's
agreement to early help and assessment (purpose ``assessment``) and agreement to share with
named organisations (purpose ``share``). Records are append-only; the current state is derived
here from the history, never stored over it. A competent child's own decision governs their own
information, even against a parent's; anyone 16 or over decides for themself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from casework.errors import ValidationFailed

PURPOSES = ("assessment", "share")
DECISIONS = ("given", "refused", "withdrawn")
METHODS = ("written", "verbal")
SELF_DECISION_AGE = 16
CONSENT, OVERRIDE = "consent", "share_without_consent"
MAX_TEXT = 10_000


@dataclass(frozen=True)
class PersonFacts:
    id: str
    role: str
    date_of_birth: date | None
    parental_responsibility: bool


@dataclass(frozen=True)
class ConsentRecord:
    id: str
    person_id: str
    given_by_person_id: str
    competent: bool | None
    purpose: str
    decision: str
    organisation_ids: frozenset[str]
    do_not_share_with: frozenset[str]
    recorded_at: datetime
    expires_on: date | None = None
    do_not_share_with_users: frozenset[str] = frozenset()  # named practitioners


@dataclass(frozen=True)
class Override:
    """A recorded decision to share without consent."""

    id: str
    organisation_ids: frozenset[str]
    expires_on: date
    decided_at: datetime

    def active(self, today: date) -> bool:
        return self.expires_on >= today


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def decides_for_self(person: PersonFacts, competent: bool | None, today: date) -> bool:
    """An adult, anyone 16 or over, or a child judged competent decides for themself."""
    if person.role == "unborn":
        return False
    if person.role in ("parent_carer", "other_adult"):
        return True
    if person.date_of_birth is not None and age_on(person.date_of_birth, today) >= SELF_DECISION_AGE:
        return True
    return bool(competent)


def check_consent(
    *,
    person: PersonFacts | None,
    decider: PersonFacts | None,
    competent: bool | None,
    purpose: str | None,
    decision: str | None,
    method: str | None,
    organisation_ids: Iterable[str],
    known_organisation_ids: Iterable[str],
    do_not_share_with: Iterable[str],
    expires_on: date | None,
    note: str | None,
    today: date,
    known_user_ids: Iterable[str] = (),
    lead_professional_id: str | None = None,
) -> None:
    """Refuse a consent record that could not be relied on, naming each problem.

    ``do_not_share_with`` may name organisations and named practitioners (user ids) alike."""
    problems: dict[str, list[str]] = {}
    known = set(known_organisation_ids)
    known_users = set(known_user_ids)
    orgs, dns = set(organisation_ids), set(do_not_share_with)
    if purpose not in PURPOSES:
        problems["purpose"] = [f"Purpose must be one of {', '.join(PURPOSES)}"]
    if decision not in DECISIONS:
        problems["decision"] = [f"Decision must be one of {', '.join(DECISIONS)}"]
    if method not in METHODS:
        problems["method"] = ["Say whether the decision was written or verbal"]
    if person is None:
        problems["person_id"] = ["Choose a person in this family"]
    if decider is None:
        problems["given_by_person_id"] = ["Choose who made the decision: a person in this family"]
    if person is not None and decider is not None:
        if decider.id == person.id:
            if not decides_for_self(person, competent, today):
                problems["competent"] = [
                    "A child under 16 decides for themself only when judged competent to: "
                    "record that judgement, or record the decision of someone with parental responsibility"
                ]
        elif not decider.parental_responsibility:
            problems["given_by_person_id"] = ["The person deciding for someone else must hold parental responsibility"]
        elif person.role in ("parent_carer", "other_adult") or (
            person.date_of_birth is not None and age_on(person.date_of_birth, today) >= SELF_DECISION_AGE
        ):
            problems["given_by_person_id"] = ["An adult or a young person of 16 or over decides for themself"]
    if purpose == "share" and decision == "given" and not orgs:
        problems["organisation_ids"] = ["Name the organisations the family agrees to share with"]
    if orgs - known:
        problems["organisation_ids"] = ["Choose organisations that use casework"]
    if dns - known - known_users:
        problems["do_not_share_with"] = ["Choose organisations or people that use casework"]
    if lead_professional_id and lead_professional_id in dns:
        problems["do_not_share_with"] = ["The person named is this case's lead professional: allocate another lead professional first"]
    if orgs & dns:
        problems["do_not_share_with"] = ["An organisation cannot be both shared with and not shared with"]
    if expires_on is not None and expires_on < today:
        problems["expires_on"] = ["The review date must be today or in the future"]
    if note and len(note) > MAX_TEXT:
        problems["note"] = [f"Note must be {MAX_TEXT} characters or fewer"]
    if problems:
        raise ValidationFailed(fields=problems)


def check_override(
    *,
    organisation_ids: Iterable[str],
    known_organisation_ids: Iterable[str],
    lawful_basis: str | None,
    justification: str | None,
    expires_on: date | None,
    today: date,
) -> None:
    problems: dict[str, list[str]] = {}
    orgs = set(organisation_ids)
    if not orgs:
        problems["organisation_ids"] = ["Name the organisations information will be shared with"]
    elif orgs - set(known_organisation_ids):
        problems["organisation_ids"] = ["Choose organisations that use casework"]
    if not (lawful_basis or "").strip():
        problems["lawful_basis"] = ["Enter the lawful basis for sharing without consent"]
    elif len(lawful_basis or "") > 500:
        problems["lawful_basis"] = ["Lawful basis must be 500 characters or fewer"]
    if not (justification or "").strip():
        problems["justification"] = ["Record why information must be shared without consent"]
    elif len(justification or "") > MAX_TEXT:
        problems["justification"] = [f"Justification must be {MAX_TEXT} characters or fewer"]
    if expires_on is None:
        problems["expires_on"] = ["Enter the date this decision must be reviewed by"]
    elif expires_on < today:
        problems["expires_on"] = ["The review date must be today or in the future"]
    if problems:
        raise ValidationFailed(fields=problems)


#: A decision to share without consent whose review date falls within this many days is "review due".
REVIEW_SOON_DAYS = 14
OVERRIDE_STATES = {"active": "Active", "review_due": "Review due", "lapsed": "Lapsed"}


def override_state(expires_on: date, today: date) -> str:
    """Where a decision to share without consent stands for review: lapsed once its review date
    has passed, review due within :data:`REVIEW_SOON_DAYS` of it, otherwise active."""
    if expires_on < today:
        return "lapsed"
    return "review_due" if (expires_on - today).days <= REVIEW_SOON_DAYS else "active"


def _governing(person: PersonFacts, records: list[ConsentRecord], today: date) -> list[ConsentRecord]:
    """The records that govern a person's own information: their own once they decide for
    themself (a competent child's decision stands even against a parent's), else their parents'."""
    own = [r for r in records if r.given_by_person_id == person.id and decides_for_self(person, r.competent, today)]
    return own or [r for r in records if r.given_by_person_id != person.id]


@dataclass(frozen=True)
class ShareState:
    """A person's current sharing position."""

    given: Mapping[str, date | None] = field(default_factory=dict)  # org -> expiry (None: no expiry)
    given_by: Mapping[str, str] = field(default_factory=dict)  # org -> who gave it
    refused: frozenset[str] = frozenset()  # refused or withdrawn
    do_not_share_with: frozenset[str] = frozenset()
    do_not_share_with_users: frozenset[str] = frozenset()  # named practitioners


def share_state(person: PersonFacts, history: Iterable[ConsentRecord], today: date) -> ShareState:
    """Replay the person's share records in order: the latest word on each organisation stands.
    A withdrawal naming no organisation withdraws everything given before it."""
    records = sorted((r for r in history if r.person_id == person.id and r.purpose == "share"), key=lambda r: (r.recorded_at, r.id))
    given: dict[str, date | None] = {}
    given_by: dict[str, str] = {}
    refused: set[str] = set()
    dns: frozenset[str] = frozenset()
    dns_users: frozenset[str] = frozenset()
    for r in _governing(person, records, today):
        targets = r.organisation_ids or (frozenset(given) | refused if r.decision == "withdrawn" else frozenset())
        for org in targets:
            if r.decision == "given":
                given[org] = r.expires_on
                given_by[org] = r.given_by_person_id
                refused.discard(org)
            else:
                given.pop(org, None)
                given_by.pop(org, None)
                refused.add(org)
        # each record restates the whole do-not-share list; one naming nobody leaves it standing
        # unless it gives agreement afresh
        if r.do_not_share_with or r.do_not_share_with_users or r.decision == "given":
            dns, dns_users = r.do_not_share_with, r.do_not_share_with_users
    active = {org: exp for org, exp in given.items() if exp is None or exp >= today}
    return ShareState(active, {org: given_by[org] for org in active}, frozenset(refused), dns, dns_users)


def has_agreement(people: Iterable[PersonFacts], history: Iterable[ConsentRecord], today: date) -> bool:
    """Has the family agreed to early help and assessment? The latest word of someone able to
    give it (an adult or young person for themself, or a parent with parental responsibility);
    a young person's or another adult's word about somebody else does not count."""
    latest: dict[str, ConsentRecord] = {}
    for r in sorted((r for r in history if r.purpose == "assessment"), key=lambda r: (r.recorded_at, r.id)):
        latest[r.given_by_person_id] = r
    by_id = {p.id: p for p in people}
    for r in latest.values():
        decider = by_id.get(r.given_by_person_id)
        if (
            decider
            and r.decision == "given"
            and (r.expires_on is None or r.expires_on >= today)
            and (decider.parental_responsibility or (r.person_id == decider.id and decides_for_self(decider, r.competent, today)))
        ):
            return True
    return False


@dataclass(frozen=True)
class Sharing:
    """What a case's consent history and overrides add up to, before the clock is applied:
    each basis with its expiry, and whose details are withheld by consent (overrides aside)."""

    consent: Mapping[str, date | None]  # organisation -> expiry of its consent basis (None: none)
    override: Mapping[str, date]  # organisation -> expiry of a share-without-consent decision
    withheld: Mapping[str, frozenset[str]]  # person -> organisations refused or not to be shared with
    #: person -> named practitioners (user ids) not to be shared with; no override lifts these
    withheld_users: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def bases(self, today: date) -> dict[str, str]:
        """Organisations with a sharing basis today, and which (consent before override)."""
        active = {org: OVERRIDE for org, exp in self.override.items() if exp >= today}
        active.update({org: CONSENT for org, exp in self.consent.items() if exp is None or exp >= today})
        return active

    def withheld_today(self, today: date) -> dict[str, frozenset[str]]:
        """Whose details are withheld from whom today: an active override lifts the withholding."""
        covered = {org for org, exp in self.override.items() if exp >= today}
        result = {}
        for person, orgs in self.withheld.items():
            if orgs - covered:
                result[person] = frozenset(orgs - covered)
        return result


def sharing(people: Iterable[PersonFacts], history: Iterable[ConsentRecord], overrides: Iterable[Override], today: date) -> Sharing:
    """Derive a case's sharing position from its consent history and overrides.

    An organisation has a basis while a person with parental responsibility (or an adult or
    competent young person for themself) has an active ``share`` consent naming it, or an active
    share-without-consent decision covers it. A person's own details are withheld from an
    organisation they (or, for a younger child, their parent) refused or withdrew, or that is on
    a do-not-share list, unless a share-without-consent decision covers it; from a practitioner
    named on a do-not-share list, whatever covers their organisation. ``today`` decides
    which consents have already lapsed; later expiry is applied by :meth:`Sharing.bases`.
    """
    people = list(people)
    by_id = {p.id: p for p in people}
    # A decision for someone else counts only when its maker holds parental responsibility: a
    # record by anyone else can neither give a basis nor undo a refusal.
    history = [
        r
        for r in history
        if r.given_by_person_id == r.person_id or (r.given_by_person_id in by_id and by_id[r.given_by_person_id].parental_responsibility)
    ]
    consent: dict[str, date | None] = {}
    withheld: dict[str, frozenset[str]] = {}
    withheld_users: dict[str, frozenset[str]] = {}
    for person in people:
        state = share_state(person, history, today)
        for org, expiry in state.given.items():
            decider = by_id.get(state.given_by[org])
            # Self-decisions in the state are by someone able to decide (see _governing); a
            # decision for someone else counts when the decider holds parental responsibility.
            if decider is None or not (decider.id == person.id or decider.parental_responsibility):
                continue
            current = consent.get(org, date.min)
            consent[org] = None if expiry is None or current is None else max(expiry, current)
        blocked = state.refused | state.do_not_share_with
        if blocked:
            withheld[person.id] = frozenset(blocked)
        if state.do_not_share_with_users:
            withheld_users[person.id] = state.do_not_share_with_users
    override: dict[str, date] = {}
    for o in overrides:
        if o.active(today):
            for org in o.organisation_ids:
                override[org] = max(o.expires_on, override.get(org, date.min))
    return Sharing(consent, override, withheld, withheld_users)
