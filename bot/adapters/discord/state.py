"""What the adapter remembers of members — in this process, or in the database when another
process may need it — and forgets on ``me forget``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.core.refs import Role

if TYPE_CHECKING:
    from bot.core.handover import AdapterStateStore

#: ``core_adapter_state`` documents of roles waiting for rules screening, one per member:
#: ``deferred-roles:<user id>:<guild id>`` (the user id first, so ``forget`` finds them all).
DEFERRED = "deferred-roles:"


@dataclass
class MemberMemory:
    """Per-process memory about Discord users, keyed by their user id."""

    dm_channels: dict[int, int] = field(default_factory=dict)  # user id → DM channel id
    joined: set[tuple[int, int]] = field(default_factory=set)  # (guild, user): join emitted

    def knows(self, user_id: int) -> bool:
        """Whether anything is remembered about this user."""
        return user_id in self.dm_channels or any(key[1] == user_id for key in self.joined)

    def forget(self, user_id: int) -> None:
        """Drop everything remembered about one user."""
        self.dm_channels.pop(user_id, None)
        self.joined = {key for key in self.joined if key[1] != user_id}


class DeferredRoles:
    """Roles granted while a member was still on Discord's rules screen, kept in the database
    until the screen is passed. Whichever process then sees it — the owner of the community's
    shard, or the next owner after a restart or a takeover — grants them, once: a member who
    finished onboarding before accepting the rules never loses the member role to a restart."""

    def __init__(self, states: AdapterStateStore, platform: str) -> None:
        self.states = states
        self.platform = platform

    @staticmethod
    def _key(guild_id: int, user_id: int) -> str:
        return f"{DEFERRED}{user_id}:{guild_id}"

    async def add(self, guild_id: int, user_id: int, role: Role) -> None:
        key = self._key(guild_id, user_id)
        waiting = await self.states.load(self.platform, key) or {}
        roles = sorted({*waiting.get("roles", []), role.value})
        await self.states.save(self.platform, key, {"roles": roles})

    async def take(self, guild_id: int, user_id: int) -> set[Role]:
        """The roles waiting for this member, removed (another process taking them at the same
        time gets none)."""
        taken = await self.states.take(self.platform, self._key(guild_id, user_id)) or {}
        known = {role.value for role in Role}
        return {Role(value) for value in taken.get("roles", []) if value in known}

    async def waiting(self, guild_id: int, user_id: int) -> bool:
        return await self.states.load(self.platform, self._key(guild_id, user_id)) is not None

    async def forget(self, user_id: int) -> None:
        await self.states.drop_prefixed(self.platform, f"{DEFERRED}{user_id}:")
