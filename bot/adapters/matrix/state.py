"""What the Matrix adapter keeps across restarts and hands to the next owner of the account.

The login (device id, access token obtained with a password), the sync token, the native polls
the bot started (key → start event, so votes and ends still work after a restart), the direct
rooms it created (mirrored in the account's ``m.direct``) and the rooms it already warned about
encryption. Under a core it lives in the database (:class:`SavedState`, ``core_adapter_state``),
written by the lease holder at most every ``FLUSH_EVERY`` seconds, so a standby on any host
takes over from the owner's last sync token; ``<store_path>/passerelle-state.json`` (written
atomically: temporary file + rename) is read once to migrate an older installation, and is
still what an adapter without a database (unit tests) writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.handover import AdapterStateStore
    from bot.storage.models import Lease

log = logging.getLogger(__name__)

MAX_POLLS = 2000  # closed polls beyond this are forgotten, oldest first
FLUSH_EVERY = 2.0  # seconds: the state is written at most this often (a sync is ~1 per command)
PLATFORM = "matrix"
CATCH_UP_MARGIN = 30.0  # seconds after a dead owner's lease expired when a takeover catches up


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AdapterState:
        data = dict(data)
        polls = {k: PollRecord(**v) for k, v in (data.pop("polls", None) or {}).items()}
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known}, polls=polls)

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
        self.state = AdapterState.from_json(data)
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


def catch_up_until(previous: Lease | None, failover_seconds: float, now: float) -> float | None:
    """Until when (epoch seconds) a new owner's first sync answers the commands typed since
    the saved sync token.

    Taking over from an owner that died moments ago: everything up to ``now`` — typed before
    it died (it may not have answered; claims drop what it did) or during the failover. After
    a clean stop (``previous`` None), or a lease that expired long ago (every process was
    down): nothing, as after any restart, so no old command is answered."""
    if previous is None:
        return None
    recent = 2 * failover_seconds + CATCH_UP_MARGIN
    return now if now - previous.expires_at.timestamp() <= recent else None


class SavedState:
    """The state in ``core_adapter_state`` for one account, written only while this process
    holds the account's lease (the write is fenced by it in the same statement)."""

    def __init__(
        self, statefile: StateFile, store: AdapterStateStore, account: str, lease: str, holder: str
    ) -> None:
        self.statefile = statefile
        self.store = store
        self.account = account
        self.lease = lease
        self.holder = holder
        self._dirty = False
        self._written_at = 0.0
        self._task: asyncio.Task[None] | None = None

    async def load(self) -> AdapterState:
        """The last owner's state; the first time, the state file migrated once (renamed
        ``.migrated`` so that it is never read again)."""
        data = await self.store.load(PLATFORM, self.account)
        if data is not None:
            self.statefile.state = AdapterState.from_json(data)
            return self.statefile.state
        state = self.statefile.load()
        if self.statefile.path.exists() and await self.write():
            self.statefile.path.rename(self.statefile.path.with_suffix(".migrated"))
            log.info("Matrix: state file %s moved into the database", self.statefile.path)
        return state

    def touch(self) -> None:
        """The state changed: write it within ``FLUSH_EVERY`` seconds."""
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name="matrix-state")

    async def _flush_soon(self) -> None:
        await asyncio.sleep(max(0.0, self._written_at + FLUSH_EVERY - time.monotonic()))
        try:
            await self.flush()
        except Exception:
            log.warning("Matrix: could not save the adapter state; retrying", exc_info=True)
            self._dirty = True
            self._written_at = time.monotonic()
            self._task = None
            self.touch()

    async def flush(self) -> None:
        """Write now if anything changed (on stop, before the lease is released)."""
        if self._dirty:
            self._dirty = False
            await self.write()

    async def write(self) -> bool:
        self._written_at = time.monotonic()
        self.statefile.state.prune()
        saved = await self.store.save(
            PLATFORM,
            self.account,
            asdict(self.statefile.state),
            lease=self.lease,
            holder=self.holder,
        )
        if not saved:
            log.warning("Matrix: state not saved: this process no longer owns %s", self.account)
        return saved

    async def close(self) -> None:
        """Stop writing (the connection is handed over or lost); pending changes are dropped
        unless :meth:`flush` came first."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._dirty = False
