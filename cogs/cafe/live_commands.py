"""``cafe start|next|end``: a café run live, and the outbox renderers of its posts.

A mixin of the café cog (like ``ProgrammeCommands``). Thin: parse → ``LiveSessions`` →
``live_render``. Open to members because the host may be one; the service lets only moderators
and the occurrence's host through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from bot.core import Delivery, Invocation, Opt, Reply, Role, UserError, command
from cogs.cafe import live_render as render
from cogs.cafe import render_leaderboard
from cogs.cafe.live import ADVANCE, LIVE, LiveSessions
from cogs.cafe.programme_commands import editor
from cogs.cafe.report import Reports

if TYPE_CHECKING:
    from bot.core import Core, RoomRef
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.leaderboards import Leaderboards
    from cogs.cafe.programme import Programme

MAX_ID = 2**31 - 1
Running = Annotated[
    int | None, Opt("Numéro du café (par défaut : celui en cours)", min=1, max=MAX_ID)
]


class LiveCommands:
    core: Core
    programme: Programme
    live: LiveSessions
    reports: Reports
    leaderboards: Leaderboards

    def register_live(self) -> None:
        self.core.outbox.register(LIVE, self._render_live)
        self.core.outbox.register(ADVANCE, self._render_advance)

    @command("start", permission=Role.MEMBER)
    async def start_session(
        self,
        inv: Invocation,
        occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)],
    ) -> Reply:
        """Lancer le café en direct (animateur)."""
        occ, total = await self.live.start(occurrence, editor(inv))
        return render.started_ack(inv.t, occ, total)

    @command("next", permission=Role.MEMBER)
    async def next_activity(self, inv: Invocation, occurrence: Running = None) -> Reply:
        """Clore l'activité en cours, ouvrir la suivante (animateur)."""
        return render.step_ack(inv.t, await self.live.next(occurrence, editor(inv)))

    @command("end", permission=Role.MEMBER)
    async def end_session(self, inv: Invocation, occurrence: Running = None) -> Reply:
        """Terminer le café en direct (animateur)."""
        step = await self.live.end(occurrence, editor(inv))
        await self.reports.ended(step.occurrence, inv.member_id)  # filed, no-show DMs queued
        return render.step_ack(inv.t, step)

    # --- outbox renderers --------------------------------------------------------------------

    async def _render_live(self, d: Delivery) -> Reply | None:
        occ = await self.programme.occurrences.find(int(d.data["occurrence"]))
        if occ is None or d.room is None:
            return None
        reply = await self._live_post(d, occ, d.room)
        if d.data.get("then"):  # the next post, after this one (see LiveSessions._posts)
            await self.live.follow(occ.id, d.room, d.data["then"])
        return reply

    async def _live_post(self, d: Delivery, occ: Occurrence, room: RoomRef) -> Reply | None:
        post = d.data["post"]
        activities = await self.programme.activities_of(occ.id)
        acts = self.core.activities
        if post == "welcome":
            return render.welcome(d.t, occ, activities, lambda k: acts.kind_name(k, d.t))
        if post == "end":
            await self.reports.post_after_end(occ, room)  # the report follows this post
            return render.ended(d.t, occ, len(await self.live.presence(occ.id)))
        if post == "podium":  # the live challenge (leaderboards.py)
            return render_leaderboard.podium(d.t, await self.leaderboards.board(occ.id))
        if post == "leaderboard":
            board = await self.leaderboards.board(occ.id, upto=int(d.data["position"]))
            return render_leaderboard.after_quiz(d.t, board)
        position, poll = int(d.data["position"]), int(d.data["poll"])
        if not 1 <= position <= len(activities):
            return None  # the programme changed since (it no longer can: defensive)
        kind = activities[position - 1].kind
        try:
            if post == "open":
                reply = await acts.provider(kind).post(poll, d.t, room.platform)
                return render.opened(d.t, occ.id, position, len(activities), reply)
            # A scored quiz names its winner: under their pseudonym, as on the leaderboard.
            names = await self.leaderboards.pseudonyms(occ.id, position)
            reply = await acts.provider(kind).results(poll, d.t, room.platform, names)
        except UserError:
            return None  # the poll was removed meanwhile (privacy)
        # Participation in it is counted against those present (cogs/cafe/audience.py).
        return render.results(reply)

    async def _render_advance(self, d: Delivery) -> Reply | None:
        await self.live.timer(int(d.data["occurrence"]), int(d.data["position"]))
        return None
