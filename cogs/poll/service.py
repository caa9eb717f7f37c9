"""The poll use cases: creating, voting (one ballot per member), retracting, closing, tallying,
exporting, and the outbox messages that go with them.

Platform-free: it knows members by id and rooms by ``RoomRef``; bad input raises ``UserError``
inside the transaction, so nothing already stored is lost. Per-kind rules are in ballots.py,
option checks in validate.py, SQL in queries.py.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.members import MemberService
from bot.core.outbox import Outbox
from bot.core.refs import Role, RoomRef
from bot.scheduling import Clock
from bot.storage.db import Database
from cogs.poll import ballots, queries, validate
from cogs.poll.domain import (
    CHOICE_KINDS,
    CLOSE_KIND,
    NAMED_KINDS,
    REDACT_NOTE_KIND,
    OptionView,
    PollDraft,
    PollView,
    Tally,
    VoteOutcome,
    Voter,
    close_key,
    compute_tally,
    final_key,
    redact_note_key,
)
from cogs.poll.export import ballots_csv
from cogs.poll.kinds import CloseReason, PollKind
from cogs.poll.models import Poll, PollOption
from cogs.poll.secret import BallotSecret, anonymous_voter, named_voter
from cogs.poll.settings import PollSettings

__all__ = ["PollDraft", "PollService", "VoteOutcome", "Voter"]


class PollService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        members: MemberService,
        settings: PollSettings,
        secret: BallotSecret,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.members = members
        self.secret = secret
        self.anonymous_minimum = settings.anonymous_minimum
        # Choices of single/multiple/ranking polls never change once created.
        self._fixed_options: dict[int, tuple[OptionView, ...]] = {}
        self._upsert_stmt: Any = None
        self._guarded_stmt: Any = None
        # Open polls of the simple kinds, with their salt: votes on them skip the poll read.
        self._open_polls: dict[int, tuple[PollView, str]] = {}
        # SQLite has one writer at a time; connections that collide sleep in its busy handler
        # with growing back-off (up to 100 ms a try). Queueing this process's writers on an
        # asyncio lock instead keeps a burst of votes flowing in arrival order.
        self._sqlite_writer = asyncio.Lock() if db.is_sqlite else None

    def forget_cached(self) -> None:
        """Rows were removed or moved behind the service's back (privacy): drop the cache."""
        self._fixed_options.clear()

    # --- creating -----------------------------------------------------------------------------

    async def create(
        self, author_id: int, room: RoomRef, draft: PollDraft, tz: Any = None
    ) -> PollView:
        now = self.clock.now()
        kind = PollKind(draft.kind)
        question = validate.check_question(draft.question)
        labels = validate.check_labels(draft.choices, kind)
        answers = validate.check_answers(draft.answer, kind)
        categories = validate.check_categories(draft.categories, kind)
        max_choices = validate.check_max(draft.max, kind, len(labels))
        results = validate.check_results(draft.results)
        closes_at = validate.parse_closing(draft.duration, draft.closes, now, tz)
        poll = Poll(
            question=question,
            kind=kind.value,
            author_id=author_id,
            room=room.encode(),
            anonymous=draft.anonymous,
            results=results.value,
            max_choices=max_choices,
            role=Role(draft.role).value,
            answers=json.dumps(answers, ensure_ascii=False),
            categories=json.dumps(categories, ensure_ascii=False),
            salt=secrets.token_hex(8),
            created_at=now,
            closes_at=closes_at,
        )
        async with self.db.session() as session:
            session.add(poll)
            await session.flush()
            assert poll.id is not None
            options = [
                PollOption(poll_id=poll.id, position=i, label=label)
                for i, label in enumerate(labels, start=1)
            ]
            session.add_all(options)
        view = PollView.of(poll, options)
        if kind in CHOICE_KINDS:
            self._fixed_options[view.id] = view.options
        return view

    async def schedule_close(self, poll: PollView) -> None:
        """A poll with a closing time: the outbox closes it then (``poll.close``)."""
        if poll.closes_at is not None:
            await self.outbox.enqueue(
                close_key(poll.id),
                poll.closes_at,
                kind=CLOSE_KIND,
                data={"poll": poll.id},
                room=poll.room,
            )

    async def note_no_redaction(self, poll: PollView, member_id: int, platform: str) -> None:
        """Tell the creator, privately, that typed votes cannot be removed from the room."""
        await self.outbox.enqueue(
            redact_note_key(poll.id),
            self.clock.now(),
            kind=REDACT_NOTE_KIND,
            data={"poll": poll.id},
            member_id=member_id,
            platform=platform,
        )

    # --- reading ------------------------------------------------------------------------------

    async def get(self, poll_id: int) -> PollView:
        async with self.db.session() as session:
            return await self._view(session, poll_id)

    async def _view(self, session: AsyncSession, poll_id: int, *, lock: bool = False) -> PollView:
        poll = await queries.poll_row(session, poll_id, lock=lock)
        if poll is None:
            raise UserError(
                "Aucun sondage n° {poll}. Tapez « poll list » pour voir les sondages.",
                poll=poll_id,
            )
        cached = self._fixed_options.get(poll_id)
        if cached is not None:
            return PollView.of(poll, cached)
        view = PollView.of(poll, await queries.options(session, poll_id))
        if view.kind in CHOICE_KINDS:
            self._fixed_options[poll_id] = view.options
        return view

    async def list_polls(
        self, room: RoomRef, closed: int = 5
    ) -> tuple[list[PollView], list[PollView]]:
        """The room's open polls, and its most recently closed ones."""
        now = self.clock.now()
        async with self.db.session() as session:
            rows = await queries.room_polls(session, room)
        views = [PollView.of(p) for p in rows]
        open_polls = [v for v in views if not v.is_closed(now)]
        return sorted(open_polls, key=lambda v: v.id), [v for v in views if v.is_closed(now)][
            :closed
        ]

    async def tally(self, poll: PollView, names: Mapping[int, str] | None = None) -> Tally:
        """The results; ``names`` override display names (a café's pseudonyms)."""
        async with self.db.session() as session:
            rows = await queries.ballot_rows(session, poll.id)
            if poll.kind is PollKind.BOARD:
                poll = await self._view(session, poll.id)
        shown: dict[int, str] = {}
        if not poll.anonymous and poll.kind in NAMED_KINDS:
            ids = {b.member_id for b in rows if b.member_id} | {
                o.member_id for o in poll.options if o.member_id
            }
            shown = {**await self.members.names(list(ids)), **(names or {})}
        return compute_tally(poll, rows, shown)  # type: ignore[arg-type]

    async def took_part(self, poll: PollView, member_id: int) -> bool:
        """Whether the member has a ballot (or, on a board, an idea) in this poll."""
        async with self.db.session() as session:
            key = self.voter_key(poll, await self._salt(session, poll), member_id)
            return await queries.has_ballot_or_idea(session, poll.id, key)

    def withheld(self, tally: Tally) -> bool:
        """Anonymous polls show nothing but the count below the minimum number of ballots."""
        return tally.poll.anonymous and tally.voters < self.anonymous_minimum

    # --- voting -------------------------------------------------------------------------------

    def voter_key(self, poll: PollView | Poll, salt: str, member_id: int) -> str:
        assert poll.id is not None
        if poll.anonymous:
            return anonymous_voter(self.secret.get(), poll.id, salt, member_id)
        return named_voter(member_id)

    async def vote(
        self,
        poll_id: int,
        voter: Voter,
        *,
        choice: str = "",
        text: str = "",
        comment: str = "",
        category: str = "",
    ) -> VoteOutcome:
        """Record a vote; a second vote by the same member replaces the first."""
        for attempt in range(3):
            try:
                return await self._vote_once(poll_id, voter, choice, text, comment, category)
            except IntegrityError:
                # Two board ideas numbered at once (PostgreSQL): number again.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        if self._sqlite_writer is None:
            async with self.db.session() as session:
                yield session
            return
        async with self._sqlite_writer, self.db.session() as session:
            yield session

    async def _vote_once(
        self, poll_id: int, voter: Voter, choice: str, text: str, comment: str, category: str
    ) -> VoteOutcome:
        now = self.clock.now()
        fast = self._open_polls.get(poll_id)
        if fast is not None and not fast[0].is_closed(now):
            # The poll's kind, choices, role and salt never change: check the vote before the
            # transaction, then one guarded upsert that also checks the poll is still open.
            poll, salt = fast
            values, recorded = self._ballot(
                poll, salt, voter, choice, text, comment, category, now
            )
            async with self._writing() as session:
                revision = await self._guarded_upsert(session, values)
            if revision is not None:
                return VoteOutcome(poll, replaced=revision > 1, recorded=recorded)
            self._open_polls.pop(poll_id, None)  # closed meanwhile: the full path says so
        async with self._writing() as session:
            poll = await self._view(session, poll_id, lock=True)
            validate.check_open(poll, now)
            salt = await self._salt(session, poll)
            if poll.kind is PollKind.QUIZ or poll.kind is PollKind.BOARD:
                validate.check_role(poll, voter)
                validate.check_option_fit(poll.kind, choice, text, comment, category)
                key = self.voter_key(poll, salt, voter.member_id)
                member_id = None if poll.anonymous else voter.member_id
                if poll.kind is PollKind.QUIZ:
                    return await ballots.answer_quiz(
                        session, self.db, poll, key, member_id, text, now
                    )
                return await ballots.board_vote(
                    session, self.db, self.clock, poll, key, member_id, choice, text, category
                )
            values, recorded = self._ballot(
                poll, salt, voter, choice, text, comment, category, now
            )
            revision = await self._upsert(session, values)
        self._open_polls[poll.id] = (poll, salt)
        return VoteOutcome(poll, replaced=revision > 1, recorded=recorded)

    def _ballot(
        self,
        poll: PollView,
        salt: str,
        voter: Voter,
        choice: str,
        text: str,
        comment: str,
        category: str,
        now: datetime,
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The checked ballot row of a simple kind, with its voter key."""
        row, recorded = ballots.simple_ballot(poll, voter, choice, text, comment, category, now)
        row["voter"] = self.voter_key(poll, salt, voter.member_id)
        return row, recorded

    async def _guarded_upsert(self, session: AsyncSession, values: dict[str, Any]) -> int | None:
        """The upsert, inserting only if the poll exists and is not closed (None otherwise)."""
        if self._guarded_stmt is None:
            self._guarded_stmt = queries.guarded_upsert_statement(self.db.dialect)
        conn = await session.connection()
        params = {k: v for k, v in values.items() if k != "revision"}
        row = (await conn.execute(self._guarded_stmt, params)).first()
        return None if row is None else int(row[0])

    async def _upsert(self, session: AsyncSession, values: dict[str, Any]) -> int:
        """Insert the ballot or replace the member's previous one; returns its revision."""
        if self._upsert_stmt is None:
            self._upsert_stmt = queries.upsert_statement(self.db)
        conn = await session.connection()
        result = await conn.execute(
            self._upsert_stmt, {"attempts": 0, "correct": False, "seconds": None, **values}
        )
        return int(result.scalar_one())

    async def retract(self, poll_id: int, voter: Voter) -> PollView:
        now = self.clock.now()
        async with self.db.session() as session:
            poll = await self._view(session, poll_id, lock=True)
            validate.check_open(poll, now)
            if poll.kind is PollKind.QUIZ:
                raise UserError("Les réponses à un quiz ne se retirent pas : chaque essai compte.")
            key = self.voter_key(poll, await self._salt(session, poll), voter.member_id)
            if await queries.delete_ballot(session, poll.id, key) == 0:
                raise UserError("Vous n'avez pas voté à ce sondage : rien à retirer.")
        return poll

    async def _salt(self, session: AsyncSession, poll: PollView) -> str:
        if not poll.anonymous:
            return ""
        return await queries.salt(session, poll.id)

    # --- closing ------------------------------------------------------------------------------

    async def close(self, poll_id: int, by: Voter | None) -> tuple[PollView, bool]:
        """Close now (``by`` None: the timer). Returns the poll and whether this call closed it."""
        now = self.clock.now()
        async with self.db.session() as session:
            poll = await queries.poll_for_update(session, poll_id)
            if poll is None:
                raise UserError(
                    "Aucun sondage n° {poll}. Tapez « poll list » pour voir les sondages.",
                    poll=poll_id,
                )
            if by is not None and poll.author_id != by.member_id and not by.has(Role.MODERATOR):
                raise UserError("Seuls l'auteur du sondage et les modérateurs peuvent le clore.")
            changed = poll.closed_at is None
            self._open_polls.pop(poll_id, None)
            if changed:
                if by is None and poll.closes_at is not None and poll.closes_at > now:
                    return PollView.of(poll), False  # timer fired early: the clock decides
                poll.closed_at = min(now, poll.closes_at) if by is None and poll.closes_at else now
                poll.closed_by = by.member_id if by else None
                poll.closed_reason = (
                    CloseReason.TIMER if by is None else CloseReason.MEMBER
                ).value
                session.add(poll)
            view = PollView.of(poll)
        return await self.get(view.id), changed

    async def cancel_close(self, poll_id: int) -> None:
        """Closed by hand: its timer has nothing left to do."""
        await self.outbox.cancel(close_key(poll_id))

    async def post_final(self, poll: PollView) -> None:
        """Closed from another room: the final results are posted in the poll's room too."""
        await self.outbox.enqueue(
            final_key(poll.id),
            self.clock.now(),
            kind=CLOSE_KIND,
            data={"poll": poll.id},
            room=poll.room,
        )

    # --- export -------------------------------------------------------------------------------

    async def export_csv(self, poll: PollView, requester: Voter) -> bytes:
        if poll.author_id != requester.member_id and not requester.has(Role.MODERATOR):
            raise UserError("Seuls l'auteur du sondage et les modérateurs peuvent l'exporter.")
        async with self.db.session() as session:
            poll = await self._view(session, poll.id)
            rows = await queries.export_ballots(session, poll.id, poll.anonymous)
        if poll.anonymous and len(rows) < self.anonymous_minimum:
            # Same rule as the results: a file with one or two rows would give them away.
            raise UserError(
                "Export impossible pour l'instant : un sondage anonyme ne s'exporte qu'à partir "
                "de {min} participations (il en a {count}).",
                min=self.anonymous_minimum,
                count=len(rows),
            )
        names = {}
        if not poll.anonymous:
            names = await self.members.names([b.member_id for b in rows if b.member_id])
        return ballots_csv(poll, rows, names)
