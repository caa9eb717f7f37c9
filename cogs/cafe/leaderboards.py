"""The live challenge's use cases: a café session's leaderboard, a member's rank, pseudonyms.

Platform-free, like every café service: the cog (``cog_leaderboard.py``), the live posts and the
report call it. Scores are never stored: each leaderboard is computed from the session's quiz
answers, which the poll cog keeps (``core.activities`` → ``quiz_answers``), and the programme's
``seconds:``; the rules are in ``leaderboard.py``. Only closed quizzes count, so the ranking the
room reads never moves while a question is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.core import UserError
from cogs.cafe import leaderboard_queries as queries
from cogs.cafe.domain import REGISTERED, WAITLISTED
from cogs.cafe.leaderboard import Names, QuizRound, Standing, rank, scored, tally
from cogs.cafe.pseudonym import MAX_LENGTH, check_pseudonym, is_off, pseudonym_key

if TYPE_CHECKING:
    from bot.core.activities import Activities
    from bot.core.members import MemberService
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.live import LiveSessions
    from cogs.cafe.programme import Activity, Editor, Programme

MAX_NAME = MAX_LENGTH * 4


def _scored(activity: Activity) -> bool:
    return scored(activity.kind, activity.options)


@dataclass(frozen=True, slots=True)
class Board:
    """A leaderboard at a point of the session: after scored question ``question`` of
    ``questions`` (0: none closed yet)."""

    occurrence_id: int
    standings: list[Standing]
    question: int
    questions: int
    ended: bool = False


@dataclass(frozen=True, slots=True)
class PseudonymChange:
    occurrence: Occurrence
    name: str | None  # None: removed
    previous: str | None
    removed_by_host: bool = False


class Leaderboards:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        activities: Activities,
        programme: Programme,
        members: MemberService,
        live: LiveSessions,
    ) -> None:
        self.db = db
        self.clock = clock
        self.activities = activities
        self.programme = programme
        self.members = members
        self.live = live

    # --- the leaderboard ---------------------------------------------------------------------

    async def leaderboard(self, occurrence_id: int) -> list[Standing]:
        """The café's whole ranking over its closed quizzes (what the report shows): rank,
        pseudonym or display name, points, right answers, attempts, seconds. Empty when the
        session never ran or had no named quiz."""
        return (await self.board(occurrence_id)).standings

    async def board(self, occurrence_id: int, upto: int | None = None) -> Board:
        """The leaderboard over the session's closed scored quizzes, those up to programme
        position ``upto`` only when given (the post after that quiz)."""
        async with self.db.session() as s:
            session, polls = await queries.session_polls(s, occurrence_id)
            pseudonyms = await queries.pseudonyms_of(s, occurrence_id)
        programme = [a for a in await self.programme.activities_of(occurrence_id) if _scored(a)]
        rounds: list[QuizRound] = []
        for activity in programme:
            position = activity.position
            if session is None or position not in polls or (upto and position > upto):
                continue
            still_open = position == session.position and session.current_open
            if still_open and session.ended_at is None:
                continue
            provider = self.activities.provider(activity.kind)
            try:
                answers = await provider.quiz_answers(polls[position])
            except UserError:
                continue  # the poll was removed since (a moderator, or privacy): no round
            rounds.append(QuizRound(position, activity.seconds, answers))
        scores = tally(rounds)
        display = await self.members.names([score.member_id for score in scores])
        return Board(
            occurrence_id,
            rank(scores, Names(pseudonyms, display)),
            question=len(rounds),
            questions=len(programme),
            ended=session is not None and session.ended_at is not None,
        )

    async def pseudonyms(self, occurrence_id: int, position: int) -> dict[int, str]:
        """How to name members in the results of the activity at ``position``: by their
        pseudonyms when it is a scored quiz (the leaderboard's names), else as usual."""
        activities = await self.programme.activities_of(occurrence_id)
        if not any(a.position == position and _scored(a) for a in activities):
            return {}
        async with self.db.session() as s:
            return await queries.pseudonyms_of(s, occurrence_id)

    async def score_occurrence(self, member_id: int, occurrence_id: int | None) -> int:
        """``cafe score``'s café: the given one, the one running, else the last one run live."""
        if occurrence_id is not None:
            await self.programme.occurrences.occurrence(occurrence_id, member_id)
            return occurrence_id
        running = await self.live.running()
        if len(running) > 1:
            raise UserError(
                "Plusieurs cafés sont en cours ({occurrences}) : précisez occurrence:…",
                occurrences=", ".join(str(i) for i in running),
            )
        if running:
            return running[0]
        async with self.db.session() as s:
            last = await queries.last_session(s)
        if last is None:
            raise UserError(
                "Aucun café n'a encore été mené en direct : le classement commence avec les "
                "quiz de cafe start."
            )
        return last

    # --- pseudonyms --------------------------------------------------------------------------

    async def set_pseudonym(
        self, member_id: int, occurrence_id: int | None, raw: str
    ) -> PseudonymChange:
        """Choose (or, with ``off``, remove) the member's pseudonym at a café."""
        occ = await self._pseudonym_target(member_id, occurrence_id)
        if is_off(raw):
            async with self.db.session() as s:
                previous = await queries.remove(s, occ.id, member_id)
            return PseudonymChange(occ, None, previous)
        name = check_pseudonym(raw)
        await self._writable(occ)
        key = pseudonym_key(name)
        for other in await self.members.find_by_name(name):
            if other.id != member_id:
                raise UserError(
                    "« {name} » est le nom d'un membre de la communauté : choisissez-en un autre.",
                    name=name,
                )
        try:
            async with self.db.session() as s:
                holder = await queries.holder(s, occ.id, key)
                if holder is not None and holder != member_id:
                    raise _taken(name, occ.id)
                previous = await queries.save(s, occ.id, member_id, name, key, self.clock.now())
        except IntegrityError:  # chosen at the same instant by someone else
            raise _taken(name, occ.id) from None
        return PseudonymChange(occ, name, previous)

    async def remove_pseudonym(
        self, editor: Editor, occurrence_id: int | None, raw: str
    ) -> PseudonymChange:
        """The host or a moderator removes a pseudonym shown at their café (an unkind one):
        its holder appears under their display name again."""
        occ = await self._pseudonym_target(editor.member_id, occurrence_id)
        if not (editor.moderator or editor.hosts(occ.row.host)):
            raise UserError(
                "Seuls les modérateurs et l'animateur ou l'animatrice du café n° {occurrence} "
                "retirent le pseudo d'un autre membre.",
                occurrence=occ.id,
            )
        name = raw.strip()[:MAX_NAME]
        async with self.db.session() as s:
            holder = await queries.holder(s, occ.id, pseudonym_key(name))
            if holder is None:
                raise UserError(
                    "Personne n'a le pseudo « {name} » au café n° {occurrence}.",
                    name=name,
                    occurrence=occ.id,
                )
            previous = await queries.remove(s, occ.id, holder)
        return PseudonymChange(occ, None, previous, removed_by_host=True)

    async def _pseudonym_target(
        self, member_id: int | None, occurrence_id: int | None
    ) -> Occurrence:
        """The given café; else the one running; else the next one the member is listed at."""
        if occurrence_id is not None:
            return await self.programme.occurrences.occurrence(occurrence_id, member_id)
        running = await self.live.running()
        if len(running) == 1:
            return await self.programme.occurrences.occurrence(running[0], member_id)
        if running:
            raise UserError(
                "Plusieurs cafés sont en cours ({occurrences}) : précisez occurrence:…",
                occurrences=", ".join(str(i) for i in running),
            )
        for occ in await self.programme.occurrences.upcoming(member_id=member_id):
            if occ.my_status in (REGISTERED, WAITLISTED) and not occ.cancelled:
                return occ
        raise UserError(
            "Aucun café n'est en cours et vous n'êtes inscrit à aucun café à venir : "
            "précisez occurrence:…"
        )

    async def _writable(self, occ: Occurrence) -> None:
        if occ.cancelled:
            raise UserError("Le café n° {occurrence} est annulé.", occurrence=occ.id)
        async with self.db.session() as s:
            session, _ = await queries.session_polls(s, occ.id)
        over = session.ended_at is not None if session else occ.ends_at <= self.clock.now()
        if over:
            raise UserError(
                "Le café n° {occurrence} est terminé : son classement ne change plus, le "
                "pseudo non plus (name:off le retire).",
                occurrence=occ.id,
            )


def _taken(name: str, occurrence_id: int) -> UserError:
    return UserError(
        "Le pseudo « {name} » est déjà pris au café n° {occurrence} : choisissez-en un autre.",
        name=name,
        occurrence=occurrence_id,
    )
