"""What several benchmarks share, so that none imports from tests/: a tiny cog to drive.

Run benchmarks from the repository root (``.venv/bin/python bench/<name>.py``); each adds the
root to ``sys.path`` itself.
"""

from __future__ import annotations

from bot.core import Cog, Invocation, Reply, command
from bot.core.outbox import Delivery


class BenchCog(Cog, name="bench"):
    """``bench ping`` answers at once (round trips without cog work); ``bench.dm`` renders an
    outbox reminder (fan-out without a cog's own queries)."""

    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        core.outbox.register("bench.dm", self._render_dm)

    async def _render_dm(self, d: Delivery) -> Reply | None:
        return Reply(text=d.t("Rappel : {what}", what=d.data["what"]))

    @command("ping")
    async def ping(self, inv: Invocation) -> Reply:
        """Répondre pong."""
        return Reply(text=f"pong **{inv.actor.ref.display_name}**")
