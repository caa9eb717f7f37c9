"""cafe_pseudonym: the name a member appears under on one café's leaderboard (cafe pseudo)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-16 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_pseudonym",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("occurrence_id", "member_id"),
        sa.UniqueConstraint("occurrence_id", "name_key", name="uq_cafe_pseudonym_name"),
    )
    with op.batch_alter_table("cafe_pseudonym", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_pseudonym_member_id"), ["member_id"])


def downgrade() -> None:
    with op.batch_alter_table("cafe_pseudonym", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_pseudonym_member_id"))
    op.drop_table("cafe_pseudonym")
