"""subject access exports, corrections and statements of disagreement

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 11:28:03.381766
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correction",
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value_enc", sa.LargeBinary(), nullable=True),
        sa.Column("new_value_enc", sa.LargeBinary(), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], name=op.f("fk_correction_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_correction_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_correction_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_correction_person_id"), ["person_id"], unique=False)

    op.create_table(
        "disagreement_statement",
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("section_key", sa.String(length=120), nullable=True),
        sa.Column("text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_episode.id"], name=op.f("fk_disagreement_statement_case_id_case_episode"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], name=op.f("fk_disagreement_statement_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_disagreement_statement_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], name=op.f("fk_disagreement_statement_recorded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disagreement_statement")),
    )
    with op.batch_alter_table("disagreement_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disagreement_statement_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_disagreement_statement_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "subject_access_export",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("released_by_id", sa.String(length=36), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("package_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_enc", sa.LargeBinary(), nullable=True),
        sa.Column("redactions_enc", sa.LargeBinary(), nullable=True),
        sa.Column("package_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_subject_access_export_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"], name=op.f("fk_subject_access_export_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_subject_access_export_person_id_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["released_by_id"], ["app_user.id"], name=op.f("fk_subject_access_export_released_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_export")),
    )
    with op.batch_alter_table("subject_access_export", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_access_export_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subject_access_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_access_export_person_id"))

    op.drop_table("subject_access_export")
    with op.batch_alter_table("disagreement_statement", schema=None) as batch_op:
        batch_op.drop_index("ix_disagreement_statement_record")
        batch_op.drop_index(batch_op.f("ix_disagreement_statement_person_id"))

    op.drop_table("disagreement_statement")
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correction_person_id"))
        batch_op.drop_index(batch_op.f("ix_correction_family_id"))

    op.drop_table("correction")
