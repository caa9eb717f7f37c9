"""The Matrix adapter state in the database: the old state file moved in once, later writes
fenced by the account's lease."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.matrix.state import SavedState, StateFile, catch_up_until
from bot.core.handover import AdapterStateStore
from bot.core.leases import LeaseStore
from bot.storage.db import Database
from bot.storage.models import Lease

LEASE = "matrix:@bot:x"


async def test_the_state_file_moves_into_the_database_once(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "passerelle-state.json").write_text(
        json.dumps({"sync_token": "s9", "direct_rooms": {"@ann:x": "!dm"}}), encoding="utf-8"
    )
    db = Database(db_url)
    try:
        assert await LeaseStore(db).acquire(LEASE, "me", 15)
        saved = SavedState(StateFile(tmp_path), AdapterStateStore(db), "@bot:x", LEASE, "me")
        state = await saved.load()
        assert state.sync_token == "s9" and state.direct_rooms == {"@ann:x": "!dm"}
        assert not (tmp_path / "passerelle-state.json").exists()
        assert (tmp_path / "passerelle-state.migrated").exists()
        # Changes are written by flush (at most every FLUSH_EVERY seconds otherwise).
        state.sync_token = "s10"
        saved.touch()
        await saved.flush()
        await saved.close()
        again = SavedState(StateFile(tmp_path), AdapterStateStore(db), "@bot:x", LEASE, "me")
        loaded = await again.load()
        assert loaded.sync_token == "s10" and loaded.direct_rooms == {"@ann:x": "!dm"}
        # Another process without the lease cannot overwrite it.
        intruder = SavedState(StateFile(tmp_path), AdapterStateStore(db), "@bot:x", LEASE, "b")
        (await intruder.load()).sync_token = "stale"
        assert not await intruder.write()
        assert (await AdapterStateStore(db).load("matrix", "@bot:x") or {})["sync_token"] == "s10"
    finally:
        await db.dispose()


def test_a_takeover_catches_up_only_after_an_owner_that_just_died() -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    died = Lease(name=LEASE, holder="a", acquired_at=now, renewed_at=now, expires_at=now)
    at = (now + timedelta(seconds=5)).timestamp()
    assert catch_up_until(None, 15, at) is None  # a clean stop released the lease
    assert catch_up_until(died, 15, at) == at  # everything since its last sync token
    long_ago = (now + timedelta(hours=2)).timestamp()
    assert catch_up_until(died, 15, long_ago) is None  # every process was down: a restart
