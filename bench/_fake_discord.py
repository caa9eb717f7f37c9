"""A small fake Discord on 127.0.0.1 for the benchmarks (the unmodified discord.py client).

The test suite has a fuller one (tests/e2e/discord); benchmarks import nothing from tests/, so
this keeps only what they exercise: the gateway (HELLO, IDENTIFY → READY + GUILD_CREATE,
heartbeats, INTERACTION_CREATE), REST for users/@me, the application, command sync, interaction
callbacks and follow-ups, DM channels and messages; and Discord's global rate limit (429 with
``retry_after`` and the ``Via`` header discord.py needs to tell it from a Cloudflare ban).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
MEMBER_PERMISSIONS = "2248473465835073"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    # Exactly application/json: discord.py does not parse a charset suffix.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@dataclass
class Interaction:
    id: int
    token: str
    payload: dict[str, Any]
    created: float = field(default_factory=time.perf_counter)
    answered: float | None = None  # when the callback arrived
    callback: dict[str, Any] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class FakeDiscord:
    def __init__(self, *, member_count: int = 0) -> None:
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
        self.members: dict[int, dict[str, Any]] = {}
        for i in range(member_count):
            self.add_member(f"user{i}")
        self.rate_limit: float | None = None  # requests per second, global (Discord: 50/s)
        self.ratelimited = 0
        self.requests: list[tuple[str, str, int]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[int, Interaction] = {}
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.dm_channels: dict[int, int] = {}
        self.identified = asyncio.Event()
        self._window: deque[float] = deque()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def snowflake(self) -> int:
        return next(self._ids)

    def add_member(self, name: str) -> int:
        uid = self.snowflake()
        user = {"id": str(uid), "username": name, "discriminator": "0", "avatar": None}
        self.members[uid] = {
            "user": user,
            "roles": [],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        return uid

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/gateway", self._gateway)
        r.add_get(f"{API}/gateway", self._get_gateway)
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        for scope in ("", "/guilds/{guild}"):
            r.add_put(f"{API}/applications/{{app}}{scope}/commands", self._sync)
            r.add_get(f"{API}/applications/{{app}}{scope}/commands", self._list_commands)
        r.add_post(f"{API}/interactions/{{iid}}/{{token}}/callback", self._callback)
        r.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._webhook_message)
        r.add_patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_message)
        r.add_post(f"{API}/users/@me/channels", self._create_dm)
        r.add_post(f"{API}/channels/{{cid}}/messages", self._post_message)
        r.add_patch(f"{API}/channels/{{cid}}/messages/{{mid}}", self._post_message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        if self.rate_limit is not None:
            now = time.monotonic()
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                self.ratelimited += 1
                retry = max(0.001, 1.0 - (now - self._window[0]))
                headers = {
                    "Retry-After": str(max(1, round(retry))),
                    "Via": "1.1 google",
                    "X-RateLimit-Scope": "global",
                    "X-RateLimit-Global": "true",
                }
                body = {"message": "You are being rate limited.", "retry_after": retry}
                return json_response({**body, "global": True}, 429, headers)
            self._window.append(now)
        response = await handler(request)
        self.requests.append((request.method, request.path, response.status))
        return response

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type.startswith("multipart/"):
            payload: dict[str, Any] = {}
            async for part in await request.multipart():
                if part.name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    await part.read()  # type: ignore[union-attr]
            return payload
        raw = await request.read()
        return json.loads(raw) if raw else {}

    # --- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                op = json.loads(msg.data).get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op in (2, 6):  # IDENTIFY; a RESUME is answered as a new session
                    await self._ready(ws)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": "bench-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(ws, "READY", ready)
        await self._send(ws, "GUILD_CREATE", self._guild())
        self._sockets.append(ws)
        self.identified.set()

    def _guild(self) -> dict[str, Any]:
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
        me = {"user": self.bot_user, "roles": [], "joined_at": _now(), "flags": 0}
        members = [*self.members.values(), me]
        return {
            "id": str(self.guild_id),
            "name": "Bench",
            "icon": None,
            "owner_id": str(self.snowflake()),
            "roles": [everyone],
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
            "joined_at": _now(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "fr",
            "nsfw_level": 0,
        }

    # --- interactions -------------------------------------------------------------------------

    async def _interaction(self, kind: int, user_id: int, data: dict[str, Any]) -> int:
        iid = self.snowflake()
        payload = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "token": f"tok{iid}",
            "version": 1,
            "locale": "fr",
            "app_permissions": MEMBER_PERMISSIONS,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "attachment_size_limit": 10 * 1024 * 1024,
            "guild_id": str(self.guild_id),
            "guild_locale": "fr",
            "channel_id": str(self.channel_id),
            "channel": {
                "id": str(self.channel_id),
                "type": 0,
                "name": "general",
                "guild_id": str(self.guild_id),
                "position": 0,
                "permission_overwrites": [],
            },
            "member": {**self.members[user_id], "permissions": MEMBER_PERMISSIONS},
            "context": 0,
        }
        if kind == 3:
            payload["message"] = self._message(self.channel_id, {})
        self.interactions[iid] = Interaction(iid, payload["token"], payload)
        for ws in list(self._sockets):
            await self._send(ws, "INTERACTION_CREATE", payload)
        return iid

    async def command(self, user: int, path: str, **options: Any) -> int:
        """A slash command as Discord sends it (option types from the synced commands)."""
        words = path.split()
        scope = str(self.guild_id) if str(self.guild_id) in self.commands else "global"
        top = next(c for c in self.commands.get(scope, []) if c["name"] == words[0])
        node = top
        if len(words) == 2:
            node = next(o for o in top.get("options", []) if o["name"] == words[1])
        types = {o["name"]: o["type"] for o in node.get("options", [])}
        opts = [{"name": k, "type": types.get(k, 3), "value": v} for k, v in options.items()]
        data: dict[str, Any] = {"id": top["id"], "name": words[0], "type": 1}
        if scope != "global":
            data["guild_id"] = scope
        data["options"] = (
            [{"name": words[1], "type": 1, "options": opts}] if len(words) == 2 else opts
        )
        return await self._interaction(2, user, data)

    async def click(self, user: int, custom_id: str) -> int:
        return await self._interaction(3, user, {"custom_id": custom_id, "component_type": 2})

    async def answer(self, iid: int, wait: float = 10.0) -> Interaction:
        """The interaction once its user-visible answer arrived (callback, or after a defer
        the follow-up or edit)."""
        record = self.interactions[iid]
        await asyncio.wait_for(record.done.wait(), wait)
        return record

    # --- REST ---------------------------------------------------------------------------------

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot_user)

    async def _application(self, request: web.Request) -> web.Response:
        owner = {**self.bot_user, "id": str(self.snowflake()), "bot": False}
        return json_response(
            {
                "id": str(self.app_id),
                "name": "Passerelle",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "00",
                "flags": 0,
                "team": None,
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        stored = []
        for cmd in await self._body(request):  # type: ignore[attr-defined]
            item = {**cmd, "id": str(self.snowflake()), "application_id": str(self.app_id)}
            item.update(version=str(self.snowflake()), type=cmd.get("type", 1))
            if scope != "global":
                item["guild_id"] = scope
            stored.append(item)
        self.commands[scope] = stored
        return json_response(stored)

    async def _list_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(request.match_info.get("guild", "global"), []))

    def _message(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "components": body.get("components") or [],
            "nonce": body.get("nonce"),
        }

    async def _callback(self, request: web.Request) -> web.Response:
        record = self.interactions.get(int(request.match_info["iid"]))
        if record is None or record.token != request.match_info["token"]:
            return json_response({"code": 10062, "message": "Unknown interaction"}, 404)
        if record.callback is not None:
            return json_response(
                {"code": 40060, "message": "Interaction has already been acknowledged."}, 400
            )
        body = await self._body(request)
        record.callback = body
        record.answered = time.perf_counter()
        kind = body.get("type")
        data = body.get("data") or {}
        message = self._message(self.channel_id, data) if kind in (4, 5) else None
        if kind != 5:  # a defer is answered later by a follow-up or an edit
            record.done.set()
        # discord.py ≥ 2.5 asks ?with_response=1 and needs a JSON body (not 204).
        response: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["resource"]["message"] = message
        return json_response(response)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        record = next((r for r in self.interactions.values() if r.token == token), None)
        if record is None:
            return json_response({"code": 10015, "message": "Unknown Webhook"}, 404)
        message = self._message(self.channel_id, await self._body(request))
        record.done.set()
        return json_response(message)

    async def _create_dm(self, request: web.Request) -> web.Response:
        uid = int((await self._body(request))["recipient_id"])
        channel_id = self.dm_channels.setdefault(uid, self.snowflake())
        user = self.members.get(uid, {}).get("user") or {
            "id": str(uid),
            "username": f"u{uid}",
            "discriminator": "0",
            "avatar": None,
        }
        return json_response(
            {"id": str(channel_id), "type": 1, "recipients": [user], "last_message_id": None}
        )

    async def _post_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["cid"])
        body = await self._body(request)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for old in self.messages[channel_id]:
                if old.get("nonce") == nonce:
                    return json_response(old)  # Discord: same nonce → the first message
        message = self._message(channel_id, body)
        if request.method == "POST":
            self.messages[channel_id].append(message)
        return json_response(message)

    def dms(self, uid: int) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(uid)
        return list(self.messages.get(channel, [])) if channel else []
