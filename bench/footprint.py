"""Footprint: idle memory (RSS) and start-to-ready time of `passerelle run`, per platform.

    .venv/bin/python bench/footprint.py [--runs 3] [--no-matrix] [--idle 3] [--source DIR]

Each leg starts a real `python -m bot run` process with the default cogs on a fresh SQLite file
(migrated beforehand, as on every start but the first) and times from spawn to its "Passerelle
ready" log line; after ``--idle`` seconds of idleness its RSS is read from /proc. Legs:

- console: no platform enabled (the terminal console, stdin held open);
- discord: against a small fake Discord on 127.0.0.1 (fakes/discord: gateway + REST);
- matrix: against a private Synapse on 127.0.0.1 (fakes/synapse.py; skipped with --no-matrix).

The floor, measured in the same run: a process that only imports discord.py and SQLModel.
Goals (issue 12): RSS ≤ floor + 15 MB, ready ≤ 1.2 s. Linux only (reads /proc). ``--source``
measures another checkout's code with this venv (before/after: ``git archive main | tar -x -C
/tmp/main``).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fakes.discord import FakeDiscord  # noqa: E402

PYTHON = sys.executable
FLOOR = "import discord, sqlmodel, sys; print('ready', flush=True); sys.stdin.read()"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


SOURCE = ROOT  # the code measured (--source)


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    return {**clean, "PYTHONPATH": str(SOURCE)}


async def measure(
    argv: list[str], marker: str | None, idle: float, cwd: Path
) -> tuple[float, float]:
    """Spawn ``argv``; seconds until a stderr/stdout line contains ``marker`` (None: no ready
    line to wait for, NaN); RSS after ``idle`` seconds more. The process is stopped with
    SIGTERM (stdin closed too)."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
        env=env(),
    )
    assert proc.stdout is not None and proc.stdin is not None
    seen: list[str] = []
    try:
        while marker is not None:
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            if not line:
                raise RuntimeError("exited before ready:\n" + "".join(seen[-20:]))
            text = line.decode(errors="replace")
            seen.append(text)
            if marker in text:
                break
        ready = time.perf_counter() - started if marker is not None else float("nan")
        drain = asyncio.create_task(_drain(proc.stdout))
        await asyncio.sleep(idle)
        rss = rss_mb(proc.pid)
        drain.cancel()
        return ready, rss
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


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


async def leg(
    label: str, config: Path | None, runs: int, idle: float, work: Path, legacy: float | None
) -> tuple[str, list[float], list[float]]:
    marker: str | None
    if config is None:
        argv, marker = [PYTHON, "-c", FLOOR], "ready"
    elif legacy is not None:  # a checkout without the ready line: wait a fixed time instead
        argv, marker, idle = [PYTHON, "-m", "bot", "run", "--config", str(config)], None, legacy
    else:
        argv = [PYTHON, "-m", "bot", "run", "--config", str(config), "--log-format", "json"]
        marker = "Passerelle ready"
    readies, rsses = [], []
    for _ in range(runs):
        ready, rss = await measure(argv, marker, idle, work)
        readies.append(ready)
        rsses.append(rss)
    return label, readies, rsses


async def matrix_config(work: Path) -> tuple[Path, object]:
    from nio import AsyncClient

    from fakes.synapse import Synapse

    synapse = Synapse(work / "synapse")
    synapse.start()
    bot = synapse.register("bot")
    owner = synapse.register("owner")
    client = AsyncClient(synapse.url, owner.user_id)
    client.restore_login(owner.user_id, owner.device_id, owner.access_token)
    room = (await client.room_create(name="Footprint", invite=[bot.user_id])).room_id
    await client.close()
    sections = (
        "[matrix]\nenabled = true\n"
        f'homeserver = "{synapse.url}"\nuser_id = "{bot.user_id}"\n'
        f'access_token = "{bot.access_token}"\ndevice_id = "{bot.device_id}"\n'
        f'store_path = "{work / "matrix-store"}"\nrooms = ["{room}"]\nencryption = false\n'
    )
    return write_config(work, "matrix", sections), synapse


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS")
    parser.add_argument("--no-matrix", action="store_true", help="skip the Synapse leg")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout to measure")
    parser.add_argument(
        "--legacy",
        type=float,
        metavar="SECONDS",
        help="the checkout has no ready line: read RSS this long after spawn (no ready time)",
    )
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.source.resolve()
    work = Path(tempfile.mkdtemp(prefix="passerelle-footprint-"))
    fake = await FakeDiscord(member_count=20).start()
    synapse = None
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
        legs = [("import floor", None), ("console", console), ("discord", discord)]
        if not args.no_matrix:
            matrix, synapse = await matrix_config(work)
            legs.append(("matrix", matrix))
        results = [
            await leg(name, cfg, args.runs, args.idle, work, args.legacy) for name, cfg in legs
        ]
    finally:
        await fake.stop()
        if synapse is not None:
            synapse.stop()  # type: ignore[attr-defined]
        shutil.rmtree(work, ignore_errors=True)
    floor_rss = statistics.median(results[0][2])
    print(f"Footprint of `passerelle run` from {SOURCE}")
    when = f"{args.legacy:g} s after spawn" if args.legacy else f"after {args.idle:g} s idle"
    print(f"(median of {args.runs} runs; RSS {when})")
    print(f"  {'':14} {'idle RSS':>10} {'vs floor':>10} {'start → ready':>15}")
    for name, readies, rsses in results:
        rss = statistics.median(rsses)
        delta = "" if name == "import floor" else f"{rss - floor_rss:+8.1f} MB"
        print(f"  {name:14} {rss:7.1f} MB {delta:>10} {statistics.median(readies):13.2f} s")
    print("  goals: idle RSS ≤ floor + 15 MB; ready ≤ 1.2 s (floor: import discord + sqlmodel)")
    print(json.dumps({n: {"rss_mb": r, "ready_s": t} for n, t, r in results}), file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
