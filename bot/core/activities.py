"""Activities: what a café's programme is made of, validated by the cog that runs them.

A café prepares its activities (a quiz, a questionnaire, a word cloud…) before it starts, but
they are polls, and cogs never import each other. So the cog that runs a kind of activity
registers an ``ActivityProvider`` with the core (the poll cog in its ``setup``) and the café asks
``core.activities`` to check a draft *when it is added*, with the very messages ``poll create``
gives — never in front of the room when the café starts.

The live café (``cafe start|next|end``) runs them through the same provider: ``open`` a stored
draft as a real activity in the café's room, ``post`` it as ``poll create`` does, ``close`` it,
give its ``results`` as ``poll results`` shows them, and ``participants`` — who answered
(presence) and how many. The live challenge (the café's quiz leaderboard) reads each quiz's
``quiz_answers``: who was right, after how many attempts and how many seconds. After the café,
``report`` gives each activity's results as data (``ActivityReport``: summary lines, a table for
CSV, a picture with its alt text), which the café's report lays out as a chat message, an HTML
page and CSV files. The provider applies each activity's anonymity rules there, so no format
can name an anonymous voter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.refs import RoomRef
from bot.core.reply import Reply

#: The options a draft may carry, as ``poll create`` names them (values: text or lists for
#: ``choices``/``answer``/``categories``, an integer for ``max``, booleans, ``results``).
ACTIVITY_OPTIONS = ("choices", "answer", "categories", "max", "anonymous", "results")


@dataclass(frozen=True, slots=True)
class ActivityDraft:
    """A checked activity, ready to store: ``options`` is plain JSON (lists, ints, bools,
    strings) with every key of ``ACTIVITY_OPTIONS`` the kind uses, normalised."""

    kind: str
    question: str
    options: dict[str, Any] = field(default_factory=dict)


Cell = str | int | float


@dataclass(frozen=True, slots=True)
class ActivityReport:
    """One activity's results, as data every report format uses.

    ``summary`` holds markdown-subset lines in the reader's language (bars, ranks, mean,
    comments, winner…); ``header``/``rows`` are the table a CSV file carries; ``picture`` is a
    PNG (``None`` when results are withheld) whose ``alt`` states the results in words.
    ``anonymous`` activities never carry a name, in any of these; ``withheld``: too few
    anonymous answers for any result to be shown (only ``answered`` is)."""

    activity_id: int
    kind: str
    kind_label: str
    title: str
    answered: int
    anonymous: bool
    withheld: bool
    highlight: str
    summary: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    picture: bytes | None
    alt: str


@dataclass(frozen=True, slots=True)
class QuizAnswer:
    """One member's answers to a named quiz activity, as the live challenge scores them.

    ``seconds``: from the activity's opening to the member's right answer (None while they
    have not found it); ``attempts``: answers given, right or wrong."""

    member_id: int
    correct: bool
    attempts: int
    seconds: float | None


@runtime_checkable
class ActivityProvider(Protocol):
    """A cog that runs some kinds of activity (the poll cog: every poll kind)."""

    #: The kinds it runs, as the ``kind`` option spells them (``single``, ``quiz``…).
    kinds: tuple[str, ...]

    def validate(
        self, kind: str, question: str, options: Mapping[str, Any], t: Translator
    ) -> ActivityDraft:
        """Check an activity as ``poll create`` would (same ``UserError`` messages) and
        return it normalised; nothing is stored."""
        ...

    def kind_name(self, kind: str, t: Translator) -> str:
        """The kind in the reader's words (``quiz``, ``nuage de mots``…)."""
        ...

    async def open(self, draft: ActivityDraft, room: RoomRef, author_id: int) -> int:
        """Open a stored draft as a real activity in ``room``; its id (the poll's number)."""
        ...

    async def post(self, activity_id: int, t: Translator, platform: str) -> Reply:
        """The activity as posted when it opens (exactly what ``poll create`` posts)."""
        ...

    async def close(self, activity_id: int) -> None:
        """Close it now: no more answers (harmless when already closed)."""
        ...

    async def results(
        self,
        activity_id: int,
        t: Translator,
        platform: str,
        names: Mapping[int, str] | None = None,
    ) -> Reply:
        """Its results as ``poll results`` shows them (text + picture). ``names``: what to
        call these members instead of their display names (the café's pseudonyms)."""
        ...

    async def participants(self, activity_id: int) -> tuple[int, frozenset[int]]:
        """How many answered, and the members known to have answered (anonymous answers
        count but name nobody)."""
        ...

    async def report(self, activity_id: int, t: Translator, present: int) -> ActivityReport:
        """Its final results as data (see ``ActivityReport``), participation counted against
        ``present`` people; UserError when the activity no longer exists."""
        ...

    async def quiz_answers(self, activity_id: int) -> list[QuizAnswer]:
        """Each member's answers to a quiz activity. Empty for any other kind and for an
        anonymous quiz, which keeps neither names nor timing (it does not score)."""
        ...


#: Who an activity's participation is counted against when it is not the whole room: e.g. the
#: people present at the live café that runs it. Given an activity id; None: not such one.
Audience = Callable[[int], Awaitable[int | None]]


class Activities:
    """``core.activities``: the providers, by kind, and the audience of running activities."""

    def __init__(self) -> None:
        self._by_kind: dict[str, ActivityProvider] = {}
        self._audience: Audience | None = None

    def provide_audience(self, audience: Audience) -> None:
        """Called by the cog that runs activities live (the café): results of its activities,
        wherever they show (``poll results`` typed later too), count against its audience."""
        if self._audience is not None:
            raise ValueError("two cogs provide the audience of activities")
        self._audience = audience

    async def audience(self, activity_id: int) -> int | None:
        """How many people ``activity_id`` was run for (those present), or None: the room."""
        return await self._audience(activity_id) if self._audience is not None else None

    def register(self, provider: ActivityProvider) -> None:
        """Called by a cog's ``setup``; a kind belongs to one provider."""
        for kind in provider.kinds:
            if kind in self._by_kind and self._by_kind[kind] is not provider:
                raise ValueError(f"two providers run the activity kind {kind!r}")
        for kind in provider.kinds:
            self._by_kind[kind] = provider

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._by_kind)

    @property
    def available(self) -> bool:
        return bool(self._by_kind)

    def provider(self, kind: str) -> ActivityProvider:
        """The provider of ``kind``; UserError when none runs (polls off) or it is unknown."""
        self.require()
        found = self._by_kind.get(kind.strip().lower())
        if found is None:
            raise UserError(
                "L'option {option} accepte : {choices}.",
                option="kind",
                choices=", ".join(self._by_kind),
            )
        return found

    def require(self) -> None:
        if not self._by_kind:
            raise UserError(
                "Les activités d'un café sont des sondages : le module des sondages (poll) "
                "doit être activé pour préparer un programme. Demandez-le à un administrateur."
            )

    def validate(
        self, kind: str, question: str, options: Mapping[str, Any], t: Translator
    ) -> ActivityDraft:
        """Check a draft with the provider of its kind (see ``ActivityProvider.validate``)."""
        unknown = sorted(set(options) - set(ACTIVITY_OPTIONS))
        if unknown:
            raise UserError("Option inconnue : {option}.", option=unknown[0][:32])
        return self.provider(kind).validate(kind.strip().lower(), question, options, t)

    def kind_name(self, kind: str, t: Translator) -> str:
        found = self._by_kind.get(kind)
        return found.kind_name(kind, t) if found is not None else kind
