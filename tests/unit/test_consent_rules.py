"""Consent and information sharing, pure: who may decide, and what a history adds up to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from casework.consent.rules import (
    CONSENT,
    MAX_TEXT,
    OVERRIDE,
    ConsentRecord,
    Override,
    PersonFacts,
    ShareState,
    Sharing,
    age_on,
    check_consent,
    check_override,
    decides_for_self,
    has_agreement,
    share_state,
    sharing,
)
from casework.errors import ValidationFailed

TODAY = date(2025, 6, 15)
START = datetime(2025, 1, 1, 9, 0)
KNOWN = ("org-la", "org-health", "org-school", "org-police")

MUM = PersonFacts("mum", "parent_carer", date(1990, 3, 1), True)
DAD = PersonFacts("dad", "parent_carer", date(1988, 7, 9), False)  # no parental responsibility
GRAN = PersonFacts("gran", "other_adult", None, False)
TEEN = PersonFacts("teen", "child", date(2009, 6, 15), False)  # 16 today
CHILD = PersonFacts("child", "child", date(2013, 2, 2), False)  # 12
BABY = PersonFacts("baby", "child", date(2024, 5, 5), False)
UNBORN = PersonFacts("unborn", "unborn", None, False)
FAMILY = (MUM, DAD, GRAN, TEEN, CHILD, BABY, UNBORN)


def rec(
    person: PersonFacts,
    decision: str = "given",
    orgs: tuple[str, ...] = (),
    *,
    by: PersonFacts | None = None,
    at: int = 0,
    purpose: str = "share",
    competent: bool | None = None,
    dns: tuple[str, ...] = (),
    expires: date | None = None,
    named: tuple[str, ...] = (),
) -> ConsentRecord:
    """A consent record about ``person`` made by ``by`` (themself by default), ``at`` minutes in."""
    return ConsentRecord(
        id=f"r{at:04d}",
        person_id=person.id,
        given_by_person_id=(by or person).id,
        competent=competent,
        purpose=purpose,
        decision=decision,
        organisation_ids=frozenset(orgs),
        do_not_share_with=frozenset(dns),
        recorded_at=START + timedelta(minutes=at),
        expires_on=expires,
        do_not_share_with_users=frozenset(named),
    )


# --- who decides ------------------------------------------------------------------------------


def test_age_on_counts_whole_years_turning_on_the_birthday() -> None:
    assert age_on(date(2009, 6, 15), TODAY) == 16
    assert age_on(date(2009, 6, 16), TODAY) == 15
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


@pytest.mark.parametrize("adult", [MUM, DAD, GRAN])
@pytest.mark.parametrize("competent", [None, False, True])
def test_decides_for_self_adults_always(adult: PersonFacts, competent: bool | None) -> None:
    assert decides_for_self(adult, competent, TODAY)


@pytest.mark.parametrize("competent", [None, False, True])
def test_decides_for_self_from_the_sixteenth_birthday_whatever_the_judgement(competent: bool | None) -> None:
    assert decides_for_self(TEEN, competent, TODAY)
    assert decides_for_self(TEEN, competent, TODAY + timedelta(days=400))
    assert decides_for_self(TEEN, competent, TODAY - timedelta(days=1)) is bool(competent)


@pytest.mark.parametrize("child", [CHILD, BABY, PersonFacts("x", "child", None, False)])
def test_decides_for_self_younger_child_only_when_judged_competent(child: PersonFacts) -> None:
    assert decides_for_self(child, True, TODAY)
    assert not decides_for_self(child, False, TODAY)
    assert not decides_for_self(child, None, TODAY)


@pytest.mark.parametrize("competent", [None, False, True])
def test_decides_for_self_unborn_never(competent: bool | None) -> None:
    assert not decides_for_self(UNBORN, competent, TODAY)
    assert not decides_for_self(PersonFacts("u", "unborn", date(1990, 1, 1), True), competent, TODAY)


# --- check_consent ----------------------------------------------------------------------------


def consent_problems(**changes: Any) -> dict[str, list[str]]:
    """The fields named when a valid record (mum shares the child's details with health) changes."""
    details: dict[str, Any] = {
        "person": CHILD,
        "decider": MUM,
        "competent": None,
        "purpose": "share",
        "decision": "given",
        "method": "written",
        "organisation_ids": ["org-health"],
        "known_organisation_ids": KNOWN,
        "do_not_share_with": [],
        "expires_on": None,
        "note": None,
        "today": TODAY,
    }
    details.update(changes)
    try:
        check_consent(**details)
    except ValidationFailed as refused:
        assert refused.fields, "a refusal names the fields at fault"
        return refused.fields
    return {}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"method": "verbal"},
        {"purpose": "assessment", "organisation_ids": []},
        {"decision": "refused", "organisation_ids": []},
        {"decision": "withdrawn", "organisation_ids": []},
        {"decision": "withdrawn", "organisation_ids": ["org-school"], "do_not_share_with": ["org-police"]},
        {"person": MUM, "decider": MUM},
        {"person": DAD, "decider": DAD},
        {"person": GRAN, "decider": GRAN},
        {"person": TEEN, "decider": TEEN},
        {"person": CHILD, "decider": CHILD, "competent": True},
        {"person": UNBORN, "decider": MUM},
        {"person": BABY, "decider": MUM, "do_not_share_with": ["org-police"]},
        {"expires_on": TODAY},
        {"expires_on": TODAY + timedelta(days=365)},
        {"note": "x" * MAX_TEXT},
    ],
)
def test_check_consent_accepts_a_record_that_can_be_relied_on(changes: dict[str, Any]) -> None:
    assert consent_problems(**changes) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"purpose": None}, "purpose"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": None}, "decision"),
        ({"method": "telepathy"}, "method"),
        ({"method": None}, "method"),
        ({"person": None}, "person_id"),
        ({"decider": None}, "given_by_person_id"),
        ({"person": CHILD, "decider": CHILD}, "competent"),
        ({"person": CHILD, "decider": CHILD, "competent": False}, "competent"),
        ({"person": UNBORN, "decider": UNBORN, "competent": True}, "competent"),
        ({"person": CHILD, "decider": DAD}, "given_by_person_id"),  # no parental responsibility
        ({"person": CHILD, "decider": GRAN}, "given_by_person_id"),
        ({"person": CHILD, "decider": TEEN}, "given_by_person_id"),
        ({"person": DAD, "decider": MUM}, "given_by_person_id"),  # an adult decides for themself
        ({"person": GRAN, "decider": MUM}, "given_by_person_id"),
        ({"person": TEEN, "decider": MUM}, "given_by_person_id"),  # so does anyone 16 or over
        ({"organisation_ids": []}, "organisation_ids"),
        ({"organisation_ids": ["org-elsewhere"]}, "organisation_ids"),
        ({"do_not_share_with": ["org-elsewhere"]}, "do_not_share_with"),
        ({"do_not_share_with": ["org-health"]}, "do_not_share_with"),  # both shared and not shared with
        ({"expires_on": TODAY - timedelta(days=1)}, "expires_on"),
        ({"note": "x" * (MAX_TEXT + 1)}, "note"),
    ],
)
def test_check_consent_names_the_field_at_fault(changes: dict[str, Any], field: str) -> None:
    problems = consent_problems(**changes)
    assert field in problems
    assert all(problems[field]) and all(isinstance(m, str) for m in problems[field])


def test_check_consent_names_every_problem_at_once() -> None:
    problems = consent_problems(
        person=CHILD,
        decider=DAD,
        purpose="nope",
        decision="nope",
        method=None,
        do_not_share_with=["org-elsewhere"],
        expires_on=TODAY - timedelta(days=30),
        note="x" * (MAX_TEXT + 1),
    )
    assert set(problems) == {"purpose", "decision", "method", "given_by_person_id", "do_not_share_with", "expires_on", "note"}


def test_check_consent_missing_people_reported_together() -> None:
    assert set(consent_problems(person=None, decider=None)) == {"person_id", "given_by_person_id"}


# --- check_override ---------------------------------------------------------------------------


def override_problems(**changes: Any) -> dict[str, list[str]]:
    details: dict[str, Any] = {
        "organisation_ids": ["org-police"],
        "known_organisation_ids": KNOWN,
        "lawful_basis": "UK GDPR Art 6(1)(e); Children Act 1989 s47",
        "justification": "Disclosure of harm; risk of significant harm to the child",
        "expires_on": TODAY + timedelta(days=28),
        "today": TODAY,
    }
    details.update(changes)
    try:
        check_override(**details)
    except ValidationFailed as refused:
        assert refused.fields
        return refused.fields
    return {}


@pytest.mark.parametrize(
    "changes",
    [{}, {"expires_on": TODAY}, {"organisation_ids": list(KNOWN)}, {"lawful_basis": "x" * 500}, {"justification": "y" * MAX_TEXT}],
)
def test_check_override_accepts_a_recorded_decision(changes: dict[str, Any]) -> None:
    assert override_problems(**changes) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organisation_ids": []}, "organisation_ids"),
        ({"organisation_ids": ["org-police", "org-elsewhere"]}, "organisation_ids"),
        ({"lawful_basis": None}, "lawful_basis"),
        ({"lawful_basis": "   "}, "lawful_basis"),
        ({"lawful_basis": "x" * 501}, "lawful_basis"),
        ({"justification": None}, "justification"),
        ({"justification": "\n\t "}, "justification"),
        ({"justification": "y" * (MAX_TEXT + 1)}, "justification"),
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": TODAY - timedelta(days=1)}, "expires_on"),
    ],
)
def test_check_override_names_the_field_at_fault(changes: dict[str, Any], field: str) -> None:
    assert field in override_problems(**changes)


def test_check_override_names_every_problem_at_once() -> None:
    problems = override_problems(organisation_ids=[], lawful_basis="", justification=None, expires_on=None)
    assert set(problems) == {"organisation_ids", "lawful_basis", "justification", "expires_on"}


def test_override_active_until_the_end_of_its_review_date() -> None:
    o = Override("o1", frozenset({"org-police"}), TODAY, START)
    assert o.active(TODAY - timedelta(days=3))
    assert o.active(TODAY)
    assert not o.active(TODAY + timedelta(days=1))


# --- share_state ------------------------------------------------------------------------------


def test_share_state_with_no_history_is_empty() -> None:
    assert share_state(MUM, [], TODAY) == ShareState()


def test_share_state_latest_word_per_organisation_stands() -> None:
    history = [
        rec(MUM, "given", ("org-health", "org-school"), at=1),
        rec(MUM, "refused", ("org-health",), at=2),
        rec(MUM, "refused", ("org-police",), at=3),
        rec(MUM, "given", ("org-police",), at=4),
    ]
    state = share_state(MUM, history, TODAY)
    assert dict(state.given) == {"org-school": None, "org-police": None}
    assert state.refused == {"org-health"}
    assert dict(state.given_by) == {"org-school": "mum", "org-police": "mum"}


def test_share_state_replays_in_recorded_order_not_list_order() -> None:
    history = [rec(MUM, "withdrawn", ("org-health",), at=5), rec(MUM, "given", ("org-health",), at=1)]
    assert share_state(MUM, history, TODAY).refused == {"org-health"}
    assert share_state(MUM, list(reversed(history)), TODAY).refused == {"org-health"}


def test_share_state_withdrawal_naming_no_organisation_withdraws_everything_given_before() -> None:
    history = [
        rec(MUM, "given", ("org-health", "org-school"), at=1),
        rec(MUM, "refused", ("org-police",), at=2),
        rec(MUM, "withdrawn", (), at=3),
        rec(MUM, "given", ("org-la",), at=4),
    ]
    state = share_state(MUM, history, TODAY)
    assert dict(state.given) == {"org-la": None}
    assert state.refused == {"org-health", "org-school", "org-police"}


def test_share_state_refusal_naming_no_organisation_changes_nothing() -> None:
    history = [rec(MUM, "given", ("org-health",), at=1), rec(MUM, "refused", (), at=2)]
    state = share_state(MUM, history, TODAY)
    assert dict(state.given) == {"org-health": None}
    assert state.refused == frozenset()


def test_share_state_only_this_persons_share_records() -> None:
    history = [
        rec(MUM, "given", ("org-health",), at=1),
        rec(MUM, "refused", ("org-health",), at=2, purpose="assessment"),
        rec(DAD, "refused", ("org-health",), at=3),
        rec(CHILD, "refused", ("org-health",), by=MUM, at=4),
    ]
    assert dict(share_state(MUM, history, TODAY).given) == {"org-health": None}


def test_share_state_expiry_lapses_a_given_consent_without_withholding() -> None:
    history = [
        rec(MUM, "given", ("org-health",), at=1, expires=TODAY - timedelta(days=1)),
        rec(MUM, "given", ("org-school",), at=2, expires=TODAY),
        rec(MUM, "given", ("org-police",), at=3, expires=TODAY + timedelta(days=10)),
    ]
    state = share_state(MUM, history, TODAY)
    assert dict(state.given) == {"org-school": TODAY, "org-police": TODAY + timedelta(days=10)}
    assert state.refused == frozenset()
    assert dict(share_state(MUM, history, TODAY + timedelta(days=1)).given) == {"org-police": TODAY + timedelta(days=10)}


def test_share_state_a_later_consent_renews_an_expiry() -> None:
    history = [
        rec(MUM, "given", ("org-health",), at=1, expires=TODAY + timedelta(days=5)),
        rec(MUM, "given", ("org-health",), at=2),
    ]
    assert dict(share_state(MUM, history, TODAY).given) == {"org-health": None}
    history.append(rec(MUM, "given", ("org-health",), at=3, expires=TODAY - timedelta(days=1)))
    assert dict(share_state(MUM, history, TODAY).given) == {}


def test_share_state_competent_childs_own_decision_governs_against_a_later_parents() -> None:
    history = [
        rec(CHILD, "refused", ("org-school",), at=1, competent=True),
        rec(CHILD, "given", ("org-health",), at=2, competent=True),
        rec(CHILD, "given", ("org-school",), by=MUM, at=3),
        rec(CHILD, "withdrawn", ("org-health",), by=MUM, at=4),
    ]
    state = share_state(CHILD, history, TODAY)
    assert dict(state.given) == {"org-health": None}
    assert dict(state.given_by) == {"org-health": "child"}
    assert state.refused == {"org-school"}


def test_share_state_child_not_judged_competent_leaves_it_to_the_parent() -> None:
    for competent in (None, False):
        history = [
            rec(CHILD, "refused", ("org-school",), at=1, competent=competent),
            rec(CHILD, "given", ("org-school",), by=MUM, at=2),
        ]
        state = share_state(CHILD, history, TODAY)
        assert dict(state.given_by) == {"org-school": "mum"}
        assert state.refused == frozenset()


def test_share_state_sixteen_year_old_governs_without_a_competence_judgement() -> None:
    history = [rec(TEEN, "refused", ("org-health",), at=1), rec(TEEN, "given", ("org-health",), by=MUM, at=2)]
    assert share_state(TEEN, history, TODAY).refused == {"org-health"}
    # the day before their birthday the parent's later word stood
    assert dict(share_state(TEEN, history, TODAY - timedelta(days=1)).given_by) == {"org-health": "mum"}


def test_share_state_unborn_child_governed_by_parents() -> None:
    history = [rec(UNBORN, "given", ("org-health",), at=1, competent=True), rec(UNBORN, "given", ("org-la",), by=MUM, at=2)]
    assert dict(share_state(UNBORN, history, TODAY).given) == {"org-la": None}


def test_share_state_do_not_share_list_kept_until_replaced() -> None:
    history = [rec(MUM, "given", ("org-health",), at=1, dns=("org-police",))]
    assert share_state(MUM, history, TODAY).do_not_share_with == {"org-police"}
    history.append(rec(MUM, "refused", ("org-school",), at=2))  # says nothing about the list: kept
    assert share_state(MUM, history, TODAY).do_not_share_with == {"org-police"}
    history.append(rec(MUM, "withdrawn", (), at=3))
    assert share_state(MUM, history, TODAY).do_not_share_with == {"org-police"}
    history.append(rec(MUM, "refused", ("org-la",), at=4, dns=("org-school", "org-health")))  # a new list replaces it
    assert share_state(MUM, history, TODAY).do_not_share_with == {"org-school", "org-health"}
    history.append(rec(MUM, "given", ("org-la",), at=5))  # a consent states the whole list: none now
    assert share_state(MUM, history, TODAY).do_not_share_with == frozenset()


# --- has_agreement ----------------------------------------------------------------------------


def agree(person: PersonFacts, decision: str = "given", *, by: PersonFacts | None = None, at: int = 0, **kw: Any) -> ConsentRecord:
    return rec(person, decision, by=by, at=at, purpose="assessment", **kw)


def test_has_agreement_none_without_a_record() -> None:
    assert not has_agreement(FAMILY, [], TODAY)


@pytest.mark.parametrize(
    "history",
    [
        [agree(MUM)],
        [agree(CHILD, by=MUM)],
        [agree(DAD)],  # an adult agrees for themself, parental responsibility or not
        [agree(GRAN)],
        [agree(TEEN)],
        [agree(CHILD, competent=True)],
        [agree(MUM, expires=TODAY)],
        [agree(MUM, "withdrawn", at=1), agree(GRAN, at=2)],
        [agree(MUM, "refused", at=1), agree(MUM, at=2)],
    ],
)
def test_has_agreement_yes(history: list[ConsentRecord]) -> None:
    assert has_agreement(FAMILY, history, TODAY)


@pytest.mark.parametrize(
    "history",
    [
        [agree(MUM, at=1), agree(MUM, "withdrawn", at=2)],
        [agree(MUM, "refused")],
        [agree(MUM, expires=TODAY - timedelta(days=1))],
        [agree(CHILD)],  # not judged competent
        [agree(CHILD, competent=False)],
        [agree(UNBORN, competent=True)],
        [rec(MUM, "given", ("org-health",))],  # agreement to share is not agreement to early help
        [agree(PersonFacts("stranger", "parent_carer", None, True))],  # not in this family
        [agree(CHILD, by=TEEN)],  # a young person's word about a sibling
        [agree(CHILD, by=GRAN)],  # an adult without parental responsibility for the child
    ],
)
def test_has_agreement_no(history: list[ConsentRecord]) -> None:
    assert not has_agreement(FAMILY, history, TODAY)


def test_has_agreement_latest_word_of_each_decider_in_recorded_order() -> None:
    history = [agree(MUM, "withdrawn", at=9), agree(MUM, at=1)]
    assert not has_agreement(FAMILY, history, TODAY)
    assert has_agreement(FAMILY, [agree(MUM, "withdrawn", at=1), agree(MUM, at=9)], TODAY)


# --- sharing ----------------------------------------------------------------------------------


def test_sharing_nothing_recorded_no_basis_nothing_withheld() -> None:
    state = sharing(FAMILY, [], [], TODAY)
    assert state == Sharing({}, {}, {})
    assert state.bases(TODAY) == {}
    assert state.withheld_today(TODAY) == {}


@pytest.mark.parametrize(
    "record",
    [
        rec(CHILD, "given", ("org-health",), by=MUM),  # a parent with parental responsibility
        rec(BABY, "given", ("org-health",), by=MUM),
        rec(UNBORN, "given", ("org-health",), by=MUM),
        rec(MUM, "given", ("org-health",)),  # an adult for themself
        rec(DAD, "given", ("org-health",)),
        rec(GRAN, "given", ("org-health",)),
        rec(TEEN, "given", ("org-health",)),  # 16 or over
        rec(CHILD, "given", ("org-health",), competent=True),  # a competent young person for themself
    ],
)
def test_sharing_basis_from_someone_able_to_decide(record: ConsentRecord) -> None:
    state = sharing(FAMILY, [record], [], TODAY)
    assert dict(state.consent) == {"org-health": None}
    assert state.bases(TODAY) == {"org-health": CONSENT}


@pytest.mark.parametrize(
    "record",
    [
        rec(CHILD, "given", ("org-health",), by=DAD),  # a parent without parental responsibility
        rec(BABY, "given", ("org-health",), by=GRAN),
        rec(CHILD, "given", ("org-health",)),  # a child not judged competent
        rec(CHILD, "given", ("org-health",), competent=False),
        rec(UNBORN, "given", ("org-health",), competent=True),
        rec(MUM, "given", ("org-health",), purpose="assessment"),
    ],
)
def test_sharing_no_basis_from_someone_unable_to_decide(record: ConsentRecord) -> None:
    state = sharing(FAMILY, [record], [], TODAY)
    assert state.bases(TODAY) == {}


def test_sharing_parent_without_responsibility_cannot_undo_a_refusal() -> None:
    history = [rec(CHILD, "refused", ("org-school",), by=MUM, at=1), rec(CHILD, "given", ("org-school",), by=DAD, at=2)]
    state = sharing(FAMILY, history, [], TODAY)
    assert state.bases(TODAY) == {}
    assert state.withheld_today(TODAY) == {"child": {"org-school"}}
    # their record counts for nothing either way
    assert sharing(FAMILY, [rec(CHILD, "refused", ("org-school",), by=DAD)], [], TODAY) == Sharing({}, {}, {})


def test_sharing_basis_needs_the_person_to_be_in_the_family() -> None:
    stranger = PersonFacts("stranger", "parent_carer", None, True)
    assert sharing(FAMILY, [rec(CHILD, "given", ("org-health",), by=stranger)], [], TODAY).bases(TODAY) == {}


def test_sharing_consent_expiry_applied_by_bases() -> None:
    history = [rec(MUM, "given", ("org-health",), expires=TODAY + timedelta(days=5))]
    state = sharing(FAMILY, history, [], TODAY)
    assert dict(state.consent) == {"org-health": TODAY + timedelta(days=5)}
    assert state.bases(TODAY + timedelta(days=5)) == {"org-health": CONSENT}
    assert state.bases(TODAY + timedelta(days=6)) == {}


def test_sharing_consent_already_lapsed_gives_no_basis() -> None:
    history = [rec(MUM, "given", ("org-health",), expires=TODAY - timedelta(days=1))]
    state = sharing(FAMILY, history, [], TODAY)
    assert dict(state.consent) == {}
    assert state.withheld == {}


def test_sharing_consent_basis_lasts_as_long_as_the_longest_consent() -> None:
    soon, later = TODAY + timedelta(days=3), TODAY + timedelta(days=30)
    two_dates = [rec(MUM, "given", ("org-health",), expires=later, at=1), rec(CHILD, "given", ("org-health",), by=MUM, expires=soon, at=2)]
    assert dict(sharing(FAMILY, two_dates, [], TODAY).consent) == {"org-health": later}
    open_ended = [*two_dates, rec(DAD, "given", ("org-health",), at=3)]
    assert dict(sharing(FAMILY, open_ended, [], TODAY).consent) == {"org-health": None}
    reversed_order = [rec(DAD, "given", ("org-health",), at=3), rec(MUM, "given", ("org-health",), expires=soon, at=1)]
    assert dict(sharing(FAMILY, reversed_order, [], TODAY).consent) == {"org-health": None}


def test_sharing_withheld_by_refusal_withdrawal_and_do_not_share_list() -> None:
    history = [
        rec(MUM, "given", ("org-health", "org-school"), at=1, dns=("org-police",)),
        rec(MUM, "withdrawn", ("org-school",), at=2),
        rec(CHILD, "refused", ("org-la",), by=MUM, at=3),
    ]
    state = sharing(FAMILY, history, [], TODAY)
    assert state.bases(TODAY) == {"org-health": CONSENT}
    assert state.withheld == {"mum": {"org-school", "org-police"}, "child": {"org-la"}}
    assert state.withheld_today(TODAY) == {"mum": {"org-school", "org-police"}, "child": {"org-la"}}


def test_sharing_one_persons_refusal_does_not_remove_anothers_basis() -> None:
    history = [rec(CHILD, "given", ("org-health",), by=MUM, at=1), rec(GRAN, "refused", ("org-health",), at=2)]
    state = sharing(FAMILY, history, [], TODAY)
    assert state.bases(TODAY) == {"org-health": CONSENT}
    assert state.withheld_today(TODAY) == {"gran": {"org-health"}}


def test_sharing_override_covers_an_organisation_and_lifts_withholding() -> None:
    history = [rec(MUM, "refused", ("org-police", "org-school"), at=1)]
    until = TODAY + timedelta(days=14)
    state = sharing(FAMILY, history, [Override("o1", frozenset({"org-police"}), until, START)], TODAY)
    assert dict(state.override) == {"org-police": until}
    assert state.bases(TODAY) == {"org-police": OVERRIDE}
    assert state.withheld_today(TODAY) == {"mum": {"org-school"}}
    # the decision lapses at the end of its review date: the refusal stands again
    assert state.bases(until + timedelta(days=1)) == {}
    assert state.withheld_today(until + timedelta(days=1)) == {"mum": {"org-police", "org-school"}}


def test_sharing_override_lifting_all_withholding_drops_the_person() -> None:
    history = [rec(MUM, "refused", ("org-police",), at=1)]
    state = sharing(FAMILY, history, [Override("o1", frozenset({"org-police", "org-la"}), TODAY, START)], TODAY)
    assert state.withheld_today(TODAY) == {}
    assert state.bases(TODAY) == {"org-police": OVERRIDE, "org-la": OVERRIDE}


def test_sharing_expired_override_ignored() -> None:
    stale = Override("o1", frozenset({"org-police"}), TODAY - timedelta(days=1), START)
    state = sharing(FAMILY, [rec(MUM, "refused", ("org-police",))], [stale], TODAY)
    assert dict(state.override) == {}
    assert state.bases(TODAY) == {}
    assert state.withheld_today(TODAY) == {"mum": {"org-police"}}


def test_sharing_overrides_last_as_long_as_the_latest() -> None:
    a = Override("o1", frozenset({"org-police"}), TODAY + timedelta(days=3), START)
    b = Override("o2", frozenset({"org-police", "org-health"}), TODAY + timedelta(days=9), START)
    assert dict(sharing(FAMILY, [], [b, a], TODAY).override) == {
        "org-police": TODAY + timedelta(days=9),
        "org-health": TODAY + timedelta(days=9),
    }


def test_sharing_consent_basis_named_before_override() -> None:
    history = [rec(MUM, "given", ("org-police",), expires=TODAY + timedelta(days=2))]
    state = sharing(FAMILY, history, [Override("o1", frozenset({"org-police"}), TODAY + timedelta(days=10), START)], TODAY)
    assert state.bases(TODAY) == {"org-police": CONSENT}
    assert state.bases(TODAY + timedelta(days=3)) == {"org-police": OVERRIDE}
    assert state.bases(TODAY + timedelta(days=11)) == {}


def test_sharing_bases_and_withheld_today_apply_expiries_to_a_stored_position() -> None:
    state = Sharing(
        consent={"org-health": TODAY, "org-la": None},
        override={"org-police": TODAY + timedelta(days=1), "org-school": TODAY - timedelta(days=1)},
        withheld={"mum": frozenset({"org-police", "org-school"}), "child": frozenset({"org-police"})},
    )
    assert state.bases(TODAY) == {"org-health": CONSENT, "org-la": CONSENT, "org-police": OVERRIDE}
    assert state.withheld_today(TODAY) == {"mum": {"org-school"}}
    later = TODAY + timedelta(days=2)
    assert state.bases(later) == {"org-la": CONSENT}
    assert state.withheld_today(later) == {"mum": {"org-police", "org-school"}, "child": {"org-police"}}


# --- do not share with a named practitioner ---------------------------------------------------


def test_check_consent_accepts_a_named_practitioner_and_refuses_strangers_and_the_lead() -> None:
    assert consent_problems(do_not_share_with=["user-neighbour"], known_user_ids=["user-neighbour"]) == {}
    assert consent_problems(do_not_share_with=["org-police", "user-neighbour"], known_user_ids=["user-neighbour"]) == {}
    assert set(consent_problems(do_not_share_with=["user-unknown"], known_user_ids=["user-neighbour"])) == {"do_not_share_with"}
    refused = consent_problems(do_not_share_with=["user-lead"], known_user_ids=["user-lead"], lead_professional_id="user-lead")
    assert "lead professional" in refused["do_not_share_with"][0]


def test_share_state_named_practitioners_kept_until_the_list_is_restated() -> None:
    history = [rec(MUM, "given", ("org-health",), named=("u-neighbour",))]
    assert share_state(MUM, history, TODAY).do_not_share_with_users == {"u-neighbour"}
    history.append(rec(MUM, "refused", ("org-police",), at=1))  # names no one: the list stands
    assert share_state(MUM, history, TODAY).do_not_share_with_users == {"u-neighbour"}
    history.append(rec(MUM, "refused", ("org-school",), at=2, dns=("org-police",)))  # restated without the person
    assert share_state(MUM, history, TODAY).do_not_share_with_users == frozenset()
    history.append(rec(MUM, "given", ("org-health",), at=3, named=("u-cousin",)))
    assert share_state(MUM, history, TODAY).do_not_share_with_users == {"u-cousin"}


def test_sharing_withholds_from_named_practitioners_and_no_override_lifts_it() -> None:
    history = [rec(MUM, "given", ("org-health",), named=("u-neighbour",)), rec(CHILD, "given", ("org-health",), by=MUM, at=1)]
    derived = sharing(FAMILY, history, [Override("o1", frozenset({"org-health", "org-la"}), TODAY, START)], TODAY)
    assert derived.withheld_users == {"mum": frozenset({"u-neighbour"})}
    assert derived.withheld_today(TODAY) == {}  # organisation withholding aside
    assert derived.bases(TODAY) == {"org-health": CONSENT, "org-la": OVERRIDE}


def test_a_parent_names_a_practitioner_for_a_younger_child_but_not_for_a_competent_one() -> None:
    by_mum = rec(CHILD, "refused", ("org-police",), by=MUM, named=("u-neighbour",))
    assert sharing(FAMILY, [by_mum], [], TODAY).withheld_users == {"child": frozenset({"u-neighbour"})}
    own = rec(CHILD, "given", ("org-health",), at=1, competent=True)
    assert sharing(FAMILY, [by_mum, own], [], TODAY).withheld_users == {}
