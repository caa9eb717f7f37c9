"""A café run live: ``cafe start`` opens the session in the café's room, ``cafe next`` closes the
current activity (its results are posted) and opens the next one, ``cafe end`` closes it all.

Every post goes to the series' announce room through the outbox, in order (welcome, results,
next activity), and a timed activity (``seconds:``) moves on by itself through an outbox row: the
session's state is one ``cafe_session`` row, so a restart resumes it where it was (the current
activity stays open, the pending timer row fires when due). The activities themselves are run by
their provider (``core.activities``: the poll cog), never imported.

Presence = checked in (``cafe here``), or answered any activity of the session; each activity's
participation is counted against it ("37 / 71").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from bot.core import Deferred, RoomRef, UserError
from cogs.cafe.leaderboard import scored
from cogs.cafe.models import CafeRegistration, CafeSession
from cogs.cafe.programme import Activity, Editor

if TYPE_CHECKING:
    from bot.core.activities import Activities
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.programme import Programme
    from cogs.cafe.settings import CafeSettings

#: Outbox kinds: a post in the café's room, and a timed activity moving on by itself.
LIVE = "cafe.live"
ADVANCE = "cafe.advance"


def post_key(occurrence_id: int, what: str) -> str:
    return f"cafe-live:{occurrence_id}:{what}"


def advance_key(occurrence_id: int, position: int) -> str:
    return f"cafe-advance:{occurrence_id}:{position}"


@dataclass(frozen=True, slots=True)
class Step:
    """What ``next``/``end`` did: the activity closed (if any), the one opened (if any)."""

    occurrence: Occurrence
    closed: int | None  # position
    opened: int | None  # position
    total: int
    ended: bool = False


class LiveSessions:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        activities: Activities,
        programme: Programme,
        settings: CafeSettings,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.activities = activities
        self.programme = programme
        self.settings = settings

    # --- rights and state ------------------------------------------------------------------

    async def _runnable(self, occurrence_id: int, editor: Editor) -> Occurrence:
        occ = await self.programme.occurrences.occurrence(occurrence_id, None)
        if not (editor.moderator or editor.hosts(occ.row.host)):
            raise UserError(
                "Seuls les modérateurs et l'animateur ou l'animatrice du café n° {occurrence} "
                "le mènent en direct.",
                occurrence=occ.id,
            )
        return occ

    async def running(self) -> list[int]:
        """The occurrences whose session is open now."""
        async with self.db.session() as s:
            rows = await s.exec(
                select(CafeSession.occurrence_id).where(col(CafeSession.ended_at).is_(None))
            )
            return sorted(rows)

    async def _pick(self, occurrence_id: int | None) -> int:
        if occurrence_id is not None:
            return occurrence_id
        live = await self.running()
        if len(live) == 1:
            return live[0]
        if not live:
            raise UserError(
                "Aucun café n'est en cours : lancez-en un avec cafe start occurrence:…"
            )
        raise UserError(
            "Plusieurs cafés sont en cours ({occurrences}) : précisez occurrence:…",
            occurrences=", ".join(str(i) for i in live),
        )

    # --- use cases -------------------------------------------------------------------------

    async def start(self, occurrence_id: int, editor: Editor) -> tuple[Occurrence, int]:
        """Open the session: the welcome post (with the programme) goes to the café's room."""
        occ = await self._runnable(occurrence_id, editor)
        now = self.clock.now()
        if occ.cancelled:
            raise UserError(
                "Le café n° {occurrence} est annulé : il ne peut pas commencer.",
                occurrence=occ.id,
            )
        async with self.db.session() as s:
            await _lock(s, occ.id)
            existing = await s.get(CafeSession, occ.id)
            if existing is not None and existing.ended_at is None:
                raise UserError(
                    "Le café n° {occurrence} est déjà en cours : cafe next ouvre l'activité "
                    "suivante, cafe end le termine.",
                    occurrence=occ.id,
                )
            if existing is not None or occ.ends_at <= now:
                raise UserError(
                    "Le café n° {occurrence} est terminé : il ne peut pas recommencer.",
                    occurrence=occ.id,
                )
            before = timedelta(minutes=self.settings.checkin_before)
            if now < occ.starts_at - before:
                raise UserError(
                    "Le café n° {occurrence} n'a pas encore commencé : on peut le lancer "
                    "{delay} avant l'heure prévue, au plus tôt.",
                    occurrence=occ.id,
                    delay=Deferred(lambda t: t.duration(before)),
                )
            s.add(CafeSession(occurrence_id=occ.id, started_by=editor.member_id, started_at=now))
        await self.follow(occ.id, RoomRef.decode(occ.series.room), {"post": "welcome"})
        return occ, len(await self.programme.activities_of(occ.id))

    async def next(self, occurrence_id: int | None, editor: Editor) -> Step:
        """Close the current activity (results posted) and open the next one."""
        occ = await self._runnable(await self._pick(occurrence_id), editor)
        step = await self._advance(occ, expected=None, end=False)
        if step.opened is None and step.closed is None:
            raise UserError(
                "Le programme du café n° {occurrence} est terminé ({total}) : "
                "cafe end clôt le café.",
                occurrence=occ.id,
                total=Deferred(lambda t: t.n("{n} activité", "{n} activités", step.total)),
            )
        return step

    async def end(self, occurrence_id: int | None, editor: Editor) -> Step:
        """Close the current activity (results posted) and the session."""
        occ = await self._runnable(await self._pick(occurrence_id), editor)
        return await self._advance(occ, expected=None, end=True)

    async def timer(self, occurrence_id: int, position: int) -> None:
        """A timed activity's outbox row: move on, unless the host already did."""
        occ = await self.programme.occurrences.find(occurrence_id)
        if occ is not None:
            await self._advance(occ, expected=position, end=False)

    async def _advance(self, occ: Occurrence, *, expected: int | None, end: bool) -> Step:
        programme = await self.programme.activities_of(occ.id)
        nothing = Step(occ, None, None, len(programme))
        async with self.db.session() as s:
            row = await s.get(CafeSession, occ.id)
        if row is None or row.ended_at is not None:
            if expected is not None:
                return nothing
            raise UserError(
                "Le café n° {occurrence} n'est pas en cours : cafe start occurrence:"
                "{occurrence} le lance.",
                occurrence=occ.id,
            )
        if expected is not None and (row.position != expected or not row.current_open):
            return nothing  # the host moved on already
        seen = (row.position, row.current_open)
        polls: dict[str, int] = json.loads(row.polls)
        closed = row.position if row.current_open else None
        opened: Activity | None = None
        if not end and row.position < len(programme):
            opened = programme[row.position]
        if closed is None and opened is None and not end:
            return nothing
        # The provider writes in its own transactions (never inside ours: SQLite has one
        # writer); ours then checks nobody moved the session meanwhile.
        if closed is not None:
            await self.activities.provider(programme[closed - 1].kind).close(polls[str(closed)])
        if opened is not None:
            room = RoomRef.decode(occ.series.room)
            polls[str(opened.position)] = await self.activities.provider(opened.kind).open(
                _draft(opened), room, row.started_by or 0
            )
        async with self.db.session() as s:
            await _lock(s, occ.id)
            row = await s.get(CafeSession, occ.id)
            if row is None or (row.position, row.current_open) != seen or row.ended_at:
                raced = opened is not None
            else:
                raced = False
                row.current_open = opened is not None
                if opened is not None:
                    row.position = opened.position
                    row.polls = json.dumps(polls)
                if end:
                    row.ended_at = self.clock.now()
                s.add(row)
                await self._posts(s, occ, closed, opened, polls, programme, end)
        if raced:
            assert opened is not None
            await self.activities.provider(opened.kind).close(polls[str(opened.position)])
            return nothing
        if closed is not None and expected is None:  # by hand: its timer has nothing to do
            await self.outbox.cancel(advance_key(occ.id, closed))
        return Step(occ, closed, opened.position if opened else None, len(programme), end)

    async def _posts(
        self,
        s: Any,
        occ: Occurrence,
        closed: int | None,
        opened: Activity | None,
        polls: dict[str, int],
        programme: list[Activity],
        end: bool,
    ) -> None:
        """Queue the session's posts. The sender delivers a batch concurrently, so a post that
        must come after another (the next activity after the results) is chained: queued by
        the renderer of the one before it (``then``). A scored quiz's results are followed
        by the leaderboard, and the end by the challenge's podium (leaderboards.py)."""
        now = self.clock.now()
        room = RoomRef.decode(occ.series.room)
        chain: list[dict[str, Any]] = []
        if closed is not None:
            chain.append({"post": "results", "position": closed, "poll": polls[str(closed)]})
            if scored(programme[closed - 1].kind, programme[closed - 1].options):
                chain.append({"post": "leaderboard", "position": closed})
        if opened is not None:
            poll = polls[str(opened.position)]
            chain.append({"post": "open", "position": opened.position, "poll": poll})
        if end:
            if any(scored(a.kind, a.options) and str(a.position) in polls for a in programme):
                chain.append({"post": "podium"})
            chain.append({"post": "end", "total": len(programme)})
        items: list[dict[str, Any]] = []
        if chain:
            items.append(self._item(occ.id, room, _nest(chain)))
        if opened is not None and opened.seconds:
            items.append(
                {
                    "key": advance_key(occ.id, opened.position),
                    "due_at": now + timedelta(seconds=opened.seconds),
                    "kind": ADVANCE,
                    "data": {"occurrence": occ.id, "position": opened.position},
                    "room": room,
                }
            )
        await self.outbox.enqueue_many(items, session=s)

    def _item(self, occurrence_id: int, room: RoomRef, data: dict[str, Any]) -> dict[str, Any]:
        what = data["post"] + (f":{data['position']}" if "position" in data else "")
        return {
            "key": post_key(occurrence_id, what),
            "due_at": self.clock.now(),
            "kind": LIVE,
            "data": {"occurrence": occurrence_id, **data},
            "room": room,
        }

    async def follow(self, occurrence_id: int, room: RoomRef, then: dict[str, Any]) -> None:
        """Queue the post chained after one just rendered (harmless twice: same key)."""
        await self.outbox.enqueue_many([self._item(occurrence_id, room, then)])

    # --- presence --------------------------------------------------------------------------

    async def presence(self, occurrence_id: int) -> set[int]:
        """Checked in, or answered any activity of the session (named answers)."""
        async with self.db.session() as s:
            rows = await s.exec(
                select(CafeRegistration.member_id).where(
                    CafeRegistration.occurrence_id == occurrence_id,
                    col(CafeRegistration.checked_in_at).is_not(None),
                )
            )
            present = set(rows)
            session = await s.get(CafeSession, occurrence_id)
        if session is None:
            return present
        programme = {a.position: a for a in await self.programme.activities_of(occurrence_id)}
        for position, poll_id in json.loads(session.polls).items():
            activity = programme.get(int(position))
            if activity is None:
                continue
            _, named = await self.activities.provider(activity.kind).participants(poll_id)
            present |= named
        return present

    async def participation(self, occurrence_id: int, kind: str, poll_id: int) -> tuple[int, int]:
        """(answered, present) for one activity of the session. Anonymous answers name nobody,
        so the base is never below the count."""
        count, _ = await self.activities.provider(kind).participants(poll_id)
        present = len(await self.presence(occurrence_id))
        return count, max(count, present)


def _nest(chain: list[dict[str, Any]]) -> dict[str, Any]:
    """``[a, b, c]`` → ``a`` with ``then: b`` with ``then: c``."""
    head = dict(chain[0])
    if len(chain) > 1:
        head["then"] = _nest(chain[1:])
    return head


def _draft(activity: Activity) -> Any:
    from bot.core import ActivityDraft

    options = dict(activity.options)
    if scored(activity.kind, options):
        # The live challenge: no live results (who found it, how fast) while others still
        # answer; they are posted when the quiz closes, pseudonyms honoured.
        options["results"] = "hidden"
    return ActivityDraft(activity.kind, activity.question, options)


async def _lock(s: Any, occurrence_id: int) -> None:
    from cogs.cafe import programme_queries

    await programme_queries.lock_occurrence(s, occurrence_id)
