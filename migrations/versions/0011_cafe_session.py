"""cafe_session: a café run live (cafe start / next / end): position, polls, start and end

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-15 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_session",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("current_open", sa.Boolean(), nullable=False),
        sa.Column("polls", sa.Text(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("started_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["started_by"], ["core_member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("occurrence_id"),
    )
    with op.batch_alter_table("cafe_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_session_started_by"), ["started_by"])


def downgrade() -> None:
    with op.batch_alter_table("cafe_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_session_started_by"))
    op.drop_table("cafe_session")
