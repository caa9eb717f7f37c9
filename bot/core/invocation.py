"""One command call, in neutral form: who, where, what, in which language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.commands import CommandSpec
from bot.core.i18n import Translator
from bot.core.members import MemberInfo
from bot.core.refs import Actor, MessageRef, Role, RoomRef

if TYPE_CHECKING:
    from bot.core.core import Core


@dataclass(slots=True)
class Invocation:
    core: Core
    spec: CommandSpec
    actor: Actor
    member: MemberInfo
    room: RoomRef
    t: Translator
    args: dict[str, Any] = field(default_factory=dict)
    message: MessageRef | None = None
    typed: bool = False  # typed as a chat message (Matrix, console), not a slash command/button
    room_translator: Translator | None = None

    @property
    def room_t(self) -> Translator:
        """For what the whole room reads (a reply that is not private, a post): the room's
        language by the core's one rule (``Core.translator(public=True)``); ``t`` when the
        room is direct. Private replies use ``t``, the member's language."""
        return self.room_translator or self.t

    def t_for(self, *, private: bool) -> Translator:
        """``t`` for a private reply, ``room_t`` for one the room reads."""
        return self.t if private else self.room_t

    @property
    def member_id(self) -> int:
        return self.member.id

    @property
    def platform(self) -> str:
        return self.actor.ref.platform

    @property
    def tz(self) -> ZoneInfo:
        return self.t.tz

    @property
    def is_moderator(self) -> bool:
        return self.actor.has(Role.MODERATOR)

    @property
    def typed_in_room(self) -> bool:
        """The command is a message others in a shared room can read (and history keeps)."""
        return self.typed and not self.room.direct

    @property
    def prefix(self) -> str:
        return self.core.text_prefix(self.platform)
