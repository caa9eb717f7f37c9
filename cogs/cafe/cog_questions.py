"""``cafe ask``, ``cafe questions`` (``answered:N`` marks one answered): questions from the
floor during a live café, and the outbox renderer of their room posts. A mixin of the ``Cafe``
cog (like ``ConfirmationCommands``); thin: parse → ``FloorQuestions`` → ``render_questions``.

Descriptions stay short: ``/cafe`` is one Discord command with a 4,000-character budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from bot.core import Delivery, Invocation, Opt, Reply, Role, UserError, command
from cogs.cafe import render_questions as render
from cogs.cafe.programme_commands import editor
from cogs.cafe.questions import MAX_LENGTH, QUESTION, FloorQuestions, Moderation, live_key

if TYPE_CHECKING:
    from bot.core import Core, RoomRef

_MAX_ID = 2**31 - 1
_Occ = Annotated[int | None, Opt("Café (défaut : en cours)", min=1, max=_MAX_ID)]
_Number = Annotated[int | None, Opt("N° de la question", min=1, max=9999)]


class QuestionCommands:
    """Commands and renderer of ``questions.py``; ``setup()`` sets ``questions``."""

    core: Core
    questions: FloorQuestions

    def register_questions(self, questions: FloorQuestions) -> None:
        self.questions = questions
        self.core.outbox.register(QUESTION, self._render_question)

    @command(
        "ask",
        permission=Role.EVERYONE,
        examples=(
            'cafe ask "Où trouver les diapos ?"',
            'cafe ask "Et pour les petites structures ?" anonymous:true',
            "cafe ask support:3",
        ),
    )
    async def ask(
        self,
        inv: Invocation,
        text: Annotated[str, Opt("Votre question", max_length=MAX_LENGTH, rest=True)] = "",
        anonymous: Annotated[bool, Opt("Sans votre nom")] = False,
        support: _Number = None,
        occurrence: _Occ = None,
    ) -> Reply:
        """Poser ou soutenir une question."""
        if support is not None:
            if text.strip():
                raise UserError(
                    "Soit une question (text:…), soit un soutien (support:N) : pas les deux."
                )
            done = await self.questions.support(inv.member_id, occurrence, support)
            self._refresh(done.occurrence_id, done.number, done.room)
            return render.supported(inv.t, done)
        asked = await self.questions.ask(
            inv.member_id, inv.member.display_name, occurrence, text, anonymous=anonymous
        )
        return render.asked(inv.t, asked)

    @command(
        "questions",
        permission=Role.MEMBER,
        examples=("cafe questions sort:time", "cafe questions answered:3"),
    )
    async def questions_queue(
        self,
        inv: Invocation,
        sort: Annotated[Literal["support", "time"], Opt("Tri")] = "support",
        approve: Annotated[int | None, Opt("Publier la n°", min=1, max=9999)] = None,
        hide: Annotated[int | None, Opt("Masquer la n°", min=1, max=9999)] = None,
        answering: Annotated[int | None, Opt("Annoncer en cours la n°", min=1, max=9999)] = None,
        answered: Annotated[int | None, Opt("Marquer répondue la n°", min=1, max=9999)] = None,
        occurrence: _Occ = None,
    ) -> Reply:
        """File des questions (animateur)."""
        given: tuple[tuple[Moderation, int | None], ...] = (
            ("approve", approve),
            ("hide", hide),
            ("answering", answering),
            ("answered", answered),
        )
        chosen = [(action, number) for action, number in given if number is not None]
        if len(chosen) > 1:
            raise UserError("Une action à la fois : approve, hide, answering ou answered.")
        if chosen:
            action, number = chosen[0]
            done = await self.questions.moderate(occurrence, editor(inv), number, action)
            if action in ("hide", "answered"):  # the question's post shows its new state
                self._refresh(done.occurrence_id, number, done.room)
            return render.moderated(inv.t, done.question, action)
        queue = await self.questions.queue(occurrence, editor(inv), sort)
        return render.queue(inv.t, queue)

    def _refresh(self, occurrence_id: int, number: int, room: RoomRef) -> None:
        """Bring the question's post up to date (coalesced edits, ``core.live``)."""
        key = live_key(occurrence_id, number)

        async def build() -> Reply | None:
            if not await self.core.live.exists(key):
                return None  # its post has not gone out yet: it will show the current state
            current = await self.questions.current(occurrence_id, number)
            if current is None:
                return None
            return render.posted(
                await self.core.translator(room=room, public=True), occurrence_id, current
            )

        self.core.live.update(key, room, build)

    async def _render_question(self, d: Delivery) -> Reply | None:
        occurrence, number = int(d.data["occurrence"]), int(d.data["number"])
        shown = await self.questions.shown(occurrence, number)
        if shown is None:
            return None  # hidden (or forgotten) before it went out: nothing to show
        if d.data.get("post") == "answering":
            if not shown.answering:
                return None  # the host moved on before the post went out
            return render.answering_post(d.t, shown)
        return render.posted(d.t, occurrence, shown)
