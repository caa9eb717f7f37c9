"""The floors Passerelle is measured against: the least a bot on each platform can be.

    python bench/floor_bots.py discord API_BASE GATEWAY_URL
    python bench/floor_bots.py matrix HOMESERVER USER_ID DEVICE_ID ACCESS_TOKEN
    python bench/floor_bots.py matrix-sqlmodel DB_FILE HOMESERVER USER_ID DEVICE_ID ACCESS_TOKEN

- ``discord``: discord.py and SQLModel imported, a plain ``discord.Client`` that answers every
  interaction with one message (no command tree, no database);
- ``matrix``: a bare matrix-nio bot that answers every message starting with ``!`` in the room,
  as a reply to it (``m.in_reply_to``), with a large sync timeline (with nio's default of 10
  events a burst loses commands, and a floor that drops work would not be a floor);
- ``matrix-sqlmodel``: the same bot keeping its state in SQLModel on SQLite, as the design card
  asks of Passerelle: it reads its sync token from the database before its first sync, and
  records each command it answers (one row) before replying. Not a goal's reference: what the
  stack alone costs on Matrix, so Passerelle's own share can be told apart from it.

Each prints ``ready`` once connected (after its first sync on Matrix), like Passerelle's ready
line, then runs until stdin closes or SIGTERM. :func:`echo_bot` is also used in-process by
``bench/matrix_roundtrip.py``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

TIMELINE = {"room": {"timeline": {"limit": 1000}}}


Record = Callable[[str, str], Awaitable[None]]
"""Called with a command's room and event id before it is answered (the SQLModel floor)."""


async def echo_bot(
    client: Any, ready: asyncio.Event | None = None, record: Record | None = None
) -> None:
    """Answer every ``!`` message in a room with ``pong`` as a reply, until cancelled."""
    from nio import RoomMessageText, SyncResponse

    # Only messages sent from now on: Synapse may serve a new process the initial sync it
    # cached for the last one (same account, same filter), whose token lies minutes back.
    since_ms = time.time() * 1000 - 1000
    first = await client.sync(timeout=0, full_state=True, sync_filter=TIMELINE)
    token = first.next_batch if isinstance(first, SyncResponse) else None
    for room_id in list(client.invited_rooms):
        await client.join(room_id)
    if ready is not None:
        ready.set()
    print("ready", flush=True)
    while True:
        resp = await client.sync(timeout=30000, since=token, sync_filter=TIMELINE)
        if not isinstance(resp, SyncResponse):
            print(f"sync failed: {resp}", file=sys.stderr, flush=True)
            await asyncio.sleep(1)
            continue
        token = resp.next_batch
        for room_id in resp.rooms.invite:
            await client.join(room_id)
        for room_id, info in resp.rooms.join.items():
            for event in info.timeline.events:
                if (
                    isinstance(event, RoomMessageText)
                    and event.sender != client.user_id
                    and event.body.startswith("!")
                    and event.server_timestamp >= since_ms
                ):
                    if record is not None:
                        await record(room_id, event.event_id)
                    content = {
                        "msgtype": "m.text",
                        "body": "pong",
                        "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                    }
                    await client.room_send(room_id, "m.room.message", content)


async def matrix(homeserver: str, user_id: str, device_id: str, token: str) -> None:
    from nio import AsyncClient

    client = AsyncClient(homeserver, user_id)
    client.restore_login(user_id, device_id, token)
    try:
        await until_stopped(echo_bot(client))
    finally:
        await client.close()


async def matrix_sqlmodel(
    db_file: str, homeserver: str, user_id: str, device_id: str, token: str
) -> None:
    from nio import AsyncClient
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel import Field, SQLModel, select

    class FloorState(SQLModel, table=True):
        account: str = Field(primary_key=True)
        sync_token: str | None = None

    class FloorAnswered(SQLModel, table=True):
        event_id: str = Field(primary_key=True)
        room_id: str
        at: float

    engine = create_async_engine(f"sqlite+aiosqlite:///{db_file}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
        # What any bot keeping its state in a database reads before its first sync.
        await conn.execute(select(FloorState).where(FloorState.account == user_id))

    async def record(room_id: str, event_id: str) -> None:
        async with engine.begin() as conn:
            row = {"event_id": event_id, "room_id": room_id, "at": time.time()}
            await conn.execute(FloorAnswered.__table__.insert().values(**row))  # type: ignore[attr-defined]

    client = AsyncClient(homeserver, user_id)
    client.restore_login(user_id, device_id, token)
    try:
        await until_stopped(echo_bot(client, record=record))
    finally:
        await client.close()
        await engine.dispose()


async def discord_bot(api_base: str, gateway_url: str) -> None:
    import discord
    import sqlmodel  # noqa: F401  (the floor holds what any Discord bot with a database holds)
    import yarl

    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    class Floor(discord.Client):
        async def on_ready(self) -> None:
            print("ready", flush=True)

        async def on_interaction(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

    client = Floor(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    await client.login("floor")
    try:
        await until_stopped(client.connect(reconnect=True))
    finally:
        await client.close()


async def until_stopped(work: Any) -> None:
    """Run ``work`` until SIGTERM or the end of stdin."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin, lambda: sys.stdin.read(1) or stop.set())
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    for fut in (task, waiter):
        fut.cancel()


if __name__ == "__main__":
    kind, *argv = sys.argv[1:]
    bots = {"discord": discord_bot, "matrix": matrix, "matrix-sqlmodel": matrix_sqlmodel}
    asyncio.run(bots[kind](*argv))
