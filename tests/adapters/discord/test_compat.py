"""The discord.py internals the adapter wraps are still what compat.py expects.

If this fails after a discord.py upgrade, read bot/adapters/discord/compat.py: adapt the wraps
there (gateway parsers, CommandTree._call, endpoints, raw HTTP calls), then move the pin in
pyproject.toml and constraints.txt.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.adapters.discord import compat

ROOT = Path(__file__).resolve().parents[3]


def test_discord_py_internals_are_what_compat_py_wraps() -> None:
    problems = compat.problems()
    if problems:
        pytest.fail(
            "discord.py changed internals that bot/adapters/discord/compat.py relies on:\n  - "
            + "\n  - ".join(problems)
            + "\nAdapt compat.py before moving the discord.py pin.",
            pytrace=False,
        )


def test_the_pin_matches_the_minor_version_compat_py_was_checked_against() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if d.startswith("discord.py")]
    low, high = compat.SUPPORTED, (compat.SUPPORTED[0], compat.SUPPORTED[1] + 1)
    assert pins and re.fullmatch(
        rf"discord\.py>={low[0]}\.{low[1]}(\.\d+)?,<{high[0]}\.{high[1]}", pins[0]
    ), f"pyproject.toml pins {pins}; compat.py was checked against {low} (see compat.SUPPORTED)"


async def test_the_wraps_take_effect() -> None:
    client = discord.Client(intents=discord.Intents.none())
    seen: list[str] = []

    def wrap(event: str, parse: compat.Parser) -> compat.Parser:
        def run(data: object) -> None:
            seen.append(event)

        return run

    compat.wrap_parsers(client, ["GUILD_MEMBER_ADD", "NO_SUCH_EVENT"], wrap)
    client._connection.parsers["GUILD_MEMBER_ADD"]({})
    assert seen == ["GUILD_MEMBER_ADD"], "compat.wrap_parsers no longer reaches the parsers"
    assert "NO_SUCH_EVENT" not in client._connection.parsers

    unread: list[object] = []

    class Tree(compat.GuardedCommandTree):
        async def on_unreadable(self, interaction: discord.Interaction) -> None:
            unread.append(interaction)

    tree = Tree(client)
    broken: Any = object()  # not an Interaction: reading it fails inside CommandTree._call
    await tree._call(broken)
    assert unread == [broken], "compat.GuardedCommandTree._call no longer guards the dispatch"
    assert isinstance(tree, app_commands.CommandTree)
    await client.close()
