"""Footprint: idle memory (RSS), start-to-ready and start-to-first-answer of `passerelle run`.

    .venv/bin/python bench/footprint.py [--runs 3] [--no-matrix] [--idle 3] [--source DIR]
                                        [--baseline DIR]

Each leg starts a real `python -m bot run` process with the default cogs on a fresh SQLite file
(migrated beforehand, as on every start but the first) and times from spawn to its "Passerelle
ready" log line; on Discord and Matrix a member sends a command as soon as the bot can take it
(Discord: once the gateway session is up; Matrix: from the spawn on, every 0.1 s — a bot
ignores what was typed before its first sync), and "first answer" is spawn → the first reply
seen by the member, whether it comes before the ready line or after.
After ``--idle`` seconds of idleness its RSS is read from /proc. Legs:

- console: no platform enabled (the terminal console, stdin held open);
- discord: against a small fake Discord on 127.0.0.1 (fakes/discord: gateway + REST), `/help`;
- matrix: against a private Synapse on 127.0.0.1 (fakes/synapse.py; skipped with --no-matrix),
  `!timezone Mars/Olympus` (a wrong zone: the error is answered in the room).

Floors, measured in the same run (bench/floor_bots.py): a process that only imports discord.py
and SQLModel; a plain discord.py client (+ SQLModel imported) answering every interaction; a
bare matrix-nio bot answering every ``!`` message. Goals (issue 17): first answer < 0.8 s, idle
RSS ≤ the platform's floor bot + 20 MiB. One more Matrix leg, "matrix stack floor", is that bare
bot keeping its state in SQLModel on SQLite (it reads its sync token before the first sync and
writes a row per command answered): not a goal's reference, but what the design card's stack
costs by itself, so Passerelle's own share shows apart from it. Linux only (reads /proc).
``--source`` measures another checkout's code with this venv; ``--baseline DIR`` adds the
Passerelle legs again from another checkout (``git archive HEAD~1 | tar -x -C /tmp/base``), run
after run with these, so a change is measured against the code before it on the same machine at
the same moment (this machine's run-to-run noise is ±0.15 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakes.discord import FakeDiscord  # noqa: E402

PYTHON = sys.executable
FLOOR = "import discord, sqlmodel, sys; print('ready', flush=True); sys.stdin.read()"
FLOOR_BOTS = str(ROOT / "bench" / "floor_bots.py")
NAN = float("nan")
BASELINE = " (baseline)"
STACK_FLOOR = "matrix stack floor"

#: After spawn: the member's first command and its answer (``ready`` is set at the ready line).
Probe = Callable[[asyncio.Event], Awaitable[None]]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


SOURCE = ROOT  # the code measured (--source)


def compile_source(source: Path) -> None:
    """Byte-compile the measured checkout once, as ``./dev`` does at install: with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) every start would otherwise compile
    the project's ~250 modules again, and the bench would time the compiler, not the bot."""
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", "bot", "cogs"], cwd=source, check=True, env=env()
    )


def env(source: Path | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    return {**clean, "PYTHONPATH": str(source or SOURCE)}


async def measure(
    argv: list[str],
    marker: str | None,
    idle: float,
    cwd: Path,
    probe: Probe | None = None,
    source: Path | None = None,
) -> tuple[float, float, float]:
    """Spawn ``argv``; seconds until a stderr/stdout line contains ``marker`` (None: no ready
    line to wait for, NaN); seconds until ``probe`` (a member's first command) was answered
    (NaN without one); RSS after ``idle`` seconds more. The process is stopped with SIGTERM
    (stdin closed too)."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
        env=env(source),
    )
    assert proc.stdout is not None and proc.stdin is not None
    seen: list[str] = []
    ready_seen = asyncio.Event()
    answered = asyncio.create_task(_timed(probe(ready_seen))) if probe is not None else None
    try:
        while marker is not None:
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            if not line:
                raise RuntimeError("exited before ready:\n" + "".join(seen[-20:]))
            text = line.decode(errors="replace")
            seen.append(text)
            if marker in text:
                break
        ready = time.perf_counter() - started if marker is not None else NAN
        ready_seen.set()
        drain = asyncio.create_task(_drain(proc.stdout, seen))
        first = NAN
        if answered is not None:
            try:
                first = await asyncio.wait_for(answered, 60) - started
            except TimeoutError:
                raise RuntimeError("no answer:\n" + "".join(seen[-20:])) from None
        await asyncio.sleep(idle)
        rss = rss_mb(proc.pid)
        drain.cancel()
        return ready, first, rss
    finally:
        if answered is not None:
            answered.cancel()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _timed(probe: Awaitable[None]) -> float:
    """When ``probe`` finished: the answer may come before the ready line (Discord's member
    types as soon as the gateway session is up)."""
    await probe
    return time.perf_counter()


async def _drain(stream: asyncio.StreamReader, seen: list[str]) -> None:
    while line := await stream.readline():
        seen.append(line.decode(errors="replace"))


def write_config(work: Path, name: str, sections: str) -> Path:
    config = work / f"{name}.toml"
    db = work / f"{name}.db"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n\n{sections}', encoding="utf-8")
    # Migrate first: the legs measure an ordinary start, not the first one.
    subprocess.run(
        [PYTHON, "-m", "bot", "db", "upgrade", "--config", str(config)],
        check=True,
        capture_output=True,
        cwd=work,
        env=env(),
    )
    return config


@dataclass
class Leg:
    """One kind of process to measure ``runs`` times."""

    label: str
    argv: list[str]
    marker: str | None = "Passerelle ready"
    probe: Callable[[], Probe] | None = None  # a fresh probe per run
    source: Path | None = None  # the checkout measured (None: --source)
    readies: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    rsses: list[float] = field(default_factory=list)

    async def run(self, runs: int, idle: float, work: Path) -> Leg:
        """``runs`` runs one after the other (bench/matrix_roundtrip.py's start leg)."""
        for _ in range(runs):
            await self.run_once(idle, work)
        return self

    async def run_once(self, idle: float, work: Path) -> None:
        probe = self.probe() if self.probe is not None else None
        ready, first, rss = await measure(self.argv, self.marker, idle, work, probe, self.source)
        self.readies.append(ready)
        self.firsts.append(first)
        self.rsses.append(rss)


def passerelle(config: Path, legacy: float | None) -> list[str]:
    argv = [PYTHON, "-m", "bot", "run", "--config", str(config)]
    return argv if legacy is not None else [*argv, "--log-format", "json"]


def discord_probe(fake: FakeDiscord, *, registered: bool = True) -> Callable[[], Probe]:
    """A member types ``/help`` as soon as the bot's gateway session is up (``registered``:
    as synced by Passerelle; the floor bot registers nothing and answers any interaction)."""

    def fresh() -> Probe:
        fake.identified.clear()  # set again when this run's process is connected

        async def probe(ready: asyncio.Event) -> None:
            await fake.wait_connected(60)
            user = fake.member_id("user0")
            if registered:
                iid = await fake.command(user, "help")
            else:
                data = {"id": "1", "name": "help", "type": 1, "guild_id": str(fake.guild_id)}
                iid = await fake.raw_interaction(user, 2, data)
            answer = await fake.answer(iid, 30)
            assert answer.kind == "message", answer

        return probe

    return fresh


@dataclass
class MatrixWorld:
    """A private Synapse, the bot's account in one room with a member (``owner``)."""

    synapse: Any
    bot: Any
    owner: Any
    room: str

    def probe(self, body: str) -> Callable[[], Probe]:
        """The member sends ``body`` from the spawn on, every 0.1 s, until one is answered (a
        message of the bot's replying to one of them appears in the member's sync): a bot
        ignores what was typed before its first sync, so this is when a member who keeps
        trying is first answered — with no log line to wait for, as on Discord."""

        def fresh() -> Probe:
            async def probe(ready: asyncio.Event) -> None:
                from nio import SyncResponse

                client = self.owner
                first = await client.sync(timeout=0)
                assert isinstance(first, SyncResponse)
                token = first.next_batch
                sent: set[str] = set()

                async def keep_typing() -> None:
                    content = {"msgtype": "m.text", "body": body}
                    while True:
                        response = await client.room_send(self.room, "m.room.message", content)
                        sent.add(getattr(response, "event_id", ""))
                        await asyncio.sleep(0.1)

                typing = asyncio.create_task(keep_typing())
                try:
                    while True:
                        resp = await client.sync(timeout=30000, since=token)
                        assert isinstance(resp, SyncResponse)
                        token = resp.next_batch
                        for info in resp.rooms.join.values():
                            for event in info.timeline.events:
                                content = event.source.get("content", {})
                                relates = (content.get("m.relates_to") or {}).get("m.in_reply_to")
                                if (relates or {}).get("event_id") in sent:
                                    return
                finally:
                    typing.cancel()

            return probe

        return fresh


async def matrix_world(work: Path) -> MatrixWorld:
    from nio import AsyncClient

    from fakes.synapse import Synapse

    synapse = Synapse(work / "synapse")
    synapse.start()
    bot = synapse.register("bot")
    owner = synapse.register("owner")
    client = AsyncClient(synapse.url, owner.user_id)
    client.restore_login(owner.user_id, owner.device_id, owner.access_token)
    room = (await client.room_create(name="Footprint", invite=[bot.user_id])).room_id
    return MatrixWorld(synapse, bot, client, room)


def matrix_config(work: Path, world: MatrixWorld) -> Path:
    bot = world.bot
    sections = (
        "[matrix]\nenabled = true\n"
        f'homeserver = "{world.synapse.url}"\nuser_id = "{bot.user_id}"\n'
        f'access_token = "{bot.access_token}"\ndevice_id = "{bot.device_id}"\n'
        f'store_path = "{work / "matrix-store"}"\nrooms = ["{world.room}"]\n'
        "encryption = false\n"
    )
    return write_config(work, "matrix", sections)


def floor_matrix(world: MatrixWorld, kind: str = "matrix", *before: str) -> list[str]:
    """The floor bot of ``kind`` on the world's account (``before``: its arguments that come
    before the account's, the database file of ``matrix-sqlmodel``)."""
    bot = world.bot
    account = [world.synapse.url, bot.user_id, bot.device_id, bot.access_token]
    return [PYTHON, FLOOR_BOTS, kind, *before, *account]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else NAN


def report(legs: list[Leg], runs: int, when: str, baseline: Path | None = None) -> None:
    print(f"Footprint of `passerelle run` from {SOURCE}")
    if baseline is not None:
        print(f"against the baseline {baseline}, run after run")
    print(f"(median of {runs} runs; RSS {when})")
    print(
        f"  {'':20} {'idle RSS':>10} {'vs floor':>10} {'start → ready':>14} {'→ first answer':>15}"
    )
    floors = {"discord": "discord floor bot", "matrix": "matrix floor bot"}
    rss = {leg.label: median(leg.rsses) for leg in legs}
    for leg in legs:
        base = leg.label.removesuffix(BASELINE)
        floor = floors.get(base, "import floor" if base == "console" else None)
        floor = "matrix floor bot" if base == STACK_FLOOR else floor
        delta = f"{rss[leg.label] - rss[floor]:+8.1f} MB" if floor in rss else ""
        first = median(leg.firsts)
        answer = f"{first:13.2f} s" if first == first else ""
        print(
            f"  {leg.label:20} {rss[leg.label]:7.1f} MB {delta:>10} "
            f"{median(leg.readies):12.2f} s {answer:>15}"
        )
    print(
        "  goals (issue 17): first answer < 0.8 s; idle RSS ≤ the platform's floor bot + 20 MiB"
        " (console: vs the import floor)"
    )
    firsts = {leg.label: median(leg.firsts) for leg in legs}
    for platform, floor in floors.items():
        if platform in firsts and floor in firsts:
            print(
                f"  {platform}: first answer {firsts[platform]:.2f} s = "
                f"{firsts[platform] / firsts[floor]:.2f}× the floor bot's {firsts[floor]:.2f} s; "
                f"RSS {rss[platform] - rss[floor]:+.1f} MB"
            )
    if "matrix" in firsts and STACK_FLOOR in firsts:
        print(
            f"  matrix against the stack floor (nio + SQLModel on SQLite, not a goal's "
            f"reference): first answer {firsts['matrix'] / firsts[STACK_FLOOR]:.2f}× its "
            f"{firsts[STACK_FLOOR]:.2f} s; RSS {rss['matrix'] - rss[STACK_FLOOR]:+.1f} MB; "
            f"the stack alone: {firsts[STACK_FLOOR] - firsts['matrix floor bot']:+.2f} s, "
            f"{rss[STACK_FLOOR] - rss['matrix floor bot']:+.1f} MB over the floor bot"
        )
    readies = {leg.label: median(leg.readies) for leg in legs}
    for label in firsts:
        base = label + BASELINE
        if base not in firsts:
            continue
        answered = firsts[label] == firsts[label]  # NaN: a leg without a member (console)
        what, now, before = (
            ("first answer", firsts[label], firsts[base])
            if answered
            else ("ready", readies[label], readies[base])
        )
        print(
            f"  {label} against the baseline: {what} {now:.2f} s vs {before:.2f} s "
            f"({now / before:.2f}×); RSS {rss[label] - rss[base]:+.1f} MB"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS")
    parser.add_argument("--no-matrix", action="store_true", help="skip the Synapse legs")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to measure")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout measured run after run with --source"
    )
    parser.add_argument(
        "--legacy",
        type=float,
        metavar="SECONDS",
        help="the checkout has no ready line: read RSS this long after spawn (no ready time)",
    )
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.source.resolve()
    compile_source(SOURCE)
    baseline = args.baseline.resolve() if args.baseline else None
    if baseline is not None:
        compile_source(baseline)
    work = Path(tempfile.mkdtemp(prefix="passerelle-footprint-"))
    fake = await FakeDiscord(member_count=20).start()
    world = None
    marker = None if args.legacy is not None else "Passerelle ready"
    try:
        console = write_config(work, "console", "")
        discord = write_config(
            work,
            "discord",
            '[discord]\nenabled = true\ntoken = "bench"\n'
            f'guild_id = "{fake.guild_id}"\napi_base = "{fake.api_base}"\n'
            f'gateway_url = "{fake.gateway_url}"\nguild_ready_timeout = 0.05\n'
            f'sync_state = "{work / "discord-commands.json"}"\n',
        )
        on_discord = discord_probe(fake)
        floor_discord = [PYTHON, FLOOR_BOTS, "discord", fake.api_base, fake.gateway_url]
        legs = [
            Leg("import floor", [PYTHON, "-c", FLOOR], "ready"),
            Leg("console", passerelle(console, args.legacy), marker),
            Leg(
                "discord floor bot", floor_discord, "ready", discord_probe(fake, registered=False)
            ),
            Leg("discord", passerelle(discord, args.legacy), marker, on_discord),
        ]
        if not args.no_matrix:
            world = await matrix_world(work)
            floor = floor_matrix(world)
            stack_floor = floor_matrix(world, "matrix-sqlmodel", str(work / "floor.db"))
            legs += [
                Leg("matrix floor bot", floor, "ready", world.probe("!ping")),
                Leg(STACK_FLOOR, stack_floor, "ready", world.probe("!ping")),
                Leg(
                    "matrix",
                    passerelle(matrix_config(work, world), args.legacy),
                    marker,
                    world.probe("!timezone Mars/Olympus"),
                ),
            ]
        if baseline is not None:
            legs += [
                Leg(leg.label + BASELINE, leg.argv, leg.marker, leg.probe, baseline)
                for leg in legs
                if "floor" not in leg.label
            ]
        idle = args.legacy if args.legacy is not None else args.idle
        for _ in range(args.runs):
            for leg in legs:
                await leg.run_once(idle, work)
    finally:
        await fake.stop()
        if world is not None:
            await world.owner.close()
            world.synapse.stop()
        shutil.rmtree(work, ignore_errors=True)
    when = f"{args.legacy:g} s after spawn" if args.legacy else f"after {args.idle:g} s idle"
    report(legs, args.runs, when, baseline)
    summary = {
        leg.label: {"rss_mb": leg.rsses, "ready_s": leg.readies, "first_answer_s": leg.firsts}
        for leg in legs
    }
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
