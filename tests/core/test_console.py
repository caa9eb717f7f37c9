"""The terminal console, driven as a user would: a real process, lines piped in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", f"sqlite:///{tmp_path / 'c.db'}", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def test_scripted_session_exits_zero_and_reads_well(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "!help",
                ":as bob",
                "/language en",
                "!help",
                "!hepl",
                ":as newperson",
                "!timezone Nowhere/Land",
                ":join carol",
                ":sleep 0.1s",
                "bonjour",
            ]
        )
        + "\n"
    )
    result = run_console(tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "alice> !help" in out and "Commandes de Passerelle" in out
    assert "[DM → bob] Noted: I will answer you in English" in out
    assert "[DM → bob] Passerelle commands" in out
    assert 'Unknown command: "hepl". Did you mean "help"?' in out
    assert "Fuseau horaire inconnu" in out
    assert "→ carol arrive dans la communauté." in out
    assert "Traceback" not in out + result.stderr


def test_state_survives_a_restart(tmp_path: Path) -> None:
    run_console(tmp_path, ":as bob\n!language en\n")
    again = run_console(tmp_path, ":as bob\n!help\n")
    assert "Passerelle commands" in again.stdout


def test_cli_help_and_version(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["run", "--help"],
        ["console", "--help"],
        ["db", "upgrade", "--help"],
        ["config", "check", "--help"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode == 0 and "usage: passerelle" in result.stdout
    version = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.startswith("passerelle ")


def test_db_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    first = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0 and "upgraded" in first.stdout, first.stderr
    second = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "already current" in second.stdout
