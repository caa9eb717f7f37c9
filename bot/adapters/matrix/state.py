"""What the Matrix adapter keeps across restarts, in ``<store_path>/passerelle-state.json``.

The login (device id, access token obtained with a password), the sync token, the native polls
the bot started (key → start event, so votes and ends still work after a restart), the direct
rooms it created (mirrored in the account's ``m.direct``) and the rooms it already warned about
encryption. Written atomically (temporary file + rename) after each change.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_POLLS = 2000  # closed polls beyond this are forgotten, oldest first


@dataclass
class PollRecord:
    key: str
    room_id: str
    event_id: str
    poll: dict[str, Any]  # NativePoll.to_json()
    closed: bool = False


@dataclass
class AdapterState:
    user_id: str = ""
    device_id: str = ""
    access_token: str = ""  # only when obtained by password login
    sync_token: str = ""
    polls: dict[str, PollRecord] = field(default_factory=dict)  # key → record
    direct_rooms: dict[str, str] = field(default_factory=dict)  # user id → room id
    refused_dm: list[str] = field(default_factory=list)  # users who left/rejected our DM room
    warned_encrypted: list[str] = field(default_factory=list)

    def poll_by_event(self, event_id: str) -> PollRecord | None:
        for record in self.polls.values():
            if record.event_id == event_id:
                return record
        return None

    def forget_room(self, room_id: str) -> None:
        self.polls = {k: p for k, p in self.polls.items() if p.room_id != room_id}
        self.direct_rooms = {u: r for u, r in self.direct_rooms.items() if r != room_id}
        if room_id in self.warned_encrypted:
            self.warned_encrypted.remove(room_id)

    def prune(self) -> None:
        closed = [k for k, p in self.polls.items() if p.closed]
        for key in closed[: max(0, len(self.polls) - MAX_POLLS)]:
            del self.polls[key]


class StateFile:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "passerelle-state.json"
        self.state = AdapterState()

    def load(self) -> AdapterState:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return self.state
        except (OSError, ValueError):
            log.exception("Matrix state file %s is unreadable; starting afresh", self.path)
            return self.state
        polls = {k: PollRecord(**v) for k, v in (data.pop("polls", None) or {}).items()}
        known = AdapterState.__dataclass_fields__
        self.state = AdapterState(**{k: v for k, v in data.items() if k in known}, polls=polls)
        return self.state

    def save(self) -> None:
        self.state.prune()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = asdict(self.state)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        os.replace(tmp, self.path)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
