"""core_email: a member's e-mail address, its confirmation and what goes to it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "core_email",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("confirmed_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("link_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("code_expires_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sends", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sends_since", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "unsubscribe_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("refused_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refused_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("refusal_told", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
        sa.UniqueConstraint("link_hash"),
        sa.UniqueConstraint("unsubscribe_token"),
    )


def downgrade() -> None:
    op.drop_table("core_email")
