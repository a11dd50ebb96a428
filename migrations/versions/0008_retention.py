"""restrictions of processing and legal holds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:28:43.061733
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_hold",
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("set_by_id", sa.String(length=36), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by_id", sa.String(length=36), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("lift_reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], name=op.f("fk_legal_hold_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["app_user.id"], name=op.f("fk_legal_hold_lifted_by_id_app_user")),
        sa.ForeignKeyConstraint(["set_by_id"], ["app_user.id"], name=op.f("fk_legal_hold_set_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index("ix_legal_hold_family_lifted", ["family_id", "lifted_at"], unique=False)

    op.create_table(
        "restriction",
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("set_by_id", sa.String(length=36), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by_id", sa.String(length=36), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("lift_reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], name=op.f("fk_restriction_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["app_user.id"], name=op.f("fk_restriction_lifted_by_id_app_user")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_restriction_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["app_user.id"], name=op.f("fk_restriction_set_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction")),
    )
    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.create_index("ix_restriction_family_lifted", ["family_id", "lifted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_restriction_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_restriction_person_id"))
        batch_op.drop_index("ix_restriction_family_lifted")

    op.drop_table("restriction")
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_hold_family_lifted")

    op.drop_table("legal_hold")
