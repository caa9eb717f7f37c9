"""cafe report: links shared during a session, the report's page token and follow-up, and the
members' choice to get the report of a café they missed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_shared_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("shared_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cafe_shared_link", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cafe_shared_link_occurrence", ["occurrence_id", "shared_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cafe_shared_link_member_id"), ["member_id"])
    op.create_table(
        "cafe_report",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("followup_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followup_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["followup_by"], ["core_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("occurrence_id"),
    )
    with op.batch_alter_table("cafe_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_report_token"), ["token"], unique=True)
        batch_op.create_index(batch_op.f("ix_cafe_report_followup_by"), ["followup_by"])
    with op.batch_alter_table("cafe_preference", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reports", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("cafe_preference", schema=None) as batch_op:
        batch_op.drop_column("reports")
    with op.batch_alter_table("cafe_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_report_followup_by"))
        batch_op.drop_index(batch_op.f("ix_cafe_report_token"))
    op.drop_table("cafe_report")
    with op.batch_alter_table("cafe_shared_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_shared_link_member_id"))
        batch_op.drop_index("ix_cafe_shared_link_occurrence")
    op.drop_table("cafe_shared_link")
