"""A real Synapse homeserver on 127.0.0.1 for the end-to-end tests and the benchmark.

Synapse is a server, not our dependency: it is installed once into its own virtual environment
(``<repo>/.cache/synapse-venv``, reused by later runs), configured by hand (client listener on
loopback only, no federation, no key servers, SQLite, relaxed rate limits) and always stopped
by its PID.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".cache" / "synapse-venv"
SERVER_NAME = "passerelle.test"

_RELAXED = {"per_second": 10000, "burst_count": 10000}


# The homeserver the e2e suite was last green with; a cached venv with another version is
# rebuilt, so every machine tests against the same Synapse.
SYNAPSE_VERSION = "1.163.2"


def synapse_python() -> Path:
    """The Synapse venv's interpreter, installing Synapse the first time (~75 s)."""
    python = VENV / "bin" / "python"
    if python.exists():
        check = subprocess.run(
            [
                python,
                "-c",
                "import importlib.metadata as m, synapse; print(m.version('matrix-synapse'))",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check.returncode == 0 and check.stdout.strip() == SYNAPSE_VERSION:
            return python
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True, timeout=300)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"matrix-synapse=={SYNAPSE_VERSION}",
        ],
        check=True,
        timeout=900,
    )
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(workdir: Path, port: int, secret: str) -> dict[str, object]:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(workdir / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
        "log_config": str(workdir / "log.yaml"),
        "media_store_path": str(workdir / "media"),
        "signing_key_path": str(workdir / "signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "registration_shared_secret": secret,
        "enable_registration": False,
        "report_stats": False,
        "enable_metrics": False,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        "bcrypt_rounds": 4,
        "rc_message": _RELAXED,
        "rc_registration": _RELAXED,
        "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
        "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
        "rc_joins_per_room": _RELAXED,
        "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
        "rc_key_requests": _RELAXED,
        "rc_admin_redaction": _RELAXED,
        "rc_3pid_validation": _RELAXED,
        "rc_presence": {"per_user": _RELAXED},
    }


_LOG_CONFIG = """version: 1
formatters:
  plain:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: {path}
    formatter: plain
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


@dataclass
class User:
    user_id: str
    access_token: str
    device_id: str
    password: str


class Synapse:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 60.0) -> None:
        python = synapse_python()
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "media").mkdir(exist_ok=True)
        (self.workdir / "log.yaml").write_text(
            _LOG_CONFIG.format(path=self.workdir / "homeserver.log"), encoding="utf-8"
        )
        config = self.workdir / "homeserver.yaml"
        # JSON is YAML: no YAML writer needed on our side.
        config.write_text(json.dumps(_config(self.workdir, self.port, self.secret)), "utf-8")
        # The signing key Synapse would generate (`--generate-keys` costs a start-up): an
        # ed25519 seed, unpadded base64, "algorithm version seed".
        # Kept across a restart (an outage test): the server signs with the same key.
        key = self.workdir / "signing.key"
        if not key.exists():
            seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            key.write_text(f"ed25519 a_test {seed}\n", encoding="utf-8")
        out = open(self.workdir / "stdout.log", "wb")  # noqa: SIM115 - kept for the process
        self.process = subprocess.Popen(
            [python, "-m", "synapse.app.homeserver", "-c", config],
            cwd=self.workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited: see {self.workdir / 'stdout.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("Synapse did not answer in time")

    def stop(self) -> None:
        """Stop Synapse by its PID: SIGTERM, then SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def _request(
        self, method: str, path: str, body: object | None = None, token: str = ""
    ) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, name: str, *, admin: bool = False) -> User:
        """A user through the shared-secret admin API (HMAC-SHA1 over nonce, user, password,
        admin flag)."""
        password = secrets.token_hex(8)
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode()]))
        mac.update(b"\x00" + (b"admin" if admin else b"notadmin"))
        result = self._request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": name,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return User(result["user_id"], result["access_token"], result["device_id"], password)

    def api(self, method: str, path: str, token: str, body: object | None = None) -> dict:
        return self._request(method, path, body, token)
