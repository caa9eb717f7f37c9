"""The fake's REST API for servers: the server itself (roles, owner), member look-ups, roles
granted, leaving a server."""

from __future__ import annotations

from aiohttp import web

from fakes.discord.model import json_response
from fakes.discord.state import FakeState

#: What Discord's ``GET /guilds/{id}`` leaves out of the gateway's GUILD_CREATE.
GATEWAY_ONLY = (
    "channels",
    "threads",
    "members",
    "member_count",
    "presences",
    "voice_states",
    "stage_instances",
    "guild_scheduled_events",
    "large",
    "unavailable",
    "joined_at",
)


class GuildRest(FakeState):
    """Servers over REST (a process that does not own a server's shard reads it here)."""

    async def _get_guild(self, request: web.Request) -> web.Response:
        gid = int(request.match_info["gid"])
        other = self.other_guilds.get(gid)
        if gid != self.guild_id and other is None:
            return json_response({"code": 10004, "message": "Unknown Guild"}, 404)
        payload = self.guild_payload() if other is None else self.other_guild_payload(other)
        return json_response({k: v for k, v in payload.items() if k not in GATEWAY_ONLY})

    async def _add_role(self, request: web.Request) -> web.Response:
        uid, rid = int(request.match_info["uid"]), int(request.match_info["rid"])
        if uid not in self.members:
            return json_response({"code": 10007, "message": "Unknown Member"}, 404)
        self.roles_granted.append((uid, rid))
        self.members[uid]["roles"].append(str(rid))
        return web.Response(status=204)

    async def _get_member(self, request: web.Request) -> web.Response:
        gid, uid = int(request.match_info["gid"]), int(request.match_info["uid"])
        self.member_lookups.append((gid, uid))
        members = self._guild_members(gid)
        if members is None:
            return json_response({"code": 10004, "message": "Unknown Guild"}, 404)
        if uid not in members:
            return json_response({"code": 10007, "message": "Unknown Member"}, 404)
        return json_response(members[uid])

    async def _leave_guild(self, request: web.Request) -> web.Response:
        gid = int(request.match_info["gid"])
        if gid not in self.other_guilds and gid != self.guild_id:
            return json_response({"code": 10004, "message": "Unknown Guild"}, 404)
        self.left_guilds.append(gid)
        self.other_guilds.pop(gid, None)
        await self.dispatch("GUILD_DELETE", {"id": str(gid)})
        return web.Response(status=204)
