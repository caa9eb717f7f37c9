"""onboarding reach: needs and offers, introductions, profile freshness reminders

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0018"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = bot.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "onboarding_reach_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "kind", "key", name="uq_onboarding_reach_tag"),
    )
    with op.batch_alter_table("onboarding_reach_tag", schema=None) as batch_op:
        batch_op.create_index("ix_onboarding_reach_tag_kind_key", ["kind", "key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_onboarding_reach_tag_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "onboarding_introduction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("answered_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["asker_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("onboarding_introduction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_introduction_asker_id"), ["asker_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_introduction_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "onboarding_freshness",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", _TS, nullable=True),
        sa.Column("scheduled_for", _TS, nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("onboarding_freshness")
    with op.batch_alter_table("onboarding_introduction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_introduction_target_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_introduction_asker_id"))
    op.drop_table("onboarding_introduction")
    with op.batch_alter_table("onboarding_reach_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_reach_tag_member_id"))
        batch_op.drop_index("ix_onboarding_reach_tag_kind_key")
    op.drop_table("onboarding_reach_tag")
