"""Migration 0006 on a database with polls: anonymous ballots lose their counter ids and
their quiz timing; boards get their idea counter."""

from __future__ import annotations

from sqlalchemy import text

from bot.storage import migrate
from bot.storage.db import Database


async def test_0006_randomises_anonymous_ballots_and_counts_ideas(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(db, "0004")
        async with db.engine.begin() as conn:
            for poll_id, anonymous, kind in (
                (1, False, "quiz"),
                (2, True, "quiz"),
                (3, False, "board"),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO poll_poll (id, question, kind, room, anonymous, results,"
                        " role, answers, categories, salt, created_at) VALUES (:id, 'Q ?', :kind,"
                        " 'memory:general', :anon, 'live', 'member', '[]', '[]', 's',"
                        " '2027-01-04 09:00:00')"
                    ),
                    {"id": poll_id, "kind": kind, "anon": anonymous},
                )
            for ballot_id, poll_id in ((1, 1), (2, 2), (3, 2), (4, 1)):
                await conn.execute(
                    text(
                        "INSERT INTO poll_ballot (id, poll_id, voter, choices, revision, attempts,"
                        " correct, seconds) VALUES (:id, :poll, :voter, '[]', 1, 1, 1, 12.5)"
                    ),
                    {"id": ballot_id, "poll": poll_id, "voter": f"v{ballot_id}"},
                )
            await conn.execute(
                text(
                    "INSERT INTO poll_attempt (poll_id, voter, text, correct, seconds) VALUES"
                    " (1, 'v1', 'a', 1, 12.5), (2, 'v2', 'a', 1, 12.5)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO poll_option (poll_id, position, label) VALUES"
                    " (3, 1, 'a'), (3, 4, 'b')"
                )
            )
        await migrate.upgrade(db)
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, poll_id, seconds FROM poll_ballot"))).all()
            attempts = (await conn.execute(text("SELECT poll_id FROM poll_attempt"))).all()
            ideas = (await conn.execute(text("SELECT id, ideas_posted FROM poll_poll"))).all()
        named = sorted((r.id, r.seconds) for r in rows if r.poll_id == 1)
        anonymous = [r for r in rows if r.poll_id == 2]
        assert named == [(1, 12.5), (4, 12.5)]  # named ballots keep their ids and times
        assert all(r.id > 2**32 and r.seconds is None for r in anonymous)
        assert [a.poll_id for a in attempts] == [1]
        assert dict(ideas) == {1: 0, 2: 0, 3: 4}
    finally:
        await db.dispose()
