"""A café's programme: the activities (polls) a host prepares before the café, in order.

Every activity is checked when it is added — by the provider of its kind through
``core.activities`` (the poll cog, with ``poll create``'s rules) — so nothing invalid waits for
the café to start. Only moderators and the occurrence's host change a programme, and only while
the café is neither cancelled nor over. Platform-free: the cog and the command line call it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core import ActivityDraft, Translator, UserError
from bot.core.text import fold_key
from cogs.cafe import programme_queries as queries
from cogs.cafe.models import CafeActivity

if TYPE_CHECKING:
    from bot.core.activities import Activities
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.occurrences import Occurrences

#: Activities in one programme (the seed's café ran seven in an hour).
MAX_ACTIVITIES = 25
MIN_SECONDS, MAX_SECONDS = 5, 3600
_MENTION_SPLIT = re.compile(r"[\s<>@!&,;]+")


@dataclass(frozen=True, slots=True)
class Editor:
    """Who changes a programme: a moderator, the host, or the operator at the command line
    (``member_id`` None). The host is whoever the occurrence's ``host`` text names: their
    display name, or a mention of their platform id (``<@123>``, ``@alice:example.org``)."""

    member_id: int | None
    name: str = ""
    platform_id: str = ""
    moderator: bool = False

    @classmethod
    def operator(cls) -> Editor:
        return cls(None, moderator=True)

    def hosts(self, host: str) -> bool:
        if not host.strip():
            return False
        if self.name and fold_key(self.name) == fold_key(host):
            return True
        words = {w for w in _MENTION_SPLIT.split(host) if w}
        return bool(self.platform_id) and self.platform_id.lstrip("@") in words


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity as stored: its place (1…N), its kind and question, its checked options."""

    id: int
    position: int
    kind: str
    question: str
    options: dict[str, Any]
    seconds: int | None
    created_by: int | None

    @classmethod
    def of(cls, row: CafeActivity) -> Activity:
        assert row.id is not None
        return cls(
            row.id,
            row.position,
            row.kind,
            row.question,
            json.loads(row.options),
            row.seconds,
            row.created_by,
        )


@dataclass(frozen=True, slots=True)
class Planned:
    """A checked activity waiting to be stored (``add``, ``copy``, an import)."""

    draft: ActivityDraft
    seconds: int | None


def check_seconds(seconds: int | None) -> int | None:
    if seconds is None or seconds == 0:
        return None
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise UserError(
            "seconds doit être compris entre {min} et {max} (ou 0 : l'animateur passe à la "
            "suite lui-même).",
            min=MIN_SECONDS,
            max=MAX_SECONDS,
        )
    return seconds


class Programme:
    def __init__(
        self, *, db: Database, clock: Clock, activities: Activities, occurrences: Occurrences
    ) -> None:
        self.db = db
        self.clock = clock
        self.activities = activities
        self.occurrences = occurrences

    # --- checking -------------------------------------------------------------------------

    def plan(
        self,
        kind: str,
        question: str,
        options: Mapping[str, Any],
        seconds: int | None,
        t: Translator,
    ) -> Planned:
        """Check one activity now (the provider's rules; nothing stored)."""
        draft = self.activities.validate(kind, question, options, t)
        return Planned(draft, check_seconds(seconds))

    async def editable(self, occurrence_id: int, editor: Editor) -> Occurrence:
        """The occurrence, when ``editor`` may change its programme now."""
        occ = await self.readable(occurrence_id, editor)
        if occ.cancelled:
            raise UserError(
                "Le café n° {occurrence} est annulé : son programme ne change plus.",
                occurrence=occ.id,
            )
        if occ.ends_at <= self.clock.now():
            raise UserError(
                "Le café n° {occurrence} est terminé : son programme ne change plus. "
                "Pour le réutiliser : cafe programme copy from:{occurrence} to:…",
                occurrence=occ.id,
            )
        return occ

    async def readable(self, occurrence_id: int, editor: Editor) -> Occurrence:
        """The occurrence, when ``editor`` may see its programme (it holds quiz answers)."""
        occ = await self.occurrences.occurrence(occurrence_id, None)
        if not (editor.moderator or editor.hosts(occ.row.host)):
            raise UserError(
                "Seuls les modérateurs et l'animateur ou l'animatrice du café n° {occurrence} "
                "préparent son programme.",
                occurrence=occ.id,
            )
        return occ

    # --- use cases ------------------------------------------------------------------------

    async def show(self, occurrence_id: int, editor: Editor) -> tuple[Occurrence, list[Activity]]:
        occ = await self.readable(occurrence_id, editor)
        return occ, await self.activities_of(occ.id)

    async def activities_of(self, occurrence_id: int) -> list[Activity]:
        async with self.db.session() as s:
            return [Activity.of(row) for row in await queries.activities(s, occurrence_id)]

    async def add(self, occurrence_id: int, editor: Editor, planned: Planned) -> Activity:
        """Append a checked activity at the end of the programme."""
        await self.editable(occurrence_id, editor)
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            rows = await queries.activities(s, occurrence_id)
            self._check_room(len(rows) + 1)
            row = self._row(occurrence_id, len(rows) + 1, planned, editor.member_id)
            s.add(row)
            await s.flush()
            return Activity.of(row)

    async def move(
        self, occurrence_id: int, editor: Editor, position: int, to: int
    ) -> list[Activity]:
        """Put activity n° ``position`` at place ``to``; the others shift. The new order."""
        await self.editable(occurrence_id, editor)
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            rows = await queries.activities(s, occurrence_id)
            row = self._pick(rows, position, occurrence_id)
            if not 1 <= to <= len(rows):
                raise UserError(
                    "to doit être une place du programme, entre 1 et {count}.", count=len(rows)
                )
            rows.remove(row)
            rows.insert(to - 1, row)
            await queries.renumber(s, rows)
            return [Activity.of(r) for r in rows]

    async def remove(self, occurrence_id: int, editor: Editor, position: int) -> Activity:
        """Remove activity n° ``position``; the ones after it move up."""
        await self.editable(occurrence_id, editor)
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            rows = await queries.activities(s, occurrence_id)
            row = self._pick(rows, position, occurrence_id)
            removed = Activity.of(row)
            rows.remove(row)
            await s.delete(row)
            await s.flush()
            await queries.renumber(s, rows)
            return removed

    async def copy(
        self, source: int, target: int, editor: Editor, *, replace: bool, t: Translator
    ) -> list[Activity]:
        """Reuse ``source``'s programme (last month's deck) for ``target``. Each activity is
        checked again: the rules may have changed since it was prepared."""
        if source == target:
            raise UserError("Choisissez deux cafés différents : from et to sont le même café.")
        await self.readable(source, editor)
        activities = await self.activities_of(source)
        if not activities:
            raise UserError(
                "Le café n° {occurrence} n'a pas de programme à copier.", occurrence=source
            )
        planned = [self.plan(a.kind, a.question, a.options, a.seconds, t) for a in activities]
        return await self.replace(target, editor, planned, replace=replace)

    async def replace(
        self, occurrence_id: int, editor: Editor, planned: Sequence[Planned], *, replace: bool
    ) -> list[Activity]:
        """Store ``planned`` as the whole programme, in one transaction (all or nothing).
        A café that already has a programme keeps it unless ``replace``."""
        await self.editable(occurrence_id, editor)
        self._check_room(len(planned))
        async with self.db.session() as s:
            await queries.lock_occurrence(s, occurrence_id)
            existing = await queries.activities(s, occurrence_id)
            if existing and not replace:
                raise UserError(
                    "Le café n° {occurrence} a déjà un programme (activités : {count}) : "
                    "ajoutez replace:true pour le remplacer.",
                    occurrence=occurrence_id,
                    count=len(existing),
                )
            await queries.delete_programme(s, occurrence_id)
            rows = [
                self._row(occurrence_id, i, p, editor.member_id)
                for i, p in enumerate(planned, start=1)
            ]
            s.add_all(rows)
            await s.flush()
            return [Activity.of(r) for r in rows]

    # --- helpers ----------------------------------------------------------------------------

    def _row(
        self, occurrence_id: int, position: int, planned: Planned, created_by: int | None
    ) -> CafeActivity:
        return CafeActivity(
            occurrence_id=occurrence_id,
            position=position,
            kind=planned.draft.kind,
            question=planned.draft.question,
            options=json.dumps(planned.draft.options, ensure_ascii=False),
            seconds=planned.seconds,
            created_by=created_by,
            created_at=self.clock.now(),
        )

    @staticmethod
    def _check_room(count: int) -> None:
        if count > MAX_ACTIVITIES:
            raise UserError("Un programme compte au plus {max} activités.", max=MAX_ACTIVITIES)

    @staticmethod
    def _pick(rows: list[CafeActivity], position: int, occurrence_id: int) -> CafeActivity:
        for row in rows:
            if row.position == position:
                return row
        if not rows:
            raise UserError(
                "Le programme du café n° {occurrence} est vide.", occurrence=occurrence_id
            )
        raise UserError(
            "Pas d'activité n° {activity} au programme du café n° {occurrence} (il en compte "
            "{count}). Voyez cafe programme show occurrence:{occurrence}.",
            activity=position,
            occurrence=occurrence_id,
            count=len(rows),
        )
