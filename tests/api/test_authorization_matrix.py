"""THE authorization matrix: every route of the app (the /api/v1 JSON routes with bearer tokens,
the HTML pages with a signed-in session) by every relationship an actor can have to a case.

One world, built once: a case owned by Early Help North with its family, and an actor for each
relationship (below). For each route and actor the test sends one request (GET for reads, a
valid body for API writes, the CSRF token and an empty form for page writes) inside a SAVEPOINT
that is rolled back afterwards, so every request meets the same world. The table EXPECTED says
who may succeed; everyone else must be refused (never a 2xx). A route missing from the table, or
a path parameter with no id to put in it, fails the test: a new route cannot skip the matrix.

On every response it also checks that nothing leaks:
- a canary name (a person who refused sharing with health and housing) never reaches health;
- a second canary (a person who named two practitioners who must not see her details, one in the
  owning team and one whose organisation a share-without-consent decision covers) never reaches them;
- the ids of the case, its family and its people never reach anyone who may not see the case;
- for anyone who may not see the case, the real ids and made-up ids get the same status.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.assessments import services as assessments
from casework.auth import services as auth
from casework.auth.services import actor_for
from casework.cases import leads, transitions
from casework.cases import services as cases
from casework.consent import services as consent
from casework.dataprotection import review as subject_access
from casework.plans import services as plans
from casework.plans.models import PostClosureCheck
from tests.assessment_world import submitted_assessment
from tests.conftest import bearer, sign_in
from tests.web.pages import csrf

CANARY = "Quarrington"  # Zebedee Quarrington refused sharing with health and housing
NAMED_CANARY = "Ravensworth"  # Yolanda Ravensworth named two practitioners who see the case
#: Practitioners Yolanda named: her details never reach them, though they see the case.
NAMED = frozenset({"named_practitioner", "swc_taf"})

TEAM = frozenset({"lead", "team_practitioner", "team_manager", "named_practitioner"})
#: Who writes an assessment: the lead professional and the owning team's practitioners.
WRITERS = frozenset({"lead", "team_practitioner", "named_practitioner"})
#: Everyone who may see the case: the owning team, and TAF members with a basis.
SEE = TEAM | {"org_taf", "consent_taf", "swc_taf"}
CASE_ROLES = SEE | {"other_team", "no_basis_taf", "withdrawn_taf"}
SIGNED_IN = CASE_ROLES | {"admin", "safeguarding_lead", "ig_officer"}
ACTORS = sorted(SIGNED_IN | {"anonymous"})
NOBODY: frozenset[str] = frozenset()
#: Routes that answer anyone and hold no case data (their only check: no 5xx and no leak).
PUBLIC = {("auth.sign_in", "GET"), ("auth.sign_in", "POST"), ("web.health", "GET"), ("api.openapi", "GET")}
PUBLIC |= {("static", "GET"), ("web.assets", "GET")}
#: Forgotten passwords: asking for a link, following it, setting a new password.
PUBLIC |= {("auth.forgot_password", "GET"), ("auth.forgot_password", "POST"), ("auth.reset_link", "GET")}
PUBLIC |= {("auth.reset_password", "GET"), ("auth.reset_password", "POST")}
#: Who may succeed on each route; the handover is offered to team_practitioner, the pending change of level was
#: requested by the lead, there is no step-down waiting for a receiver, and the token is the lead's.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # API: administration
    ("api.create_organisation", "POST"): frozenset({"admin"}),
    ("api.list_organisations", "GET"): frozenset({"admin"}),
    ("api.create_user", "POST"): frozenset({"admin"}),
    # API: families and people (lists and searches answer everyone allowed to search, filtered)
    ("api.create_family", "POST"): CASE_ROLES,
    ("api.list_families", "GET"): CASE_ROLES,
    ("api.get_family", "GET"): SEE,
    ("api.add_member", "POST"): TEAM,
    ("api.list_members", "GET"): SEE,
    ("api.search_people", "GET"): SIGNED_IN,
    # API: cases, lead professionals, changes of level
    ("api.create_case", "POST"): TEAM,
    ("api.list_cases", "GET"): SIGNED_IN,
    ("api.get_case", "GET"): SEE,
    ("api.close_case", "POST"): frozenset({"lead", "team_manager"}),
    # The lead professional hands over (it waits for acceptance); a manager allocates; others may not.
    ("api.assign_lead_professional", "PUT"): frozenset({"lead", "team_manager"}),
    ("api.accept_handover", "POST"): frozenset({"team_practitioner"}),
    ("api.decline_handover", "POST"): frozenset({"team_practitioner"}),
    ("api.list_lead_professionals", "GET"): SEE,
    ("api.request_transition", "POST"): TEAM,
    ("api.list_case_transitions", "GET"): SEE,
    ("api.get_transition", "GET"): SEE,
    ("api.approve_transition", "POST"): frozenset({"team_manager"}),
    ("api.reject_transition", "POST"): frozenset({"team_manager"}),
    ("api.accept_transition", "POST"): NOBODY,
    # API: consent and information sharing
    ("api.record_consent", "POST"): TEAM,
    ("api.list_consents", "GET"): SEE,
    # Safeguarding leads of the owning organisation record these without seeing the case.
    ("api.record_override", "POST"): frozenset({"team_manager", "safeguarding_lead"}),
    ("api.list_overrides", "GET"): SEE,
    ("api.add_team_member", "POST"): TEAM,
    ("api.list_team_members", "GET"): SEE,
    ("api.remove_team_member", "DELETE"): TEAM,
    ("api.list_viewers", "GET"): SEE,
    ("api.known_to_early_help", "POST"): frozenset({"safeguarding_lead"}),
    # API: the Early Help Assessment (a draft is under way; the owning team's lead professional and
    # practitioners write it, a manager of the owning team decides on it, partners with a basis read it)
    ("api.create_assessment", "POST"): WRITERS,
    ("api.list_assessments", "GET"): SEE,
    ("api.get_assessment", "GET"): SEE,
    ("api.update_assessment", "PATCH"): WRITERS,
    ("api.submit_assessment", "POST"): WRITERS,
    ("api.sign_off_assessment", "POST"): frozenset({"team_manager"}),
    ("api.return_assessment", "POST"): frozenset({"team_manager"}),
    # API: audit (managers for their teams' cases, information governance for all)
    ("api.verify_trail", "GET"): frozenset({"ig_officer"}),
    ("api.case_audit", "GET"): frozenset({"team_manager", "ig_officer"}),
    # Pages
    ("web.home", "GET"): SIGNED_IN,
    ("auth.sign_out", "POST"): SIGNED_IN,
    ("auth.tokens", "GET"): SIGNED_IN,
    ("auth.tokens", "POST"): SIGNED_IN,
    ("auth.revoke_token", "POST"): frozenset({"lead"}),
    # The second factor and your own account (a signed-in session; nobody else's account)
    ("auth.second_factor", "GET"): SIGNED_IN,
    ("auth.second_factor", "POST"): SIGNED_IN,
    ("auth.set_up_second_factor", "GET"): SIGNED_IN,
    ("auth.set_up_second_factor", "POST"): SIGNED_IN,
    ("account.index", "GET"): SIGNED_IN,
    ("account.confirm", "GET"): SIGNED_IN,
    ("account.confirm", "POST"): SIGNED_IN,
    ("account.change_password", "GET"): SIGNED_IN,
    ("account.change_password", "POST"): SIGNED_IN,
    ("account.change_email", "GET"): SIGNED_IN,
    ("account.change_email", "POST"): SIGNED_IN,
    ("account.new_recovery_codes", "GET"): SIGNED_IN,
    ("account.new_recovery_codes", "POST"): SIGNED_IN,
    ("admin.index", "GET"): frozenset({"admin"}),
    ("admin.new_organisation", "GET"): frozenset({"admin"}),
    ("admin.new_organisation", "POST"): frozenset({"admin"}),
    ("admin.new_team", "GET"): frozenset({"admin"}),
    ("admin.new_team", "POST"): frozenset({"admin"}),
    ("admin.new_user", "GET"): frozenset({"admin"}),
    ("admin.new_user", "POST"): frozenset({"admin"}),
    ("families.index", "GET"): CASE_ROLES,
    ("families.new", "GET"): CASE_ROLES,
    ("families.new", "POST"): CASE_ROLES,
    ("families.search", "GET"): CASE_ROLES,
    ("families.show", "GET"): SEE,
    ("families.add_member", "GET"): SEE,
    ("families.add_member", "POST"): SEE,
    ("cases.new", "GET"): SEE,
    ("cases.new", "POST"): SEE,
    ("cases.my_work", "GET"): CASE_ROLES,
    ("cases.read_notifications", "POST"): CASE_ROLES,
    # Managers' pages list their own teams' work only (the leak checks below hold them to it).
    ("cases.caseload", "GET"): frozenset({"team_manager", "other_team"}),
    ("cases.approvals", "GET"): frozenset({"team_manager", "other_team"}),
    ("cases.show", "GET"): SEE,
    ("cases.family", "GET"): SEE,
    ("cases.timeline", "GET"): SEE,
    ("cases.close", "GET"): SEE,
    ("cases.close", "POST"): SEE,
    ("cases.assign_lead", "GET"): SEE,
    ("cases.assign_lead", "POST"): SEE,
    ("cases.accept_handover", "POST"): frozenset({"team_practitioner"}),
    ("cases.decline_handover", "POST"): frozenset({"team_practitioner"}),
    ("cases.request_change", "GET"): SEE,
    ("cases.request_change", "POST"): SEE,
    ("cases.transition", "GET"): SEE,
    ("cases.decide", "POST"): frozenset({"team_manager"}),
    ("cases.accept_transfer", "POST"): NOBODY,
    ("consent.consent", "GET"): SEE,
    ("consent.record", "GET"): SEE,
    ("consent.record", "POST"): SEE,  # an empty form comes back with its errors; the service refuses a non-owner's decision
    ("consent.team", "GET"): SEE,
    ("consent.add_member", "GET"): SEE,
    ("consent.add_member", "POST"): SEE,
    ("consent.remove_member", "POST"): TEAM,
    ("consent.viewers", "GET"): SEE,
    ("consent.share_without_consent", "GET"): frozenset({"team_manager"}),
    ("consent.share_without_consent", "POST"): frozenset({"team_manager"}),
    ("consent.confirm_share_without_consent", "POST"): frozenset({"team_manager"}),
    ("consent.known", "GET"): frozenset({"safeguarding_lead"}),
    # every manager reads the report for the teams they manage (other_team's is empty)
    ("consent.share_without_consent_report", "GET"): frozenset({"team_manager", "other_team", "safeguarding_lead", "ig_officer"}),
    ("api.share_without_consent_report", "GET"): frozenset({"team_manager", "other_team", "safeguarding_lead", "ig_officer"}),
    ("consent.known", "POST"): frozenset({"safeguarding_lead"}),
    ("assessments.index", "GET"): SEE,
    ("assessments.start", "POST"): WRITERS,
    ("assessments.show", "GET"): SEE,
    ("assessments.section", "GET"): WRITERS,
    ("assessments.section", "POST"): WRITERS,
    ("assessments.submit", "GET"): WRITERS,
    ("assessments.submit", "POST"): WRITERS,  # the missing answers come back on the page
    ("assessments.review", "GET"): frozenset({"team_manager"}),
    ("assessments.review", "POST"): frozenset({"team_manager"}),  # an empty form comes back with its errors
    ("assessments.print_view", "GET"): SEE,
    ("assessments.pdf", "GET"): SEE,
    # Team Around the Family plans: partners with a basis read; only the owning team writes.
    ("api.create_plan", "POST"): TEAM,
    ("api.get_plan", "GET"): SEE,
    ("api.add_outcome", "POST"): TEAM,
    ("api.list_outcomes", "GET"): SEE,
    ("api.add_action", "POST"): TEAM,
    ("api.list_actions", "GET"): SEE,
    ("api.update_action", "PATCH"): TEAM,
    ("api.hold_review", "POST"): TEAM,
    ("api.list_reviews", "GET"): SEE,
    ("api.record_check", "POST"): TEAM,
    ("plans.plan", "GET"): SEE,
    ("plans.start", "GET"): TEAM,
    ("plans.start", "POST"): TEAM,  # the plan exists: the form comes back saying so
    ("plans.add_outcome", "GET"): TEAM,
    ("plans.add_outcome", "POST"): TEAM,
    ("plans.add_action", "GET"): TEAM,
    ("plans.add_action", "POST"): TEAM,
    ("plans.action", "GET"): TEAM,
    ("plans.action", "POST"): TEAM,
    ("plans.review", "GET"): TEAM,
    ("plans.review", "POST"): TEAM,
    ("plans.family_plan", "GET"): TEAM,
    ("plans.family_plan_pdf", "GET"): TEAM,
    ("plans.check", "GET"): TEAM,
    ("plans.check", "POST"): TEAM,
    ("audit.case", "GET"): frozenset({"team_manager", "ig_officer"}),
    ("audit.person", "GET"): frozenset({"team_manager", "ig_officer"}),
    ("audit.index", "GET"): frozenset({"ig_officer"}),
    ("audit.user", "GET"): frozenset({"ig_officer"}),
    ("audit.failed_sign_ins", "GET"): frozenset({"ig_officer"}),
    ("audit.verify", "GET"): frozenset({"ig_officer"}),
    # Data protection: restriction of processing, legal holds and retention are information governance's alone.
    ("api.restrict", "POST"): frozenset({"ig_officer"}),
    ("api.list_restrictions", "GET"): frozenset({"ig_officer"}),
    ("api.lift_restriction", "POST"): frozenset({"ig_officer"}),
    ("api.place_legal_hold", "POST"): frozenset({"ig_officer"}),
    ("api.list_legal_holds", "GET"): frozenset({"ig_officer"}),
    ("api.lift_legal_hold", "POST"): frozenset({"ig_officer"}),
    ("api.retention_due", "GET"): frozenset({"ig_officer"}),
    ("retention.index", "GET"): frozenset({"ig_officer"}),
    ("retention.index", "POST"): frozenset({"ig_officer"}),  # an empty form comes back with its errors
    ("retention.due", "GET"): frozenset({"ig_officer"}),
    ("retention.family", "GET"): frozenset({"ig_officer"}),
    ("retention.restrict", "POST"): frozenset({"ig_officer"}),
    ("retention.hold", "POST"): frozenset({"ig_officer"}),
    ("retention.lift_restriction", "POST"): frozenset({"ig_officer"}),
    ("retention.lift_hold", "POST"): frozenset({"ig_officer"}),
    # Data protection: subject access is information governance's alone
    ("api.subject_access_export", "GET"): frozenset({"ig_officer"}),
    ("api.start_subject_access_review", "POST"): frozenset({"ig_officer"}),
    ("api.get_subject_access_review", "GET"): frozenset({"ig_officer"}),
    ("api.update_subject_access_review", "PATCH"): frozenset({"ig_officer"}),
    ("api.release_subject_access_review", "POST"): frozenset({"ig_officer"}),
    ("api.subject_access_package", "GET"): frozenset({"ig_officer"}),
    ("dataprotection.find", "GET"): frozenset({"ig_officer"}),
    ("dataprotection.exports", "GET"): frozenset({"ig_officer"}),
    ("dataprotection.start", "POST"): frozenset({"ig_officer"}),
    ("dataprotection.review_export", "GET"): frozenset({"ig_officer"}),
    ("dataprotection.save", "POST"): frozenset({"ig_officer"}),
    ("dataprotection.release", "POST"): frozenset({"ig_officer"}),
    ("dataprotection.package", "GET"): frozenset({"ig_officer"}),
    # Rectification: the owning team (on the person's behalf) or information governance records; whoever sees the family reads
    ("api.correct_person", "POST"): TEAM | {"ig_officer"},
    ("api.correct_family", "POST"): TEAM | {"ig_officer"},
    ("api.list_corrections", "GET"): SEE | {"ig_officer"},
    ("api.add_statement", "POST"): TEAM | {"ig_officer"},
    ("api.list_statements", "GET"): SEE | {"ig_officer"},
    ("dataprotection.person", "GET"): SEE | {"ig_officer"},
    ("dataprotection.correct_person", "GET"): SEE | {"ig_officer"},
    ("dataprotection.correct_person", "POST"): TEAM | {"ig_officer"},  # an empty form comes back with its errors
    ("dataprotection.correct_family", "GET"): SEE | {"ig_officer"},
    ("dataprotection.correct_family", "POST"): TEAM | {"ig_officer"},
    ("dataprotection.add_statement", "GET"): SEE | {"ig_officer"},
    ("dataprotection.add_statement", "POST"): TEAM | {"ig_officer"},
    # The managers' case-flow report: every manager, for the teams they manage (other_team's figures are South's).
    ("reports.dashboard", "GET"): frozenset({"team_manager", "other_team"}),
    ("reports.cases", "GET"): frozenset({"team_manager", "other_team"}),
    ("reports.cases_csv", "GET"): frozenset({"team_manager", "other_team"}),
    ("reports.export_csv", "GET"): frozenset({"team_manager", "other_team"}),
    ("reports.export_xlsx", "GET"): frozenset({"team_manager", "other_team"}),
    ("api.report_measures", "GET"): frozenset({"team_manager", "other_team"}),
}
#: Routes on which the information governance officer sees every case's audit events.
AUDIT_FOR_IG = {("api.case_audit", "GET"), ("audit.case", "GET"), ("audit.person", "GET"), ("audit.user", "GET"), ("audit.index", "GET")}
#: Routes on which the information governance officer reads a family whatever its restriction: their own work.
DATA_PROTECTION_FOR_IG = {
    key
    for key, who in EXPECTED.items()
    if key[0].startswith("retention.")
    or key[0]
    in (
        "api.restrict",
        "api.list_restrictions",
        "api.lift_restriction",
        "api.place_legal_hold",
        "api.list_legal_holds",
        "api.lift_legal_hold",
    )
}
#: Routes on which the information governance officer reviews everything held about a person (subject access).
SUBJECT_ACCESS = {("api.subject_access_export", "GET"), ("dataprotection.exports", "GET"), ("dataprotection.review_export", "GET")}
SUBJECT_ACCESS |= {("dataprotection.find", "GET"), ("api.start_subject_access_review", "POST"), ("api.get_subject_access_review", "GET")}
SUBJECT_ACCESS |= {("api.update_subject_access_review", "PATCH"), ("api.release_subject_access_review", "POST")}
SUBJECT_ACCESS |= {("dataprotection.save", "POST"), ("dataprotection.start", "POST"), ("dataprotection.release", "POST")}
#: ...and corrects a person's or a family's record, or records a statement of disagreement, on the person's request.
SUBJECT_ACCESS |= {(e, m) for e in ("api.correct_person", "api.correct_family", "api.list_corrections") for m in ("GET", "POST")}
SUBJECT_ACCESS |= {(e, m) for e in ("api.add_statement", "api.list_statements", "dataprotection.person") for m in ("GET", "POST")}
SUBJECT_ACCESS |= {(f"dataprotection.{e}", m) for e in ("correct_person", "correct_family", "add_statement") for m in ("GET", "POST")}
#: Actors who pass the access checks but whom the state of this world refuses, and with what.
BLOCKED: dict[tuple[str, str], tuple[frozenset[str], int]] = {
    ("api.close_case", "POST"): (frozenset({"lead", "team_manager"}), 409),  # a change of level is pending
    ("api.create_assessment", "POST"): (WRITERS, 409),  # an assessment is under way
    ("api.submit_assessment", "POST"): (WRITERS, 422),  # required answers are missing
    ("api.sign_off_assessment", "POST"): (frozenset({"team_manager"}), 409),  # it has not been submitted
    ("api.return_assessment", "POST"): (frozenset({"team_manager"}), 409),
    ("api.create_plan", "POST"): (TEAM, 409),  # the case has its plan already
    ("dataprotection.package", "GET"): (frozenset({"ig_officer"}), 404),  # the export is a draft: nothing released yet
    ("api.subject_access_package", "GET"): (frozenset({"ig_officer"}), 404),
}
#: Actors for whom the real and a made-up record id must answer alike (the existence check).
HIDDEN = frozenset({"other_team", "no_basis_taf", "withdrawn_taf"})
API_DENIED = {401, 403, 404, 405, 409, 422}
PAGE_DENIED = {403, 404, 405, 409, 422}


@dataclass
class World:
    ids: dict[str, str]  # path parameter -> id
    users: dict[str, Any]
    secrets: dict[str, str]  # ids that must never reach anyone outside SEE
    withheld_from_health: str  # Zebedee's person id
    withheld_by_name: str  # Yolanda's person id
    child_born: date
    assessment_version: int


def _build(session, world) -> World:  # type: ignore[no-untyped-def]
    la = world.org(kind="local_authority", name="Council")
    health, school = world.org(kind="health", name="Community Health"), world.org(kind="school", name="Hill School")
    housing, police = world.org(kind="housing", name="Homes Trust"), world.org(kind="police", name="Police")
    north = "Early Help North"
    users = {
        "lead": world.user(roles=("practitioner",), team=north, org=la),
        "team_practitioner": world.user(roles=("practitioner",), team=north, org=la),
        "named_practitioner": world.user(roles=("practitioner",), team=north, org=la),
        "team_manager": world.user(roles=("manager",), team=north, org=la),
        "other_team": world.user(roles=("practitioner", "manager"), team="Early Help South", org=la),
        "org_taf": world.user(roles=("practitioner",), team="Youth Service", org=la),
        "no_basis_taf": world.user(roles=("practitioner",), team="Neighbourhood Policing", org=police),
        "consent_taf": world.user(roles=("practitioner",), team="Health Visiting", org=health),
        "withdrawn_taf": world.user(roles=("practitioner",), team="Pastoral Care", org=school),
        "swc_taf": world.user(roles=("practitioner",), team="Tenancy Support", org=housing),
        "admin": world.user(roles=("admin",), team=None, org=la),
        # Members of the owning team without a case role: team membership alone shows nothing.
        "safeguarding_lead": world.user(roles=("safeguarding_lead",), team=north, org=la),
        "ig_officer": world.user(roles=("ig_officer",), team=north, org=la),
    }
    lead, manager = actor_for(users["lead"]), actor_for(users["team_manager"])
    family = world.family(users["lead"])
    born = date(2016, 4, 1)
    mother = world.person(users["lead"], family, given_name="Ava", family_name="Quill", role="parent_carer", parental_responsibility=True)
    child = world.person(users["lead"], family, given_name="Mia", family_name="Quill", date_of_birth=born)
    zebedee = world.person(users["lead"], family, given_name="Zebedee", family_name=CANARY, role="other_adult")
    yolanda = world.person(users["lead"], family, given_name="Yolanda", family_name=NAMED_CANARY, role="other_adult")
    spare = world.family(users["lead"])  # a family without a case, for POST /cases
    case = cases.create_case(session, lead, family_id=family.id, level=2, source="request_for_support", reason="Worried")
    leads.assign_lead(session, lead, case.id, user_id=users["lead"].id)
    members = {
        name: consent.add_team_member(session, lead, case.id, user_id=users[name].id, role_in_team=name)
        for name in ("org_taf", "no_basis_taf", "consent_taf", "withdrawn_taf", "swc_taf")
    }
    share = {"purpose": "share", "method": "written", "person_id": mother.id}
    consent.record_consent(session, lead, case.id, decision="given", organisation_ids=[health.id, school.id], **share)
    consent.record_consent(session, lead, case.id, decision="withdrawn", organisation_ids=[school.id], **share)
    refusal = {"purpose": "share", "method": "verbal", "decision": "refused", "organisation_ids": [health.id, housing.id]}
    consent.record_consent(session, lead, case.id, person_id=zebedee.id, **refusal)
    consent.record_override(
        session,
        manager,
        case.id,
        organisation_ids=[housing.id],
        lawful_basis="UK GDPR Art 6(1)(e)",
        justification="Eviction risk",
        expires_on=date(2099, 1, 1),
    )
    consent.record_consent(session, lead, case.id, person_id=mother.id, purpose="assessment", decision="given", method="written")
    # the first assessment is signed off; the plan starts from it; a re-assessment is in draft
    # with a required answer missing (so submitting it is refused)
    assessments.sign_off_assessment(session, manager, submitted_assessment(session, users["lead"], case.id).id)
    assessment = assessments.start_assessment(session, lead, case.id).assessment
    assessment = assessments.save_assessment(
        session, lead, assessment.id, version=assessment.version, sections={"parents_view": {"view": ""}}
    ).assessment
    plan = plans.start_plan(session, lead, case.id, contingency="Call the hub")
    outcome = plans.add_outcome(
        session, lead, plan.id, person_ids=[child.id], need="School", what_better_looks_like="Mia at school", baseline_score=3
    )
    plans.add_outcome(  # about the person who refused sharing with health: health never sees it
        session, lead, plan.id, person_ids=[zebedee.id], need="Work", what_better_looks_like=f"{CANARY} finds work", baseline_score=2
    )
    action = plans.add_action(
        session, lead, plan.id, outcome_id=outcome.id, description="Walk to school", owner_person_id=mother.id, due_on=date(2099, 1, 1)
    )
    closed = _closed_case_with_check(session, world, users["lead"])
    change = transitions.request_transition(session, lead, case.id, to_level=3, reason="Needs several agencies")
    leads.assign_lead(session, lead, case.id, user_id=users["team_practitioner"].id)  # a handover waiting for them
    named = [users[name].id for name in sorted(NAMED)]
    consent.record_consent(
        session, lead, case.id, person_id=yolanda.id, **{**refusal, "organisation_ids": [police.id]}, do_not_share_with=named
    )
    kept = _restricted_and_held(session, world, users)
    export = subject_access.start_review(session, actor_for(users["ig_officer"]), mother.id)
    token, _ = auth.create_token(session, users["lead"], "matrix")
    session.commit()
    ids = {
        "case_id": case.id,
        "family_id": family.id,
        "transition_id": change.id,
        "member_id": members["consent_taf"].id,
        "person_id": mother.id,
        "token_id": token.id,
        "user_id": users["lead"].id,
        "organisation_id": la.id,
        "filename": "not-there.css",
        "spare_family_id": spare.id,
        "child_id": child.id,
        "police": police.id,
        "assessment_id": assessment.id,
        "section_key": "parents_view",
        "plan_id": plan.id,
        "outcome_id": outcome.id,
        "action_id": action.id,
        "action_version": str(action.version),
        "check_id": closed.id,
        "restriction_id": kept[0],
        "hold_id": kept[1],
        "kept_family_id": kept[2],
        "export_id": export.id,
        "export_version": str(export.version),
        "token": "cw_not-a-reset-token",
    }
    secrets = {"case": case.id, "family": family.id, "transition": change.id, "mother": mother.id, "child": child.id, "plan": plan.id}
    secrets["assessment"] = assessment.id
    return World(ids, users, secrets, zebedee.id, yolanda.id, born, assessment.version)


def _restricted_and_held(session, world, users):  # type: ignore[no-untyped-def]
    """Another family with a restricted person and a legal hold, for the routes that lift them."""
    from casework.retention import services as retention

    family = world.family(users["lead"])
    person = world.person(users["lead"], family, given_name="Ida", family_name="Quill", role="parent_carer", parental_responsibility=True)
    ig = actor_for(users["ig_officer"])
    restriction = retention.set_restriction(session, ig, family.id, person_id=person.id, reason="Objection")
    return restriction.id, retention.set_hold(session, ig, family.id, reason="Public inquiry").id, family.id


def _closed_case_with_check(session, world, user):  # type: ignore[no-untyped-def]
    """Another family's case, closed after its plan: its post-closure check."""
    actor = actor_for(user)
    family = world.family(user)
    world.person(user, family, given_name="Ola", family_name="Quill", role="parent_carer", parental_responsibility=True)
    case = cases.create_case(session, actor, family_id=family.id, level=2, source="other", reason="Worried")
    leads.assign_lead(session, actor, case.id, user_id=user.id)
    submitted_assessment(session, user, case.id)
    plans.start_plan(session, actor, case.id)
    cases.close_case(session, actor, case.id, reason="other", summary="Moved on")
    return session.scalar(select(PostClosureCheck).where(PostClosureCheck.case_id == case.id))


def _bodies(w: World) -> dict[tuple[str, str], dict[str, Any]]:
    """Valid bodies for the API's writes: whoever may succeed, succeeds."""
    ids = w.ids
    return {
        ("api.create_organisation", "POST"): {"name": "New Org", "kind": "school"},
        ("api.create_user", "POST"): {
            "email": "new@example.org",
            "name": "New",
            "organisation_id": ids["organisation_id"],
            "roles": ["practitioner"],
        },
        ("api.create_family", "POST"): {"postcode": "SW1A 1AA"},
        ("api.add_member", "POST"): {"given_name": "Noah", "family_name": "Quill", "role": "child", "parental_responsibility": False},
        ("api.create_case", "POST"): {"family_id": ids["spare_family_id"], "level": 2, "source": "other", "reason": "Worried"},
        ("api.close_case", "POST"): {"reason": "other", "summary": "Moved on"},
        ("api.assign_lead_professional", "PUT"): {"user_id": w.users["team_manager"].id},
        ("api.request_transition", "POST"): {"to_level": 4, "immediate_risk": True, "reason": "Disclosure"},
        ("api.approve_transition", "POST"): {},
        ("api.reject_transition", "POST"): {"note": "Not yet"},
        ("api.record_consent", "POST"): {
            "person_id": ids["child_id"],
            "given_by_person_id": ids["person_id"],
            "purpose": "assessment",
            "decision": "given",
            "method": "written",
        },
        ("api.record_override", "POST"): {
            "organisation_ids": [ids["police"]],
            "lawful_basis": "Art 6(1)(e)",
            "justification": "Risk",
            "expires_on": "2099-01-01",
        },
        ("api.add_team_member", "POST"): {"person_id": ids["child_id"], "role_in_team": "Child"},
        ("api.known_to_early_help", "POST"): {"family_name": "Quill", "date_of_birth": w.child_born.isoformat()},
        ("api.update_assessment", "PATCH"): {"version": w.assessment_version, "sections": {"parents_view": {"view": "Mornings"}}},
        ("api.submit_assessment", "POST"): {},
        ("api.sign_off_assessment", "POST"): {},
        ("api.return_assessment", "POST"): {"comments": "More on the children"},
        ("api.create_plan", "POST"): {"strengths": "Close family"},
        ("api.add_outcome", "POST"): {
            "person_ids": [ids["child_id"]],
            "need": "Friends",
            "what_better_looks_like": "Mia has a friend",
            "baseline_score": 4,
        },
        ("api.add_action", "POST"): {
            "outcome_id": ids["outcome_id"],
            "description": "Join a club",
            "owner_person_id": ids["person_id"],
            "due_on": "2099-01-01",
        },
        ("api.update_action", "PATCH"): {"version": int(ids["action_version"]), "status": "in_progress"},
        ("api.hold_review", "POST"): {
            "held_on": date.today().isoformat(),
            "attendees": [ids["user_id"]],
            "scores": [{"outcome_id": ids["outcome_id"], "score": 5}],
            "conclusion": "better",
            "summary": "Going well",
        },
        ("api.record_check", "POST"): {"sustained": True},
        ("api.restrict", "POST"): {"reason": "Accuracy contested"},
        ("api.lift_restriction", "POST"): {"reason": "Resolved"},
        ("api.place_legal_hold", "POST"): {"reason": "Public inquiry"},
        ("api.lift_legal_hold", "POST"): {"reason": "Inquiry closed"},
        ("api.update_subject_access_review", "PATCH"): {"version": int(ids["export_version"]), "redactions": []},
        ("api.release_subject_access_review", "POST"): {"version": int(ids["export_version"])},
        ("api.correct_person", "POST"): {"field": "gender", "value": "Female", "reason": "She told us"},
        ("api.correct_family", "POST"): {"field": "address_line_1", "value": "2 New Road", "reason": "Moved"},
        ("api.add_statement", "POST"): {
            "record_type": "assessment",
            "record_id": ids["assessment_id"],
            "section_key": "analysis",
            "text": "I disagree",
        },
    }


QUERIES = {
    "api.search_people": "?family_name=Quill",
    "families.search": "?family_name=Quill",
    "dataprotection.find": "?family_name=Quill",
    "reports.cases": "?measure=open_cases",
    "reports.cases_csv": "?measure=open_cases",
}


def _url(rule: Any, ids: dict[str, str], failures: list[str]) -> str | None:
    missing = [p for p in rule.arguments if p not in ids]
    if missing:
        failures.append(f"{rule.rule}: no id for path parameter(s) {missing}: add them to the matrix world")
        return None
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: ids[m.group(1)], rule.rule)


def _text(response: Any) -> str:
    """What a response shows: a PDF's extracted text, or the body."""
    if response.mimetype == "application/pdf":
        from io import BytesIO

        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.data))
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return str(response.get_data(as_text=True))


#: Oversight: the share-without-consent report names the case and family of each decision (never
#: a person) to information governance and the owning organisation's safeguarding lead.
OVERSIGHT = {
    ("consent.share_without_consent_report", "GET"): frozenset({"safeguarding_lead", "ig_officer"}),
    ("api.share_without_consent_report", "GET"): frozenset({"safeguarding_lead", "ig_officer"}),
}


def _leaks(actor: str, text: str, w: World, oversight: bool = False) -> list[str]:
    found = []
    if actor not in SEE and not oversight:
        found += [f"the {name}'s id" for name, value in w.secrets.items() if value in text]
    if actor in SIGNED_IN - (TEAM | {"org_taf", "swc_taf"}) or actor == "anonymous":
        if CANARY in text:
            found.append(f"the canary {CANARY!r}")
        if w.withheld_from_health in text:
            found.append("the withheld person's id")
    if actor in NAMED or actor not in SEE:
        if NAMED_CANARY in text:
            found.append(f"the canary {NAMED_CANARY!r}")
        if w.withheld_by_name in text:
            found.append("the id of the person who named them")
    return found


def _verdict(api: bool, method: str, endpoint: str, actor: str, allowed: bool, response: Any) -> str | None:
    status, location = response.status_code, response.headers.get("Location", "")
    if (endpoint, method) in PUBLIC:
        return None if status < 500 else f"{status} on a public route"
    blocked, blocked_status = BLOCKED.get((endpoint, method), (NOBODY, 0))
    if actor in blocked:
        return None if status == blocked_status else f"expected {blocked_status} (allowed, but refused by the state), got {status}"
    if allowed:
        if api:
            return None if 200 <= status < 300 else f"expected 2xx, got {status}"
        if 200 <= status < 300 or (300 <= status < 400 and ("/sign-in" not in location or endpoint == "auth.sign_out")):
            return None
        return f"expected success, got {status} {location}"
    if 200 <= status < 300:
        return f"UNEXPECTED {status}: must be refused"
    if actor == "anonymous":
        if api:
            return None if status == 401 else f"anonymous got {status}, not 401"
        return None if status == 400 or "/sign-in" in location else f"anonymous got {status} {location}"
    if status in (API_DENIED if api else PAGE_DENIED):
        return None
    return f"expected a refusal, got {status} {location}"


def test_authorization_matrix_every_route_for_every_relationship(app, session, world, connection):
    w = _build(session, world)
    headers = {name: bearer(session, user) for name, user in w.users.items()}
    headers["anonymous"] = {}
    clients: dict[str, Any] = {name: app.test_client() for name in ACTORS}
    tokens: dict[str, str] = {}

    def start(name: str) -> None:
        sign_in(clients[name], session, w.users[name])
        tokens[name] = csrf(clients[name].get("/account/tokens"))

    for name in w.users:
        start(name)
    tokens["anonymous"] = ""
    bodies, failures = _bodies(w), []
    made_up = {key: str(uuid.uuid4()) if key.endswith("_id") else value for key, value in w.ids.items()}
    routes = sorted(
        ((rule, method) for rule in app.url_map.iter_rules() for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})),
        key=lambda rm: (rm[0].rule, rm[1]),
    )
    seen, checked = set(), {"api": 0, "page": 0}

    def send(actor: str, api: bool, method: str, endpoint: str, url: str) -> Any:
        sp = connection.begin_nested()
        try:
            if api:
                body = bodies.get((endpoint, method), {}) if method in ("POST", "PUT", "PATCH") else None
                return clients[actor].open(url, method=method, json=body, headers=headers[actor])
            data = None if method == "GET" else {"csrf_token": tokens[actor], **bodies.get((endpoint, method), {})}
            return clients[actor].open(url, method=method, data=data)
        finally:
            sp.rollback()

    for rule, method in routes:
        key = (rule.endpoint, method)
        seen.add(key)
        if key not in EXPECTED and key not in PUBLIC:
            failures.append(f"{method} {rule.rule} ({rule.endpoint}) is not in the matrix: declare who may use it")
            continue
        api = rule.rule.startswith("/api/v1/")
        url, fake = _url(rule, w.ids, failures), _url(rule, made_up, [])
        if url is None or fake is None:
            continue
        url += QUERIES.get(rule.endpoint, "")
        for actor in ACTORS:
            allowed = actor in EXPECTED.get(key, NOBODY)
            response = send(actor, api, method, rule.endpoint, url)
            checked["api" if api else "page"] += 1
            problem = _verdict(api, method, rule.endpoint, actor, allowed, response)
            if problem:
                failures.append(f"{method} {rule.rule} as {actor}: {problem}")
            # Sign-in redirects echo the anonymous caller's own URL back to them: nothing learnt.
            echo = actor == "anonymous" and "/sign-in" in response.headers.get("Location", "")
            # The owning organisation's safeguarding lead records an override on a case id they were given.
            echo = echo or (key == ("api.record_override", "POST") and actor == "safeguarding_lead")
            # Information governance reads every case's audit trail (who looked, at what): that is its purpose.
            echo = echo or (key in AUDIT_FOR_IG and actor == "ig_officer")
            # ... and reads any family to restrict it, hold it or lift either: its own work.
            echo = echo or (key in DATA_PROTECTION_FOR_IG and actor == "ig_officer")
            # Information governance answers subject access requests: everything held about the person.
            echo = echo or (key in SUBJECT_ACCESS and actor == "ig_officer")
            text = "" if echo else _text(response) + response.headers.get("Location", "")
            for leak in _leaks(actor, text, w, actor in OVERSIGHT.get(key, NOBODY)):
                failures.append(f"{method} {rule.rule} as {actor}: the response contains {leak}")
            if rule.arguments and actor in HIDDEN and key not in PUBLIC:
                unknown = send(actor, api, method, rule.endpoint, fake + QUERIES.get(rule.endpoint, ""))
                if unknown.status_code != response.status_code:
                    failures.append(
                        f"{method} {rule.rule} as {actor}: {response.status_code} for the real record but "
                        f"{unknown.status_code} for an unknown one (existence leaks)"
                    )
            if rule.endpoint == "auth.sign_out" and actor in w.users:
                start(actor)  # signed out for real (the cookie is gone): sign in again
    stale = sorted(set(EXPECTED) - seen)
    failures += [f"{endpoint} {method} is in the matrix but no longer a route" for endpoint, method in stale]
    report = "\n".join(failures)
    assert not failures, f"{len(failures)} authorization matrix failure(s):\n{report}"
    assert checked["api"] >= 30 * len(ACTORS) and checked["page"] >= 30 * len(ACTORS), checked
