"""digest_subscription: who asked for the monthly digest (``me digest on|off``)

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-01 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.types

revision: str = "0020"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_subscription",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_subscription_enabled"), ["enabled"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_subscription_enabled"))
    op.drop_table("digest_subscription")
