"""The café's attendance-confirmation commands and outbox renderers (``cafe confirm``,
``cafe release``), mixed into the ``Cafe`` cog: parse → service → render."""

from __future__ import annotations

from typing import Annotated

from bot.core import Core, Delivery, Invocation, Opt, Reply, Role, command
from cogs.cafe import confirmation, render_confirmation
from cogs.cafe.confirmation import RELEASE, RELEASED, REQUEST
from cogs.cafe.domain import REGISTERED
from cogs.cafe.service import CafeService

_Occurrence = Annotated[
    int | None,
    Opt("Numéro du café (par défaut : le prochain où vous êtes inscrit)", min=1, max=2**31 - 1),
]


class ConfirmationCommands:
    """Commands and renderers of ``confirmation.py``; the cog sets ``core`` and ``service``."""

    core: Core
    service: CafeService

    def register_confirmation(self) -> None:
        self.core.outbox.register(REQUEST, self._render_request)
        self.core.outbox.register(RELEASE, self._run_release)
        self.core.outbox.register(RELEASED, self._render_released)

    @command("confirm", permission=Role.EVERYONE)
    async def confirm(self, inv: Invocation, occurrence: _Occurrence = None) -> Reply:
        """Confirmer votre venue à un café (« Toujours là ? » → Oui)."""
        occ, already = await self.service.confirmation.confirm(inv.member_id, occurrence)
        return render_confirmation.confirmed(inv.t, occ, already, self.core.clock.now())

    @command("release", permission=Role.EVERYONE)
    async def release(self, inv: Invocation, occurrence: _Occurrence = None) -> Reply:
        """Libérer votre place à un café."""
        occ, had_seat = await self.service.confirmation.release(inv.member_id, occurrence)
        return render_confirmation.released_reply(inv.t, occ, had_seat)

    async def _render_request(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        occ = await self.service.confirmation.asking(
            d.data["occurrence"], d.member.id, d.data["starts_at"]
        )
        if occ is None:  # left, answered, moved or cancelled since: nothing to ask
            return None
        return render_confirmation.request(d, occ, confirmation.deadline(occ))

    async def _run_release(self, d: Delivery) -> Reply | None:
        """The release job sends nothing itself: it frees seats and queues the DMs."""
        await self.service.confirmation.release_unconfirmed(
            d.data["occurrence"], d.data["starts_at"], d.data["before"]
        )
        return None

    async def _render_released(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        occ = await self.service.find(d.data["occurrence"])
        if occ is None or occ.cancelled or occ.starts_at <= d.now:
            return None
        if await self.service.status_of(occ.id, d.member.id) == REGISTERED:
            return None  # back in a seat since (joined again and got one): nothing to say
        return render_confirmation.released(d, occ)
