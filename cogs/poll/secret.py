"""The server secret behind anonymous ballots, and the per-poll voter keys derived from it.

A voter in an anonymous poll is stored as ``HMAC-SHA256(secret, "poll:<id>:<salt>:<member>")``.
The secret never enters the database, so the database alone cannot tell who voted what (not
even by hashing every member id); the same member always gets the same key in one poll, which
is what keeps one ballot per person. Keys differ from poll to poll, so ballots cannot be linked
across polls either.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "PASSERELLE_COGS__POLL__BALLOT_SECRET"


def named_voter(member_id: int) -> str:
    return f"m:{member_id}"


def anonymous_voter(secret: bytes, poll_id: int, salt: str, member_id: int) -> str:
    message = f"poll:{poll_id}:{salt}:{member_id}".encode()
    return "h:" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:48]


class BallotSecret:
    """Loads the secret lazily: config, then the environment, then a 0600 file it creates."""

    def __init__(self, configured: str | None, path: str | Path) -> None:
        self._configured = configured
        self._path = Path(path)
        self._value: bytes | None = None

    def get(self) -> bytes:
        if self._value is None:
            self._value = self._load()
        return self._value

    def _load(self) -> bytes:
        value = self._configured or os.environ.get(ENV_VAR)
        if value:
            return value.encode()
        path = self._path.expanduser()
        try:
            return _read(path)
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL with mode 0600 at creation: the file is never readable by others, not
            # even between its creation and a later chmod (there is none).
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:  # another process created it first
            return _read(path)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        log.info("Created the anonymous ballot secret file %s (mode 0600)", path)
        return _read(path)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read(path: Path) -> bytes:
    _make_private(path)
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 16:
        raise RuntimeError(f"{path}: the ballot secret is too short (at least 16 characters)")
    return value.encode()


def _make_private(path: Path) -> None:
    """A secret file others can read (copied by hand, restored from a backup…) is made
    private to the bot's user again, with a warning: whoever read it could link ballots."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o600)
        log.warning(
            "The ballot secret file %s was readable by other users (mode %o): now 0600. "
            "Anyone who read it could tell who voted what in anonymous polls.",
            path,
            mode,
        )
