"""A cog group wider than Discord's 4,000-character budget still syncs: its option
descriptions are shortened in the payload, ``help`` keeps them whole."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from bot.adapters.discord.budget import size
from bot.core import Cog, Opt, Reply, command
from tests.e2e.discord.conftest import Bot

LONG = "Une description d'option très détaillée (avec un exemple long : 12, 14 ou 16) — {n}"


def _wide_cog() -> type[Cog]:
    def make(n: int) -> Any:
        async def run(
            self: Any, inv: Any, first: str = "", second: str = "", third: str = ""
        ) -> Any:
            """Une commande large."""
            return Reply(text="ok")

        # Real objects, not strings: each command has its own option texts.
        run.__annotations__ = {
            name: Annotated[str, Opt(LONG.format(n=n + 100 * i))]
            for i, name in enumerate(("first", "second", "third"))
        } | {"inv": Any, "return": Reply}
        return command(f"cmd{n}")(run)

    # The commands are collected when the class is made, so they are in its namespace.
    return type(Cog)("Wide", (Cog,), {f"cmd{n}": make(n) for n in range(20)}, name="wide")


@pytest.fixture
async def wide_bot(fake: Any, db_url: str, tmp_path: Any) -> Any:
    bot = await Bot(fake, db_url, tmp_path / "sync.json").start(cogs=[_wide_cog()])
    yield bot
    await bot.stop()


async def test_a_group_over_the_budget_is_fitted_and_accepted(wide_bot: Bot) -> None:
    fake = wide_bot.fake
    assert wide_bot.adapter.synced
    _, commands = fake.sync_requests[-1]
    wide = next(c for c in commands if c["name"] == "wide")
    assert len(wide["options"]) == 20
    assert size(wide) <= 4000
    # Unfitted, the same group is well over the budget: the fitter did the work.
    assert 20 * 3 * len(LONG) > 4000
    texts = [o["description"] for sub in wide["options"] for o in sub["options"]]
    assert any(t.startswith("Une description d'option très détaillée") for t in texts)
    # help keeps the whole text
    iid = await fake.command(fake.member_id("user0"), "help", topic="wide cmd0")
    answer = await fake.answer(iid)
    assert "exemple long" in answer.text
