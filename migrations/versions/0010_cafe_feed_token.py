"""cafe_feed_token: members' private calendar feed tokens (hashed), for `me calendar`

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_feed_token",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    with op.batch_alter_table("cafe_feed_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cafe_feed_token_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("cafe_feed_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_feed_token_token_hash"))
    op.drop_table("cafe_feed_token")
