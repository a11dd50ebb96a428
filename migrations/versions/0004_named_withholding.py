"""do not share with a named practitioner

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:03:15.232054
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withheld_from_user",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_episode.id"], name=op.f("fk_withheld_from_user_case_id_case_episode"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_withheld_from_user_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_withheld_from_user_user_id_app_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "person_id", "user_id", name=op.f("pk_withheld_from_user")),
    )
    with op.batch_alter_table("withheld_from_user", schema=None) as batch_op:
        batch_op.create_index("ix_withheld_from_user_user", ["user_id", "person_id"], unique=False)

    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("do_not_share_with_users", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_column("do_not_share_with_users")

    with op.batch_alter_table("withheld_from_user", schema=None) as batch_op:
        batch_op.drop_index("ix_withheld_from_user_user")

    op.drop_table("withheld_from_user")
