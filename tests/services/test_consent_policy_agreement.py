"""The access policy's two forms agree on generated states (DESIGN.md "The access policy").

Hypothesis generates families (adults with and without parental responsibility, children of all
ages, unborn children), cases, Team Around the Family memberships across several organisations,
consent histories (given, refused and withdrawn; competent or not; do-not-share lists naming
organisations and practitioners; expiries
past and future) and decisions to share without consent (active and lapsed). They are written
through the real services, or, where the services would rightly refuse a generated record (a
lapsed expiry, a decider without parental responsibility...), straight into the tables followed
by ``refresh_sharing``. Then, for every generated user:

* the pure answer -- ``policy.decide_case`` on facts built by ``rules.sharing`` from the
  *generated history* -- equals the SQL filter ``visible_cases`` (and ``visible_families``);
* a person of a visible family is hidden from search (``withheld_from``) exactly when the pure
  decisions withhold them on every case the user sees the family through;
* the facts the single-record gate reads from the derived tables (``facts.case_facts``) are the
  pure facts.

Restrictions of processing (a whole family, lifted or not, and single people) are placed by an
information governance officer after each family's history: a restricted family drops out of
both answers, and a restricted person is hidden from everyone who sees their family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from casework.auth.models import User
from casework.auth.services import actor_for
from casework.cases import services as cases
from casework.cases.models import Case
from casework.consent import rules
from casework.consent import services as consent
from casework.consent.facts import case_facts, forget_facts
from casework.consent.models import Consent, ShareWithoutConsent, TeamMember
from casework.consent.policy import CASE_ROLES, CaseFacts, FamilyFacts, decide, decide_case
from casework.consent.query import visible_cases, visible_families, withheld_from
from casework.db import new_id, today, utcnow
from casework.errors import ValidationFailed
from casework.families.models import Family, Person
from casework.retention import services as retention

ORGS = 4  # organisation 0 is the local authority that owns every family
LA_TEAMS = ("Team 0", "Team 1", "Team 2")  # families are owned by Team 0 or Team 1
ROLES = ("practitioner", "manager", "safeguarding_lead", "ig_officer", "admin")
OFFSETS = (-30, -1, 0, 1, 30)  # expiries relative to today

org_sets = st.frozensets(st.integers(0, ORGS - 1), max_size=3)
named_orgs = st.one_of(st.frozensets(st.integers(0, ORGS - 1), min_size=1, max_size=3), st.just(frozenset[int]()))
adults = st.tuples(st.sampled_from(["parent_carer", "other_adult"]), st.booleans())  # parental responsibility
people = st.one_of(
    adults,
    adults,
    st.tuples(st.just("child"), st.integers(0, 18 * 366)),  # days old
    st.tuples(st.just("unborn"), st.just(0)),
)
users = st.tuples(
    st.integers(0, ORGS - 1),
    st.integers(0, len(LA_TEAMS)),  # 0: no team; otherwise a team of their organisation
    st.one_of(
        st.sampled_from([frozenset({"practitioner"}), frozenset({"manager"})]),
        st.frozensets(st.sampled_from(ROLES), min_size=1, max_size=3),
    ),
)
membership = st.tuples(st.just("member"), st.integers(0, 15), st.booleans())  # user, removed afterwards
family_member = st.tuples(st.just("family_member"), st.integers(0, 15))
consent_event = st.tuples(
    st.just("consent"),
    st.integers(0, 15),  # about whom
    st.one_of(st.none(), st.none(), st.integers(0, 15)),  # decided by (None: themself)
    st.sampled_from([None, False, True]),  # judged competent
    st.sampled_from(["share", "share", "share", "share", "assessment"]),
    st.sampled_from(["given", "given", "refused", "withdrawn"]),
    named_orgs,  # organisations named
    st.one_of(st.just(frozenset[int]()), org_sets),  # do not share with
    st.one_of(st.none(), st.none(), st.sampled_from(OFFSETS)),  # expires
    st.one_of(st.just(frozenset[int]()), st.just(frozenset[int]()), st.frozensets(st.integers(0, 15), max_size=2)),  # named users
)
override_event = st.tuples(st.just("override"), st.frozensets(st.integers(0, ORGS - 1), min_size=1, max_size=3), st.sampled_from(OFFSETS))
case_events = st.tuples(
    st.lists(membership, min_size=1, max_size=4),
    st.lists(family_member, max_size=1),
    st.lists(consent_event, max_size=6),
    st.lists(override_event, max_size=2),
).map(lambda kinds: [event for events in kinds for event in events])
restrictions = st.tuples(
    st.sampled_from([None, None, "family", "family_lifted"]),  # processing of the whole family restricted
    st.one_of(st.just(frozenset[int]()), st.frozensets(st.integers(0, 15), max_size=2)),  # people restricted
)
families = st.tuples(
    st.integers(0, 1),  # owning team
    st.lists(people, min_size=1, max_size=4),
    st.lists(case_events, min_size=1, max_size=2),  # an earlier, closed case and the open one
    restrictions,
)


@dataclass
class CaseHistory:
    case: Case
    consents: list[rules.ConsentRecord] = field(default_factory=list)
    overrides: list[rules.Override] = field(default_factory=list)
    members: set[str] = field(default_factory=set)  # users in the team around the family now


class Builder:
    """Writes a generated state through the services (or the tables, where the services would
    refuse it) and keeps the history the pure side decides from."""

    def __init__(self, session: Any, world: Any, on: date) -> None:
        self.session, self.world, self.today = session, world, on
        self.orgs = [world.org("local_authority"), *(world.org(k) for k in ("health", "school", "police")[: ORGS - 1])]
        la = self.orgs[0]
        # a practitioner in each owning team records for the team's families; a manager decides
        # to share without consent
        self.owners = [world.user(roles=("practitioner",), team=LA_TEAMS[t], org=la) for t in (0, 1)]
        self.managers = [world.user(roles=("manager",), team=LA_TEAMS[t], org=la) for t in (0, 1)]
        self.manager_of = {owner.id: manager for owner, manager in zip(self.owners, self.managers, strict=True)}
        self.users: list[User] = []  # the generated users, then the owning teams'
        self.generated = 0
        self.histories: list[CaseHistory] = []
        self.people: dict[str, list[rules.PersonFacts]] = {}  # family -> its people
        self.ig = world.user(roles=("ig_officer",), team=None, org=la)
        self.restricted: dict[str, tuple[bool, frozenset[str]]] = {}  # family -> (whole family, people)

    def org_ids(self, indexes: frozenset[int]) -> list[str]:
        return sorted(self.orgs[i].id for i in indexes)

    def expiry(self, offset: int | None) -> date | None:
        return None if offset is None else self.today + timedelta(days=offset)

    def add_user(self, org: int, team: int, roles: frozenset[str]) -> None:
        name = (LA_TEAMS[team - 1] if org == 0 else f"Partner team {team}") if team else None
        self.users.append(self.world.user(roles=sorted(roles), team=name, org=self.orgs[org]))

    def staff_complete(self) -> None:
        self.generated = len(self.users)
        self.users += [*self.owners, *self.managers]

    def add_family(
        self,
        owner_index: int,
        members: list[tuple[str, Any]],
        case_specs: list[list[tuple[Any, ...]]],
        restrict: tuple[str | None, frozenset[int]] = (None, frozenset()),
    ) -> None:
        owner = self.owners[owner_index]
        family = self.world.family(owner)
        people: list[Person] = []
        for role, detail in members:
            kwargs: dict[str, Any] = {"role": role}
            if role in ("parent_carer", "other_adult"):
                kwargs["parental_responsibility"] = detail
            elif role == "child":
                kwargs["date_of_birth"] = self.today - timedelta(days=detail)
            else:
                kwargs["expected_date"] = self.today + timedelta(days=60)
            people.append(self.world.person(owner, family, **kwargs))
        self.people[family.id] = [rules.PersonFacts(p.id, p.role, p.date_of_birth, p.parental_responsibility) for p in people]
        for n, events in enumerate(case_specs):
            case = cases.create_case(
                self.session, actor_for(owner), family_id=family.id, level=2, source="request_for_support", reason="Generated"
            )
            history = CaseHistory(case)
            self.histories.append(history)
            for event in events:
                getattr(self, f"_{event[0]}")(owner, history, people, *event[1:])
            if n < len(case_specs) - 1:  # an earlier episode, closed before the next one opens
                case.status, case.closed_at, case.closed_by_id, case.closure_reason = "closed", utcnow(), owner.id, "needs_met"
                self.session.flush()
        self._restrict(family.id, people, *restrict)

    def _restrict(self, family_id: str, people: list[Person], whole: str | None, restricted: frozenset[int]) -> None:
        ig = actor_for(self.ig)
        person_ids = frozenset(people[i % len(people)].id for i in restricted)
        for person_id in sorted(person_ids):
            retention.set_restriction(self.session, ig, family_id, person_id=person_id, reason="Generated")
        if whole:
            row = retention.set_restriction(self.session, ig, family_id, reason="Generated")
            if whole == "family_lifted":
                retention.lift_restriction(self.session, ig, row.id, reason="Generated")
        self.restricted[family_id] = (whole == "family", person_ids)

    def _member(self, owner: User, history: CaseHistory, people: list[Person], index: int, removed: bool) -> None:
        user = self.users[index % self.generated]  # the owning teams see their cases anyway
        if user.id in history.members:
            return
        case = history.case
        if user.roles & CASE_ROLES:
            row = consent.add_team_member(self.session, actor_for(owner), case.id, user_id=user.id, role_in_team="Partner")
        else:  # the service only adds practitioners and managers: a stray row must still show nothing
            row = TeamMember(
                id=new_id(), case_id=case.id, family_id=case.family_id, user_id=user.id, role_in_team="x", added_by_id=owner.id
            )
            self.session.add(row)
            self.session.flush()
            forget_facts(self.session, case.id)
        if removed:
            consent.remove_team_member(self.session, actor_for(owner), case.id, row.id)
        else:
            history.members.add(user.id)

    def _family_member(self, owner: User, history: CaseHistory, people: list[Person], index: int) -> None:
        person = people[index % len(people)]
        if self.session.scalar(select(TeamMember.id).where(TeamMember.case_id == history.case.id, TeamMember.person_id == person.id)):
            return
        consent.add_team_member(self.session, actor_for(owner), history.case.id, person_id=person.id, role_in_team="Family")

    def _consent(
        self,
        owner: User,
        history: CaseHistory,
        people: list[Person],
        about: int,
        by: int | None,
        competent: bool | None,
        purpose: str,
        decision: str,
        orgs: frozenset[int],
        dns: frozenset[int],
        offset: int | None,
        named: frozenset[int] = frozenset(),
    ) -> None:
        person = people[about % len(people)]
        decider = person if by is None else people[by % len(people)]
        competent = competent if decider.id == person.id else None  # kept only with a self-decision
        details: dict[str, Any] = {
            "person_id": person.id,
            "given_by_person_id": decider.id,
            "competent": competent,
            "purpose": purpose,
            "decision": decision,
            "method": "verbal",
            "organisation_ids": self.org_ids(orgs),
            "do_not_share_with": self.org_ids(dns),
            "expires_on": self.expiry(offset),
        }
        case = history.case
        named_ids = sorted({self.users[i % len(self.users)].id for i in named})
        try:
            row = consent.record_consent(
                self.session, actor_for(owner), case.id, **{**details, "do_not_share_with": details["do_not_share_with"] + named_ids}
            )
        except ValidationFailed:  # e.g. naming the lead professional: written straight to the table
            row = Consent(
                id=new_id(),
                case_id=case.id,
                family_id=case.family_id,
                recorded_by_id=owner.id,
                recorded_at=utcnow(),
                do_not_share_with_users=named_ids,
                **details,
            )
            self.session.add(row)
            self.session.flush()
            consent.refresh_sharing(self.session, case)
        history.consents.append(
            rules.ConsentRecord(
                id=row.id,
                person_id=person.id,
                given_by_person_id=decider.id,
                competent=competent,
                purpose=purpose,
                decision=decision,
                organisation_ids=frozenset(details["organisation_ids"]),
                do_not_share_with=frozenset(details["do_not_share_with"]),
                recorded_at=row.recorded_at,
                expires_on=details["expires_on"],
                do_not_share_with_users=frozenset(named_ids),
            )
        )

    def _override(self, owner: User, history: CaseHistory, people: list[Person], orgs: frozenset[int], offset: int) -> None:
        case, expires, organisation_ids = history.case, self.today + timedelta(days=offset), self.org_ids(orgs)
        text = {"lawful_basis": "Art 6(1)(e)", "justification": "Risk of significant harm"}
        if offset >= 0:
            row = consent.record_override(
                self.session, actor_for(self.manager_of[owner.id]), case.id, organisation_ids=organisation_ids, expires_on=expires, **text
            )
        else:  # a decision recorded earlier whose review date has passed
            row = ShareWithoutConsent(
                id=new_id(),
                case_id=case.id,
                family_id=case.family_id,
                organisation_ids=organisation_ids,
                decided_by_id=owner.id,
                decided_at=utcnow(),
                expires_on=expires,
            )
            row.lawful_basis, row.justification = text["lawful_basis"], text["justification"]
            self.session.add(row)
            self.session.flush()
            consent.refresh_sharing(self.session, case)
        history.overrides.append(rules.Override(row.id, frozenset(organisation_ids), expires, row.decided_at))

    def named(self, family_id: str) -> dict[str, frozenset[str]]:
        """Person -> practitioners named not to see them, on any case of the family (pure)."""
        found: dict[str, frozenset[str]] = {}
        for h in self.histories:
            if h.case.family_id == family_id:
                derived = rules.sharing(self.people[family_id], h.consents, h.overrides, self.today)
                for person, users in derived.withheld_users.items():
                    found[person] = found.get(person, frozenset()) | users
        return found

    def pure_facts(self, history: CaseHistory) -> CaseFacts:
        """The policy's facts from the generated history alone (not from the derived tables)."""
        case = history.case
        sharing = rules.sharing(self.people[case.family_id], history.consents, history.overrides, self.today)
        return CaseFacts(
            case_id=case.id,
            family_id=case.family_id,
            owning_team_id=case.owning_team_id,
            owning_organisation_id=self.orgs[0].id,
            taf_user_ids=frozenset(history.members),
            bases=sharing.bases(self.today),
            withheld=sharing.withheld_today(self.today),
            withheld_users=self.named(case.family_id),
            restricted=self.restricted[case.family_id][0],
            restricted_people=self.restricted[case.family_id][1],
        )


PRACTITIONER = frozenset({"practitioner"})
NOBODY, HEALTH, SCHOOL, POLICE = frozenset[int](), frozenset({1}), frozenset({2}), frozenset({3})


def share(about: int, decision: str, orgs: frozenset[int], by: int | None = None, **more: Any) -> tuple[Any, ...]:
    """A consent event for the explicit examples."""
    event = ("consent", about, by, more.get("competent"), "share", decision, orgs, more.get("dns", NOBODY), more.get("expires"))
    return (*event, more.get("named", NOBODY))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(user_specs=st.lists(users, min_size=1, max_size=5), family_specs=st.lists(families, min_size=1, max_size=2))
# a health visitor sees the case on the mother's consent; the father refused health: hidden from them
@example(
    user_specs=[(1, 1, PRACTITIONER)],
    family_specs=[
        (
            0,
            [("parent_carer", True), ("parent_carer", False)],
            [[("member", 0, False), share(0, "given", HEALTH), share(1, "refused", HEALTH)]],
        )
    ],
)
# a share-without-consent decision lifts the mother's refusal for the school; a lapsed one gives the police nothing
@example(
    user_specs=[(2, 1, PRACTITIONER), (3, 1, frozenset({"manager"}))],
    family_specs=[
        (
            1,
            [("parent_carer", True), ("child", 3000)],
            [
                [
                    ("member", 0, False),
                    ("member", 1, False),
                    share(0, "refused", SCHOOL | POLICE),
                    ("override", SCHOOL, 30),
                    ("override", POLICE, -1),
                ]
            ],
        )
    ],
)
# withheld on the open case, which the council colleague is not a member of: not hidden from them
@example(
    user_specs=[(0, 0, PRACTITIONER)],
    family_specs=[(0, [("parent_carer", False)], [[("member", 0, False)], [share(0, "withdrawn", frozenset({0}))]])],
)
# seen through two cases, withheld on one of them only: not hidden; on both: hidden
@example(
    user_specs=[(1, 1, PRACTITIONER)],
    family_specs=[
        (
            0,
            [("parent_carer", True), ("other_adult", False), ("other_adult", True)],
            [
                [("member", 0, False), share(0, "given", HEALTH), share(1, "refused", HEALTH), share(2, "given", SCHOOL, dns=HEALTH)],
                [("member", 0, False), share(0, "given", HEALTH), share(2, "refused", HEALTH)],
            ],
        )
    ],
)
# a competent child's refusal stands against a later parent's consent; a parent without parental
# responsibility, a lapsed consent and a removed member give nothing
@example(
    user_specs=[(1, 1, PRACTITIONER), (2, 2, PRACTITIONER), (3, 0, frozenset({"practitioner", "admin"}))],
    family_specs=[
        (
            0,
            [("parent_carer", True), ("parent_carer", False), ("child", 13 * 365), ("unborn", 0)],
            [
                [
                    ("member", 0, False),
                    ("member", 1, False),
                    ("member", 2, True),
                    share(2, "refused", HEALTH, competent=True),
                    share(2, "given", HEALTH | SCHOOL, by=0),
                    share(3, "given", SCHOOL, by=1),
                    share(0, "given", SCHOOL, expires=-1),
                    share(0, "given", POLICE),
                ]
            ],
        )
    ],
)
# the mother names a practitioner of the owning team and a police officer whose organisation an
# override covers: both still see the case, neither sees her
@example(
    user_specs=[(0, 1, PRACTITIONER), (3, 1, PRACTITIONER)],
    family_specs=[
        (
            0,
            [("parent_carer", True), ("child", 3000)],
            [[("member", 1, False), ("override", POLICE, 30), share(0, "given", HEALTH, named={0, 1})]],
        )
    ],
)
# the health visitor's family is restricted as a whole; in the other family the child is restricted
# and a lifted restriction on the whole family no longer counts
@example(
    user_specs=[(1, 1, PRACTITIONER), (0, 1, PRACTITIONER)],
    family_specs=[
        (0, [("parent_carer", True), ("child", 3000)], [[("member", 0, False), share(0, "given", HEALTH)]], ("family", NOBODY)),
        (
            1,
            [("parent_carer", True), ("child", 3000)],
            [[("member", 0, False), share(0, "given", HEALTH)]],
            ("family_lifted", frozenset({1})),
        ),
    ],
)
def test_consent_policy_sql_filter_agrees_with_decide_case(session, world, user_specs, family_specs):
    nested = session.begin_nested()
    try:
        on = today()
        built = Builder(session, world, on)
        for spec in user_specs:
            built.add_user(*spec)
        built.staff_complete()
        for spec in family_specs:
            built.add_family(*spec)

        facts = {h.case.id: built.pure_facts(h) for h in built.histories}
        for history in built.histories:
            assert case_facts(session, history.case, on) == facts[history.case.id]
        case_ids = sorted(facts)
        family_ids = sorted(built.people)
        owning_team = {f.id: f.owning_team_id for f in session.scalars(select(Family).where(Family.id.in_(family_ids)))}

        for user in built.users:
            actor = actor_for(user)
            decisions = {case_id: decide_case(actor, f) for case_id, f in facts.items()}
            by_rule = {case_id for case_id, d in decisions.items() if d.allowed}
            by_sql = set(session.scalars(select(Case.id).where(Case.id.in_(case_ids), visible_cases(actor, on))))
            assert by_sql == by_rule, (sorted(actor.roles), user.organisation_id)

            # families: through the owning team, or through a case the actor sees
            by_team = {f: decide(actor, FamilyFacts(f, owning_team[f], built.named(f), *built.restricted[f])) for f in family_ids}
            through_team = {f for f, d in by_team.items() if d.allowed}
            through_cases: dict[str, list[frozenset[str]]] = {}
            for case_id in by_rule:
                through_cases.setdefault(facts[case_id].family_id, []).append(decisions[case_id].withheld)
            visible = through_team | set(through_cases)
            assert set(session.scalars(select(Family.id).where(Family.id.in_(family_ids), visible_families(actor, on)))) == visible

            # people: hidden from search exactly when withheld from the owning team's member by name,
            # or withheld on every case they are seen through
            expected_hidden = {p.id for f in through_team for p in built.people[f] if p.id in by_team[f].withheld}
            expected_hidden |= {
                p.id for f in visible - through_team for p in built.people[f] if all(p.id in withheld for withheld in through_cases[f])
            }
            in_visible = [p.id for f in sorted(visible) for p in built.people[f]]
            hidden = set(session.scalars(select(Person.id).where(Person.id.in_(in_visible), withheld_from(actor, Person.id, on))))
            assert hidden == expected_hidden
    finally:
        nested.rollback()
