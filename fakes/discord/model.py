"""What the fake Discord's parts share: payload helpers, pings, and what a user saw."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API = "/api/v10"
EPHEMERAL = 64
ADMINISTRATOR = 0x8
MEMBER_PERMISSIONS = 2248473465835073  # what the fake reports for a plain member (no admin)
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule: a server's events go to shard ``(guild_id >> 22) % shard_count``."""
    return (guild_id >> 22) % shard_count


def event_guild(event: str, data: Any) -> int | None:
    """The server a gateway event belongs to (None: a direct message, or no server)."""
    if not isinstance(data, dict):
        return None
    gid = data.get("guild_id")
    if gid is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        gid = data.get("id")
    return int(gid) if gid is not None else None


def now_iso() -> str:
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
