"""The scheduler wakes the outbox sender at the due time (real time, short waits)."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from bot.adapters.console import ConsoleAdapter
from bot.app import App
from bot.config import load_settings
from bot.core.refs import MemberRef
from bot.core.reply import Reply


async def test_a_message_due_soon_is_sent_without_anyone_asking(tmp_path) -> None:
    settings = load_settings(None)
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    settings.cogs.enabled = []
    settings.console.files_dir = str(tmp_path / "files")
    out = io.StringIO()
    # Its input is empty: after start-up nothing but the scheduler can trigger the send.
    console = ConsoleAdapter(settings.console, stdin=io.StringIO(""), stdout=out)
    app = App(settings, [console])
    core = await app.start()
    try:
        bob = await core.members.resolve(MemberRef("console", "bob", "bob"))
        due = core.clock.now() + timedelta(seconds=1.2)
        await core.outbox.enqueue(
            "wake:1", due, reply=Reply(text="c'est l'heure"), member_id=bob.id
        )
        assert "c'est l'heure" not in out.getvalue()
        for _ in range(40):
            await asyncio.sleep(0.1)
            if "c'est l'heure" in out.getvalue():
                break
        assert "[DM → bob] c'est l'heure" in out.getvalue()
        # The sender stamps its batch just after sending: give it that moment.
        for _ in range(40):
            row = await core.outbox.get("wake:1")
            if row is not None and row.sent_at is not None:
                break
            await asyncio.sleep(0.05)
        assert row is not None and row.sent_at is not None and row.sent_at >= due
    finally:
        await app.stop()
