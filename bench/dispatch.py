"""Dispatch benchmark: commands/s and p50/p99 through the text path, and console start-up.

Text path: parse → dispatch (member, permission, language) → service → render → console
adapter (writing to memory). Baseline, in the same run: the same service call without the core.

    .venv/bin/python bench/dispatch.py [--commands 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.console import ConsoleAdapter  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.refs import MemberRef  # noqa: E402

ZONES = ["Europe/Paris", "America/Montreal", "Europe/Brussels", "UTC"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(commands: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(None)
        settings.database.url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        settings.cogs.enabled = []
        settings.console.files_dir = f"{tmp}/files"
        out = io.StringIO()
        console = ConsoleAdapter(settings.console, stdin=io.StringIO(""), stdout=out)
        app = App(settings, [console], scheduler=False)
        core = await app.start()
        await console.finished.wait()
        member = await core.members.resolve(MemberRef("console", "alice", "alice"))

        # Warm up both paths.
        for zone in ZONES:
            await console.handle_line(f"!timezone {zone}")
            await core.members.set_timezone(member.id, zone)

        bare: list[float] = []
        start = time.perf_counter()
        for i in range(commands):
            t0 = time.perf_counter()
            await core.members.set_timezone(member.id, ZONES[i % 4])
            bare.append(time.perf_counter() - t0)
        bare_total = time.perf_counter() - start

        full: list[float] = []
        start = time.perf_counter()
        for i in range(commands):
            t0 = time.perf_counter()
            await console.handle_line(f"!timezone {ZONES[i % 4]}")
            full.append(time.perf_counter() - t0)
        full_total = time.perf_counter() - start
        assert out.getvalue().count("[DM → alice]") >= commands
        await app.stop()

    bare_rate, full_rate = commands / bare_total, commands / full_total
    print(f"commands: {commands} on SQLite (`!timezone ZONE`: a member row read and updated)")
    print(
        f"bare service call     : {bare_rate:8.0f}/s  p50 {pct(bare, 0.5) * 1e3:6.2f} ms  "
        f"p99 {pct(bare, 0.99) * 1e3:6.2f} ms"
    )
    print(
        f"full text path        : {full_rate:8.0f}/s  p50 {pct(full, 0.5) * 1e3:6.2f} ms  "
        f"p99 {pct(full, 0.99) * 1e3:6.2f} ms"
    )
    print(f"ratio full/bare rate  : {full_rate / bare_rate:8.2f}")


def startup(runs: int) -> None:
    """Time from process start to the first command answered by `passerelle console`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    times, bare = [], []
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/s.db"
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade", "--db", db],
            check=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "console", "--db", db],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
                cwd=tmp,
            )
            assert proc.stdin and proc.stdout
            proc.stdin.write("!help\n")
            proc.stdin.flush()
            proc.stdout.readline()  # "alice> !help": the console is reading commands
            times.append(time.perf_counter() - t0)
            proc.stdin.close()
            proc.wait()
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - t0)
    print(
        f"console start-up to first command: median {statistics.median(times):.2f} s "
        f"(max {max(times):.2f} s, {runs} runs; bare `python -c pass`: "
        f"{statistics.median(bare):.2f} s); goal < 1.5 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args.commands))
    startup(args.startup_runs)


if __name__ == "__main__":
    main()
