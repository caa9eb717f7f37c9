"""A fake Discord on 127.0.0.1: gateway and REST (API v10) for the unmodified discord.py client.

Just enough of Discord for end-to-end tests and benchmarks: HELLO / IDENTIFY / READY /
GUILD_CREATE / heartbeats; INTERACTION_CREATE (slash commands, components, modal submits);
GUILD_MEMBER_ADD / UPDATE / REMOVE; REST for users/@me, the application, command sync,
interaction callbacks, webhook follow-ups and ``@original`` edits, DM channels, channel
messages (with ``nonce`` + ``enforce_nonce``), roles, member look-up, leaving a server; 429
answers with ``retry_after``.

Besides the community server (``guild_id``) it can hold *other* servers the bot was added to
(``add_other_guild`` before start, ``join_other_guild`` after), each with an administrator
role, so tests can act from a server where a member is administrator. Every message records
its ``allowed_mentions``; ``pings`` says whom Discord would notify.

Pitfalls it reproduces or respects (see docs/discord.md):
- JSON bodies carry exactly ``Content-Type: application/json`` (discord.py mis-parses a
  charset suffix);
- ``?with_response=1`` callbacks answer 200 with a JSON body (discord.py ≥ 2.5 raises on 204);
- a 429 must carry a ``Via`` header, or discord.py takes it for a Cloudflare ban;
- command payloads are validated against Discord's limits, and a bad one gets a 400 like
  Discord's (``code`` 50035).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
EPHEMERAL = 64
ADMINISTRATOR = 0x8
MEMBER_PERMISSIONS = 2248473465835073  # what the fake reports for a plain member (no admin)
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
NAME_RE = re.compile(r"^[-_\w]{1,32}$")
LOCALES = {
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
}  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Pings:
    users: set[str]
    roles: set[str]
    everyone: bool


def pings(message: dict[str, Any]) -> Pings:
    """Whom Discord notifies for a message, from its content and ``allowed_mentions``
    (absent: everything the content mentions, as Discord does)."""
    content = message.get("content") or ""
    users = set(USER_MENTION.findall(content))
    roles = set(ROLE_MENTION.findall(content))
    everyone = "@everyone" in content or "@here" in content
    allowed = message.get("allowed_mentions")
    if allowed is None:
        return Pings(users, roles, everyone)
    parse = allowed.get("parse") or []
    if "users" not in parse:
        users &= {str(u) for u in allowed.get("users") or []}
    if "roles" not in parse:
        roles &= {str(r) for r in allowed.get("roles") or []}
    return Pings(users, roles, everyone and "everyone" in parse)


@dataclass
class OtherGuild:
    """A server the bot is in that is not the community."""

    id: int
    name: str
    channel_id: int
    admin_role: int
    members: dict[int, dict[str, Any]] = field(default_factory=dict)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    # Exactly "application/json": aiohttp's json_response appends "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def validate_commands(commands: Any) -> list[str]:
    """Discord's rules for a bulk overwrite; returns every problem found."""
    problems: list[str] = []
    if not isinstance(commands, list) or len(commands) > 100:
        return ["at most 100 top-level commands, as a list"]
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        problems.append("duplicate command names")

    def text(where: str, value: Any, limit: int, *, name: bool = False) -> None:
        if not isinstance(value, str) or not 1 <= len(value) <= limit:
            problems.append(f"{where}: 1–{limit} characters, got {value!r}")
        elif name and (not NAME_RE.match(value) or value != value.lower()):
            problems.append(f"{where}: bad name {value!r}")

    def localisations(where: str, value: Any, limit: int, *, name: bool = False) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            problems.append(f"{where}: localizations must be an object")
            return
        for locale, item in value.items():
            if locale not in LOCALES:
                problems.append(f"{where}: unknown locale {locale!r}")
            text(f"{where}[{locale}]", item, limit, name=name)

    def size(node: dict[str, Any]) -> int:
        total = len(node.get("name", "")) + len(node.get("description", ""))
        for choice in node.get("choices") or []:
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
        return total + sum(size(o) for o in node.get("options") or [])

    def option(where: str, opt: dict[str, Any], depth: int) -> None:
        text(f"{where}.name", opt.get("name"), 32, name=True)
        text(f"{where}.description", opt.get("description"), 100)
        localisations(f"{where}.name_localizations", opt.get("name_localizations"), 32, name=True)
        localisations(
            f"{where}.description_localizations", opt.get("description_localizations"), 100
        )
        kind = opt.get("type")
        if kind in (1, 2):
            if depth >= (2 if kind == 2 else 3):
                problems.append(f"{where}: sub-command nested too deep")
            options(where, opt.get("options") or [], depth + 1)
            return
        if kind not in (3, 4, 5, 6, 7, 8, 9, 10, 11):
            problems.append(f"{where}: unknown option type {kind!r}")
        choices = opt.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{where}: more than 25 choices")
        if choices and opt.get("autocomplete"):
            problems.append(f"{where}: choices and autocomplete together")
        for j, choice in enumerate(choices):
            text(f"{where}.choices[{j}].name", choice.get("name"), 100)
            localisations(
                f"{where}.choices[{j}].name_localizations", choice.get("name_localizations"), 100
            )
            value = choice.get("value")
            if kind == 3 and (not isinstance(value, str) or len(value) > 100):
                problems.append(f"{where}.choices[{j}]: string value of ≤ 100 characters")
        if kind == 3:
            for key in ("min_length", "max_length"):
                if key in opt and not 0 <= opt[key] <= 6000:
                    problems.append(f"{where}.{key}: 0–6000")
        if kind in (4, 10):
            low, high = opt.get("min_value"), opt.get("max_value")
            if low is not None and high is not None and low > high:
                problems.append(f"{where}: min_value above max_value")

    def options(where: str, opts: list[dict[str, Any]], depth: int) -> None:
        if len(opts) > 25:
            problems.append(f"{where}: more than 25 options")
        seen_optional = False
        seen: set[str] = set()
        subs = [o for o in opts if o.get("type") in (1, 2)]
        if subs and len(subs) != len(opts):
            problems.append(f"{where}: sub-commands mixed with options")
        for i, opt in enumerate(opts):
            if opt.get("name") in seen:
                problems.append(f"{where}: duplicate option {opt.get('name')!r}")
            seen.add(opt.get("name"))
            if opt.get("type") not in (1, 2):
                if opt.get("required") and seen_optional:
                    problems.append(f"{where}: required option after an optional one")
                seen_optional = seen_optional or not opt.get("required")
            option(f"{where}.options[{i}]", opt, depth)

    for i, cmd in enumerate(commands):
        where = f"commands[{i}]({cmd.get('name')})"
        if cmd.get("type", 1) != 1:
            continue
        text(f"{where}.name", cmd.get("name"), 32, name=True)
        text(f"{where}.description", cmd.get("description"), 100)
        localisations(f"{where}.name_localizations", cmd.get("name_localizations"), 32, name=True)
        localisations(
            f"{where}.description_localizations", cmd.get("description_localizations"), 100
        )
        permissions = cmd.get("default_member_permissions")
        if permissions is not None and not str(permissions).isdigit():
            problems.append(f"{where}.default_member_permissions: a permission bit set")
        options(where, cmd.get("options") or [], 1)
        if size(cmd) > 4000:
            problems.append(f"{where}: more than 4000 characters in total")
    return problems


@dataclass
class Answer:
    """What the user saw for one interaction."""

    kind: str  # "message" | "modal" | "deferred" | "none"
    text: str = ""
    ephemeral: bool = False
    components: list[dict[str, Any]] = field(default_factory=list)
    embeds: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    message: dict[str, Any] | None = None

    def custom_ids(self) -> list[str]:
        found: list[str] = []
        stack = list(self.components)
        while stack:
            item = stack.pop(0)
            if "custom_id" in item:
                found.append(item["custom_id"])
            stack.extend(item.get("components") or [])
        return found

    def component(self, label: str) -> dict[str, Any]:
        stack = list(self.components)
        while stack:
            item = stack.pop(0)
            if item.get("label") == label:
                return item
            stack.extend(item.get("components") or [])
        raise KeyError(label)


def message_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} : {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(p for p in parts if p)


@dataclass
class InteractionRecord:
    id: int
    token: str
    payload: dict[str, Any]
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    created: float = field(default_factory=time.perf_counter)
    answered: float | None = None


class FakeDiscord:
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
        self._seq = itertools.count(1)
        self.identified = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0

    def snowflake(self) -> int:
        return next(self._ids)

    @staticmethod
    def _member_payload(user: dict[str, Any], roles: list[int], pending: bool) -> dict[str, Any]:
        return {
            "user": user,
            "roles": [str(r) for r in roles],
            "joined_at": _now(),
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
    ) -> int:
        """Another server holding the bot: ``admins`` (community members or outsiders' ids)
        get its Administrator role, ``members`` none. Sent at the next IDENTIFY."""
        guild = OtherGuild(self.snowflake(), name, self.snowflake(), self.snowflake())
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

    async def join_other_guild(self, name: str, *, admins: Sequence[int] = ()) -> int:
        """The bot is added to another server while connected (GUILD_CREATE → guild join)."""
        gid = self.add_other_guild(name, admins=admins)
        payload = self.other_guild_payload(self.other_guilds[gid])
        del payload["unavailable"]  # not in READY: discord.py takes it for a join
        await self.dispatch("GUILD_CREATE", payload)
        return gid

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

    # --- server -------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get(f"{API}/gateway", self._get_gateway)
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        r.add_put(f"{API}/applications/{{app}}/commands", self._sync)
        r.add_put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        r.add_get(f"{API}/applications/{{app}}/commands", self._list_commands)
        r.add_get(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._list_commands)
        r.add_post(f"{API}/interactions/{{iid}}/{{token}}/callback", self._callback)
        r.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._followup)
        r.add_patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_edit)
        r.add_delete(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_delete)
        r.add_get(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_get)
        r.add_post(f"{API}/users/@me/channels", self._create_dm)
        r.add_post(f"{API}/channels/{{cid}}/messages", self._post_message)
        r.add_patch(f"{API}/channels/{{cid}}/messages/{{mid}}", self._edit_message)
        r.add_put(f"{API}/guilds/{{gid}}/members/{{uid}}/roles/{{rid}}", self._add_role)
        r.add_get(f"{API}/guilds/{{gid}}/members/{{uid}}", self._get_member)
        r.add_delete(f"{API}/users/@me/guilds/{{gid}}", self._leave_guild)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
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

    # --- gateway ------------------------------------------------------------------------------

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
                    await self._ready(ws)
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
        return ws

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        await self._dispatch_to(
            ws,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [
                    {"id": str(gid), "unavailable": True}
                    for gid in [self.guild_id, *self.other_guilds]
                ],
                "session_id": "fake-session",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        await self._dispatch_to(ws, "GUILD_CREATE", self.guild_payload())
        for guild in list(self.other_guilds.values()):
            await self._dispatch_to(ws, "GUILD_CREATE", self.other_guild_payload(guild))
        self._sockets.append(ws)
        self.identified.set()

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
                "joined_at": _now(),
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
            "joined_at": _now(),
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
            await self._dispatch_to(ws, event, data)

    async def wait_connected(self, wait: float = 10.0) -> None:
        await asyncio.wait_for(self.identified.wait(), wait)

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

    # --- interactions -------------------------------------------------------------------------

    def _interaction(
        self,
        kind: int,
        user_id: int,
        data: Any,
        *,
        message: dict[str, Any] | None = None,
        dm: bool = False,
        locale: str = "fr",
        guild: int | None = None,
        private: bool = False,
    ) -> dict[str, Any]:
        iid = self.snowflake()
        token = f"tok{iid}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        other = self.other_guilds.get(guild) if guild is not None else None
        if other is not None:
            member = other.members[user_id]
            admin = str(other.admin_role) in member["roles"]
            permissions = (1 << 53) - 1 if admin else MEMBER_PERMISSIONS
            payload["authorizing_integration_owners"] = {"0": str(other.id)}
            payload["guild_id"] = str(other.id)
            payload["guild_locale"] = "fr"
            payload["channel_id"] = str(other.channel_id)
            payload["channel"] = {
                "id": str(other.channel_id),
                "type": 0,
                "name": "general",
                "guild_id": str(other.id),
                "position": 0,
                "permission_overwrites": [],
            }
            payload["member"] = {**member, "permissions": str(permissions)}
            payload["context"] = 0
            if message is not None:
                payload["message"] = message
            self.interactions[iid] = self._by_token[token] = InteractionRecord(iid, token, payload)
            return payload
        member = self.members.get(user_id) or {"user": self._find_user(user_id)}
        if dm:
            channel_id = self.dm_channels.get(user_id) or self.snowflake()
            self.dm_channels[user_id] = channel_id
            self.dm_owner[channel_id] = user_id
            payload["channel"] = {"id": str(channel_id), "type": 1, "recipients": [member["user"]]}
            payload["channel_id"] = str(channel_id)
            payload["user"] = member["user"]
            payload["context"] = 1
            if private:  # a user-installed app used in a group DM between users
                payload["channel"]["type"] = 3
                payload["context"] = 2
        else:
            payload["guild_id"] = str(self.guild_id)
            payload["guild_locale"] = "fr"
            payload["channel_id"] = str(self.channel_id)
            payload["channel"] = {
                "id": str(self.channel_id),
                "type": 0,
                "name": "general",
                "guild_id": str(self.guild_id),
                "position": 0,
                "permission_overwrites": [],
            }
            admin = str(self.admin_role) in member["roles"]
            permissions = (1 << 53) - 1 if admin else MEMBER_PERMISSIONS
            payload["member"] = {**member, "permissions": str(permissions)}
            payload["context"] = 0
        if message is not None:
            payload["message"] = message
        self.interactions[iid] = self._by_token[token] = InteractionRecord(iid, token, payload)
        return payload

    def command_data(self, path: str, **options: Any) -> dict[str, Any]:
        """The ``data`` of a slash command as Discord sends it (looks up the synced types)."""
        words = path.split()
        scope = str(self.guild_id) if str(self.guild_id) in self.commands else "global"
        registered = {c["name"]: c for c in self.commands.get(scope, [])}
        top = registered[words[0]]
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
        return data

    async def command(
        self,
        user: int,
        path: str,
        *,
        dm: bool = False,
        locale: str = "fr",
        guild: int | None = None,
        private: bool = False,
        **options: Any,
    ) -> int:
        data = self.command_data(path, **options)
        payload = self._interaction(
            2, user, data, dm=dm or private, locale=locale, guild=guild, private=private
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def raw_interaction(self, user: int, kind: int, data: Any, **kw: Any) -> int:
        payload = self._interaction(kind, user, data, **kw)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def click(
        self,
        user: int,
        message: dict[str, Any],
        custom_id: str,
        *,
        values: list[str] | None = None,
        dm: bool = False,
        guild: int | None = None,
    ) -> int:
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if values is not None:
            data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self.raw_interaction(user, 3, data, message=message, dm=dm, guild=guild)

    async def submit_modal(
        self, user: int, custom_id: str, values: dict[str, str], **kw: Any
    ) -> int:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        return await self.raw_interaction(user, 5, data, **kw)

    async def answer(self, iid: int, wait: float = 10.0) -> Answer:
        """Wait for the user-visible answer to an interaction (after any defer)."""
        record = self.interactions[iid]
        deadline = time.monotonic() + wait
        while True:
            answer = self._answer(record)
            if answer.kind in ("message", "modal"):
                return answer
            left = deadline - time.monotonic()
            if left <= 0:
                return answer
            record.changed.clear()
            try:
                await asyncio.wait_for(record.changed.wait(), left)
            except TimeoutError:
                return self._answer(record)

    def _answer(self, record: InteractionRecord) -> Answer:
        cb = record.callback
        if cb is None:
            return Answer("none")
        kind = cb["type"]
        if kind == 9:
            return Answer("modal", modal=cb.get("data"))
        if kind in (4, 7):
            return self._as_answer(record.original or {})
        if record.followups:
            return self._as_answer(record.followups[-1])
        if record.original and not record.deleted and record.original.get("_edited"):
            return self._as_answer(record.original)
        return Answer("deferred")

    @staticmethod
    def _as_answer(message: dict[str, Any]) -> Answer:
        return Answer(
            "message",
            text=message_text(message),
            ephemeral=bool((message.get("flags") or 0) & EPHEMERAL),
            components=message.get("components") or [],
            embeds=message.get("embeds") or [],
            files=[a["filename"] for a in message.get("attachments") or []],
            message=message,
        )

    # --- REST ---------------------------------------------------------------------------------

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
            "timestamp": _now(),
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
        message["edited_timestamp"] = _now()
        return json_response(message)

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

    # --- what tests read ----------------------------------------------------------------------

    def dms(self, uid: int) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(uid)
        return list(self.messages.get(channel, [])) if channel else []

    def channel_messages(self) -> list[dict[str, Any]]:
        return list(self.messages[self.channel_id])
