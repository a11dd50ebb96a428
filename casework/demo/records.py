"""The practice records of a loaded case: the family's agreement and consent to share, the Early
Help Assessment, the Team Around the Family plan with its outcomes and reviews.

Derived from when the replayed case reached each stage (:attr:`CaseHistory.stages`):

- a parent with parental responsibility agrees to early help shortly before the assessment
  starts, and most also consent to sharing with one or two partner agencies (with the
  ``sharing_basis`` rows that ``consent.services.refresh_sharing`` writes for it);
- the assessment starts then; it is signed off before the plan's first meeting, still a draft
  while the case is in assessment, or was submitted (or left a draft) when the case closed there;
- a plan is agreed at the first TAF meeting with one to three outcomes for the parent, scored at
  the start, and reviewed every ``review_every_weeks`` (on working days) until the case closes
  or today.

The rows are what the assessment, consent and plan services store; the caller seals their free
texts and adds one ``*.create`` event per row (:mod:`casework.demo.caserows`). Pure.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from casework.assessments import rules as assessment_rules
from casework.consent import rules as consent_rules
from casework.plans import rules as plan_rules
from casework.practice import Practice

from .lifecycle import CaseHistory, Record

Row = dict[str, Any]
DAY = timedelta(days=1)

STRENGTHS = (
    "Mum and the children are close and talk about their worries together.",
    "Grandparents nearby help with school runs most days.",
    "The children are settled at school and have friends there.",
    "Dad has kept up his appointments and wants things to change.",
)
CONTINGENCY = (
    "If attendance drops below 85% again the lead professional calls a TAF meeting within a week.",
    "If the family cannot be reached for two weeks the lead professional asks the school to check in.",
    "If mum's health gets worse the health visitor arranges extra visits.",
)
SUMMARIES = (
    "Attendance has improved and mornings are calmer.",
    "Rent arrears are on a repayment plan; the family feels less worried.",
    "Little change since the last meeting; the family agreed to try the parenting course again.",
    "Things have been harder this month after a house move.",
    "The children are sleeping better and school reports fewer incidents.",
)
OUTCOMES = (
    ("School attendance is below 80%.", "The children go to school every day and arrive on time."),
    ("The family is worried about debt and the rent.", "Bills are paid and the family knows where to get advice."),
    ("Bedtimes are late and mornings are a struggle.", "The children have a bedtime routine most nights."),
    ("Arguments at home upset the children.", "The adults sort out disagreements calmly, away from the children."),
    ("Mum feels isolated since the baby was born.", "Mum goes to a group each week and has someone to call."),
)
DECISIONS = (
    "Keep the current actions; review in six weeks.",
    "Add a referral to the young carers' group.",
    "School to share weekly attendance with the lead professional.",
)


@dataclass
class Records:
    """A case's practice records, each kind in the order it was created."""

    consents: list[Record] = field(default_factory=list)
    sharing: list[Row] = field(default_factory=list)  # sharing_basis rows (not audited: derived)
    assessments: list[Record] = field(default_factory=list)
    plans: list[Record] = field(default_factory=list)
    outcomes: list[Record] = field(default_factory=list)
    reviews: list[Record] = field(default_factory=list)


class RecordMaker:
    """Makes the records of each case, with ``partners`` (organisation ids) to share with."""

    def __init__(self, practice: Practice, rng: random.Random, now: datetime, partners: Sequence[str]) -> None:
        self._practice = practice
        self._rng = rng
        self._now = now
        self._partners = list(partners)
        self._scale = (practice.scoring.min, practice.scoring.max)
        self._new_id: Callable[[], str] = str

    def records(self, history: CaseHistory, people: Sequence[Row], managers: Sequence[str], new_id: Callable[[], str]) -> Records:
        """The records of ``history``'s case; ``people``: the family's person rows."""
        self._new_id = new_id
        out = Records()
        started = history.stages.get("assessment")
        if started is None:
            return out
        case = history.case.row
        end = case["closed_at"] or self._now
        parent = next((p for p in people if p["parental_responsibility"]), None)
        if parent is None:
            return out  # nobody here can agree for the family: the services would refuse the assessment
        rng = self._rng
        at, lead = started
        agreed_at = max(case["opened_at"], at - timedelta(minutes=rng.uniform(10, 2 * 24 * 60)))
        out.consents.append(self._consent(case, parent, "assessment", [], None, lead, agreed_at))
        if self._partners and rng.random() < 0.6:
            shared_at = min(end, at + timedelta(hours=rng.uniform(1, 72)))
            orgs = sorted(rng.sample(self._partners, k=min(len(self._partners), rng.choice((1, 1, 2)))))
            # Half are to be asked again after a year (those still to come: a lapsed consent would
            # have been renewed or its sharing rows rewritten since).
            renew = shared_at + timedelta(days=365)
            expires = renew.date() if renew > self._now and rng.random() < 0.5 else None
            out.consents.append(self._consent(case, parent, "share", orgs, expires, lead, shared_at))
            out.sharing += [
                {"case_id": case["id"], "organisation_id": o, "basis": consent_rules.CONSENT, "expires_on": expires} for o in orgs
            ]
        children = [assessment_rules.Child(p["id"], "") for p in people if p["role"] in ("child", "unborn")]
        planned = history.stages.get("plan")
        out.assessments.append(self._assessment(case, children, at, lead, planned, end, managers))
        if planned is not None:
            self._plan(out, case, parent, planned, end)
        return out

    def _consent(self, case: Row, parent: Row, purpose: str, orgs: list[str], expires: date | None, by: str, at: datetime) -> Record:
        row: Row = {
            "id": self._new_id(),
            "case_id": case["id"],
            "family_id": case["family_id"],
            "person_id": parent["id"],
            "given_by_person_id": parent["id"],
            "competent": None,
            "purpose": purpose,
            "decision": "given",
            "organisation_ids": orgs,
            "do_not_share_with": [],
            "do_not_share_with_users": [],
            "method": self._rng.choice(consent_rules.METHODS),
            "expires_on": expires,
            "recorded_by_id": by,
            "recorded_at": at,
        }
        return Record(row, {"note": None})

    def _assessment(
        self,
        case: Row,
        children: list[assessment_rules.Child],
        at: datetime,
        lead: str,
        planned: tuple[datetime, str] | None,
        end: datetime,
        managers: Sequence[str],
    ) -> Record:
        rng = self._rng
        template = assessment_rules.build_template(self._practice, children)
        started = min(end, at + timedelta(hours=rng.uniform(0, 48)))
        status, submitted, decided = assessment_rules.DRAFT, None, None
        if planned is not None:
            # Signed off before the first TAF meeting.
            submitted = max(started, planned[0] - timedelta(days=rng.uniform(4, 12)))
            decided = min(planned[0], submitted + timedelta(days=rng.uniform(0.5, 4)))
            status = assessment_rules.SIGNED_OFF
        elif case["closed_at"] is not None and (end - started).days > 25 and rng.random() < 0.6:
            # Submitted, then the case closed before a plan. An open case's assessment is still
            # a draft: past its due date, that is an overdue assessment in My work.
            submitted, status = started + timedelta(days=rng.uniform(20, 25)), assessment_rules.SUBMITTED
        done = [s["key"] for s in template] if submitted else [s["key"] for s in template[: rng.randrange(len(template) + 1)]]
        answers = {key: {"notes": "Discussed with the family at a home visit."} for key in done}
        row: Row = {
            "id": self._new_id(),
            "version": 1 + len(done) + (1 if submitted else 0) + (1 if decided else 0),
            "created_at": started,
            "updated_at": decided or submitted or started,
            "case_id": case["id"],
            "family_id": case["family_id"],
            "number": 1,
            "previous_id": None,
            "status": status,
            "template": template,
            "completed": done,
            "due_on": case["assessment_due_on"],
            "started_by_id": lead,
            "started_at": started,
            "submitted_by_id": lead if submitted else None,
            "submitted_at": submitted,
            "decided_by_id": rng.choice(managers) if decided else None,
            "decided_at": decided,
        }
        plain = {"answers": json.dumps(answers, sort_keys=True, ensure_ascii=False) if answers else None, "return_comments": None}
        return Record(row, plain)

    def _plan(self, out: Records, case: Row, parent: Row, planned: tuple[datetime, str], end: datetime) -> None:
        rng = self._rng
        at, lead = planned
        plan_id = self._new_id()
        agreed = at.date()
        held = plan_rules.next_review_due(agreed, self._practice)
        while held <= end.date() and held <= self._now.date():
            following = plan_rules.next_review_due(held, self._practice)
            row: Row = {
                "id": self._new_id(),
                "plan_id": plan_id,
                "case_id": case["id"],
                "family_id": case["family_id"],
                "held_on": held,
                "attendance": {lead: "present", parent["id"]: rng.choice(plan_rules.ATTENDANCE[:2])},
                "conclusion": rng.choices(plan_rules.CONCLUSIONS, weights=(5, 3, 2))[0],
                "next_review_on": following,
                "final": False,
                "shared_without_consent": False,
                "recorded_by_id": lead,
                "recorded_at": datetime.combine(held, time(16, 0), tzinfo=at.tzinfo),
            }
            plain = {"summary": rng.choice(SUMMARIES), "decisions": rng.choice(DECISIONS), "internal_notes": None}
            out.reviews.append(Record(row, plain))
            held = following
        for need, better in rng.sample(OUTCOMES, k=rng.choice((1, 2, 2, 3))):
            row = {
                "id": self._new_id(),
                "version": 1,
                "plan_id": plan_id,
                "case_id": case["id"],
                "family_id": case["family_id"],
                "person_ids": [parent["id"]],
                "baseline_score": rng.randint(self._scale[0], (self._scale[0] + self._scale[1]) // 2),
                "shared_without_consent": False,
                "created_by_id": lead,
                "created_at": at,
            }
            out.outcomes.append(Record(row, {"need": need, "what_better_looks_like": better}))
        plan: Row = {
            "id": plan_id,
            "version": 1 + len(out.reviews),  # each review moves the plan's next review on
            "case_id": case["id"],
            "family_id": case["family_id"],
            "created_by_id": lead,
            "created_at": at,
            "agreed_on": agreed,
            "next_review_on": None if case["closed_at"] else held,
        }
        plain = {"strengths": rng.choice(STRENGTHS), "contingency": rng.choice(CONTINGENCY), "analysis": None}
        out.plans.append(Record(plan, plain))
