"""The community and its rooms: who may invite the bot, which rooms are the community (only the
configured ``rooms``), power levels → neutral roles, members joining and leaving."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nio import JoinError, MatrixRoom, RoomCreateEvent, RoomMemberEvent, RoomResolveAliasResponse

from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import MemberRef, Role, RoomRef

if TYPE_CHECKING:
    from bot.adapters.matrix.session import Session
    from bot.config import MatrixSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

PLATFORM = "matrix"


def invite_allowed(
    settings: MatrixSection, bot_user_id: str, inviter: str | None, room_id: str
) -> bool:
    """Whether the bot accepts an invite: always to a configured room; otherwise from the
    ``allowed_inviters`` (users, ``:server`` or ``*``), by default people on its own server."""
    if room_id in settings.rooms:
        return True
    if not inviter:
        return False
    allowed = settings.allowed_inviters
    if not allowed:  # default: people on the bot's own homeserver
        return inviter.split(":", 1)[-1] == bot_user_id.split(":", 1)[-1]
    server = inviter.split(":", 1)[-1]
    return any(inviter == a or a.lstrip(":") == server or a == "*" for a in allowed)


def roles_for_level(settings: MatrixSection, level: int | None) -> frozenset[Role]:
    """A power level mapped through ``moderator_power`` / ``admin_power``; ``None`` (in no
    community room) is ``everyone``."""
    if level is None:
        return frozenset({Role.EVERYONE})
    roles = {Role.MEMBER}
    if level >= settings.moderator_power:
        roles.add(Role.MODERATOR)
    if level >= settings.admin_power:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def creators(event: RoomCreateEvent) -> set[str]:
    """A room's creators (room version 12: the sender and ``additional_creators``)."""
    content = event.source.get("content") or {}
    extra = content.get("additional_creators") or []
    return {event.sender, *(u for u in extra if isinstance(u, str))}


class Rooms:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.settings = session.settings
        self.community: set[str] = set()  # resolved ids of settings.rooms
        self._creators: dict[str, set[str]] = {}  # room id → its creators (room v12 power)

    def invite_allowed(self, inviter: str | None, room_id: str) -> bool:
        if room_id in self.community:
            return True
        return invite_allowed(self.settings, self.session.user_id, inviter, room_id)

    def note_state(self, room_id: str, events: list[Any]) -> None:
        """Remember what power needs from a room's state (its creators)."""
        for event in events:
            if isinstance(event, RoomCreateEvent):
                self._creators[room_id] = creators(event)

    def power(self, room: MatrixRoom, user_id: str) -> int:
        """The user's power level; from room version 12 on, creators outrank everyone and are
        not listed in the power levels (nio 0.26 does not know this yet)."""
        legacy = room.room_version in {str(v) for v in range(1, 12)}
        if not legacy and user_id in self._creators.get(room.room_id, set()):
            return max(self.settings.admin_power, 100)
        level: int = room.power_levels.get_user_level(user_id)
        return level

    def is_community(self, room_id: str) -> bool:
        """Only the configured ``rooms`` are the community (never a room someone invited the
        bot into: its power levels are whatever its creator chose)."""
        return room_id in self.community

    def community_rooms(self) -> list[MatrixRoom]:
        rooms = self.session.c.rooms
        return [r for rid, r in rooms.items() if self.is_community(rid)]

    def roles(self, user_id: str) -> frozenset[Role]:
        """The highest power level the user has in any community room she has joined, mapped
        through ``moderator_power`` / ``admin_power``; wherever the command was typed (a DM,
        a room of her own), only the community counts. Someone in no community room is
        ``everyone``."""
        levels = [
            self.power(r, user_id)
            for r in self.community_rooms()
            if user_id in r.users and user_id not in r.invited_users
        ]
        return roles_for_level(self.settings, max(levels) if levels else None)

    def display_name(self, user_id: str, room_id: str | None = None) -> str:
        rooms = self.session.c.rooms
        for room in [rooms.get(room_id)] if room_id else []:
            if room is not None and user_id in room.users:
                return room.users[user_id].display_name or user_id
        for room in rooms.values():
            if user_id in room.users:
                return room.users[user_id].display_name or user_id
        return user_id

    def can_redact(self, room_id: str) -> bool:
        """The bot's power level (from the cached room state) reaches the room's ``redact``
        level and the level to send ``m.room.redaction`` events."""
        if self.session.client is None:
            return False
        room = self.session.client.rooms.get(room_id)
        if room is None:
            return False
        levels = room.power_levels
        mine = self.power(room, self.session.user_id)
        return bool(
            mine >= levels.defaults.redact
            and mine >= levels.get_message_event_required_level("m.room.redaction")
        )

    def population(self, room_id: str) -> int | None:
        """Joined members of the room, the bot aside."""
        room = self.session.c.rooms.get(room_id)
        if room is None:
            return None
        count: int = room.joined_count
        if self.session.user_id in room.users:
            count -= 1
        return max(count, 0)

    async def join_configured(
        self, wait_rooms: Callable[[set[str], float], Awaitable[bool]]
    ) -> None:
        """Resolve and join the configured ``rooms`` (the community), then wait until their
        state is known, before the first command arrives."""
        client = self.session.c
        for entry in self.settings.rooms:
            room_id = entry
            if entry.startswith("#"):
                resolved = await client.room_resolve_alias(entry)
                if not isinstance(resolved, RoomResolveAliasResponse):
                    log.error("Matrix: room alias %s not found: %s", entry, resolved)
                    continue
                room_id = resolved.room_id
            self.community.add(room_id)
            if room_id not in client.rooms:
                joined = await client.join(room_id)
                if isinstance(joined, JoinError):
                    log.error("Matrix: could not join configured room %s: %s", entry, joined)
        if not self.community:
            log.error("Matrix: none of the configured rooms was found: nobody has a role")
        await wait_rooms(self.community, 10)

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        """Raise the member's power level in every community room (``manage_power_levels``)."""
        level = {
            Role.MODERATOR: self.settings.moderator_power,
            Role.ADMIN: self.settings.admin_power,
        }
        if not self.settings.manage_power_levels or role not in level:
            log.info(
                "Matrix: role %s for %s not applied (power levels are managed by hand)",
                role.value,
                member.id,
            )
            return
        client = self.session.c
        for room in self.community_rooms():
            current = self.power(room, member.id)
            if current >= level[role]:
                continue
            state = await client.room_get_state_event(room.room_id, "m.room.power_levels")
            content = dict(getattr(state, "content", None) or {})
            if not content:
                log.warning("Matrix: cannot read power levels of %s", room.room_id)
                continue
            users = dict(content.get("users") or {})
            users[member.id] = level[role]
            content["users"] = users
            resp = await client.room_put_state(room.room_id, "m.room.power_levels", content)
            if getattr(resp, "status_code", None):
                log.warning("Matrix: could not raise %s in %s: %s", member.id, room.room_id, resp)

    async def membership(self, core: Core, room_id: str, event: RoomMemberEvent) -> None:
        """Someone joined or left a community room: the core hears ``MemberJoined`` /
        ``MemberLeft``."""
        if not self.is_community(room_id):
            return
        user = event.state_key
        was_in = event.prev_membership == "join"
        if event.membership == "join" and not was_in:
            ref = MemberRef(PLATFORM, user, event.content.get("displayname") or user)
            member = await core.members.resolve(ref)
            # Spawned: a listener may DM the newcomer, which waits for this sync loop.
            core.spawn(core.events.emit(MemberJoined(member.id, ref, RoomRef(PLATFORM, room_id))))
        elif event.membership in ("leave", "ban") and was_in:
            ref = MemberRef(PLATFORM, user, (event.prev_content or {}).get("displayname") or user)
            member = await core.members.resolve(ref)
            core.spawn(core.events.emit(MemberLeft(member.id, ref, RoomRef(PLATFORM, room_id))))
