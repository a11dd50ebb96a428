"""indexes for the managers' report

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    (
        "ix_case_episode_report",
        "case_episode",
        ["owning_team_id", "opened_at", "closed_at", "level", "lead_professional_id", "closure_reason", "re_referral", "id"],
    ),
    ("ix_level_transition_direction_effective", "level_transition", ["direction", "effective_at"]),
    ("ix_assessment_started_at", "assessment", ["started_at"]),
    ("ix_assessment_submitted_at", "assessment", ["submitted_at"]),
    ("ix_taf_plan_agreed_on", "taf_plan", ["agreed_on"]),
    ("ix_consent_purpose_recorded", "consent", ["purpose", "recorded_at"]),
    ("ix_share_without_consent_decided_at", "share_without_consent", ["decided_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
