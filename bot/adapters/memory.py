"""An in-memory adapter: the tests' platform, and the base of the terminal console."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.core.errors import DirectMessagesRefused, RateLimited, TransientDeliveryError
from bot.core.events import MemberJoined, MemberLeft
from bot.core.ports import Capability
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Action, Reply

if TYPE_CHECKING:
    from bot.core.core import Core


@dataclass(slots=True)
class Sent:
    kind: Literal["room", "dm", "edit", "private"]
    reply: Reply
    ref: MessageRef
    room: RoomRef | None = None
    member: MemberRef | None = None
    key: str | None = None

    @property
    def text(self) -> str:
        return self.reply.plain_text()


class MemoryAdapter:
    """Records everything it is asked to send; can refuse DMs, rate-limit and fail on purpose.

    Like Discord's nonce and Matrix's transaction id, a resend with a key already delivered
    returns the first message instead of posting a second one.
    """

    capabilities = Capability.EDIT | Capability.FILES | Capability.ROLES

    def __init__(self, platform: str = "memory", room: str = "general") -> None:
        self.platform = platform
        self.room = RoomRef(platform, room)
        self.core: Core | None = None
        self.connected = True  # what /healthz reports (a test may set it False)
        self.sent: list[Sent] = []
        self.refuse_dms: set[str] = set()
        self.fail_next: int = 0
        self.population: int | None = None
        self.roles: dict[str, set[Role]] = {}
        self.default_roles: frozenset[Role] = frozenset({Role.MEMBER})
        self.rate_limit: float | None = None  # sends per second before RateLimited
        self._window: list[float] = []
        self._by_key: dict[str, MessageRef] = {}
        self._ids = itertools.count(1)

    # --- Adapter port ---------------------------------------------------------------------------

    async def start(self, core: Core) -> None:
        self.core = core

    async def stop(self) -> None:
        pass

    def _check_limits(self) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise TransientDeliveryError("simulated failure")
        if self.rate_limit is not None and self.core is not None:
            import time

            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) >= self.rate_limit:
                raise RateLimited(retry_after=max(0.001, 1.0 - (now - self._window[0])))
            self._window.append(now)

    def _record(self, sent: Sent) -> MessageRef:
        self.sent.append(sent)
        self.on_sent(sent)
        return sent.ref

    def on_sent(self, sent: Sent) -> None:
        """Hook for subclasses (the console prints)."""

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        if key is not None and key in self._by_key:
            return self._by_key[key]
        self._check_limits()
        ref = MessageRef(self.platform, room.id, str(next(self._ids)))
        if key is not None:
            self._by_key[key] = ref
        return self._record(Sent("room", reply, ref, room=room, key=key))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self._record(Sent("edit", reply, message))

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        if key is not None and key in self._by_key:
            return self._by_key[key]
        if member.id in self.refuse_dms:
            raise DirectMessagesRefused()
        self._check_limits()
        ref = MessageRef(self.platform, f"@{member.id}", str(next(self._ids)))
        if key is not None:
            self._by_key[key] = ref
        return self._record(Sent("dm", reply, ref, member=member, key=key))

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        self.roles.setdefault(member.id, set(self.default_roles)).add(role)

    async def roles_of(self, member: MemberRef) -> frozenset[Role]:
        return frozenset(self.roles.get(member.id, self.default_roles))

    def mention(self, member: MemberRef) -> str:
        return f"@{member.display_name or member.id}"

    async def room_population(self, room: RoomRef) -> int | None:
        return self.population

    # --- driving it (tests, console) ----------------------------------------------------------

    def actor(self, name: str, *, locale: str | None = None) -> Actor:
        roles = frozenset(self.roles.get(name, self.default_roles))
        return Actor(MemberRef(self.platform, name, name), roles, locale)

    def set_roles(self, name: str, *roles: Role) -> None:
        self.roles[name] = set(roles)

    async def say(
        self,
        name: str,
        text: str,
        *,
        room: RoomRef | None = None,
        require_prefix: bool = True,
        prefixes: tuple[str, ...] | None = None,
    ) -> Reply | None:
        """``name`` types ``text`` in a room; the bot's answer is recorded and returned."""
        assert self.core is not None, "start the adapter first"
        room = room or self.room
        reply = await self.core.handle_text(
            self.actor(name), room, text, require_prefix=require_prefix, prefixes=prefixes
        )
        if reply is not None:
            self._deliver_reply(name, room, reply)
        return reply

    async def invoke(self, name: str, path: str, room: RoomRef | None = None, **raw: Any) -> Reply:
        """The same as a slash command: a path and raw option values."""
        assert self.core is not None, "start the adapter first"
        room = room or self.room
        reply = await self.core.invoke(self.actor(name), room, path, raw)
        self._deliver_reply(name, room, reply)
        return reply

    async def click(
        self, name: str, action: Action, room: RoomRef | None = None, **typed: Any
    ) -> Reply:
        """Press an action's button (``typed`` fills its prompt, like a modal)."""
        return await self.invoke(name, action.command, room, **{**action.arg_dict, **typed})

    def _deliver_reply(self, name: str, room: RoomRef, reply: Reply) -> None:
        ref = MessageRef(self.platform, room.id, str(next(self._ids)))
        if reply.private:
            self._record(Sent("private", reply, ref, member=MemberRef(self.platform, name, name)))
        else:
            self._record(Sent("room", reply, ref, room=room))

    async def member_joins(self, name: str) -> int:
        assert self.core is not None
        ref = MemberRef(self.platform, name, name)
        member = await self.core.members.resolve(ref)
        await self.core.events.emit(MemberJoined(member.id, ref, self.room))
        return member.id

    async def member_leaves(self, name: str) -> None:
        assert self.core is not None
        ref = MemberRef(self.platform, name, name)
        member = await self.core.members.resolve(ref)
        await self.core.events.emit(MemberLeft(member.id, ref, self.room))

    def dms(self, name: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == "dm" and s.member and s.member.id == name]

    def in_room(self) -> list[Sent]:
        return [s for s in self.sent if s.kind == "room"]
