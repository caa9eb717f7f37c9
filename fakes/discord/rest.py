"""The fake's REST API (v10): rate limits, commands, interaction callbacks and webhooks, DMs,
messages (servers, members and roles: ``guilds.py``)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from fakes.discord.model import (
    API,
    EPHEMERAL,
    InteractionRecord,
    json_response,
    now_iso,
)
from fakes.discord.state import FakeState
from fakes.discord.validate import validate_commands


class Rest(FakeState):
    """The HTTP side: every request is recorded in ``requests`` (method, path, status)."""

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.away:  # a connection kept alive from before the outage: dropped, as it would be
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable()
        if request.path == "/gateway":
            return await handler(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        for prefix, count in list(self.rate_limit_next.items()):
            if count > 0 and request.path.startswith(API + prefix):
                self.rate_limit_next[prefix] -= 1
                return self._too_many(0.3, is_global=False)
        if self.rate_limit is not None:
            now = time.monotonic()
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                return self._too_many(max(0.001, 1.0 - (now - self._window[0])), is_global=True)
            self._window.append(now)
        response = await handler(request)
        self.requests.append((request.method, request.path, response.status))
        return response

    def _too_many(self, retry_after: float, *, is_global: bool) -> web.Response:
        self.ratelimited += 1
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "Via": "1.1 google",  # without it discord.py assumes a Cloudflare ban
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after}
        body["global"] = is_global
        return json_response(body, 429, headers)

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], list[str]]:
        if request.content_type.startswith("multipart/"):
            payload: dict[str, Any] = {}
            files: list[str] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                elif part.filename:
                    await part.read()
                    files.append(part.filename)
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else {}), []

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot_user)

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.app_id),
                "name": "Passerelle",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {**self.bot_user, "id": str(self.owner_id), "bot": False},
                "verify_key": "00",
                "flags": 0,
                "interactions_endpoint_url": None,
                "team": None,
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        commands, _ = await self._body(request)
        self.sync_requests.append((scope, commands))
        problems = validate_commands(commands)
        if problems:
            return json_response(
                {"code": 50035, "message": "Invalid Form Body", "errors": problems}, 400
            )
        stored = []
        for cmd in commands:
            item = {
                **cmd,
                "id": str(self.snowflake()),
                "application_id": str(self.app_id),
                "version": str(self.snowflake()),
                "type": cmd.get("type", 1),
            }
            if scope != "global":
                item["guild_id"] = scope
            stored.append(item)
        self.commands[scope] = stored
        return json_response(stored)

    async def _list_commands(self, request: web.Request) -> web.Response:
        return json_response(self.commands.get(request.match_info.get("guild", "global"), []))

    def _make_message(
        self, channel_id: int, body: dict[str, Any], files: list[str], *, webhook: bool = False
    ) -> dict[str, Any]:
        message = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self.snowflake()),
                    "filename": name,
                    "size": 1,
                    "url": f"http://127.0.0.1/{name}",
                    "proxy_url": f"http://127.0.0.1/{name}",
                }
                for name in files
            ],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "components": body.get("components") or [],
            "nonce": body.get("nonce"),
            "allowed_mentions": body.get("allowed_mentions"),  # what tests check pings with
        }
        if webhook:
            message["webhook_id"] = str(self.app_id)
        if channel_id not in self.dm_owner:
            message["guild_id"] = str(self.guild_id)
        return message

    async def _callback(self, request: web.Request) -> web.Response:
        record = self.interactions.get(int(request.match_info["iid"]))
        if record is None or record.token != request.match_info["token"]:
            return json_response({"code": 10062, "message": "Unknown interaction"}, 404)
        if record.callback is not None:
            return json_response(
                {"code": 40060, "message": "Interaction has already been acknowledged."}, 400
            )
        body, files = await self._body(request)
        record.callback = body
        record.answered = time.perf_counter()
        kind = body.get("type")
        data = body.get("data") or {}
        channel_id = int(record.payload["channel_id"])
        message = None
        if kind in (4, 5):
            message = self._make_message(channel_id, data, files, webhook=True)
            record.original = message
        record.changed.set()
        response: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.payload["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["resource"]["message"] = message
        return json_response(response)

    def _record_by_token(self, token: str) -> InteractionRecord | None:
        return self._by_token.get(token)

    async def _followup(self, request: web.Request) -> web.Response:
        record = self._record_by_token(request.match_info["token"])
        if record is None:
            return json_response({"code": 10015, "message": "Unknown Webhook"}, 404)
        body, files = await self._body(request)
        message = self._make_message(int(record.payload["channel_id"]), body, files, webhook=True)
        record.followups.append(message)
        record.changed.set()
        return json_response(message)

    async def _webhook_edit(self, request: web.Request) -> web.Response:
        record = self._record_by_token(request.match_info["token"])
        if record is None or record.original is None or record.deleted:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        body, files = await self._body(request)
        record.original.update({k: v for k, v in body.items() if k != "attachments"})
        record.original["allowed_mentions"] = body.get("allowed_mentions")  # per request
        if files:
            record.original["attachments"] = [{"id": "1", "filename": f} for f in files]
        record.original["_edited"] = True
        record.changed.set()
        return json_response({k: v for k, v in record.original.items() if k != "_edited"})

    async def _webhook_delete(self, request: web.Request) -> web.Response:
        record = self._record_by_token(request.match_info["token"])
        if record is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        record.deleted = True
        record.changed.set()
        return web.Response(status=204)

    async def _webhook_get(self, request: web.Request) -> web.Response:
        record = self._record_by_token(request.match_info["token"])
        if record is None or record.original is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        return json_response(record.original)

    async def _create_dm(self, request: web.Request) -> web.Response:
        body, _ = await self._body(request)
        uid = int(body["recipient_id"])
        channel_id = self.dm_channels.get(uid) or self.snowflake()
        self.dm_channels[uid] = channel_id
        self.dm_owner[channel_id] = uid
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
        if channel_id != self.channel_id and channel_id not in self.dm_owner:
            return json_response({"code": 10003, "message": "Unknown Channel"}, 404)
        if self.dm_owner.get(channel_id) in self.refuse_dms:
            return json_response(
                {"code": 50007, "message": "Cannot send messages to this user"}, 403
            )
        body, files = await self._body(request)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for old in self.messages[channel_id]:
                if old.get("nonce") == nonce:
                    return json_response(old)  # Discord: same nonce → the first message
        message = self._make_message(channel_id, body, files)
        self.messages[channel_id].append(message)
        return json_response(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["cid"])
        mid = request.match_info["mid"]
        message = next((m for m in self.messages[channel_id] if m["id"] == mid), None)
        if message is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        body, _files = await self._body(request)
        message.update({k: v for k, v in body.items() if k != "attachments"})
        message["allowed_mentions"] = body.get("allowed_mentions")  # per request
        message["edited_timestamp"] = now_iso()
        return json_response(message)
