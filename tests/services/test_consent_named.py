"""Do not share with a named practitioner: a person's own details are kept from someone they
name, whatever that practitioner's basis of access, across the family's cases; an override
(which names organisations) does not lift it; the named practitioner cannot lead the case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases import leads
from casework.cases import services as cases
from casework.consent import services as consent
from casework.consent.models import Consent, WithheldFromUser
from casework.errors import ValidationFailed
from casework.families import services as families
from tests.services.test_consent_sharing import LEAD_BASIS, join, s, share

__all__ = ["s"]


def _name(session, s, person, *users) -> Consent:  # type: ignore[no-untyped-def]
    """``person`` (an adult) refuses the police and names ``users`` as not to see their details."""
    return consent.record_consent(
        session,
        s.a(s.lead),
        s.case.id,
        person_id=person.id,
        purpose="share",
        decision="refused",
        method="verbal",
        organisation_ids=[s.police.organisation_id],
        do_not_share_with=[u.id for u in users],
    )


def _seen_people(session, actor, s) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.id for p in families.list_members(session, actor, s.family.id)}


def test_named_owning_team_practitioner_sees_the_case_but_not_the_person(session, s):
    row = _name(session, s, s.dad, s.colleague)
    assert (row.do_not_share_with, row.do_not_share_with_users) == ([], [s.colleague.id])
    colleague = s.a(s.colleague)
    _, decision = cases.visible_case(session, colleague, s.case.id)
    assert (decision.basis, decision.withheld) == ("team", {s.dad.id})
    assert _seen_people(session, colleague, s) == {s.mum.id, s.child.id}
    assert {p.id for p in families.search_people(session, colleague, family_name="Okafor")} == {s.mum.id, s.child.id}
    assert {r.person_id for r in consent.list_consents(session, colleague, s.case.id)} == set()  # only the dad's record exists
    # everyone else in the team still sees him
    assert _seen_people(session, s.a(s.lead), s) == {s.mum.id, s.dad.id, s.child.id}
    assert s.dad.id in {p.id for p in families.search_people(session, s.a(s.manager), family_name="Okafor")}


def test_named_partner_stays_withheld_under_a_share_without_consent_decision(session, s):
    join(session, s, s.police)
    _name(session, s, s.mum, s.police)
    consent.record_override(
        session,
        s.a(s.manager),
        s.case.id,
        organisation_ids=[s.police.organisation_id],
        expires_on=s.case.opened_at.date().replace(year=2099),
        **LEAD_BASIS,
    )
    _, decision = cases.visible_case(session, s.a(s.police), s.case.id)
    assert decision.basis == "share_without_consent"
    assert decision.withheld == {s.mum.id}  # the override lifts the dad's refusal of the police, not the mother's name


def test_naming_holds_across_the_familys_cases(session, s):
    _name(session, s, s.dad, s.colleague)
    cases.close_case(session, s.a(s.lead), s.case.id, reason="single_agency_continues", summary="School continues")
    later = cases.create_case(session, s.a(s.lead), family_id=s.family.id, level=2, source="request_for_support", reason="Again")
    _, decision = cases.visible_case(session, s.a(s.colleague), later.id)
    assert decision.withheld == {s.dad.id}


def test_restating_the_list_without_the_practitioner_lifts_it(session, s):
    _name(session, s, s.dad, s.colleague)
    share(session, s, "given", [s.health.organisation_id], person=s.dad)  # a fresh agreement naming nobody
    assert session.scalars(select(WithheldFromUser)).all() == []
    assert s.dad.id in _seen_people(session, s.a(s.colleague), s)


def test_named_practitioner_cannot_lead_the_case(session, s):
    _name(session, s, s.dad, s.colleague)
    with pytest.raises(ValidationFailed) as refused:
        leads.assign_lead(session, s.a(s.manager), s.case.id, user_id=s.colleague.id)
    assert set(refused.value.fields) == {"user_id"}


def test_a_handover_to_someone_named_meanwhile_cannot_be_accepted(session, s):
    leads.assign_lead(session, s.a(s.lead), s.case.id, user_id=s.colleague.id)  # offered, waiting for them
    _name(session, s, s.dad, s.colleague)
    with pytest.raises(ValidationFailed) as refused:
        leads.answer_handover(session, s.a(s.colleague), s.case.id, accept=True)
    assert set(refused.value.fields) == {"accept"}
    assert cases.visible_case(session, s.a(s.lead), s.case.id)[0].lead_professional_id == s.lead.id


def test_the_lead_professional_cannot_be_named(session, s):
    with pytest.raises(ValidationFailed) as refused:
        _name(session, s, s.dad, s.lead)
    assert set(refused.value.fields) == {"do_not_share_with"}
    assert session.scalars(select(Consent)).all() == []
