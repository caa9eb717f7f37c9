"""Fixtures: one Synapse per session, a bot (core + MatrixAdapter) and real nio members."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from nio import AsyncClient, AsyncClientConfig, InviteMemberEvent, SyncResponse

from bot.adapters.matrix import MatrixAdapter
from bot.app import build_core
from bot.config import MatrixSection, load_settings
from bot.core.core import Core
from bot.scheduling import FakeClock
from bot.storage.db import Database
from fakes.synapse import Synapse, User
from tests.e2e.matrix.ballot import Ballot

pytestmark = pytest.mark.e2e

_names = itertools.count(1)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


def body(event: Any) -> str:
    """The plain-text body of an event (empty for events without one)."""
    return str(event.source.get("content", {}).get("body", ""))


class Member:
    """A real matrix-nio client acting as a community member: syncs in the background,
    records every event, accepts every invite."""

    def __init__(self, synapse: Synapse, user: User, store: Path | None = None) -> None:
        self.user = user
        self.user_id = user.user_id
        config = AsyncClientConfig(
            encryption_enabled=store is not None,
            store_sync_tokens=False,
            # A member's own client must not be the slow one after an outage (nio's default
            # backoff grows to a minute): it retries at once, its loop paces it.
            max_timeout_retry_wait_time=0.5,
        )
        self.client = AsyncClient(
            synapse.url, user.user_id, store_path=str(store) if store else "", config=config
        )
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        resp = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(resp, SyncResponse), resp
        await self._keys()
        self._task = asyncio.create_task(self._loop())

    async def _keys(self) -> None:
        client = self.client
        if client.olm is None:
            return
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def _loop(self) -> None:
        while True:
            # A large timeline limit: with the default (10) a burst of replies is cut.
            try:
                resp = await self.client.sync(
                    timeout=1000, sync_filter={"room": {"timeline": {"limit": 500}}}
                )
            except (OSError, TimeoutError, aiohttp.ClientError):  # the homeserver is away
                await asyncio.sleep(0.3)
                continue
            if not isinstance(resp, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            await self._keys()
            for room_id, info in resp.rooms.invite.items():
                if any(isinstance(e, InviteMemberEvent) for e in info.invite_state):
                    await self.client.join(room_id)
            async with self._changed:
                for room_id, info in resp.rooms.join.items():
                    for event in info.timeline.events:
                        self.events.append((room_id, event))
                self._changed.notify_all()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def wait_for(
        self, predicate: Callable[[str, Any], bool], wait_s: float = 20.0
    ) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        async with self._changed:
            while True:
                for room_id, event in self.events:
                    if predicate(room_id, event):
                        return room_id, event
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError("no matching event arrived")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    continue

    async def say(self, room_id: str, body: str) -> str:
        resp = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": body},
            ignore_unverified_devices=True,
        )
        return resp.event_id

    async def reply_to(self, room_id: str, event_id: str, wait_s: float = 20.0) -> Any:
        def is_reply(rid: str, event: Any) -> bool:
            content = event.source.get("content", {})
            relation = content.get("m.relates_to") or {}
            return (
                rid == room_id
                and (relation.get("m.in_reply_to") or {}).get("event_id") == event_id
            )

        return (await self.wait_for(is_reply, wait_s))[1]

    async def command(self, room_id: str, body: str, wait_s: float = 20.0) -> Any:
        """Type a command and return the bot's reply event."""
        return await self.reply_to(room_id, await self.say(room_id, body), wait_s)


class Bot:
    """A core with the test cog on SQLite, the Matrix adapter logged in as ``user``."""

    def __init__(self, core: Core, db: Database, settings: MatrixSection) -> None:
        self.core = core
        self.db = db
        self.settings = settings
        self.adapter: MatrixAdapter | None = None

    async def start(self) -> MatrixAdapter:
        self.adapter = MatrixAdapter(self.settings)
        self.core.add_adapter(self.adapter)
        await self.adapter.start(self.core)
        return self.adapter

    async def stop(self) -> None:
        if self.adapter is not None:
            await self.adapter.stop()
            self.adapter = None

    async def saved_state(self) -> str:
        """The adapter state as the database holds it (written now), as JSON text."""
        assert self.adapter is not None and self.adapter.session.saved is not None
        await self.adapter.session.saved.flush()
        data = await self.core.ownership.states.load("matrix", self.settings.user_id)
        return json.dumps(data)


@pytest.fixture
def e2e_db(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def world(synapse: Synapse, e2e_db: str, tmp_path: Path) -> AsyncIterator[World]:
    w = World(synapse, e2e_db, tmp_path)
    try:
        yield w
    finally:
        await w.close()


class World:
    """A bot account, a community room with the bot in it, members on demand."""

    def __init__(self, synapse: Synapse, db_url: str, tmp: Path) -> None:
        self.synapse = synapse
        self.db_url = db_url
        self.tmp = tmp
        self.bot_user = synapse.register(unique("bot"))
        self.owner = synapse.register(unique("owner"))
        self.members: list[Member] = []
        self.bot: Bot | None = None
        self.room_id = ""

    @property
    def ballot(self) -> Ballot:
        assert self.bot is not None
        cog = self.bot.core.cogs["ballot"]
        assert isinstance(cog, Ballot)
        return cog

    async def start(
        self,
        *,
        encryption: bool | None = False,
        password_login: bool = False,
        cogs: tuple[str, ...] = (),
        rooms: list[str] | None = None,
        **extra: Any,
    ) -> Bot:
        """Create the community room (owner), start the bot in it."""
        owner = await self.member(self.owner)
        resp = await owner.client.room_create(name="Communauté", invite=[self.bot_user.user_id])
        self.room_id = resp.room_id
        settings = load_settings(None)
        settings.database.url = self.db_url
        settings.bot.french_typography = False  # the assertions compare plain spaces
        matrix = MatrixSection(
            enabled=True,
            homeserver=self.synapse.url,
            user_id=self.bot_user.user_id,
            access_token="" if password_login else self.bot_user.access_token,
            password=self.bot_user.password if password_login else "",
            device_id=None if password_login else self.bot_user.device_id,
            store_path=str(self.tmp / "bot-store"),
            rooms=[self.room_id] if rooms is None else rooms,
            encryption=encryption,
            sync_timeout="5s",
            **extra,
        )
        settings.matrix = matrix
        db = Database(self.db_url)
        core = build_core(settings, db, FakeClock(), cogs=[Ballot, *cogs])
        await core.start()
        self.bot = Bot(core, db, matrix)
        await self.bot.start()
        return self.bot

    async def member(self, user: User | None = None, *, e2e: bool = False) -> Member:
        user = user or self.synapse.register(unique("member"))
        store = self.tmp / f"store-{user.user_id[1:].split(':')[0]}" if e2e else None
        member = Member(self.synapse, user, store)
        await member.start()
        self.members.append(member)
        return member

    async def joined(self, member: Member) -> None:
        """Bring ``member`` into the community room."""
        owner = self.members[0]
        await owner.client.room_invite(self.room_id, member.user_id)
        await member.client.join(self.room_id)

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            await self.bot.core.stop()
            await self.bot.db.dispose()
        for member in self.members:
            await member.stop()
