"""What cogs may ask of the running platforms, through the adapter port: a room's population,
roles, capabilities, connection state, mentions. Mixed into :class:`bot.core.core.Core`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.ports import Adapter, Capability
from bot.core.refs import Role, RoomRef

if TYPE_CHECKING:
    from bot.core.members import MemberService


class PlatformServices:
    adapters: dict[str, Adapter]
    members: MemberService

    async def room_population(self, room: RoomRef) -> int | None:
        """How many members can see ``room``, when its platform knows (participation rates)."""
        adapter = self.adapters.get(room.platform)
        return await adapter.room_population(room) if adapter else None

    async def grant_role(self, member_id: int, role: Role) -> int:
        """Grant a neutral role on every running platform where the member has an identity."""
        granted = 0
        for ref in await self.members.identities(member_id):
            adapter = self.adapters.get(ref.platform)
            if adapter is not None:
                await adapter.grant_role(ref, role)
                granted += 1
        return granted

    def capabilities(self, platform: str) -> Capability:
        """What a running platform can show (buttons, edits, files…); NONE when not running."""
        adapter = self.adapters.get(platform)
        return adapter.capabilities if adapter is not None else Capability.NONE

    def connections(self) -> dict[str, bool]:
        """Whether each running adapter is connected to its platform (health checks). An
        adapter without a ``connected`` attribute (in-process ones) counts as connected."""
        return {
            name: bool(getattr(adapter, "connected", True))
            for name, adapter in self.adapters.items()
        }

    def standby_platforms(self) -> frozenset[str]:
        """The platforms whose connection another process owns: this one stands by (healthy,
        not connected)."""
        return frozenset(self.adapters) - frozenset(self.sendable_platforms())

    def sendable_platforms(self) -> list[str]:
        """The platforms this process can deliver through now: a standby adapter (its
        connection owned by another process) says ``can_send`` False, and the owner sends."""
        return [
            name for name, adapter in self.adapters.items() if getattr(adapter, "can_send", True)
        ]

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms running in this process."""
        return frozenset(self.adapters)

    async def can_redact(self, room: RoomRef) -> bool | None:
        """Whether the bot may remove members' messages in ``room`` (None: not applicable,
        e.g. slash-command platforms where commands are never visible to others)."""
        adapter = self.adapters.get(room.platform)
        check = getattr(adapter, "can_redact", None)
        return await check(room) if check is not None else None

    async def mention_ref(self, member_id: int, platform: str) -> tuple[str, str | None]:
        """The mention text and the platform id to allow in ``Reply.mentions`` (None when
        the member has no identity there and only their name is shown)."""
        ref = await self.members.identity_on(member_id, platform)
        adapter = self.adapters.get(platform)
        if ref is None or adapter is None:
            member = await self.members.get(member_id)
            return (member.display_name if member else "?"), None
        return adapter.mention(ref), ref.id

    async def mention(self, member_id: int, platform: str) -> str:
        ref = await self.members.identity_on(member_id, platform)
        adapter = self.adapters.get(platform)
        if ref is None or adapter is None:
            member = await self.members.get(member_id)
            return member.display_name if member else "?"
        return adapter.mention(ref)
