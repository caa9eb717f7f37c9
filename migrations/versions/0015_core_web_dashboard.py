"""dashboard: one-time login links, sessions and the moderators' audit trail (core_web_*)

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-01 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0015"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = bot.storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("core_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_member_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "core_web_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("used_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("core_web_login", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_web_login_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_core_web_login_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "core_web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("core_web_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_web_session_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_core_web_session_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "core_web_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("core_web_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_core_web_audit_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_core_web_audit_at"), ["at"], unique=False)


def downgrade() -> None:
    for table, columns in (
        ("core_web_audit", ("member_id", "at")),
        ("core_web_session", ("member_id", "expires_at")),
        ("core_web_login", ("member_id", "created_at")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    with op.batch_alter_table("core_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_core_member_created_at"))
