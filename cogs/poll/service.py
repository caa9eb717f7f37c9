"""The poll rules: creating, voting (one ballot per member), closing, tallying, exporting.

Platform-free: it knows members by id and rooms by ``RoomRef``; bad input raises ``UserError``
inside the transaction, so nothing already stored is lost.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    literal,
    null,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.csvfile import csv_bytes
from bot.core.durations import parse_duration
from bot.core.errors import UserError
from bot.core.members import MemberService
from bot.core.refs import ROLE_RANK, Role, RoomRef
from bot.core.text import fold_key, split_list, tidy
from bot.scheduling import Clock
from bot.storage.db import Database, dialect_insert
from bot.storage.types import UTCDateTime
from cogs.poll.domain import (
    CHOICE_KINDS,
    RATING_SCALE,
    TEXT_KINDS,
    OptionView,
    PollKind,
    PollView,
    Tally,
    ballot_choices,
    compute_tally,
)
from cogs.poll.models import Poll, PollAttempt, PollBallot, PollOption, new_ballot_id
from cogs.poll.secret import BallotSecret, anonymous_voter, named_voter

MAX_QUESTION = 300
MAX_LABEL = 80
MAX_CHOICES = 25
MIN_CHOICES = 2
MAX_ANSWER = 500
MAX_IDEA = 200
MAX_WORD = 40
MAX_WORDS = 10
MAX_LIFETIME = timedelta(days=366)
# Kinds whose results show who said what (when not anonymous).
NAMED_KINDS = frozenset({PollKind.RATING, PollKind.OPEN, PollKind.QUIZ, PollKind.BOARD})

_poll_table = Poll.__table__  # type: ignore[attr-defined]
_POLL = select(_poll_table).where(_poll_table.c.id == bindparam("poll_id"))
# PostgreSQL: closing takes FOR UPDATE, so no ballot slips in after the final tally.
_POLL_LOCKED = _POLL.with_for_update(read=True, key_share=True)
_ballot_table = PollBallot.__table__  # type: ignore[attr-defined]
# Named ballots in voting order (they carry their time anyway); anonymous ones have no time, so
# they come in the order of their random ids, which says nothing.
_BALLOTS = (
    select(_ballot_table)
    .where(_ballot_table.c.poll_id == bindparam("poll_id"))
    .order_by(_ballot_table.c.created_at, _ballot_table.c.id)
)


@dataclass(frozen=True, slots=True)
class Voter:
    member_id: int
    roles: frozenset[Role] = frozenset({Role.MEMBER})

    def has(self, role: Role) -> bool:
        return max((ROLE_RANK[r] for r in self.roles), default=0) >= ROLE_RANK[role]


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    poll: PollView
    replaced: bool = False
    recorded: tuple[str, ...] = ()  # what was recorded, as labels or words
    correct: bool | None = None  # quiz
    attempts: int = 0  # quiz
    idea: int | None = None  # board: the idea posted or up-voted
    already: bool = False  # board: that idea already had this member's vote
    posted: bool = False  # board: a new idea was posted


@dataclass(frozen=True, slots=True)
class PollDraft:
    question: str
    kind: PollKind = PollKind.SINGLE
    choices: str = ""
    anonymous: bool = False
    results: str = "live"
    duration: str = ""
    closes: str = ""
    max: int | None = None
    answer: str = ""
    categories: str = ""
    role: Role = Role.MEMBER


class PollService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        members: MemberService,
        secret: BallotSecret,
        anonymous_minimum: int = 3,
    ) -> None:
        self.db = db
        self.clock = clock
        self.members = members
        self.secret = secret
        self.anonymous_minimum = anonymous_minimum
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

    # --- creating -----------------------------------------------------------------------------

    async def create(
        self, author_id: int, room: RoomRef, draft: PollDraft, tz: Any = None
    ) -> PollView:
        now = self.clock.now()
        question = tidy(draft.question)
        kind = PollKind(draft.kind)
        if not question:
            raise UserError(
                'La question est vide : écrivez-la, par exemple question:"Votre avis ?".'
            )
        if len(question) > MAX_QUESTION:
            raise UserError(
                "La question est trop longue : {length} caractères (au plus {max}).",
                length=len(question),
                max=MAX_QUESTION,
            )
        labels = _check_labels(draft.choices, kind)
        answers = _check_answers(draft.answer, kind)
        categories = _check_categories(draft.categories, kind)
        max_choices = _check_max(draft.max, kind, len(labels))
        if draft.results not in ("live", "hidden"):
            raise UserError("results accepte live ou hidden.")
        closes_at = parse_closing(draft.duration, draft.closes, now, tz)
        poll = Poll(
            question=question,
            kind=kind.value,
            author_id=author_id,
            room=room.encode(),
            anonymous=draft.anonymous,
            results=draft.results,
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

    # --- reading ------------------------------------------------------------------------------

    async def get(self, poll_id: int) -> PollView:
        async with self.db.session() as session:
            return await self._view(session, poll_id)

    async def _view(self, session: AsyncSession, poll_id: int, *, lock: bool = False) -> PollView:
        # Core statements built once (SQLAlchemy caches their compiled form): the vote path
        # runs them for every ballot.
        conn = await session.connection()
        stmt = _POLL_LOCKED if lock else _POLL
        poll = (await conn.execute(stmt, {"poll_id": poll_id})).first()
        if poll is None:
            raise UserError(
                "Aucun sondage n° {poll}. Tapez « poll list » pour voir les sondages.",
                poll=poll_id,
            )
        cached = self._fixed_options.get(poll_id)
        if cached is not None:
            return PollView.of(poll, cached)  # type: ignore[arg-type]
        options = list(await session.exec(select(PollOption).where(PollOption.poll_id == poll_id)))
        view = PollView.of(poll, options)  # type: ignore[arg-type]
        if view.kind in CHOICE_KINDS:
            self._fixed_options[poll_id] = view.options
        return view

    async def list_polls(
        self, room: RoomRef, closed: int = 5
    ) -> tuple[list[PollView], list[PollView]]:
        """The room's open polls, and its most recently closed ones."""
        now = self.clock.now()
        async with self.db.session() as session:
            rows = list(
                await session.exec(
                    select(Poll)
                    .where(Poll.room == room.encode())
                    .order_by(col(Poll.id).desc())
                    .limit(200)
                )
            )
        views = [PollView.of(p) for p in rows]
        open_polls = [v for v in views if not v.is_closed(now)]
        return sorted(open_polls, key=lambda v: v.id), [v for v in views if v.is_closed(now)][
            :closed
        ]

    async def tally(self, poll: PollView) -> Tally:
        async with self.db.session() as session:
            conn = await session.connection()
            ballots = list(await conn.execute(_BALLOTS, {"poll_id": poll.id}))
            if poll.kind is PollKind.BOARD:
                poll = await self._view(session, poll.id)
        names = {}
        if not poll.anonymous and poll.kind in NAMED_KINDS:
            ids = {b.member_id for b in ballots if b.member_id} | {
                o.member_id for o in poll.options if o.member_id
            }
            found = await self.members.get_many(list(ids))
            names = {k: v.display_name for k, v in found.items()}
        return compute_tally(poll, ballots, names)  # type: ignore[arg-type]

    async def took_part(self, poll: PollView, member_id: int) -> bool:
        """Whether the member has a ballot (or, on a board, an idea) in this poll."""
        async with self.db.session() as session:
            key = self.voter_key(poll, await self._salt(session, poll), member_id)
            for model in (PollBallot, PollOption):
                found = await session.exec(
                    select(model.id).where(model.poll_id == poll.id, model.voter == key)  # type: ignore[attr-defined]
                )
                if found.first() is not None:
                    return True
        return False

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
            values = self._ballot(poll, salt, voter, choice, text, comment, category, now)
            async with self._writing() as session:
                revision = await self._guarded_upsert(session, values)
            if revision is not None:
                return VoteOutcome(poll, replaced=revision > 1, recorded=values.pop("recorded"))
            self._open_polls.pop(poll_id, None)  # closed meanwhile: the full path says so
        async with self._writing() as session:
            poll = await self._view(session, poll_id, lock=True)
            self._check_open(poll, now)
            salt = await self._salt(session, poll)
            if poll.kind is PollKind.QUIZ or poll.kind is PollKind.BOARD:
                if not voter.has(Role(poll.role)):
                    raise UserError(
                        "Ce sondage est réservé à un autre rôle que le vôtre ({role}).",
                        role=poll.role,
                    )
                _check_option_fit(poll.kind, choice, text, comment, category)
                key = self.voter_key(poll, salt, voter.member_id)
                member_id = None if poll.anonymous else voter.member_id
                if poll.kind is PollKind.QUIZ:
                    return await self._quiz(session, poll, key, member_id, text, now)
                return await self._board(session, poll, key, member_id, choice, text, category)
            values = self._ballot(poll, salt, voter, choice, text, comment, category, now)
            recorded = values.pop("recorded")
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
    ) -> dict[str, Any]:
        """The ballot row for a vote on a simple kind (checks only; no I/O)."""
        if not voter.has(Role(poll.role)):
            raise UserError(
                "Ce sondage est réservé à un autre rôle que le vôtre ({role}).", role=poll.role
            )
        kind = poll.kind
        _check_option_fit(kind, choice, text, comment, category)
        ballot_text: str | None = None
        recorded: tuple[str, ...]
        if kind in CHOICE_KINDS:
            positions = parse_choices(choice, poll)
            _check_selection(poll, positions)
            values: list[Any] = positions
            recorded = tuple(poll.label(p) for p in positions)
        elif kind is PollKind.RATING:
            values = [parse_rating(choice)]
            recorded = (str(values[0]),)
        elif kind is PollKind.OPEN:
            ballot_text = _check_text(text, MAX_ANSWER)
            values, recorded = [], (ballot_text,)
        else:  # wordcloud
            values = parse_words(text, poll.max_choices or 1)
            recorded = tuple(values)
        if comment and kind is not PollKind.RATING:
            raise UserError("comment ne sert qu'aux sondages de type note (rating).")
        stamp = None if poll.anonymous else now
        return dict(
            id=new_ballot_id(),
            poll_id=poll.id,
            voter=self.voter_key(poll, salt, voter.member_id),
            member_id=None if poll.anonymous else voter.member_id,
            choices=json.dumps(values, ensure_ascii=False),
            text=ballot_text,
            comment=_check_text(comment, MAX_ANSWER, required=False) or None,
            revision=1,
            created_at=stamp,
            updated_at=stamp,
            recorded=recorded,
        )

    async def _guarded_upsert(self, session: AsyncSession, values: dict[str, Any]) -> int | None:
        """The upsert, inserting only if the poll exists and is not closed (None otherwise)."""
        if self._guarded_stmt is None:
            self._guarded_stmt = _guarded_upsert_statement(self.db.dialect)
        conn = await session.connection()
        params = {k: v for k, v in values.items() if k not in ("recorded", "revision")}
        row = (await conn.execute(self._guarded_stmt, params)).first()
        return None if row is None else int(row[0])

    async def _upsert(self, session: AsyncSession, values: dict[str, Any]) -> int:
        """Insert the ballot or replace the member's previous one; returns its revision."""
        if self._upsert_stmt is None:
            table = PollBallot.__table__  # type: ignore[attr-defined]
            self._upsert_stmt = _replace_ballot(self.db.insert(table), table)
        conn = await session.connection()
        result = await conn.execute(
            self._upsert_stmt, {"attempts": 0, "correct": False, "seconds": None, **values}
        )
        return int(result.scalar_one())

    async def _locked_ballot(
        self, session: AsyncSession, poll_id: int, key: str, member_id: int | None, now: Any
    ) -> PollBallot:
        """The member's ballot, created empty if needed and locked for this transaction."""
        await session.exec(  # type: ignore[call-overload]
            self.db.insert(PollBallot)
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
        ballot = (
            await session.exec(
                select(PollBallot)
                .where(PollBallot.poll_id == poll_id, PollBallot.voter == key)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one()
        return ballot

    async def _quiz(
        self,
        session: AsyncSession,
        poll: PollView,
        key: str,
        member_id: int | None,
        text: str,
        now: datetime,
    ) -> VoteOutcome:
        answer = _check_text(text, MAX_LABEL * 2)
        stamp = None if poll.anonymous else now
        ballot = await self._locked_ballot(session, poll.id, key, member_id, stamp)
        if ballot.correct:
            raise UserError("Vous avez déjà trouvé la bonne réponse : bravo !")
        correct = fold_key(answer) in {fold_key(a) for a in poll.answers}
        # Anonymous: no seconds on the ballot and no attempt rows (their ids and times would
        # give the order of answers, hence who answered what).
        seconds = None if poll.anonymous else round((now - poll.created_at).total_seconds(), 1)
        ballot.attempts += 1
        ballot.revision += 1
        ballot.text = answer
        ballot.updated_at = stamp
        if correct:
            ballot.correct = True
            ballot.seconds = seconds
        session.add(ballot)
        if seconds is not None:
            session.add(
                PollAttempt(
                    poll_id=poll.id,
                    voter=key,
                    member_id=member_id,
                    text=answer,
                    correct=correct,
                    seconds=seconds,
                    created_at=stamp,
                )
            )
        return VoteOutcome(poll, recorded=(answer,), correct=correct, attempts=ballot.attempts)

    async def _board(
        self,
        session: AsyncSession,
        poll: PollView,
        key: str,
        member_id: int | None,
        choice: str,
        text: str,
        category: str,
    ) -> VoteOutcome:
        if text:
            idea = _check_text(text, MAX_IDEA)
            index = parse_category(category, poll)
            for o in poll.options:
                if (o.category or 0) == index and fold_key(o.label) == fold_key(idea):
                    raise UserError(
                        "Cette idée est déjà au tableau (n° {number}) : soutenez-la avec "
                        "choice:{number}.",
                        number=o.position,
                    )
            # A counter on the poll, never counted down: an idea removed by ``me forget``
            # keeps its number to itself (max + 1 would hand it, and its supports, on).
            position = (
                await session.exec(
                    update(Poll)  # type: ignore[call-overload]
                    .where(col(Poll.id) == poll.id)
                    .values(ideas_posted=col(Poll.ideas_posted) + 1)
                    .returning(col(Poll.ideas_posted))
                )
            ).scalar_one()
            session.add(
                PollOption(
                    poll_id=poll.id,
                    position=position,
                    label=idea,
                    category=index,
                    voter=key,
                    member_id=member_id,
                )
            )
            await session.flush()
            return VoteOutcome(poll, recorded=(idea,), idea=position, posted=True)
        if category:
            raise UserError("category sert à poster une idée avec text:.")
        number = _parse_number(choice)
        idea_row = next((o for o in poll.options if o.position == number), None)
        if idea_row is None:
            raise UserError(
                "Aucune idée n° {number} sur ce tableau. Tapez « poll results » pour les voir.",
                number=choice[:20],
            )
        if idea_row.voter == key:
            raise UserError("C'est votre idée : ce sont les autres qui la soutiennent.")
        stamp = None if poll.anonymous else self.clock.now()
        ballot = await self._locked_ballot(session, poll.id, key, member_id, stamp)
        chosen = ballot_choices(ballot)
        if number in chosen:
            return VoteOutcome(poll, idea=number, already=True, recorded=(idea_row.label,))
        ballot.choices = json.dumps([*chosen, number])
        ballot.revision += 1
        ballot.updated_at = stamp
        session.add(ballot)
        return VoteOutcome(poll, idea=number, recorded=(idea_row.label,))

    async def retract(self, poll_id: int, voter: Voter) -> PollView:
        now = self.clock.now()
        async with self.db.session() as session:
            poll = await self._view(session, poll_id, lock=True)
            self._check_open(poll, now)
            if poll.kind is PollKind.QUIZ:
                raise UserError("Les réponses à un quiz ne se retirent pas : chaque essai compte.")
            key = self.voter_key(poll, await self._salt(session, poll), voter.member_id)
            result = await session.exec(  # type: ignore[call-overload]
                delete(PollBallot).where(PollBallot.poll_id == poll.id, PollBallot.voter == key)
            )
            if result.rowcount == 0:
                raise UserError("Vous n'avez pas voté à ce sondage : rien à retirer.")
        return poll

    async def _salt(self, session: AsyncSession, poll: PollView) -> str:
        if not poll.anonymous:
            return ""
        return (await session.exec(select(Poll.salt).where(Poll.id == poll.id))).one()

    def _check_open(self, poll: PollView, now: datetime) -> None:
        if poll.is_closed(now):
            raise UserError(
                "Le sondage n° {poll} est clos : les votes ne sont plus possibles. "
                "Tapez « poll results poll:{poll} » pour voir les résultats.",
                poll=poll.id,
            )

    # --- closing ------------------------------------------------------------------------------

    async def close(self, poll_id: int, by: Voter | None) -> tuple[PollView, bool]:
        """Close now (``by`` None: the timer). Returns the poll and whether this call closed it."""
        now = self.clock.now()
        async with self.db.session() as session:
            poll = (
                await session.exec(select(Poll).where(Poll.id == poll_id).with_for_update())
            ).first()
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
                poll.closed_reason = "timer" if by is None else "member"
                session.add(poll)
            view = PollView.of(poll)
        return await self.get(view.id), changed

    # --- export and privacy ---------------------------------------------------------------------

    async def export_csv(self, poll: PollView, requester: Voter) -> bytes:
        if poll.author_id != requester.member_id and not requester.has(Role.MODERATOR):
            raise UserError("Seuls l'auteur du sondage et les modérateurs peuvent l'exporter.")
        async with self.db.session() as session:
            poll = await self._view(session, poll.id)
            # Anonymous ballots are ordered by their hash: their order says nothing either.
            order = (
                [col(PollBallot.voter)]
                if poll.anonymous
                else [col(PollBallot.created_at), col(PollBallot.id)]
            )
            ballots = list(
                await session.exec(
                    select(PollBallot).where(PollBallot.poll_id == poll.id).order_by(*order)
                )
            )
        if poll.anonymous and len(ballots) < self.anonymous_minimum:
            # Same rule as the results: a file with one or two rows would give them away.
            raise UserError(
                "Export impossible pour l'instant : un sondage anonyme ne s'exporte qu'à partir "
                "de {min} participations (il en a {count}).",
                min=self.anonymous_minimum,
                count=len(ballots),
            )
        names = {}
        if not poll.anonymous:
            ids = [b.member_id for b in ballots if b.member_id]
            names = {k: v.display_name for k, v in (await self.members.get_many(ids)).items()}
        return ballots_csv(poll, ballots, names)

    async def member_data(self, member_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            ballots = list(
                await session.exec(select(PollBallot).where(PollBallot.member_id == member_id))
            )
            ideas = list(
                await session.exec(select(PollOption).where(PollOption.member_id == member_id))
            )
            authored = list(await session.exec(select(Poll).where(Poll.author_id == member_id)))
        return {
            "polls_created": [{"poll": p.id, "question": p.question} for p in authored],
            "ballots": [
                {
                    "poll": b.poll_id,
                    "choices": ballot_choices(b),
                    "text": b.text,
                    "comment": b.comment,
                    "updated_at": b.updated_at.isoformat() if b.updated_at else None,
                }
                for b in ballots
            ],
            "ideas": [{"poll": i.poll_id, "idea": i.label} for i in ideas],
            "note": "Anonymous ballots are not linked to you and cannot be exported.",
        }

    async def _anonymous_keys(self, session: AsyncSession, member_id: int) -> dict[int, str]:
        polls = await session.exec(select(Poll.id, Poll.salt).where(col(Poll.anonymous)))
        secret = None
        keys: dict[int, str] = {}
        for poll_id, salt in polls:
            secret = secret or self.secret.get()
            keys[poll_id] = anonymous_voter(secret, poll_id, salt, member_id)
        return keys

    async def forget(self, member_id: int) -> None:
        async with self.db.session() as session:
            for model in (PollBallot, PollAttempt, PollOption):
                await session.exec(delete(model).where(model.member_id == member_id))  # type: ignore[call-overload, attr-defined]
            for poll_id, key in (await self._anonymous_keys(session, member_id)).items():
                for model in (PollBallot, PollAttempt, PollOption):
                    await session.exec(  # type: ignore[call-overload]
                        delete(model).where(model.poll_id == poll_id, model.voter == key)  # type: ignore[attr-defined]
                    )
            await session.exec(  # type: ignore[call-overload]
                update(Poll).where(Poll.author_id == member_id).values(author_id=None)
            )
            await session.exec(  # type: ignore[call-overload]
                update(Poll).where(Poll.closed_by == member_id).values(closed_by=None)
            )
        self._fixed_options.clear()

    async def merge(self, kept: int, merged: int) -> None:
        """Move ``merged``'s ballots to ``kept``; where both voted, ``kept``'s ballot stays."""
        async with self.db.session() as session:
            pairs = [(named_voter(merged), named_voter(kept), None)]
            kept_keys = await self._anonymous_keys(session, kept)
            for poll_id, key in (await self._anonymous_keys(session, merged)).items():
                pairs.append((key, kept_keys[poll_id], poll_id))
            for old, new, poll_id in pairs:
                member = None if poll_id is not None else kept
                scope = [] if poll_id is None else [PollBallot.poll_id == poll_id]
                taken = select(PollBallot.poll_id).where(PollBallot.voter == new)
                await session.exec(  # type: ignore[call-overload]
                    delete(PollBallot).where(
                        PollBallot.voter == old, col(PollBallot.poll_id).in_(taken), *scope
                    )
                )
                await session.exec(  # type: ignore[call-overload]
                    update(PollBallot)
                    .where(PollBallot.voter == old, *scope)
                    .values(voter=new, member_id=member)
                )
                for model in (PollAttempt, PollOption):
                    await session.exec(  # type: ignore[call-overload]
                        update(model)
                        .where(
                            model.voter == old,
                            *([] if poll_id is None else [model.poll_id == poll_id]),
                        )  # type: ignore[attr-defined]
                        .values(voter=new, member_id=member)
                    )
            await session.exec(  # type: ignore[call-overload]
                update(Poll).where(Poll.author_id == merged).values(author_id=kept)
            )
        self._fixed_options.clear()


# --- parsing and checks (pure) ----------------------------------------------------------------


def _check_labels(raw: str, kind: PollKind) -> list[str]:
    labels = split_list(raw, "|")
    if kind not in CHOICE_KINDS:
        if labels:
            raise UserError(
                "Ce type de sondage n'a pas de choix : retirez choices (pour un tableau "
                "d'idées, utilisez categories)."
            )
        return []
    if len(labels) < MIN_CHOICES:
        raise UserError(
            'Il faut au moins 2 choix, séparés par | : choices:"Oui | Non | Peut-être".'
        )
    if len(labels) > MAX_CHOICES:
        raise UserError(
            "Trop de choix : {count} (au plus {max}). Regroupez-en ou faites deux sondages.",
            count=len(labels),
            max=MAX_CHOICES,
        )
    seen: dict[str, str] = {}
    for label in labels:
        if len(label) > MAX_LABEL:
            raise UserError(
                "Le choix « {label} » est trop long : {length} caractères (au plus {max}).",
                label=label[:30] + "…",
                length=len(label),
                max=MAX_LABEL,
            )
        key = fold_key(label) or label
        if key in seen:
            raise UserError(
                "Le choix « {label} » apparaît deux fois : chaque choix doit être différent.",
                label=label,
            )
        seen[key] = label
    return labels


def _check_answers(raw: str, kind: PollKind) -> list[str]:
    answers = split_list(raw, "|")
    if kind is not PollKind.QUIZ:
        if answers:
            raise UserError("answer ne sert qu'aux quiz (kind:quiz).")
        return []
    if not answers:
        raise UserError(
            'Un quiz a besoin de sa bonne réponse : answer:"26/09/2022" (plusieurs '
            "réponses acceptées, séparées par |)."
        )
    for answer in answers:
        if len(answer) > MAX_LABEL:
            raise UserError(
                "La réponse « {label} » est trop longue : {length} caractères (au plus {max}).",
                label=answer[:30] + "…",
                length=len(answer),
                max=MAX_LABEL,
            )
    return answers


def _check_categories(raw: str, kind: PollKind) -> list[str]:
    categories = split_list(raw, "|")
    if kind is not PollKind.BOARD:
        if categories:
            raise UserError("categories ne sert qu'aux tableaux d'idées (kind:board).")
        return []
    if len(categories) > MAX_CHOICES:
        raise UserError(
            "Trop de catégories : {count} (au plus {max}).", count=len(categories), max=MAX_CHOICES
        )
    keys = set()
    for name in categories:
        if len(name) > MAX_LABEL:
            raise UserError(
                "La catégorie « {label} » est trop longue : {length} caractères (au plus {max}).",
                label=name[:30] + "…",
                length=len(name),
                max=MAX_LABEL,
            )
        if fold_key(name) in keys:
            raise UserError("La catégorie « {label} » apparaît deux fois.", label=name)
        keys.add(fold_key(name))
    return categories


def _check_max(value: int | None, kind: PollKind, choices: int) -> int | None:
    if value is None or value == 0:
        return None
    if kind is PollKind.MULTIPLE:
        if not 1 <= value <= choices:
            raise UserError(
                "max doit être compris entre 1 et le nombre de choix ({count}).", count=choices
            )
        return value
    if kind is PollKind.WORDCLOUD:
        if not 1 <= value <= MAX_WORDS:
            raise UserError(
                "max (mots par personne) doit être compris entre 1 et {max}.", max=MAX_WORDS
            )
        return value
    raise UserError(
        "max ne sert qu'aux choix multiples (nombre de choix) et aux nuages de mots "
        "(mots par personne)."
    )


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %Hh%M",
    "%d/%m/%Y %Hh",
    "%Y-%m-%d",
    "%d/%m/%Y",
)


def parse_closing(duration: str, closes: str, now: datetime, tz: Any) -> datetime | None:
    """``duration:30m`` or ``closes:"2027-01-05 18:00"`` (or ``18:00``, in the reader's zone)."""
    if duration and closes:
        raise UserError("Donnez duration ou closes, pas les deux.")
    if duration:
        delta = parse_duration(duration)
        moment = now + delta
    elif closes:
        moment = _parse_moment(closes.strip(), now, tz)
        if moment <= now:
            raise UserError("La date de clôture est déjà passée : choisissez une date à venir.")
    else:
        return None
    if moment - now > MAX_LIFETIME:
        raise UserError("Un sondage dure au plus un an : choisissez une clôture plus proche.")
    return moment


def _parse_moment(text: str, now: datetime, tz: Any) -> datetime:
    zone = tz or now.tzinfo
    local_now = now.astimezone(zone)
    match = re.fullmatch(r"(\d{1,2})\s*[h:]\s*(\d{2})?", text.lower())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if moment <= local_now:
                moment += timedelta(days=1)
            return moment
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if "%H" not in fmt:
            parsed = parsed.replace(hour=23, minute=59)
        return parsed.replace(tzinfo=zone)
    raise UserError(
        'Date de clôture illisible : « {value} ». Exemples : closes:"2027-03-05 18:00", '
        'closes:"05/03/2027 18h", closes:18:00.',
        value=text[:40],
    )


def _check_option_fit(kind: PollKind, choice: str, text: str, comment: str, category: str) -> None:
    if kind in CHOICE_KINDS or kind is PollKind.RATING:
        if text:
            raise UserError(
                "Pour ce sondage, votez avec choice: (un numéro ou un intitulé), pas text:."
            )
        if not choice.strip():
            raise UserError("Indiquez votre choix avec choice: (un numéro ou un intitulé).")
    elif kind in TEXT_KINDS:
        if choice:
            raise UserError('Pour ce sondage, répondez avec text:"votre réponse", pas choice:.')
        if not text.strip():
            raise UserError('Écrivez votre réponse avec text:"…".')
    elif kind is PollKind.BOARD and not (choice or text):
        raise UserError(
            'Sur un tableau d\'idées : text:"votre idée" (et category:) pour en proposer une, '
            "choice:N pour soutenir l'idée n° N."
        )
    elif kind is PollKind.BOARD and choice and text:
        raise UserError(
            "Une chose à la fois : text: pour proposer une idée, ou choice: pour en soutenir une."
        )
    if category and kind is not PollKind.BOARD:
        raise UserError("category ne sert qu'aux tableaux d'idées (kind:board).")


def _check_text(text: str, limit: int, *, required: bool = True) -> str:
    value = tidy(text)
    if required and not value:
        raise UserError('Écrivez votre réponse avec text:"…".')
    if len(value) > limit:
        raise UserError(
            "Texte trop long : {length} caractères (au plus {max}). Raccourcissez-le.",
            length=len(value),
            max=limit,
        )
    return value


def _choice_list(poll: PollView) -> str:
    return ", ".join(f"{o.position}. {o.label}" for o in poll.options)[:900]


def parse_choices(raw: str, poll: PollView) -> list[int]:
    """Labels or numbers, ``|``-separated: ``"B"``, ``"2"``, ``"#2"``, ``"A | C"``.

    A number within 1..N is a position; other words are matched to labels ignoring case,
    accents and spaces. Repeats are dropped (keeping the first).
    """
    by_key = {fold_key(o.label): o.position for o in poll.options}
    items = split_list(raw, "|")
    if len(items) == 1 and fold_key(items[0]) not in by_key and "," in items[0]:
        items = split_list(raw, ",")
    positions: list[int] = []
    for item in items:
        number = item[1:] if item.startswith("#") else item
        if number.isdigit() and 1 <= int(number) <= len(poll.options):
            position = int(number)
        elif fold_key(item) in by_key:
            position = by_key[fold_key(item)]
        else:
            raise UserError(
                "« {choice} » ne fait pas partie des choix. Choix possibles : {choices}.",
                choice=item[:40],
                choices=_choice_list(poll),
            )
        if position not in positions:
            positions.append(position)
    if not positions:
        raise UserError("Indiquez votre choix avec choice: (un numéro ou un intitulé).")
    return positions


def _check_selection(poll: PollView, positions: list[int]) -> None:
    if poll.kind is PollKind.SINGLE and len(positions) > 1:
        raise UserError("Un seul choix pour ce sondage : choisissez-en un.")
    if poll.kind is PollKind.MULTIPLE and poll.max_choices and len(positions) > poll.max_choices:
        raise UserError(
            "Au plus {max} choix pour ce sondage ; vous en avez donné {count}.",
            max=poll.max_choices,
            count=len(positions),
        )
    if poll.kind is PollKind.RANKING and len(positions) != len(poll.options):
        missing = [o.label for o in poll.options if o.position not in positions]
        raise UserError(
            "Classez tous les éléments, du premier au dernier, séparés par | ; il manque : "
            "{missing}.",
            missing=", ".join(missing)[:600],
        )


def parse_rating(raw: str) -> int:
    value = raw.strip().replace("★", "*")
    if value and set(value) == {"*"}:
        value = str(len(value))
    value = value.split("/")[0].strip()
    if not value.isdigit() or not 1 <= int(value) <= RATING_SCALE:
        raise UserError("Donnez une note de 1 à 5 : choice:4 (et comment: si vous voulez).")
    return int(value)


def parse_words(text: str, limit: int) -> list[str]:
    words = split_list(text, "|,;")
    if not words:
        raise UserError('Écrivez votre réponse avec text:"…".')
    for word in words:
        if len(word) > MAX_WORD:
            raise UserError(
                "« {word} » est trop long pour un nuage de mots (au plus {max} caractères).",
                word=word[:30] + "…",
                max=MAX_WORD,
            )
    unique: dict[str, str] = {}
    for word in words:
        unique.setdefault(fold_key(word), word)
    if len(unique) > limit:
        raise UserError(
            "Au plus {max} mot(s) par personne pour ce nuage ; vous en avez donné {count}.",
            max=limit,
            count=len(unique),
        )
    return list(unique.values())


def parse_category(raw: str, poll: PollView) -> int:
    if not poll.categories:
        if raw:
            raise UserError("Ce tableau n'a pas de catégories : retirez category.")
        return 0
    listing = ", ".join(f"{i}. {c}" for i, c in enumerate(poll.categories, start=1))
    if not raw:
        if len(poll.categories) == 1:
            return 0
        raise UserError(
            "Choisissez une catégorie avec category: parmi {categories}.", categories=listing
        )
    value = raw.strip()
    if value.isdigit() and 1 <= int(value) <= len(poll.categories):
        return int(value) - 1
    for i, name in enumerate(poll.categories):
        if fold_key(name) == fold_key(value):
            return i
    raise UserError(
        "Catégorie inconnue : « {category} ». Choisissez parmi {categories}.",
        category=value[:40],
        categories=listing,
    )


def _parse_number(raw: str) -> int:
    value = raw.strip().lstrip("#")
    if not value.isdigit():
        raise UserError(
            "Sur un tableau, choice: est le numéro de l'idée à soutenir, par exemple choice:3."
        )
    return int(value)


def ballots_csv(poll: PollView, ballots: list[PollBallot], names: dict[int, str]) -> bytes:
    """One row per ballot; anonymous polls carry no identity and no time (not even quiz
    seconds). Written by ``csvfile``: formula cells neutralised, UTF-8 BOM."""
    header = ["poll", "kind", "ballot"]
    if not poll.anonymous:
        header += ["member", "updated_at"]
    header += ["choices", "text", "comment", "attempts", "correct"]
    if not poll.anonymous:
        header.append("seconds")
    rows: list[list[Any]] = []
    for number, b in enumerate(ballots, start=1):
        row: list[Any] = [poll.id, poll.kind.value, number]
        if not poll.anonymous:
            row += [
                names.get(b.member_id or 0, ""),
                b.updated_at.isoformat() if b.updated_at else "",
            ]
        values = ballot_choices(b)
        if poll.kind in CHOICE_KINDS or poll.kind is PollKind.BOARD:
            values = [poll.label(v) for v in values]
        row += [
            " | ".join(str(v) for v in values),
            b.text or "",
            b.comment or "",
            b.attempts if poll.kind is PollKind.QUIZ else "",
            ("yes" if b.correct else "no") if poll.kind is PollKind.QUIZ else "",
        ]
        if not poll.anonymous:
            row.append(b.seconds if b.seconds is not None else "")
        rows.append(row)
    if poll.kind is PollKind.BOARD:
        rows.append([])
        rows.append(["poll", "kind", "idea", "category", "text"])
        for o in poll.options:
            category = poll.categories[o.category or 0] if poll.categories else ""
            rows.append([poll.id, "idea", o.position, category, o.label])
    return csv_bytes(header, rows)


def _guarded_upsert_statement(dialect: str) -> Any:
    """``INSERT … SELECT … FROM poll_poll WHERE id = :poll_id AND closed_at IS NULL
    ON CONFLICT (poll_id, voter) DO UPDATE … RETURNING revision``: one statement per vote."""
    ballot = PollBallot.__table__  # type: ignore[attr-defined]
    poll = Poll.__table__  # type: ignore[attr-defined]

    def param(name: str, kind: Any) -> Any:
        # PostgreSQL needs the types of NULL parameters spelled out in a SELECT list; SQLite
        # must not get them (CAST(… AS DATETIME) would turn a timestamp into a number).
        value = bindparam(name, type_=kind)
        return cast(value, kind) if dialect == "postgresql" else value

    source = select(
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
    return _replace_ballot(dialect_insert(dialect, ballot).from_select(columns, source), ballot)


def _replace_ballot(stmt: Any, ballot: Any) -> Any:
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
