"""The fake's gateway: HELLO, IDENTIFY / RESUME → READY and GUILD_CREATE, heartbeats,
member chunks, and the member events tests cause."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from aiohttp import WSMsgType, web

from fakes.discord.state import FakeState


class Gateway(FakeState):
    """The websocket discord.py connects to."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op in (2, 6):  # IDENTIFY; a RESUME is answered as a new session
                    await self._ready(ws, self._shard_asked(op, data.get("d") or {}))
                elif op == 8:
                    gid = int(data["d"].get("guild_id") or self.guild_id)
                    await self._dispatch_to(
                        ws,
                        "GUILD_MEMBERS_CHUNK",
                        {
                            "guild_id": str(gid),
                            "members": list((self._guild_members(gid) or {}).values()),
                            "chunk_index": 0,
                            "chunk_count": 1,
                            "nonce": data["d"].get("nonce"),
                        },
                    )
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self._socket_shard.pop(ws, None)
        return ws

    @staticmethod
    def _shard_asked(op: int, data: dict[str, Any]) -> tuple[int, int] | None:
        """IDENTIFY's ``shard: [id, count]``; a RESUME names it in its session id."""
        if op == 2:
            shard = data.get("shard")
            return (int(shard[0]), int(shard[1])) if isinstance(shard, list) else None
        parts = str(data.get("session_id", "")).split(":")
        return (int(parts[1]), int(parts[2])) if len(parts) == 3 else None

    async def _ready(self, ws: web.WebSocketResponse, shard: tuple[int, int] | None) -> None:
        """READY lists the servers of the socket's shard (all without one), then their
        GUILD_CREATE; from then on the socket receives its shard's events."""
        ready: dict[str, Any] = {"shard": list(shard)} if shard is not None else {}
        guilds = self.guilds_on(shard)
        await self._dispatch_to(
            ws,
            "READY",
            {
                **ready,
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(gid), "unavailable": True} for gid in guilds],
                "session_id": "fake-session" + (f":{shard[0]}:{shard[1]}" if shard else ""),
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        for gid in guilds:
            other = self.other_guilds.get(gid)
            payload = self.guild_payload() if other is None else self.other_guild_payload(other)
            await self._dispatch_to(ws, "GUILD_CREATE", payload)
        if shard is not None:
            self._socket_shard[ws] = shard
            self.shards_identified.append(shard)
        self._sockets.append(ws)
        self.identified.set()

    async def wait_connected(self, wait: float = 10.0) -> None:
        await asyncio.wait_for(self.identified.wait(), wait)

    async def join_other_guild(self, name: str, *, admins: Sequence[int] = ()) -> int:
        """The bot is added to another server while connected (GUILD_CREATE → guild join)."""
        gid = self.add_other_guild(name, admins=admins)
        payload = self.other_guild_payload(self.other_guilds[gid])
        del payload["unavailable"]  # not in READY: discord.py takes it for a join
        await self.dispatch("GUILD_CREATE", payload)
        return gid

    # --- members ------------------------------------------------------------------------------

    async def member_add(self, name: str, *, pending: bool = True) -> int:
        uid = self.add_member(name, pending=pending)
        await self.dispatch(
            "GUILD_MEMBER_ADD", {**self.members[uid], "guild_id": str(self.guild_id)}
        )
        return uid

    async def member_update(self, uid: int, **changes: Any) -> None:
        self.members[uid].update(changes)
        await self.dispatch(
            "GUILD_MEMBER_UPDATE", {**self.members[uid], "guild_id": str(self.guild_id)}
        )

    async def member_remove(self, uid: int) -> None:
        member = self.members.pop(uid)
        await self.dispatch(
            "GUILD_MEMBER_REMOVE", {"guild_id": str(self.guild_id), "user": member["user"]}
        )
