"""What a user does (slash commands, clicks, modal submits) and what they end up seeing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fakes.discord.model import (
    EPHEMERAL,
    MEMBER_PERMISSIONS,
    Answer,
    InteractionRecord,
    message_text,
)
from fakes.discord.state import FakeState


class Users(FakeState):
    """Members acting: each action is an INTERACTION_CREATE; ``answer`` waits for the result."""

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
        nodes = [top]  # the top-level command, then its subcommand group and subcommand
        for word in words[1:]:
            nodes.append(next(o for o in nodes[-1].get("options", []) if o["name"] == word))
        types = {o["name"]: o["type"] for o in nodes[-1].get("options", [])}
        opts = [{"name": k, "type": types.get(k, 3), "value": v} for k, v in options.items()]
        data: dict[str, Any] = {"id": top["id"], "name": words[0], "type": 1}
        if scope != "global":
            data["guild_id"] = scope
        for node in reversed(nodes[1:]):
            opts = [{"name": node["name"], "type": node["type"], "options": opts}]
        data["options"] = opts
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

    def channel_posts(self, start: int = 0) -> list[Answer]:
        """The community channel's messages from ``start`` on, as a user sees them (text,
        components to click)."""
        return [self._as_answer(m) for m in self.channel_messages()[start:]]

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
