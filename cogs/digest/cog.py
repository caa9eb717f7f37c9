"""The monthly digest: ``me digest on|off``, ``digest preview``, ``digest export``, the outbox
renderer of a member's copy, and the wake-up that queues each edition on schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from bot.core import Cog, Core, Delivery, Invocation, Opt, Reply, Role, command
from bot.core.digest import Reader
from cogs.digest import render
from cogs.digest.service import KIND, Copy, DigestService

log = logging.getLogger(__name__)

#: The wake-up re-reads the clock at least this often (a suspended laptop, a changed clock).
MAX_SLEEP = 3600.0


class DigestCog(Cog, name="digest"):
    def __init__(self, core: Core, service: DigestService) -> None:
        super().__init__(core)
        self.service = service
        self._loop: asyncio.Task[None] | None = None
        core.outbox.register(KIND, self._render)

    async def start(self) -> None:
        # Only a running bot (with a scheduler) queues editions by itself; tests and the
        # console call ``run_due`` when they mean to.
        if self.core.scheduler is not None:
            self._loop = asyncio.create_task(self._wake_up(), name="digest-schedule")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None

    async def run_due(self) -> int:
        """Queue the latest edition when due (see ``DigestService.run_due``)."""
        return await self.service.run_due(self.core.i18n.translator())

    async def _wake_up(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # retried at the next wake-up; the rows already queued stay
                log.exception("Digest: queueing the edition failed")
            now = self.core.clock.now()
            wait = (self.service.schedule.next_after(now) - now).total_seconds()
            await asyncio.sleep(min(max(wait, 1.0), MAX_SLEEP))

    # --- members ------------------------------------------------------------------------------

    @command("digest", group="me", permission=Role.EVERYONE, examples=("me digest on",))
    async def me_digest(
        self,
        inv: Invocation,
        enabled: Annotated[bool | None, Opt("on : le recevoir, off : ne plus le recevoir")] = None,
    ) -> Reply:
        """Recevoir les nouvelles du mois en privé (on/off)."""
        when = inv.t.date(self.service.upcoming().at)
        if enabled is None:
            return render.status(inv.t, await self.service.subscribed(inv.member_id), when)
        await self.service.subscribe(inv.member_id, enabled)
        # Members who chose e-mail for the digest (``me email choose digest:on``) are told so.
        by_mail = inv.member_id in await self.core.mail.choosers([inv.member_id], "digest")
        return render.subscription(inv.t, enabled, when, by_mail=by_mail)

    # --- moderators ---------------------------------------------------------------------------

    async def _upcoming_copy(self, inv: Invocation, *, personal: bool) -> tuple[Copy, bool]:
        edition = self.service.upcoming()
        prepared = await self.service.digest.prepare(edition)
        reader = Reader(None)
        if personal:
            reader = (await self.service.digest.readers([inv.member_id]))[inv.member_id]
        copy = self.service.copy(prepared, reader, inv.t, personal=personal)
        return copy, self.service.wanted(copy)

    @command("preview", permission=Role.MODERATOR)
    async def preview(self, inv: Invocation) -> Reply:
        """Voir la prochaine édition comme un membre la recevra."""
        copy, wanted = await self._upcoming_copy(inv, personal=True)
        count = await self.service.count_subscribers()
        return render.preview(inv.t, copy, count, wanted)

    @command("export", permission=Role.MODERATOR)
    async def export(self, inv: Invocation) -> Reply:
        """La prochaine édition en HTML et Markdown (partie commune)."""
        copy, _ = await self._upcoming_copy(inv, personal=False)
        return render.export(inv.t, copy)

    # --- the outbox renderer --------------------------------------------------------------

    async def _render(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        copy = await self.service.copy_for(d.data, d.member.id, d.t)
        if copy is None:
            return None  # unsubscribed since, or nothing new with when_empty = "skip"
        # A monthly letter paced over minutes is not late: say so only when the bot was down.
        d.late = d.down
        return render.message(d.t, copy)
