"""A real `passerelle console` process serves /healthz on loopback while it runs."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.subprocess_env import passerelle_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _curl(url: str) -> tuple[int, str]:
    """``curl`` as an operator would: (status, body); status 0 while nothing listens."""
    done = subprocess.run(
        ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "2", url],
        capture_output=True,
        text=True,
        timeout=10,
    )
    body, _, code = done.stdout.rpartition("\n")
    return int(code or 0), body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_console_serves_healthz_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    env = passerelle_env()
    env["PASSERELLE_WEB__PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--db", f"sqlite:///{tmp_path / 'c.db'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        status, body = 0, ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            status, body = _curl(f"http://127.0.0.1:{port}/healthz")
            if status:
                break
            time.sleep(0.2)
        assert status == 200, body
        health = json.loads(body)
        assert health["status"] == "ok" and health["database"]["ok"] is True
        assert health["adapters"] == {"console": {"connected": True, "standby": False}}
        assert health["outbox"]["backlog"] == 0
        status, _ = _curl(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert proc.stdin is not None
        out, err = proc.communicate("!help\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Commandes de Passerelle" in out and "Traceback" not in out + err
    # Stopped with the console: nothing listens any more.
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
