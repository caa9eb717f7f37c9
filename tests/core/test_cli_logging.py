"""Logs an operator can use, checked on real ``passerelle run`` processes: INFO for Passerelle's
own loggers with one line when ready, libraries quiet unless debug, JSON lines on request."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.app import build_core, ready_line
from bot.config import MatrixSection, load_settings
from bot.scheduling import FakeClock
from bot.storage.db import Database
from tests.subprocess_env import passerelle_env

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``passerelle [args] run`` with no platform enabled: the console, which ends at EOF."""
    clean = passerelle_env()
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def loggers(stderr: str) -> set[str]:
    """The logger names of text-format lines (``date time LEVEL logger: message``)."""
    return {line.split()[3].rstrip(":") for line in stderr.splitlines() if line[:2] == "20"}


def test_run_logs_one_ready_line_at_info_and_libraries_stay_quiet(tmp_path: Path) -> None:
    result = run(tmp_path, "run", "--db", f"sqlite:///{tmp_path / 'r.db'}")
    assert result.returncode == 0, result.stderr
    ready = [line for line in result.stderr.splitlines() if "Passerelle ready" in line]
    assert len(ready) == 1, result.stderr
    assert " INFO bot.app: Passerelle ready: platforms console (terminal); " in ready[0]
    assert "cogs cafe, digest, onboarding, poll, resource; database sqlite" in ready[0]
    assert str(tmp_path) not in ready[0]  # the database kind, never its URL
    assert loggers(result.stderr) <= {"bot.app", "bot.storage.migrate"}, result.stderr


def test_log_level_option_before_or_after_the_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    quiet = run(tmp_path, "run", "--db", db, "--log-level", "warning")
    assert quiet.returncode == 0 and "Passerelle ready" not in quiet.stderr
    debug = run(tmp_path, "--log-level", "debug", "run", "--db", db)
    assert debug.returncode == 0, debug.stderr
    assert "Passerelle ready" in debug.stderr
    # At debug the libraries speak too (the scheduler here).
    assert any(name.startswith("apscheduler") for name in loggers(debug.stderr)), debug.stderr
    # Other commands stay at warning by default: the console is for chatting.
    console = run(tmp_path, "console", "--db", db)
    assert console.returncode == 0 and console.stderr == ""


def test_json_format_is_one_object_per_line(tmp_path: Path) -> None:
    result = run(tmp_path, "run", "--db", f"sqlite:///{tmp_path / 'r.db'}", "--log-format", "json")
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert entries and all(set(e) == {"time", "level", "logger", "message"} for e in entries)
    ready = [e for e in entries if e["message"].startswith("Passerelle ready")]
    assert len(ready) == 1 and ready[0]["level"] == "INFO" and ready[0]["logger"] == "bot.app"
    assert ready[0]["time"].endswith("+00:00")


def test_bad_log_level_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "--log-level", "loud", "run")
    assert result.returncode == 2 and "invalid choice" in result.stderr


async def test_ready_line_names_accounts_and_communities_never_secrets(db_url: str) -> None:
    settings = load_settings(
        None,
        discord={"token": "discord-secret-token", "guild_id": "4242"},
    )
    settings.matrix = MatrixSection(
        homeserver="https://matrix.example.org",
        user_id="@passerelle:example.org",
        access_token="matrix-secret-token",
        password="hunter2-password",
        rooms=["#communaute:example.org"],
    )
    settings.database.url = db_url
    db = Database(db_url)
    try:
        core = build_core(
            settings,
            db,
            FakeClock(),
            cogs=["poll"],
            adapters=[MemoryAdapter("discord"), MemoryAdapter("matrix")],
        )
        line = ready_line(core)
    finally:
        await db.dispose()
    assert "discord (account ?, guild 4242)" in line
    assert "matrix (account @passerelle:example.org, rooms #communaute:example.org)" in line
    assert "cogs poll;" in line and line.endswith(f"database {db.dialect}")
    for secret in ("discord-secret-token", "matrix-secret-token", "hunter2", db_url):
        assert secret not in line
