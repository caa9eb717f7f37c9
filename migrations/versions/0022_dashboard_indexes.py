"""Indexes for the dashboard's overview: each onboarding funnel stamp and the profiles'
update time, so the overview counts them from an index instead of scanning the tables

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 16:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_onboarding_flow_started_at", "onboarding_flow", "started_at"),
    ("ix_onboarding_flow_coc_accepted_at", "onboarding_flow", "coc_accepted_at"),
    ("ix_onboarding_flow_profile_at", "onboarding_flow", "profile_at"),
    ("ix_onboarding_profile_updated_at", "onboarding_profile", "updated_at"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
