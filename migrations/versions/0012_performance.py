"""performance: index reviews by case

A case's flags (drift) count its reviews: without this index PostgreSQL scanned every review
for each case page and list (about 170 ms a request at 100,000 families).

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-06 12:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("taf_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taf_review_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("taf_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taf_review_case_id"))
