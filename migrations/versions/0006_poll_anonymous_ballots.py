"""poll: random ballot ids, no timing on anonymous quizzes, idea numbers never reused

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 11:00:00.000000

- ``poll_ballot.id`` stops being a counter (PostgreSQL: BIGINT, sequence dropped; SQLite keeps
  its INTEGER PRIMARY KEY, the rowid, now filled with random values). Existing anonymous
  ballots get random ids, so the old order goes too.
- Anonymous quizzes lose their per-ballot seconds and their attempt rows.
- ``poll_poll.ideas_posted``: the next board idea's number, never counted down.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANONYMOUS_POLLS = "SELECT id FROM poll_poll WHERE anonymous = :yes"


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("poll_poll", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ideas_posted", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE poll_poll SET ideas_posted = (SELECT COALESCE(MAX(position), 0) "
        "FROM poll_option WHERE poll_option.poll_id = poll_poll.id)"
    )
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE poll_ballot ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS poll_ballot_id_seq")
        op.alter_column("poll_ballot", "id", existing_type=sa.Integer(), type_=sa.BigInteger())
    ids = [
        row[0]
        for row in bind.execute(
            sa.text(f"SELECT id FROM poll_ballot WHERE poll_id IN ({_ANONYMOUS_POLLS})"),
            {"yes": True},
        )
    ]
    for old in ids:
        bind.execute(
            sa.text("UPDATE poll_ballot SET id = :new WHERE id = :old"),
            {"new": secrets.randbits(63) or 1, "old": old},
        )
    bind.execute(
        sa.text(f"UPDATE poll_ballot SET seconds = NULL WHERE poll_id IN ({_ANONYMOUS_POLLS})"),
        {"yes": True},
    )
    bind.execute(
        sa.text(f"DELETE FROM poll_attempt WHERE poll_id IN ({_ANONYMOUS_POLLS})"),
        {"yes": True},
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Random ids do not fit INTEGER: number the ballots again, then restore the counter.
        op.execute("CREATE SEQUENCE poll_ballot_id_seq OWNED BY poll_ballot.id")
        op.execute("UPDATE poll_ballot SET id = -nextval('poll_ballot_id_seq')")
        op.execute("UPDATE poll_ballot SET id = -id")
        op.alter_column("poll_ballot", "id", existing_type=sa.BigInteger(), type_=sa.Integer())
        op.execute(
            "ALTER TABLE poll_ballot ALTER COLUMN id SET DEFAULT nextval('poll_ballot_id_seq')"
        )
    with op.batch_alter_table("poll_poll", schema=None) as batch_op:
        batch_op.drop_column("ideas_posted")
