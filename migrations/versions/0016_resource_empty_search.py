"""resource_empty_search: searches that found nothing, counted (no member stored); an index
to count tags by spelling

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resource_empty_search",
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_seen", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("query"),
    )
    with op.batch_alter_table("resource_tag", schema=None) as batch_op:
        batch_op.create_index("ix_resource_tag_key_label", ["key", "label"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resource_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_tag_key_label")
    op.drop_table("resource_empty_search")
