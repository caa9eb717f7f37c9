"""café attendance confirmation: series options (confirm, release) and confirmed_at

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the revision template imports it)
from alembic import op

import bot.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cafe_series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirm_before", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "release_unconfirmed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("release_before", sa.Integer(), nullable=False, server_default="7200")
        )
    with op.batch_alter_table("cafe_registration", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "confirm_asked_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cafe_registration", schema=None) as batch_op:
        batch_op.drop_column("confirm_asked_at")
        batch_op.drop_column("confirmed_at")
    with op.batch_alter_table("cafe_series", schema=None) as batch_op:
        batch_op.drop_column("release_before")
        batch_op.drop_column("release_unconfirmed")
        batch_op.drop_column("confirm_before")
