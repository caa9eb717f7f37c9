"""cafe programme: cafe_activity (a café's activities, prepared before it starts)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:42:00.946205
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["core_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occurrence_id", "position", name="uq_cafe_activity_position"),
    )
    with op.batch_alter_table("cafe_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cafe_activity_created_by"), ["created_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cafe_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_activity_created_by"))

    op.drop_table("cafe_activity")
