"""Results as a poll shows them while it runs: the live results message, and the batches that
keep an open anonymous poll from revealing what one vote changed.

Open anonymous polls show results frozen at the last multiple of ``ANONYMOUS_BATCH`` votes
(new, changed or retracted), so watching them never reveals one vote. The snapshots live in
this process only: after a restart the first look starts from the ballots as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from bot.core import Core, Reply, Translator, UserError
from cogs.poll import render_results
from cogs.poll.domain import ANONYMOUS_BATCH, PollView, Tally, live_key
from cogs.poll.service import PollService


class LiveResults:
    def __init__(self, core: Core, service: PollService, buttons: Callable[[str], bool]) -> None:
        self.core = core
        self.service = service
        self.buttons = buttons
        # Anonymous polls: poll id → (results as last shown, votes since then).
        self._snapshots: dict[int, tuple[Tally, int]] = {}
        self._named: set[int] = set()  # polls known not to be anonymous (no snapshot)

    async def reply(
        self,
        poll: PollView,
        t: Translator,
        *,
        picture: bool = True,
        buttons: bool = True,
        names: Mapping[int, str] | None = None,
    ) -> Reply:
        """The results as everyone may see them now (an open anonymous poll: per batch)."""
        now = self.core.clock.now()
        batched = poll.anonymous and not poll.is_closed(now)
        if batched:
            tally = await self.shown_tally(poll)
        else:
            tally = await self.service.tally(poll, names=names)
        # An activity of a live café counts against those present, not the whole room.
        present = await self.core.activities.audience(poll.id)
        population = (
            max(present, tally.voters)
            if present is not None
            else await self.core.room_population(poll.room)
        )
        return render_results.results_reply(
            tally,
            t,
            population,
            present=present is not None,
            withheld=self.service.withheld(tally),
            now=now,
            picture=picture,
            buttons=buttons,
            batched=batched,
        )

    async def shown_tally(self, poll: PollView) -> Tally:
        """An open anonymous poll's results as of its last batch of votes."""
        snapshot = self._snapshots.get(poll.id)
        if snapshot is None:
            # First look in this process (e.g. after a restart): start from the ballots now.
            snapshot = (await self.service.tally(poll), 0)
            self._snapshots[poll.id] = snapshot
        return replace(snapshot[0], poll=poll)

    async def before_vote(self, poll_id: int) -> None:
        """The first vote on an anonymous poll in this process: note its results before the
        vote, so that the first batch shown does not follow that one vote."""
        if poll_id in self._snapshots or poll_id in self._named:
            return
        try:
            view = await self.service.get(poll_id)
        except UserError:
            return  # the vote itself says the poll does not exist
        if view.anonymous:
            self._snapshots.setdefault(view.id, (await self.service.tally(view), 0))
        else:
            self._named.add(view.id)

    async def voted(self, poll: PollView) -> None:
        """A vote changed the ballots: refresh the live results (anonymous: per batch)."""
        if not poll.anonymous:
            self.refresh(poll)
            return
        tally, pending = self._snapshots.get(poll.id) or (None, ANONYMOUS_BATCH)
        pending += 1
        if tally is not None and pending < ANONYMOUS_BATCH:
            self._snapshots[poll.id] = (tally, pending)
            return
        self._snapshots[poll.id] = (await self.service.tally(poll), 0)
        self.refresh(poll)

    def closed(self, poll: PollView) -> None:
        """The poll is closed: no more batches; its live message shows the final results."""
        self._snapshots.pop(poll.id, None)
        self.refresh(poll)

    def refresh(self, poll: PollView) -> None:
        """Ask for the live results message to be refreshed (coalesced by the core)."""

        async def build() -> Reply | None:
            view = await self.service.get(poll.id)
            if view.is_closed(self.core.clock.now()) and not await self._has_live(view.id):
                return None  # the final results are posted once, by the close itself
            t = await self.core.translator(room=view.room, public=True)
            return await self.reply(
                view, t, picture=False, buttons=self.buttons(view.room.platform)
            )

        self.core.live.update(live_key(poll.id), poll.room, build)

    async def _has_live(self, poll_id: int) -> bool:
        return await self.core.live.exists(live_key(poll_id))
