"""Indexes for the report's queries, on the tables of the areas they read (the report adds no
tables: every figure is counted from the case records themselves, see services.py).

Each index serves the period bound of a measure within the owning team's cases, or the period
bound of an event table joined to them.
"""

from __future__ import annotations

from sqlalchemy import Index

from casework.assessments.models import Assessment
from casework.cases.models import Case, LevelTransition
from casework.consent.models import Consent, ShareWithoutConsent
from casework.plans.models import Plan

INDEXES = (
    # Every column the case-row measures and the access filter read, so that the team's cases
    # in the period are counted from the index alone (an index-only scan on PostgreSQL).
    Index(
        "ix_case_episode_report",
        Case.owning_team_id,
        Case.opened_at,
        Case.closed_at,
        Case.level,
        Case.lead_professional_id,
        Case.closure_reason,
        Case.re_referral,
        Case.id,
    ),
    Index("ix_level_transition_direction_effective", LevelTransition.direction, LevelTransition.effective_at),
    Index("ix_assessment_started_at", Assessment.started_at),
    Index("ix_assessment_submitted_at", Assessment.submitted_at),
    Index("ix_taf_plan_agreed_on", Plan.agreed_on),
    Index("ix_consent_purpose_recorded", Consent.purpose, Consent.recorded_at),
    Index("ix_share_without_consent_decided_at", ShareWithoutConsent.decided_at),
)
