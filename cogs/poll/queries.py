"""The SQL the poll service and privacy hooks run: statement builders and small reads/writes
over a session. Dialect specifics (upserts, ``FOR UPDATE``) live here and nowhere else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    Row,
    String,
    Text,
    bindparam,
    cast,
    literal,
    null,
)
from sqlalchemy import select as core_select
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.refs import RoomRef
from bot.storage.db import Database, dialect_insert
from bot.storage.types import UTCDateTime
from cogs.poll.models import Poll, PollAttempt, PollBallot, PollOption, new_ballot_id

POLL_TABLE: Any = Poll.__table__  # type: ignore[attr-defined]
BALLOT_TABLE: Any = PollBallot.__table__  # type: ignore[attr-defined]
# Core statements built once (SQLAlchemy caches their compiled form): the vote path runs them
# for every ballot.
_POLL = core_select(POLL_TABLE).where(POLL_TABLE.c.id == bindparam("poll_id"))
# PostgreSQL: closing takes FOR UPDATE, so no ballot slips in after the final tally.
_POLL_LOCKED = _POLL.with_for_update(read=True, key_share=True)
# Named ballots in voting order (they carry their time anyway); anonymous ones have no time, so
# they come in the order of their random ids, which says nothing.
_BALLOTS = (
    core_select(BALLOT_TABLE)
    .where(BALLOT_TABLE.c.poll_id == bindparam("poll_id"))
    .order_by(BALLOT_TABLE.c.created_at, BALLOT_TABLE.c.id)
)
# Tables that hold a member's words or choices, by member id or by voter key.
MEMBER_TABLES: tuple[type[PollBallot] | type[PollAttempt] | type[PollOption], ...] = (
    PollBallot,
    PollAttempt,
    PollOption,
)


# --- polls ------------------------------------------------------------------------------------


async def poll_row(session: AsyncSession, poll_id: int, *, lock: bool = False) -> Any | None:
    """The poll's row (a Core row with the ``Poll`` columns), locked when asked."""
    conn = await session.connection()
    return (await conn.execute(_POLL_LOCKED if lock else _POLL, {"poll_id": poll_id})).first()


async def options(session: AsyncSession, poll_id: int) -> list[PollOption]:
    return list(await session.exec(select(PollOption).where(PollOption.poll_id == poll_id)))


async def room_polls(session: AsyncSession, room: RoomRef, limit: int = 200) -> list[Poll]:
    """The room's latest polls, newest first."""
    return list(
        await session.exec(
            select(Poll)
            .where(Poll.room == room.encode())
            .order_by(col(Poll.id).desc())
            .limit(limit)
        )
    )


async def poll_for_update(session: AsyncSession, poll_id: int) -> Poll | None:
    return (await session.exec(select(Poll).where(Poll.id == poll_id).with_for_update())).first()


async def salt(session: AsyncSession, poll_id: int) -> str:
    return (await session.exec(select(Poll.salt).where(Poll.id == poll_id))).one()


async def next_idea_number(session: AsyncSession, poll_id: int) -> int:
    """A counter on the poll, never counted down: an idea removed by ``me forget`` keeps its
    number to itself (max + 1 would hand it, and its supports, on)."""
    result = await session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id)
        .values(ideas_posted=col(Poll.ideas_posted) + 1)
        .returning(col(Poll.ideas_posted))
    )
    return int(result.scalar_one())


# --- ballots ----------------------------------------------------------------------------------


async def ballot_rows(session: AsyncSession, poll_id: int) -> list[Row[Any]]:
    conn = await session.connection()
    return list(await conn.execute(_BALLOTS, {"poll_id": poll_id}))


async def export_ballots(session: AsyncSession, poll_id: int, anonymous: bool) -> list[PollBallot]:
    # Anonymous ballots are ordered by their hash: their order says nothing either.
    order = (
        [col(PollBallot.voter)] if anonymous else [col(PollBallot.created_at), col(PollBallot.id)]
    )
    return list(
        await session.exec(
            select(PollBallot).where(PollBallot.poll_id == poll_id).order_by(*order)
        )
    )


async def has_ballot_or_idea(session: AsyncSession, poll_id: int, key: str) -> bool:
    """Whether ``key`` has a ballot (or, on a board, an idea) in the poll."""
    for model in (PollBallot, PollOption):
        found = await session.exec(
            select(model.id).where(col(model.poll_id) == poll_id, col(model.voter) == key)
        )
        if found.first() is not None:
            return True
    return False


async def delete_ballot(session: AsyncSession, poll_id: int, key: str) -> int:
    result = await session.exec(
        delete(PollBallot).where(col(PollBallot.poll_id) == poll_id, col(PollBallot.voter) == key)
    )
    return int(result.rowcount)


async def locked_ballot(
    session: AsyncSession,
    db: Database,
    poll_id: int,
    key: str,
    member_id: int | None,
    now: datetime | None,
) -> PollBallot:
    """The member's ballot, created empty if needed and locked for this transaction."""
    await session.exec(
        db.insert(PollBallot)
        .values(
            id=new_ballot_id(),
            poll_id=poll_id,
            voter=key,
            member_id=member_id,
            choices="[]",
            revision=0,
            attempts=0,
            correct=False,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["poll_id", "voter"])
    )
    return (
        await session.exec(
            select(PollBallot)
            .where(PollBallot.poll_id == poll_id, PollBallot.voter == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


def upsert_statement(db: Database) -> Any:
    """Insert the ballot or replace the member's previous one, returning its revision."""
    return replace_ballot(db.insert(BALLOT_TABLE), BALLOT_TABLE)


def guarded_upsert_statement(dialect: str) -> Any:
    """``INSERT … SELECT … FROM poll_poll WHERE id = :poll_id AND closed_at IS NULL
    ON CONFLICT (poll_id, voter) DO UPDATE … RETURNING revision``: one statement per vote."""
    ballot = BALLOT_TABLE
    poll = POLL_TABLE

    def param(name: str, kind: Any) -> Any:
        # PostgreSQL needs the types of NULL parameters spelled out in a SELECT list; SQLite
        # must not get them (CAST(… AS DATETIME) would turn a timestamp into a number).
        value = bindparam(name, type_=kind)
        return cast(value, kind) if dialect == "postgresql" else value

    source = core_select(
        param("id", BigInteger()),
        poll.c.id,
        param("voter", String(64)),
        param("member_id", Integer()),
        param("choices", Text()),
        param("text", Text()),
        param("comment", Text()),
        literal(1, Integer()),
        literal(0, Integer()),
        literal(False, Boolean()),
        cast(null(), Float()) if dialect == "postgresql" else null(),
        param("created_at", UTCDateTime()),
        param("updated_at", UTCDateTime()),
    ).where(poll.c.id == bindparam("poll_id"), poll.c.closed_at.is_(None))
    if dialect == "postgresql":
        source = source.with_for_update(read=True, key_share=True)
    columns = [
        "id",
        "poll_id",
        "voter",
        "member_id",
        "choices",
        "text",
        "comment",
        "revision",
        "attempts",
        "correct",
        "seconds",
        "created_at",
        "updated_at",
    ]
    return replace_ballot(dialect_insert(dialect, ballot).from_select(columns, source), ballot)


def replace_ballot(stmt: Any, ballot: Any) -> Any:
    """One ballot per (poll, voter): a new vote replaces the old one and bumps its revision."""
    return stmt.on_conflict_do_update(
        index_elements=["poll_id", "voter"],
        set_={
            "choices": stmt.excluded.choices,
            "text": stmt.excluded.text,
            "comment": stmt.excluded.comment,
            "updated_at": stmt.excluded.updated_at,
            "revision": ballot.c.revision + 1,
        },
    ).returning(ballot.c.revision)


# --- a member's rows (privacy) ----------------------------------------------------------------


async def member_rows(
    session: AsyncSession, member_id: int
) -> tuple[list[PollBallot], list[PollOption], list[Poll]]:
    """The member's named ballots, board ideas and polls created."""
    ballots = list(await session.exec(select(PollBallot).where(PollBallot.member_id == member_id)))
    ideas = list(await session.exec(select(PollOption).where(PollOption.member_id == member_id)))
    authored = list(await session.exec(select(Poll).where(Poll.author_id == member_id)))
    return ballots, ideas, authored


async def anonymous_salts(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """Every anonymous poll's id and salt (to derive a member's voter key in each)."""
    rows = await session.exec(select(Poll.id, Poll.salt).where(col(Poll.anonymous)))
    return [(poll_id, salt) for poll_id, salt in rows if poll_id is not None]


async def delete_member_rows(session: AsyncSession, member_id: int) -> None:
    for model in MEMBER_TABLES:
        await session.exec(delete(model).where(col(model.member_id) == member_id))


async def delete_voter_rows(session: AsyncSession, poll_id: int, key: str) -> None:
    for model in MEMBER_TABLES:
        await session.exec(
            delete(model).where(col(model.poll_id) == poll_id, col(model.voter) == key)
        )


async def unlink_polls(session: AsyncSession, member_id: int) -> None:
    """Polls the member created or closed stay, without their name."""
    await session.exec(update(Poll).where(col(Poll.author_id) == member_id).values(author_id=None))
    await session.exec(update(Poll).where(col(Poll.closed_by) == member_id).values(closed_by=None))


async def move_voter(
    session: AsyncSession, old: str, new: str, poll_id: int | None, member_id: int | None
) -> None:
    """Give ``old``'s ballots, attempts and ideas to ``new`` (in one poll, or all for named
    keys); where both have a ballot in a poll, ``new``'s stays and ``old``'s goes."""
    scope = [] if poll_id is None else [col(PollBallot.poll_id) == poll_id]
    taken = select(PollBallot.poll_id).where(PollBallot.voter == new)
    await session.exec(
        delete(PollBallot).where(
            col(PollBallot.voter) == old, col(PollBallot.poll_id).in_(taken), *scope
        )
    )
    await session.exec(
        update(PollBallot)
        .where(col(PollBallot.voter) == old, *scope)
        .values(voter=new, member_id=member_id)
    )
    for model in (PollAttempt, PollOption):
        await session.exec(
            update(model)
            .where(
                col(model.voter) == old,
                *([] if poll_id is None else [col(model.poll_id) == poll_id]),
            )
            .values(voter=new, member_id=member_id)
        )


async def move_authorship(session: AsyncSession, kept: int, merged: int) -> None:
    await session.exec(update(Poll).where(col(Poll.author_id) == merged).values(author_id=kept))
