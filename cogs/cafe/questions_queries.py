"""The SQL of questions from the floor (``cafe_question``, ``cafe_question_support``), and the
read the session report uses.

For the report (issue 13)::

    from cogs.cafe.questions_queries import questions
    floor = await questions(db, occurrence_id)   # list[FloorQuestion], most supported first

or, from the running cog, ``await cafe.questions.report(occurrence_id)``. Only questions the
room saw are listed (approved ones; those waiting for review or hidden by the host are not),
and ``author`` is ``None`` for an anonymous question (or an author who used ``me forget``):
no format built from it can name them. ``text`` is the member's text as typed (tidied, one
line): escape it for the format you write (HTML, markdown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.cafe.models import CafeQuestion, CafeQuestionSupport

if TYPE_CHECKING:
    from bot.storage.db import Database

#: ``cafe_question.status``: waiting for the host's approval, shown in the room, hidden.
REVIEW, OPEN, HIDDEN = "review", "open", "hidden"


@dataclass(frozen=True, slots=True)
class FloorQuestion:
    """One question as anyone may read it: never the name of an anonymous asker."""

    number: int
    text: str
    author: str | None  # display name when asked; None: anonymous (or forgotten)
    supports: int
    answered: bool
    asked_at: datetime
    status: str = OPEN
    answering: bool = False  # highlighted by the host now ("en cours")
    answered_at: datetime | None = None


def view(row: CafeQuestion, supports: int) -> FloorQuestion:
    author = None if row.anonymous or not row.author_name else row.author_name
    return FloorQuestion(
        number=row.number,
        text=row.text,
        author=author,
        supports=supports,
        answered=row.answered_at is not None,
        asked_at=row.asked_at,
        status=row.status,
        answering=row.answering,
        answered_at=row.answered_at,
    )


async def questions(db: Database, occurrence_id: int) -> list[FloorQuestion]:
    """The questions the room saw during the session, most supported first (then oldest)."""
    async with db.session() as s:
        listed = await with_supports(s, occurrence_id)
    shown = [q for q in listed if q.status == OPEN]
    return sorted(shown, key=lambda q: (-q.supports, q.asked_at, q.number))


async def with_supports(s: AsyncSession, occurrence_id: int) -> list[FloorQuestion]:
    """Every question of the occurrence with its support count, in the order asked."""
    counts = (
        select(CafeQuestionSupport.question_id, func.count().label("n"))
        .group_by(col(CafeQuestionSupport.question_id))
        .subquery()
    )
    rows = await s.exec(
        select(CafeQuestion, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.question_id == CafeQuestion.id)
        .where(CafeQuestion.occurrence_id == occurrence_id)
        .order_by(col(CafeQuestion.number))
    )
    return [view(row, int(n)) for row, n in rows]


async def by_number(s: AsyncSession, occurrence_id: int, number: int) -> CafeQuestion | None:
    rows = await s.exec(
        select(CafeQuestion).where(
            CafeQuestion.occurrence_id == occurrence_id, CafeQuestion.number == number
        )
    )
    return rows.first()


async def by_key(s: AsyncSession, occurrence_id: int, text_key: str) -> CafeQuestion | None:
    rows = await s.exec(
        select(CafeQuestion).where(
            CafeQuestion.occurrence_id == occurrence_id, CafeQuestion.text_key == text_key
        )
    )
    return rows.first()


async def next_number(s: AsyncSession, occurrence_id: int) -> int:
    rows = await s.exec(
        select(func.max(CafeQuestion.number)).where(CafeQuestion.occurrence_id == occurrence_id)
    )
    return int(rows.one() or 0) + 1


async def waiting_of(s: AsyncSession, occurrence_id: int, member_id: int) -> int:
    """How many of the member's questions still wait for an answer (in review or shown)."""
    rows = await s.exec(
        select(func.count()).where(
            CafeQuestion.occurrence_id == occurrence_id,
            CafeQuestion.author_id == member_id,
            col(CafeQuestion.status).in_((REVIEW, OPEN)),
            col(CafeQuestion.answered_at).is_(None),
        )
    )
    return int(rows.one())


async def support_count(s: AsyncSession, question_id: int) -> int:
    rows = await s.exec(select(func.count()).where(CafeQuestionSupport.question_id == question_id))
    return int(rows.one())


async def stop_answering(s: AsyncSession, occurrence_id: int) -> None:
    """No question of the occurrence is highlighted any more."""
    await s.exec(
        update(CafeQuestion)
        .where(col(CafeQuestion.occurrence_id) == occurrence_id, col(CafeQuestion.answering))
        .values(answering=False)
    )


# --- privacy (privacy.py) ------------------------------------------------------------------------


async def asked_by(s: AsyncSession, member_id: int) -> list[CafeQuestion]:
    rows = await s.exec(
        select(CafeQuestion)
        .where(CafeQuestion.author_id == member_id)
        .order_by(col(CafeQuestion.occurrence_id), col(CafeQuestion.number))
    )
    return list(rows)


async def supported_by(s: AsyncSession, member_id: int) -> list[tuple[int, int]]:
    """(occurrence, question number) of each question the member supports."""
    rows = await s.exec(
        select(CafeQuestion.occurrence_id, CafeQuestion.number)
        .join(CafeQuestionSupport, col(CafeQuestionSupport.question_id) == CafeQuestion.id)
        .where(CafeQuestionSupport.member_id == member_id)
        .order_by(col(CafeQuestion.occurrence_id), col(CafeQuestion.number))
    )
    return [(int(o), int(n)) for o, n in rows]


async def forget_member(s: AsyncSession, member_id: int) -> None:
    """Their supports go; their questions stay in the session (the room saw them) but name
    nobody any more: no author, no name, shown as anonymous."""
    await s.exec(
        delete(CafeQuestionSupport).where(col(CafeQuestionSupport.member_id) == member_id)
    )
    await s.exec(
        update(CafeQuestion)
        .where(col(CafeQuestion.author_id) == member_id)
        .values(author_id=None, author_name="", anonymous=True)
    )


async def merge_members(s: AsyncSession, kept: int, merged: int) -> None:
    """``merged``'s questions and supports become ``kept``'s. A support ``kept`` already gives,
    or one on ``kept``'s own question (nobody supports their own), is dropped."""
    await s.exec(
        update(CafeQuestion).where(col(CafeQuestion.author_id) == merged).values(author_id=kept)
    )
    own = select(CafeQuestion.id).where(CafeQuestion.author_id == kept)
    await s.exec(
        delete(CafeQuestionSupport).where(
            col(CafeQuestionSupport.member_id).in_((kept, merged)),
            col(CafeQuestionSupport.question_id).in_(own),
        )
    )
    kept_supports = select(CafeQuestionSupport.question_id).where(
        CafeQuestionSupport.member_id == kept
    )
    await s.exec(
        delete(CafeQuestionSupport).where(
            col(CafeQuestionSupport.member_id) == merged,
            col(CafeQuestionSupport.question_id).in_(kept_supports),
        )
    )
    await s.exec(
        update(CafeQuestionSupport)
        .where(col(CafeQuestionSupport.member_id) == merged)
        .values(member_id=kept)
    )
