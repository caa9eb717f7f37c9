"""cafe_question, cafe_question_support: questions from the floor during a live café

Revision ID: 0013
Revises: 0019
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0013"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cafe_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("answering", sa.Boolean(), nullable=False),
        sa.Column("asked_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["core_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["occurrence_id"], ["cafe_occurrence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occurrence_id", "number", name="uq_cafe_question_number"),
        sa.UniqueConstraint("occurrence_id", "text_key", name="uq_cafe_question_text"),
    )
    with op.batch_alter_table("cafe_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_question_author_id"), ["author_id"])
    op.create_table(
        "cafe_question_support",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["core_member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["cafe_question.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id", "member_id"),
    )
    with op.batch_alter_table("cafe_question_support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cafe_question_support_member_id"), ["member_id"])


def downgrade() -> None:
    with op.batch_alter_table("cafe_question_support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_question_support_member_id"))
    op.drop_table("cafe_question_support")
    with op.batch_alter_table("cafe_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cafe_question_author_id"))
    op.drop_table("cafe_question")
