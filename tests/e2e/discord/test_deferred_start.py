"""A real ``passerelle run`` on Discord offers its commands from the cog index and imports the
cogs once the gateway is up: commands typed at once — one that needs no cog, one that does —
are each answered once, and nothing else changes (tests/core/test_deferred_cogs.py has the
details with an in-process adapter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.discord import FakeDiscord
from tests.e2e.processes import Process, discord_process_config

pytestmark = pytest.mark.e2e


async def test_commands_typed_as_the_gateway_comes_up_are_answered_once(
    db_url: str, tmp_path: Path
) -> None:
    fake = await FakeDiscord().start()
    mod = fake.add_member("mod", roles=[fake.moderator_role])
    config = discord_process_config(fake, db_url, tmp_path, "bot", 15.0)
    processes: list[Process] = []
    try:
        # The first start writes the cog index if the code changed since the last one.
        first = Process("first", config, tmp_path)
        processes.append(first)
        await first.wait_log("Passerelle ready")
        first.stop()
        fake.identified.clear()

        second = Process("second", config, tmp_path)
        processes.append(second)
        await fake.wait_connected(30)
        help_id = await fake.command(mod, "help")
        cafe_id = await fake.command(mod, "cafe list")
        assert (await fake.answer(help_id)).kind == "message"
        assert (await fake.answer(cafe_id)).kind == "message"
        await second.wait_log("Passerelle ready")
        assert "Cogs cafe loaded after the platforms connected" in second.text()
        for command in (help_id, cafe_id):
            assert fake.interactions[command].callback is not None  # answered exactly once
        assert "Traceback" not in second.text()
    finally:
        for process in processes:
            process.stop()
        await fake.stop()
