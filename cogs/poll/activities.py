"""The poll cog as the core's activity provider: a café's programme is checked here, with the
very rules (and messages) of ``poll create`` (validate.py), when each activity is added; the
live café opens, posts and closes its activities here as ``poll create|results|close`` do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot.core import (
    ActivityDraft,
    ActivityReport,
    QuizAnswer,
    Reply,
    Role,
    RoomRef,
    Translator,
    UserError,
)
from bot.core.ports import Capability
from cogs.poll import queries, render, validate
from cogs.poll.domain import PollView, Voter
from cogs.poll.kinds import PollKind
from cogs.poll.render import kind_name

if TYPE_CHECKING:
    from bot.core import Core
    from cogs.poll.service import PollService

#: How the cog renders results (``Polls.results_reply``) and forgets live refreshes.
ResultsReply = Callable[..., Awaitable[Reply]]


def _text(options: Mapping[str, Any], key: str) -> str:
    """A list option as ``poll create`` reads it: ``"A | B"``, or a list from a deck file."""
    value = options.get(key)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            raise UserError('{option} attend du texte, par exemple "A | B | C".', option=key)
        return " | ".join(value)
    if not isinstance(value, str):
        raise UserError('{option} attend du texte, par exemple "A | B | C".', option=key)
    return value


def _flag(options: Mapping[str, Any], key: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise UserError(
            "L'option {option} attend oui ou non (true/false), pas « {value} ».",
            option=key,
            value=str(value)[:40],
        )
    return value


class PollActivities:
    """Every poll kind is an activity a café can run. ``service``/``core`` are given by
    ``setup``; ``render_results``/``closed`` are the cog's (set once the cog is built)."""

    kinds: tuple[str, ...] = tuple(kind.value for kind in PollKind)

    def __init__(self, core: Core | None = None, service: PollService | None = None) -> None:
        self.core = core
        self.service = service
        self.render_results: ResultsReply | None = None
        self.closed: Callable[[PollView], None] | None = None

    def validate(
        self, kind: str, question: str, options: Mapping[str, Any], t: Translator
    ) -> ActivityDraft:
        poll_kind = PollKind(kind)
        checked = validate.check_question(question)
        labels = validate.check_labels(_text(options, "choices"), poll_kind)
        answers = validate.check_answers(_text(options, "answer"), poll_kind)
        categories = validate.check_categories(_text(options, "categories"), poll_kind)
        raw_max = options.get("max")
        if raw_max is not None and (isinstance(raw_max, bool) or not isinstance(raw_max, int)):
            raise UserError(
                "L'option {option} attend un nombre, pas « {value} ».",
                option="max",
                value=str(raw_max)[:40],
            )
        max_choices = validate.check_max(raw_max, poll_kind, len(labels))
        results = validate.check_results(str(options.get("results", "live")))
        data: dict[str, Any] = {}
        if labels:
            data["choices"] = labels
        if answers:
            data["answer"] = answers
        if categories:
            data["categories"] = categories
        if max_choices is not None:
            data["max"] = max_choices
        if _flag(options, "anonymous"):
            data["anonymous"] = True
        if results.value != "live":
            data["results"] = results.value
        return ActivityDraft(poll_kind.value, checked, data)

    def kind_name(self, kind: str, t: Translator) -> str:
        return kind_name(PollKind(kind), t)

    # --- running (the live café) -------------------------------------------------------------

    def _running(self) -> tuple[Core, PollService]:
        if self.core is None or self.service is None:
            raise RuntimeError("PollActivities was built without the core and service")
        return self.core, self.service

    async def open(self, draft: ActivityDraft, room: RoomRef, author_id: int) -> int:
        from cogs.poll.service import PollDraft

        _, service = self._running()
        o = draft.options
        poll = await service.create(
            author_id,
            room,
            PollDraft(
                draft.question,
                PollKind(draft.kind),
                _text(o, "choices"),
                _flag(o, "anonymous"),
                str(o.get("results", "live")),
                "",
                "",
                o.get("max"),
                _text(o, "answer"),
                _text(o, "categories"),
                Role.MEMBER,
            ),
        )
        return poll.id

    async def post(self, activity_id: int, t: Translator, platform: str) -> Reply:
        core, service = self._running()
        poll = await service.get(activity_id)
        buttons = Capability.BUTTONS in core.capabilities(platform)
        return render.poll_reply(
            poll, t, core.text_prefix(platform), core.clock.now(), buttons=buttons
        )

    async def close(self, activity_id: int) -> None:
        _, service = self._running()
        poll = await service.get(activity_id)
        view, changed = await service.close(
            activity_id, Voter(poll.author_id or 0, frozenset({Role.MODERATOR}))
        )
        if changed:
            await service.cancel_close(view.id)
            if self.closed is not None:
                self.closed(view)

    async def results(
        self,
        activity_id: int,
        t: Translator,
        platform: str,
        names: Mapping[int, str] | None = None,
    ) -> Reply:
        core, service = self._running()
        view = await service.get(activity_id)
        buttons = Capability.BUTTONS in core.capabilities(platform)
        if self.render_results is None:
            raise RuntimeError("PollActivities.render_results is not set")
        return await self.render_results(view, t, buttons=buttons, names=names)

    async def participants(self, activity_id: int) -> tuple[int, frozenset[int]]:
        _, service = self._running()
        async with service.db.session() as session:
            rows = await queries.ballot_rows(session, activity_id)
        return len(rows), frozenset(r.member_id for r in rows if r.member_id is not None)

    async def report(self, activity_id: int, t: Translator, present: int) -> ActivityReport:
        from cogs.poll.report import activity_report

        _, service = self._running()
        view = await service.get(activity_id)
        tally = await service.tally(view)
        return activity_report(tally, t, present, withheld=service.withheld(tally))

    async def quiz_answers(self, activity_id: int) -> list[QuizAnswer]:
        """Named quizzes only: an anonymous quiz keeps no names nor timing, so it never
        scores. ``seconds`` is the ballot's (from the poll's creation, i.e. the activity's
        opening, to the first right answer)."""
        _, service = self._running()
        poll = await service.get(activity_id)
        if poll.kind is not PollKind.QUIZ or poll.anonymous:
            return []
        async with service.db.session() as session:
            rows = await queries.ballot_rows(session, activity_id)
        return [
            QuizAnswer(
                member_id=r.member_id,
                correct=bool(r.correct),
                attempts=int(r.attempts),
                seconds=float(r.seconds) if r.correct and r.seconds is not None else None,
            )
            for r in rows
            if r.member_id is not None and r.attempts > 0
        ]
