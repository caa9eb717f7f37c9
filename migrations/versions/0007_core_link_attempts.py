"""me link lock-out: wrong codes per member (onboarding_link_attempt) and per code (failures)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the revision template imports it)
from alembic import op

import bot.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_link_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("onboarding_link_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_link_attempt_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_onboarding_link_attempt_at"), ["at"], unique=False)
    with op.batch_alter_table("onboarding_link_code", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failures", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("onboarding_link_code", schema=None) as batch_op:
        batch_op.drop_column("failures")
    with op.batch_alter_table("onboarding_link_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_link_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_onboarding_link_attempt_member_id"))
    op.drop_table("onboarding_link_attempt")
