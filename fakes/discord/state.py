"""The fake's state: the community, other servers, members, interactions, messages.

Also what builds the guild payloads and what tests read (``dms``, ``channel_messages``); the
gateway, the user actions and the REST API (sibling modules) work on this state.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

from fakes.discord.model import (
    ADMINISTRATOR,
    API,
    InteractionRecord,
    OtherGuild,
    event_guild,
    now_iso,
    shard_of,
)


class FakeState:
    """Everything the fake knows; the other parts read and change it."""

    def __init__(
        self, *, member_count: int = 3, rate_limit: float | None = None, latency: float = 0.0
    ) -> None:
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self.app_id = self.snowflake()
        self.bot_user = {
            "id": str(self.app_id),
            "username": "passerelle",
            "discriminator": "0",
            "global_name": "Passerelle",
            "avatar": None,
            "bot": True,
            "flags": 0,
        }
        self.guild_id = self.snowflake()
        self.channel_id = self.snowflake()
        self.owner_id = self.snowflake()
        self.member_role = self.snowflake()
        self.moderator_role = self.snowflake()
        self.admin_role = self.snowflake()  # carries the Administrator permission
        self.members: dict[int, dict[str, Any]] = {}
        self.other_guilds: dict[int, OtherGuild] = {}
        self.left_guilds: list[int] = []
        self.member_lookups: list[tuple[int, int]] = []  # GET guilds/{gid}/members/{uid}
        for i in range(member_count):
            self.add_member(f"user{i}")
        self.rate_limit = rate_limit  # requests per second, global (like Discord's 50/s)
        self.latency = latency
        self._window: deque[float] = deque()
        self.rate_limit_next: dict[str, int] = defaultdict(int)  # path prefix → forced 429s
        self.refuse_dms: set[int] = set()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.sync_requests: list[tuple[str, list[dict[str, Any]]]] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.dm_channels: dict[int, int] = {}
        self.dm_owner: dict[int, int] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.ratelimited = 0
        self.roles_granted: list[tuple[int, int]] = []
        self._sockets: list[web.WebSocketResponse] = []
        # Sharding: the [id, count] each socket identified with (absent: an unsharded one,
        # which receives everything), and every IDENTIFY's shard in order (for assertions).
        self._socket_shard: dict[web.WebSocketResponse, tuple[int, int]] = {}
        self.shards_identified: list[tuple[int, int]] = []
        self._seq = itertools.count(1)
        self.identified = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.site: web.TCPSite | None = None
        self.away = False  # an outage (go_away … come_back)
        self.port = 0

    def snowflake(self) -> int:
        return next(self._ids)

    def snowflake_on_shard(self, shard: int, shard_count: int) -> int:
        """The next id of a server whose events go to ``shard`` (ids count up by one, so a
        whole block of 2**22 ids shares a shard: jump to the next block on ``shard``)."""
        first = self.snowflake()
        block = first >> 22
        ahead = (shard - block) % shard_count
        found = first if ahead == 0 else (block + ahead) << 22
        self._ids = itertools.count(found + 1)
        return found

    @staticmethod
    def _member_payload(user: dict[str, Any], roles: list[int], pending: bool) -> dict[str, Any]:
        return {
            "user": user,
            "roles": [str(r) for r in roles],
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": pending,
            "nick": None,
        }

    @staticmethod
    def _user(uid: int, name: str) -> dict[str, Any]:
        return {
            "id": str(uid),
            "username": name,
            "discriminator": "0",
            "global_name": name.capitalize(),
            "avatar": None,
        }

    def add_member(self, name: str, *, pending: bool = False, roles: list[int] | None = None):
        uid = self.snowflake()
        self.members[uid] = self._member_payload(self._user(uid, name), roles or [], pending)
        return uid

    def member_id(self, name: str) -> int:
        for members in [self.members, *(g.members for g in self.other_guilds.values())]:
            for uid, member in members.items():
                if member["user"]["username"] == name:
                    return uid
        raise KeyError(name)

    def add_other_guild(
        self,
        name: str,
        *,
        admins: list[int] = (),
        members: list[int] = (),  # type: ignore[assignment]
        shard: tuple[int, int] | None = None,
    ) -> int:
        """Another server holding the bot: ``admins`` (community members or outsiders' ids)
        get its Administrator role, ``members`` none. Sent at the next IDENTIFY. ``shard``
        (id, count): its id is chosen so that its events go to that shard."""
        gid = self.snowflake() if shard is None else self.snowflake_on_shard(*shard)
        guild = OtherGuild(gid, name, self.snowflake(), self.snowflake())
        for uid in [*admins, *members]:
            user = self._find_user(uid)
            roles = [guild.admin_role] if uid in admins else []
            guild.members[uid] = self._member_payload(user, roles, False)
        self.other_guilds[guild.id] = guild
        return guild.id

    def add_outsider(self, name: str, guild_id: int, *, admin: bool = False) -> int:
        """A user who is in another server but not in the community."""
        uid = self.snowflake()
        guild = self.other_guilds[guild_id]
        roles = [guild.admin_role] if admin else []
        guild.members[uid] = self._member_payload(self._user(uid, name), roles, False)
        return uid

    def _find_user(self, uid: int) -> dict[str, Any]:
        for members in [self.members, *(g.members for g in self.other_guilds.values())]:
            if uid in members:
                return members[uid]["user"]
        raise KeyError(uid)

    def _guild_members(self, guild_id: int) -> dict[int, dict[str, Any]] | None:
        if guild_id == self.guild_id:
            return self.members
        guild = self.other_guilds.get(guild_id)
        return guild.members if guild else None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def guild_payload(self) -> dict[str, Any]:
        everyone = {
            "id": str(self.guild_id),
            "name": "@everyone",
            "permissions": str(0x800 | 0x400),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        roles = [everyone] + [
            {**everyone, "id": str(rid), "name": name, "position": i + 1}
            for i, (rid, name) in enumerate(
                [(self.member_role, "membre"), (self.moderator_role, "modo")]
            )
        ]
        roles.append(
            {**everyone, "id": str(self.admin_role), "name": "admin", "position": 3}
            | {"permissions": str(ADMINISTRATOR | 0x800 | 0x400)}
        )
        members = [
            *list(self.members.values()),
            {
                "user": self.bot_user,
                "roles": [],
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
            },
        ]
        return {
            "id": str(self.guild_id),
            "name": "Réseau des cafés",
            "icon": None,
            "owner_id": str(self.owner_id),
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [
                {
                    "id": str(self.channel_id),
                    "type": 0,
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "guild_id": str(self.guild_id),
                }
            ],
            "threads": [],
            "members": members,
            "member_count": len(members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": False,
            "unavailable": False,
            "system_channel_id": str(self.channel_id),
            "joined_at": now_iso(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "fr",
            "nsfw_level": 0,
        }

    def other_guild_payload(self, guild: OtherGuild) -> dict[str, Any]:
        payload = self.guild_payload()
        everyone = {**payload["roles"][0], "id": str(guild.id)}
        admin = {**everyone, "id": str(guild.admin_role), "name": "admin", "position": 1}
        admin["permissions"] = str(ADMINISTRATOR | 0x800 | 0x400)
        channel = {
            **payload["channels"][0],
            "id": str(guild.channel_id),
            "guild_id": str(guild.id),
        }
        members = [*guild.members.values(), payload["members"][-1]]  # + the bot
        return {
            **payload,
            "id": str(guild.id),
            "name": guild.name,
            "roles": [everyone, admin],
            "channels": [channel],
            "members": members,
            "member_count": len(members),
            "system_channel_id": str(guild.channel_id),
        }

    async def _dispatch_to(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def dispatch(self, event: str, data: Any) -> None:
        for ws in list(self._sockets):
            if self._receives(ws, event, data):
                await self._dispatch_to(ws, event, data)

    def _receives(self, ws: web.WebSocketResponse, event: str, data: Any) -> bool:
        """Discord's rule: a server's events go to its shard, direct messages to shard 0."""
        shard = self._socket_shard.get(ws)
        if shard is None:
            return True
        gid = event_guild(event, data)
        return (0 if gid is None else shard_of(gid, shard[1])) == shard[0]

    def guilds_on(self, shard: tuple[int, int] | None) -> list[int]:
        """The servers (community first) whose events go to ``shard`` (None: all)."""
        gids = [self.guild_id, *self.other_guilds]
        return [g for g in gids if shard is None or shard_of(g, shard[1]) == shard[0]]

    def open_shards(self) -> list[tuple[int, int]]:
        """The [id, count] of every open sharded gateway session, sorted."""
        return sorted(self._socket_shard[ws] for ws in self._sockets if ws in self._socket_shard)

    # --- what tests read ----------------------------------------------------------------------

    def dms(self, uid: int) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(uid)
        return list(self.messages.get(channel, [])) if channel else []

    def channel_messages(self) -> list[dict[str, Any]]:
        return list(self.messages[self.channel_id])
