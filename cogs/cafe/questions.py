"""Questions from the floor (Slido-style) during a live café: members ask (``cafe ask``),
optionally anonymously; others support a question (its button, or ``cafe ask support:N``); the
host sees the queue by support or by time, highlights the one being answered, marks questions
answered and, with ``questions_review = true``, approves or hides each one before the room sees
it.

Every question shown goes to the café's room through the outbox (``QUESTION`` posts, the
support button on each), in the same transaction as the row: nothing shown that is not stored,
nothing stored and approved that is not shown, even across a restart. Platform-free.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.core import RoomRef, UserError
from bot.core.text import fold, fold_key, tidy
from cogs.cafe import questions_queries as q
from cogs.cafe.models import CafeQuestion, CafeQuestionSupport
from cogs.cafe.questions_queries import HIDDEN, OPEN, REVIEW, FloorQuestion

if TYPE_CHECKING:
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.occurrences import Occurrences
    from cogs.cafe.programme import Editor
    from cogs.cafe.settings import CafeSettings

#: Outbox kind of the room posts: a question shown, the question being answered.
QUESTION = "cafe.question"
#: Longest question, in characters (after spaces are tidied): a tweet, like Slido's.
MAX_LENGTH = 280

Sort = Literal["support", "time"]
Moderation = Literal["approve", "hide", "answering", "answered"]


def post_key(occurrence_id: int, number: int, what: str = "shown") -> str:
    return f"cafe-question:{occurrence_id}:{number}:{what}"


def live_key(occurrence_id: int, number: int) -> str:
    """The question's post, kept up to date (supports, answered, hidden) by ``core.live``."""
    return f"cafe-question:{occurrence_id}:{number}"


@dataclass(frozen=True, slots=True)
class Asked:
    occurrence_id: int
    question: FloorQuestion
    review: bool  # waits for the host's approval before it shows


@dataclass(frozen=True, slots=True)
class Supported:
    occurrence_id: int
    room: RoomRef  # where the question's post is
    number: int
    added: bool  # False: the member took their support back
    supports: int


@dataclass(frozen=True, slots=True)
class Moderated:
    occurrence_id: int
    room: RoomRef
    question: FloorQuestion


@dataclass(frozen=True, slots=True)
class Queue:
    occurrence: Occurrence
    questions: list[FloorQuestion]  # waiting for review first, then open, then answered
    sort: Sort


class FloorQuestions:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        occurrences: Occurrences,
        running: Callable[[], Awaitable[list[int]]],
        settings: CafeSettings,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.occurrences = occurrences
        self.running = running
        self.settings = settings

    # --- members ------------------------------------------------------------------------------

    async def ask(
        self,
        member_id: int,
        name: str,
        occurrence_id: int | None,
        text: str,
        *,
        anonymous: bool,
    ) -> Asked:
        """Queue a question for the running session; shown at once unless under review."""
        occ = await self._live(occurrence_id)
        text = tidy(text)
        if not text:
            raise UserError(
                'Votre question est vide : écrivez-la, par exemple cafe ask text:"Et après ?"'
            )
        if len(text) > MAX_LENGTH:
            raise UserError(
                "Votre question fait {length} caractères : {max} au plus. Raccourcissez-la.",
                length=len(text),
                max=MAX_LENGTH,
            )
        key = (fold_key(text) or fold(text))[:300]
        review = self.settings.questions_review
        async with self.db.session() as s:
            await _lock(s, occ.id)
            same = await q.by_key(s, occ.id, key)
            if same is not None:
                _duplicate(same)
                raise UserError(
                    "Cette question a déjà été posée (n° {number}) : soutenez-la plutôt avec "
                    "cafe ask support:{number}.",
                    number=same.number,
                )
            limit = self.settings.questions_per_member
            if await q.waiting_of(s, occ.id, member_id) >= limit:
                raise UserError(
                    "Vous avez déjà le maximum de questions en attente de réponse ({count}) : "
                    "posez la suivante quand l'une d'elles aura été traitée.",
                    count=limit,
                )
            row = CafeQuestion(
                occurrence_id=occ.id,
                number=await q.next_number(s, occ.id),
                text=text,
                text_key=key,
                author_id=member_id,
                author_name="" if anonymous else name[:200],
                anonymous=anonymous,
                status=REVIEW if review else OPEN,
                asked_at=self.clock.now(),
            )
            s.add(row)
            await s.flush()
            if not review:
                await self._post(s, occ, row.number, "shown")
        return Asked(occ.id, q.view(row, 0), review)

    async def support(self, member_id: int, occurrence_id: int | None, number: int) -> Supported:
        """Support a shown, unanswered question of someone else; a second time takes it back."""
        occ = await self._live(occurrence_id)
        async with self.db.session() as s:
            await _lock(s, occ.id)
            row = await self._question(s, occ.id, number)
            if row.author_id == member_id:
                raise UserError(
                    "La question n° {number} est la vôtre : on ne soutient que celles des autres.",
                    number=number,
                )
            if row.status == REVIEW:
                raise UserError(
                    "La question n° {number} attend la validation de l'animateur : vous "
                    "pourrez la soutenir une fois publiée.",
                    number=number,
                )
            if row.status == HIDDEN:
                raise UserError(
                    "La question n° {number} a été retirée par l'animateur : elle ne peut plus "
                    "être soutenue.",
                    number=number,
                )
            if row.answered_at is not None:
                raise UserError(
                    "La question n° {number} a déjà reçu sa réponse : plus besoin de la soutenir.",
                    number=number,
                )
            assert row.id is not None
            existing = await s.get(CafeQuestionSupport, (row.id, member_id))
            if existing is None:
                s.add(
                    CafeQuestionSupport(
                        question_id=row.id, member_id=member_id, created_at=self.clock.now()
                    )
                )
            else:
                await s.delete(existing)
            await s.flush()
            count = await q.support_count(s, row.id)
        return Supported(occ.id, _room(occ), number, existing is None, count)

    # --- the host ----------------------------------------------------------------------------

    async def queue(self, occurrence_id: int | None, editor: Editor, sort: Sort) -> Queue:
        """The host's view: every question (hidden ones too), by support or by time."""
        occ = await self._hosted(occurrence_id, editor)
        async with self.db.session() as s:
            listed = await q.with_supports(s, occ.id)
        return Queue(occ, order(listed, sort), sort)

    async def moderate(
        self, occurrence_id: int | None, editor: Editor, number: int, action: Moderation
    ) -> Moderated:
        """Approve (show), hide, highlight (``answering``) or mark answered one question."""
        occ = await self._hosted(occurrence_id, editor)
        async with self.db.session() as s:
            await _lock(s, occ.id)
            row = await self._question(s, occ.id, number)
            _check(row, action)
            if action == "approve":
                row.status = OPEN
                await self._post(s, occ, number, "shown")
            elif action == "hide":
                row.status, row.answering = HIDDEN, False
            elif action == "answering":
                if not row.answering:  # highlighted again while it is: nothing new to post
                    await q.stop_answering(s, occ.id)
                    row.answering = True
                    # Each highlight is its own post: the host may come back to a question.
                    stamp = int(self.clock.now().timestamp())
                    await self._post(s, occ, number, "answering", f"answering:{stamp}")
            else:
                row.answered_at, row.answering = self.clock.now(), False
            s.add(row)
            await s.flush()
            assert row.id is not None
            shown = q.view(row, await q.support_count(s, row.id))
        return Moderated(occ.id, _room(occ), shown)

    async def shown(self, occurrence_id: int, number: int) -> FloorQuestion | None:
        """A question as its room post shows it, if it is still to be shown (the outbox asks
        at send time: a question hidden meanwhile is not posted)."""
        async with self.db.session() as s:
            row = await q.by_number(s, occurrence_id, number)
            if row is None or row.id is None or row.status != OPEN:
                return None
            return q.view(row, await q.support_count(s, row.id))

    async def current(self, occurrence_id: int, number: int) -> FloorQuestion | None:
        """A question as its post shows it now (answered and hidden ones too), for the
        post's updates; ``None`` while it waits for review."""
        async with self.db.session() as s:
            row = await q.by_number(s, occurrence_id, number)
            if row is None or row.id is None or row.status == REVIEW:
                return None
            return q.view(row, await q.support_count(s, row.id))

    async def report(self, occurrence_id: int) -> list[FloorQuestion]:
        """For the session report: see ``questions_queries.questions``."""
        return await q.questions(self.db, occurrence_id)

    # --- helpers ---------------------------------------------------------------------------

    async def _live(self, occurrence_id: int | None) -> Occurrence:
        running = await self.running()
        if occurrence_id is None:
            if not running:
                raise UserError(
                    "Aucun café n'est en cours : les questions se posent pendant un café en "
                    "direct."
                )
            if len(running) > 1:
                raise UserError(
                    "Plusieurs cafés sont en cours ({occurrences}) : précisez occurrence:…",
                    occurrences=", ".join(str(i) for i in running),
                )
            occurrence_id = running[0]
        elif occurrence_id not in running:
            raise UserError(
                "Le café n° {occurrence} n'est pas en cours : les questions se posent pendant "
                "le café en direct.",
                occurrence=occurrence_id,
            )
        return await self.occurrences.occurrence(occurrence_id, None)

    async def _hosted(self, occurrence_id: int | None, editor: Editor) -> Occurrence:
        if occurrence_id is None:
            running = await self.running()
            if len(running) != 1:
                raise UserError(
                    "Précisez le café : cafe questions occurrence:… (aucun ou plusieurs cafés "
                    "en cours)."
                )
            occurrence_id = running[0]
        occ = await self.occurrences.occurrence(occurrence_id, None)
        if not (editor.moderator or editor.hosts(occ.row.host)):
            raise UserError(
                "Seuls les modérateurs et l'animateur ou l'animatrice du café n° {occurrence} "
                "gèrent ses questions.",
                occurrence=occ.id,
            )
        return occ

    async def _question(self, s: Any, occurrence_id: int, number: int) -> CafeQuestion:
        row = await q.by_number(s, occurrence_id, number)
        if row is None:
            raise UserError(
                "Le café n° {occurrence} n'a pas de question n° {number} : vérifiez le numéro "
                "sur son message.",
                occurrence=occurrence_id,
                number=number,
            )
        return row

    async def _post(
        self, s: Any, occ: Occurrence, number: int, what: str, key: str | None = None
    ) -> None:
        data: dict[str, Any] = {"occurrence": occ.id, "number": number, "post": what}
        if what == "shown":  # the sender notes the message: supports then edit it
            data["live_key"] = live_key(occ.id, number)
        item = {
            "key": post_key(occ.id, number, key or what),
            "due_at": self.clock.now(),
            "kind": QUESTION,
            "data": data,
            "room": _room(occ),
        }
        await self.outbox.enqueue_many([item], session=s)


def _room(occ: Occurrence) -> RoomRef:
    return RoomRef.decode(occ.series.room)


def order(listed: list[FloorQuestion], sort: Sort) -> list[FloorQuestion]:
    """Waiting for review first (oldest first), then the open queue — by support, then time,
    or by time — then answered ones, then hidden ones."""

    def rank(x: FloorQuestion) -> tuple[int, int, float]:
        group = 0 if x.status == REVIEW else 3 if x.status == HIDDEN else 2 if x.answered else 1
        support = -x.supports if sort == "support" and group == 1 else 0
        return group, support, x.asked_at.timestamp()

    return sorted(listed, key=rank)


def _duplicate(same: CafeQuestion) -> None:
    """The same question again: say what became of the first one, when it is not open."""
    if same.status == HIDDEN:
        raise UserError(
            "Cette question a déjà été posée (n° {number}) et retirée par l'animateur.",
            number=same.number,
        )
    if same.answered_at is not None:
        raise UserError(
            "Cette question a déjà été posée (n° {number}) et a reçu sa réponse.",
            number=same.number,
        )


def _check(row: CafeQuestion, action: Moderation) -> None:
    number = row.number
    if action == "approve" and row.status == OPEN:
        raise UserError("La question n° {number} est déjà publiée.", number=number)
    if action == "hide" and row.status == HIDDEN:
        raise UserError("La question n° {number} est déjà masquée.", number=number)
    if action in ("answering", "answered"):
        if row.status != OPEN:
            raise UserError(
                "La question n° {number} n'est pas publiée : cafe questions approve:{number} "
                "la publie d'abord.",
                number=number,
            )
        if row.answered_at is not None:
            raise UserError("La question n° {number} a déjà reçu sa réponse.", number=number)


async def _lock(s: Any, occurrence_id: int) -> None:
    from cogs.cafe import programme_queries

    await programme_queries.lock_occurrence(s, occurrence_id)
