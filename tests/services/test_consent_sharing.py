"""Consent-gated sharing through the services: withdrawal at once, share-without-consent with
managers told, append-only history, the basis of every granted read in the audit trail, and the
safeguarding lead's yes/no question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select

from casework.audit.read import events_after, head_seq, open_detail
from casework.auth.services import actor_for, set_active
from casework.cases import leads
from casework.cases import services as cases
from casework.cases.models import Case, Notification
from casework.consent import services as consent
from casework.consent.models import Consent, SharingBasis, WithheldPerson
from casework.consent.policy import Actor
from casework.consent.query import visible_cases, visible_families
from casework.consent.visibility import KnownAnswer, known_to_early_help
from casework.db import today
from casework.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from casework.families import services as families
from casework.families.models import Family

NHS = "943 476 5919"
LEAD_BASIS = {"lawful_basis": "UK GDPR Art 6(1)(e); Children Act 1989", "justification": "Risk of significant harm"}


@dataclass
class Setting:
    lead: Any
    manager: Any
    second_manager: Any
    colleague: Any
    health: Any
    police: Any
    la_elsewhere: Any
    safeguarding_lead: Any
    family: Any
    mum: Any
    dad: Any
    child: Any
    case: Case

    def a(self, user: Any) -> Actor:
        return actor_for(user)


@pytest.fixture()
def s(session, world) -> Setting:  # type: ignore[no-untyped-def]
    lead = world.user(roles=("practitioner",), team="Early Help North")
    la = lead.organisation
    manager = world.user(roles=("manager",), team="Early Help North", org=la)
    second_manager = world.user(roles=("manager", "practitioner"), team="Early Help North", org=la)
    colleague = world.user(roles=("practitioner",), team="Early Help North", org=la)
    health = world.user(roles=("practitioner",), team="Health Visiting", org=world.org("health", "Northshire Health"))
    police = world.user(roles=("practitioner",), team="Public Protection", org=world.org("police", "Northshire Police"))
    la_elsewhere = world.user(roles=("practitioner",), team="Early Help South", org=la)
    safeguarding_lead = world.user(roles=("safeguarding_lead",), team="Designated Leads", org=world.org("school", "Northshire Academy"))
    family = world.family(lead)
    mum = world.person(lead, family, given_name="Amara", family_name="Okafor", role="parent_carer", parental_responsibility=True)
    dad = world.person(lead, family, given_name="Tunde", family_name="Okafor", role="parent_carer", parental_responsibility=True)
    child = world.person(lead, family, given_name="Zara", family_name="Okafor", date_of_birth=date(2016, 4, 1), nhs_number=NHS)
    case = cases.create_case(session, actor_for(lead), family_id=family.id, level=2, source="request_for_support", reason="Attendance")
    leads.assign_lead(session, actor_for(lead), case.id, user_id=lead.id, reason="Allocated")
    session.commit()
    return Setting(lead, manager, second_manager, colleague, health, police, la_elsewhere, safeguarding_lead, family, mum, dad, child, case)


def share(session, s: Setting, decision: str, orgs: list[str], *, person=None, by=None, **kw: Any) -> Consent:  # type: ignore[no-untyped-def]
    person = person or s.child
    return consent.record_consent(
        session,
        s.a(s.lead),
        s.case.id,
        person_id=person.id,
        given_by_person_id=(by or s.mum).id if person.role == "child" else None,
        purpose="share",
        decision=decision,
        method="written",
        organisation_ids=orgs,
        **kw,
    )


def join(session, s: Setting, user) -> None:  # type: ignore[no-untyped-def]
    consent.add_team_member(session, s.a(s.lead), s.case.id, user_id=user.id, role_in_team="Partner")


def sees(session, actor: Actor, case_id: str) -> str | None:
    """The basis ``actor`` sees the case on through the single-record gate, checked against the
    SQL filter the lists use (None: the case does not exist for them)."""
    listed = case_id in set(session.scalars(select(Case.id).where(visible_cases(actor))))
    try:
        _, decision = cases.visible_case(session, actor, case_id)
    except NotFound:
        assert not listed
        return None
    assert listed
    return decision.basis


# --- who sees what ------------------------------------------------------------------------------


def test_sharing_membership_alone_shows_another_organisation_nothing(session, s):
    join(session, s, s.health)
    assert sees(session, s.a(s.health), s.case.id) is None
    assert sees(session, s.a(s.lead), s.case.id) == "team"
    assert sees(session, s.a(s.manager), s.case.id) == "manager"
    share(session, s, "given", [s.health.organisation_id])
    assert sees(session, s.a(s.health), s.case.id) == "consent"
    assert sees(session, s.a(s.police), s.case.id) is None  # not a member, no basis


def test_sharing_basis_without_membership_shows_nothing(session, s):
    share(session, s, "given", [s.health.organisation_id])
    assert sees(session, s.a(s.health), s.case.id) is None
    join(session, s, s.health)
    assert sees(session, s.a(s.health), s.case.id) == "consent"


def test_sharing_taf_member_of_owning_organisation_sees_on_organisation_basis(session, s):
    assert sees(session, s.a(s.la_elsewhere), s.case.id) is None
    join(session, s, s.la_elsewhere)
    assert sees(session, s.a(s.la_elsewhere), s.case.id) == "organisation"


def test_sharing_withdrawal_takes_effect_on_the_next_request(session, s):
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id, s.police.organisation_id])
    session.commit()
    health = s.a(s.health)
    assert cases.get_case(session, health, s.case.id) is s.case  # facts for today now cached
    share(session, s, "withdrawn", [s.health.organisation_id])
    with pytest.raises(NotFound):
        cases.get_case(session, health, s.case.id)
    assert sees(session, health, s.case.id) is None
    assert s.family.id not in set(session.scalars(select(Family.id).where(visible_families(health))))
    assert families.list_families(session, health).total == 0
    with pytest.raises(NotFound):
        families.get_family(session, health, s.family.id)


def test_sharing_withdrawal_of_everything_by_the_other_parent_is_not_enough(session, s):
    """Either parent with parental responsibility gives a basis; one withdrawing leaves the other's."""
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id], by=s.mum)
    share(session, s, "given", [s.health.organisation_id], by=s.dad, person=s.dad)
    share(session, s, "withdrawn", [], by=s.mum)
    assert sees(session, s.a(s.health), s.case.id) == "consent"
    share(session, s, "withdrawn", [], person=s.dad)
    assert sees(session, s.a(s.health), s.case.id) is None


def test_sharing_removing_a_team_member_takes_effect_at_once(session, s):
    member = consent.add_team_member(session, s.a(s.lead), s.case.id, user_id=s.health.id, role_in_team="Health visitor")
    share(session, s, "given", [s.health.organisation_id])
    assert sees(session, s.a(s.health), s.case.id) == "consent"
    consent.remove_team_member(session, s.a(s.lead), s.case.id, member.id)
    assert sees(session, s.a(s.health), s.case.id) is None


def test_sharing_refusal_withholds_the_persons_details_from_that_organisation(session, s):
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id])
    consent.record_consent(
        session,
        s.a(s.lead),
        s.case.id,
        person_id=s.dad.id,
        purpose="share",
        decision="refused",
        method="verbal",
        organisation_ids=[s.health.organisation_id],
    )
    health = s.a(s.health)
    _, decision = cases.visible_case(session, health, s.case.id)
    assert decision.withheld == {s.dad.id}
    people = {p.id for p in families.list_members(session, health, s.family.id)}
    assert people == {s.mum.id, s.child.id}
    assert {p.id for p in families.search_people(session, health, family_name="Okafor")} == {s.mum.id, s.child.id}
    assert {p.id for p in families.search_people(session, s.a(s.lead), family_name="Okafor")} == {s.mum.id, s.dad.id, s.child.id}


def test_sharing_only_the_owning_team_records_consent_and_membership(session, s):
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id])
    for user in (s.health, s.la_elsewhere):
        with pytest.raises((NotPermitted, NotFound)):
            consent.record_consent(
                session, s.a(user), s.case.id, person_id=s.mum.id, purpose="share", decision="withdrawn", method="written"
            )
        with pytest.raises((NotPermitted, NotFound)):
            consent.add_team_member(session, s.a(user), s.case.id, user_id=s.police.id, role_in_team="Police")


def test_sharing_consent_validation_names_fields_and_writes_nothing(session, s):
    before = session.scalars(select(Consent).where(Consent.case_id == s.case.id)).all()
    with pytest.raises(ValidationFailed) as refused:
        consent.record_consent(
            session,
            s.a(s.lead),
            s.case.id,
            person_id=s.child.id,
            given_by_person_id=s.child.id,
            purpose="share",
            decision="given",
            method="written",
            organisation_ids=["not-an-organisation"],
            expires_on=today() - timedelta(days=1),
        )
    assert set(refused.value.fields) == {"competent", "organisation_ids", "expires_on"}
    assert session.scalars(select(Consent).where(Consent.case_id == s.case.id)).all() == before


# --- share without consent ----------------------------------------------------------------------


def test_sharing_without_consent_grants_access_and_notifies_the_owning_teams_managers(session, s):
    join(session, s, s.police)
    share(session, s, "refused", [s.police.organisation_id], person=s.mum)
    session.commit()
    police = s.a(s.police)
    assert sees(session, police, s.case.id) is None
    row = consent.record_override(
        session,
        s.a(s.manager),
        s.case.id,
        organisation_ids=[s.police.organisation_id],
        expires_on=today() + timedelta(days=28),
        **LEAD_BASIS,
    )
    assert sees(session, police, s.case.id) == "share_without_consent"
    _, decision = cases.visible_case(session, police, s.case.id)
    assert decision.withheld == frozenset()  # the decision lifts the mother's refusal for the police
    notes = session.scalars(select(Notification).where(Notification.case_id == s.case.id)).all()
    assert {(n.user_id, n.kind, n.subject_id) for n in notes} == {
        (s.manager.id, "shared_without_consent", row.id),
        (s.second_manager.id, "shared_without_consent", row.id),
    }
    assert (row.lawful_basis, row.justification) == (LEAD_BASIS["lawful_basis"], LEAD_BASIS["justification"])
    assert [o.id for o in consent.list_overrides(session, s.a(s.manager), s.case.id)] == [row.id]


def test_sharing_without_consent_notifies_only_active_managers(session, s):
    set_active(session, s.second_manager, False)
    consent.record_override(
        session, s.a(s.manager), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
    )
    notes = session.scalars(select(Notification.user_id).where(Notification.case_id == s.case.id)).all()
    assert notes == [s.manager.id]


def test_sharing_without_consent_is_for_managers_of_the_owning_team(session, s):
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id])
    for user, error in ((s.lead, NotPermitted), (s.health, NotPermitted), (s.police, NotFound), (s.la_elsewhere, NotFound)):
        with pytest.raises(error):
            consent.record_override(
                session, s.a(user), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
            )
    assert session.scalars(select(Notification).where(Notification.case_id == s.case.id)).all() == []


def test_sharing_without_consent_validation_writes_nothing(session, s):
    with pytest.raises(ValidationFailed) as refused:
        consent.record_override(
            session, s.a(s.manager), s.case.id, organisation_ids=[], lawful_basis=" ", justification=None, expires_on=None
        )
    assert set(refused.value.fields) == {"organisation_ids", "lawful_basis", "justification", "expires_on"}
    assert session.scalars(select(Notification).where(Notification.case_id == s.case.id)).all() == []
    assert session.scalars(select(SharingBasis).where(SharingBasis.case_id == s.case.id)).all() == []


def test_sharing_lapsed_decision_stops_access_without_any_new_record(session, s):
    join(session, s, s.police)
    consent.record_override(
        session, s.a(s.manager), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
    )
    police = s.a(s.police)
    tomorrow = today() + timedelta(days=1)
    assert s.case.id in set(session.scalars(select(Case.id).where(visible_cases(police, today()))))
    assert s.case.id not in set(session.scalars(select(Case.id).where(visible_cases(police, tomorrow))))
    assert consent.derive_sharing(session, s.case, tomorrow).bases(tomorrow) == {}


# --- append-only history ------------------------------------------------------------------------


def _columns(row: Consent) -> dict[str, Any]:
    values = {attr.key: getattr(row, attr.key) for attr in inspect(Consent).column_attrs}
    values["note"] = row.note
    return values


def test_sharing_consent_records_are_append_only(session, s):
    lead = s.a(s.lead)
    steps = [
        lambda: share(session, s, "given", [s.health.organisation_id], note="Signed form on file"),
        lambda: share(session, s, "withdrawn", [s.health.organisation_id], note="Phoned to withdraw"),
        lambda: share(session, s, "given", [s.police.organisation_id], do_not_share_with=[s.health.organisation_id]),
        lambda: share(session, s, "withdrawn", []),
    ]
    seen: list[dict[str, Any]] = []
    for step in steps:
        before = head_seq(session)
        row = step()
        session.commit()
        session.expire_all()
        history = consent.list_consents(session, lead, s.case.id)
        assert [r.id for r in history] == [*(v["id"] for v in seen), row.id]
        assert [_columns(r) for r in history[:-1]] == seen  # nothing recorded before has changed
        seen.append(_columns(history[-1]))
        writes = [e.action for e in events_after(session, before) if e.subject_type == "consent"]
        assert writes == ["consent.create"]
    assert [v["decision"] for v in seen] == ["given", "withdrawn", "given", "withdrawn"]
    assert seen[0]["note"] == "Signed form on file"


def test_sharing_derived_rows_follow_the_history(session, s):
    share(session, s, "given", [s.health.organisation_id], expires_on=today() + timedelta(days=90))
    share(session, s, "refused", [s.police.organisation_id], person=s.mum)

    def derived() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        bases = {(b.organisation_id, b.basis) for b in session.scalars(select(SharingBasis).where(SharingBasis.case_id == s.case.id))}
        held = {
            (w.person_id, w.organisation_id) for w in session.scalars(select(WithheldPerson).where(WithheldPerson.case_id == s.case.id))
        }
        return bases, held

    assert derived() == ({(s.health.organisation_id, "consent")}, {(s.mum.id, s.police.organisation_id)})
    consent.record_override(
        session, s.a(s.manager), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
    )
    assert derived() == (
        {(s.health.organisation_id, "consent"), (s.police.organisation_id, "share_without_consent")},
        {(s.mum.id, s.police.organisation_id)},  # kept: the decision lifts it only while it lasts
    )
    share(session, s, "withdrawn", [])
    assert derived()[0] == {(s.police.organisation_id, "share_without_consent")}


def test_sharing_closed_case_takes_no_new_consent(session, s):
    cases.close_case(session, s.a(s.lead), s.case.id, reason="stepped_down_to_universal", summary="Moving on")
    with pytest.raises(InvalidTransition):
        share(session, s, "given", [s.health.organisation_id])
    with pytest.raises(InvalidTransition):
        join(session, s, s.health)


# --- every granted read is audited with its basis -----------------------------------------------


def _reads(session, before: int, action: str = "case.read") -> list[tuple[str | None, str | None]]:
    session.commit()
    return [(e.case_id, e.basis) for e in events_after(session, before) if e.action == action]


@pytest.mark.parametrize(
    ("who", "basis"), [("lead", "team"), ("manager", "manager"), ("la_elsewhere", "organisation"), ("health", "consent")]
)
def test_sharing_granted_read_audited_with_the_basis_used(session, s, who, basis):
    for user in (s.la_elsewhere, s.health):
        join(session, s, user)
    share(session, s, "given", [s.health.organisation_id])
    session.commit()
    before = head_seq(session)
    cases.get_case(session, s.a(getattr(s, who)), s.case.id)
    assert _reads(session, before) == [(s.case.id, basis)]


def test_sharing_read_under_share_without_consent_audited_as_such(session, s):
    join(session, s, s.police)
    consent.record_override(
        session, s.a(s.manager), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
    )
    session.commit()
    before = head_seq(session)
    cases.get_case(session, s.a(s.police), s.case.id)
    families.get_family(session, s.a(s.police), s.family.id)
    consent.list_team_members(session, s.a(s.police), s.case.id)
    session.commit()
    events = [(e.action, e.basis) for e in events_after(session, before)]
    assert events == [
        ("case.read", "share_without_consent"),
        ("family.read", "share_without_consent"),
        ("team_member.list", "share_without_consent"),
    ]


def test_sharing_denied_read_is_not_found_and_not_audited_as_a_read(session, s):
    join(session, s, s.health)
    session.commit()
    before = head_seq(session)
    with pytest.raises(NotFound):
        cases.get_case(session, s.a(s.health), s.case.id)
    assert _reads(session, before) == []


def test_sharing_consent_history_read_is_audited_and_hides_withheld_people(session, s):
    join(session, s, s.health)
    share(session, s, "given", [s.health.organisation_id])
    mum_refused = share(session, s, "refused", [s.health.organisation_id], person=s.mum)
    session.commit()
    before = head_seq(session)
    history = consent.list_consents(session, s.a(s.health), s.case.id)
    assert mum_refused.id not in {r.id for r in history} and len(history) == 1
    assert _reads(session, before, "consent.list") == [(s.case.id, "consent")]


# --- is this family known to early help? --------------------------------------------------------


def _known(session, user, **criteria: Any) -> KnownAnswer:  # type: ignore[no-untyped-def]
    details: dict[str, Any] = {"family_name": None, "date_of_birth": None, "nhs_number": None}
    details.update(criteria)
    return known_to_early_help(session, actor_for(user), **details)


def test_known_to_early_help_yes_with_lead_contact_only(session, s):
    answer = _known(session, s.safeguarding_lead, family_name="okafor", date_of_birth=date(2016, 4, 1))
    assert answer == KnownAnswer(True, s.lead.name, s.lead.email, "Early Help North")
    assert {f.name for f in fields(KnownAnswer)} == {"known", "lead_professional", "lead_email", "team"}
    assert _known(session, s.safeguarding_lead, nhs_number="9434765919") == answer


@pytest.mark.parametrize(
    "criteria",
    [
        {"family_name": "Okafor", "date_of_birth": date(2016, 4, 2)},
        {"family_name": "Okafo", "date_of_birth": date(2016, 4, 1)},
        {"nhs_number": "401 023 2102"},
    ],
)
def test_known_to_early_help_no_for_someone_else(session, s, criteria):
    assert asdict(_known(session, s.safeguarding_lead, **criteria)) == asdict(KnownAnswer(False))


def test_known_to_early_help_no_once_the_case_is_closed(session, s):
    cases.close_case(session, s.a(s.lead), s.case.id, reason="stepped_down_to_universal", summary="Moving on")
    assert _known(session, s.safeguarding_lead, nhs_number=NHS) == KnownAnswer(False)


def test_known_to_early_help_only_for_safeguarding_leads(session, s):
    for user in (s.lead, s.manager, s.health):
        with pytest.raises(NotPermitted):
            _known(session, user, nhs_number=NHS)


@pytest.mark.parametrize(
    ("criteria", "field"),
    [({}, "family_name"), ({"family_name": "Okafor"}, "family_name"), ({"nhs_number": "123"}, "nhs_number")],
)
def test_known_to_early_help_needs_enough_to_match(session, s, criteria, field):
    with pytest.raises(ValidationFailed) as refused:
        _known(session, s.safeguarding_lead, **criteria)
    assert field in refused.value.fields


def test_known_to_early_help_question_and_answer_are_audited(session, s):
    session.commit()
    before = head_seq(session)
    _known(session, s.safeguarding_lead, nhs_number=NHS)
    _known(session, s.safeguarding_lead, family_name="Nobody", date_of_birth=date(2001, 1, 1))
    session.commit()
    events = [e for e in events_after(session, before) if e.action == "safeguarding.known_query"]
    assert [(e.case_id, e.basis) for e in events] == [(s.case.id, "safeguarding_lead"), (None, "safeguarding_lead")]
    details = [open_detail(session, e) for e in events]
    assert details == [
        {"criteria": "nhs_number", "known": True},
        {"criteria": "family_name+date_of_birth", "known": False},
    ]
    assert NHS.replace(" ", "").encode() not in b"".join(e.detail for e in events)


def test_known_to_early_help_shows_the_lead_nothing_else(session, s):
    lead = s.a(s.safeguarding_lead)
    assert sees(session, lead, s.case.id) is None
    with pytest.raises(NotFound):
        families.get_family(session, lead, s.family.id)
    assert families.search_people(session, lead, nhs_number=NHS) == []


def test_sharing_without_consent_by_a_safeguarding_lead_of_the_owning_organisation(session, s, world):
    owning_lead = world.user(roles=("safeguarding_lead",), team=None, org=s.lead.organisation)
    # They cannot read the case, but may record the decision to share without consent.
    with pytest.raises(NotFound):
        cases.visible_case(session, s.a(owning_lead), s.case.id)
    row = consent.record_override(
        session, s.a(owning_lead), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
    )
    assert row.decided_by_id == owning_lead.id
    # A safeguarding lead of another organisation may not.
    with pytest.raises(NotFound):
        consent.record_override(
            session, s.a(s.safeguarding_lead), s.case.id, organisation_ids=[s.police.organisation_id], expires_on=today(), **LEAD_BASIS
        )
