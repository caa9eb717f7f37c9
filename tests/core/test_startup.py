"""The garbage collector is paused while a process starts and resumed once it is ready, with
what the start built frozen (``bot.startup``); nothing changes where it was never paused."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_settings
from bot.startup import settled
from tests.subprocess_env import passerelle_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does, the suite's collector is left on and nothing stays frozen."""
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_settled_freezes_the_start_and_collects_again(collector: None) -> None:
    gc.disable()
    settled()
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_settled_does_nothing_where_the_collector_was_never_paused(collector: None) -> None:
    frozen = gc.get_freeze_count()
    settled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


async def test_a_run_resumes_collecting_once_ready(tmp_path: Path, collector: None) -> None:
    settings = load_settings(None, web={"enabled": False}, cogs={"enabled": ["poll"]})
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path}/app.db"
    app = App(settings, [], scheduler=False)
    gc.disable()  # as the entry point does
    await app.start()
    try:
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        await app.stop()


def test_a_one_shot_command_runs_with_the_collector_on(tmp_path: Path) -> None:
    probe = (
        "import gc, sys, bot.__main__ as entry, bot.cli as cli\n"
        "real = cli._main\n"
        "def spy(parser, args):\n"
        "    print('collecting' if gc.isenabled() else 'paused', file=sys.stderr)\n"
        "    return real(parser, args)\n"
        "cli._main = spy\n"
        "sys.argv = ['passerelle', 'config', 'check']\n"
        "raise SystemExit(entry.main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**passerelle_env(), "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[0] == "collecting"
