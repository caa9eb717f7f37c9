"""The legs bench/matrix_roundtrip.py runs on both bots — the floor (a bare matrix-nio bot) and
Passerelle — and their comparison: latency with 1 and 5 members, a burst of 30 commands from 5
members, reminder lateness, all seen by one observer client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from nio import AsyncClient, SyncResponse

MS = 1000
FILTER = {"room": {"timeline": {"limit": 1000}}}
COMMAND = "!bench ping"
BURST_MEMBERS, BURST_EACH = 5, 6  # 30 commands at once
REMINDERS, REMINDER_LEAD_S, REMINDER_GAP_S = 10, 2.0, 0.5


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Observer:
    """Records when each event, each reply (by the event it answers) and each message body
    becomes visible."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.seen: dict[str, float] = {}
        self.replies: dict[str, float] = {}
        self.bodies: dict[str, float] = {}
        self.changed = asyncio.Condition()

    async def run(self) -> None:
        while True:
            # A large timeline limit: with the default (10), bursts come back `limited`.
            resp = await self.client.sync(timeout=5000, sync_filter=FILTER)
            now = time.perf_counter()
            if not isinstance(resp, SyncResponse):
                continue
            async with self.changed:
                for info in resp.rooms.join.values():
                    for event in info.timeline.events:
                        self.seen[event.event_id] = now
                        content = event.source.get("content", {})
                        self.bodies.setdefault(str(content.get("body")), now)
                        relates = content.get("m.relates_to") or {}
                        target = (relates.get("m.in_reply_to") or {}).get("event_id")
                        if target:
                            self.replies[target] = now
                self.changed.notify_all()

    async def wait(self, table: dict[str, float], key: str, wait_s: float = 60) -> float:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: key in table), wait_s)
            return table[key]


async def keep_syncing(client: AsyncClient) -> None:
    """A member's client: syncing all along, as Element does (the homeserver's load)."""
    token = None
    while True:
        resp = await client.sync(timeout=30000, since=token, sync_filter=FILTER)
        if isinstance(resp, SyncResponse):
            token = resp.next_batch


async def member_loop(
    client: AsyncClient, room_id: str, count: int, observer: Observer, *, command: bool
) -> list[float]:
    latencies = []
    for i in range(count):
        body = COMMAND if command else f"bonjour {i}"
        started = time.perf_counter()
        resp = await client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        table = observer.replies if command else observer.seen
        seen = await observer.wait(table, resp.event_id)
        latencies.append(seen - started)
    return latencies


async def burst(clients: list[AsyncClient], room_id: str, observer: Observer) -> tuple[float, int]:
    """30 commands from 5 members sent at once: seconds to the last reply, replies seen."""
    started = time.perf_counter()

    async def send(client: AsyncClient) -> str:
        resp = await client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": COMMAND}
        )
        return str(resp.event_id)

    sends = [send(c) for c in clients[:BURST_MEMBERS] for _ in range(BURST_EACH)]
    event_ids = await asyncio.gather(*sends)
    last, answered = started, 0
    for event_id in event_ids:
        try:
            last = max(last, await observer.wait(observer.replies, event_id, wait_s=20))
            answered += 1
        except TimeoutError:
            pass
    return last - started, answered


Remind = Callable[[str, datetime], Awaitable[None]]


async def reminders(observer: Observer, remind: Remind, tag: str) -> list[float]:
    """Reminders due over a few seconds, each posted in the room by ``remind(text, due)``:
    seconds between each one's due time and the observer seeing it."""
    wall, perf = datetime.now(UTC), time.perf_counter()
    dues = [
        wall + timedelta(seconds=REMINDER_LEAD_S + i * REMINDER_GAP_S) for i in range(REMINDERS)
    ]
    texts = [f"rappel {tag} {i}" for i in range(REMINDERS)]
    for text, due in zip(texts, dues, strict=True):
        await remind(text, due)
    late = []
    for text, due in zip(texts, dues, strict=True):
        seen = await observer.wait(observer.bodies, text, wait_s=60)
        late.append(seen - (perf + (due - wall).total_seconds()))
    return late


class Figures:
    """One bot's figures on the shared legs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.one: list[float] = []
        self.five: list[float] = []
        self.burst_s = 0.0
        self.burst_answered = 0
        self.late: list[float] = []


async def legs(
    figures: Figures,
    clients: list[AsyncClient],
    room_id: str,
    observer: Observer,
    remind: Remind,
) -> Figures:
    await member_loop(clients[0], room_id, 3, observer, command=True)  # warm-up
    figures.one = await member_loop(clients[0], room_id, 20, observer, command=True)
    five = await asyncio.gather(
        *(member_loop(c, room_id, 10, observer, command=True) for c in clients[:5])
    )
    figures.five = [x for xs in five for x in xs]
    figures.burst_s, figures.burst_answered = await burst(clients, room_id, observer)
    figures.late = await reminders(observer, remind, figures.name)
    return figures


def compare(floor: Figures, bot: Figures) -> None:
    print("Passerelle against a bare matrix-nio bot (same Synapse, same room, same members):")
    print(f"  {'':34} {'floor bot':>18} {'Passerelle':>18} {'ratio':>7}  goal")
    rows = [
        ("command → reply, 1 member, p50", floor.one, bot.one, 50, "≤ 1.3×"),
        ("command → reply, 1 member, p99", floor.one, bot.one, 99, ""),
        ("command → reply, 5 members, p50", floor.five, bot.five, 50, "≤ 1.1×"),
        ("command → reply, 5 members, p99", floor.five, bot.five, 99, ""),
    ]
    for label, a, b, p, goal in rows:
        fa, fb = pct(a, p) * MS, pct(b, p) * MS
        print(f"  {label:34} {fa:15.1f} ms {fb:15.1f} ms {fb / fa:6.2f}×  {goal}")
    total = BURST_MEMBERS * BURST_EACH
    print(
        f"  {'burst of 30 from 5 members: last':34} {floor.burst_s * MS:15.0f} ms "
        f"{bot.burst_s * MS:15.0f} ms {bot.burst_s / floor.burst_s:6.2f}×  "
        f"(answered {floor.burst_answered}/{total} and {bot.burst_answered}/{total})"
    )
    fl, bl = max(floor.late) * MS, max(bot.late) * MS
    print(
        f"  {'reminder lateness, max':34} {fl:15.1f} ms {bl:15.1f} ms {bl - fl:+6.0f} ms"
        f"  ≤ floor + 50 ms"
    )
    print(
        f"  {'reminder lateness, median':34} {pct(floor.late, 50) * MS:15.1f} ms "
        f"{pct(bot.late, 50) * MS:15.1f} ms"
    )
