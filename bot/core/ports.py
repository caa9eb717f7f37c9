"""The adapter port: what every platform adapter offers the core."""

from __future__ import annotations

from enum import Flag, auto
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.core.refs import MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.core.core import Core


class Capability(Flag):
    NONE = 0
    NATIVE_COMMANDS = auto()  # slash commands with typed options
    BUTTONS = auto()  # actions as clickable components
    EPHEMERAL = auto()  # private replies in the room itself
    NATIVE_POLLS = auto()
    ROLES = auto()
    EDIT = auto()
    FILES = auto()


@runtime_checkable
class Adapter(Protocol):
    platform: str
    capabilities: Capability

    async def start(self, core: Core) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        """Post in a room. ``key`` (the outbox key) lets the platform drop a resend."""
        ...

    async def edit(self, message: MessageRef, reply: Reply) -> None: ...

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        """Write to a member privately; raise DirectMessagesRefused when they refuse."""
        ...

    async def grant_role(self, member: MemberRef, role: Role) -> None: ...

    def mention(self, member: MemberRef) -> str: ...

    async def room_population(self, room: RoomRef) -> int | None:
        """How many members can see the room (participation rates), if the platform knows."""
        ...


class Redacting(Protocol):
    """Optional: adapters where typed commands are visible messages that the bot can remove
    (``Reply.redact_source``). The core asks through ``Core.can_redact``."""

    async def can_redact(self, room: RoomRef) -> bool: ...


class Forgetting(Protocol):
    """Optional: adapters that keep per-member state outside the database (DM room ids,
    refused-DM lists) drop it when the member asks to be forgotten."""

    async def forget(self, member: MemberRef) -> None: ...


@runtime_checkable
class RoleLookup(Protocol):
    """Optional: adapters that can tell a member's current neutral roles in the community
    outside a command (the dashboard checks them again on every request)."""

    async def roles_of(self, member: MemberRef) -> frozenset[Role]: ...
