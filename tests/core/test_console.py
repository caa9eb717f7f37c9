"""The terminal console, driven as a user would: a real process, lines piped in."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.subprocess_env import passerelle_env

ROOT = Path(__file__).resolve().parents[2]


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = passerelle_env()
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


def test_sigterm_stops_the_console_while_its_input_is_still_open(tmp_path: Path) -> None:
    """A service manager stops `passerelle run` with SIGTERM while nobody types: the process
    ends cleanly at once instead of waiting for a line that never comes."""
    env = passerelle_env()
    config = tmp_path / "c.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n\n[web]\nenabled = false\n',
        encoding="utf-8",
    )
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            stdin=subprocess.PIPE,  # held open: nobody types, nothing ends the input
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while "Passerelle ready" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
