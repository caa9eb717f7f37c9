"""A tiny test-only cog: a poll shown natively on Matrix, one ballot per member.

The real poll cog is written elsewhere; this one only proves the adapter's side: a native vote
arrives as the cog's vote command, and a typed vote by the same member replaces it.
"""

from __future__ import annotations

from typing import Annotated

from bot.core import Action, Cog, Invocation, Opt, Reply, command
from bot.core.reply import NativePoll

ANSWERS = (("c", "Café"), ("t", "Thé"))


class Ballot(Cog, name="ballot"):
    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        self.votes: dict[int, str] = {}  # member id → answer id: one ballot per member

    def _poll(self, closed: bool = False) -> NativePoll:
        return NativePoll(
            key="ballot:1",
            question="Café ou thé ?",
            answers=ANSWERS,
            vote=Action.invoke("ballot vote", label="Voter", ballot=1),
            closed=closed,
        )

    def _tally(self) -> str:
        counts = {aid: sum(1 for v in self.votes.values() if v == aid) for aid, _ in ANSWERS}
        return " ".join(f"{aid}={n}" for aid, n in counts.items()) + f" voters={len(self.votes)}"

    @command("ping")
    async def ping(self, inv: Invocation) -> Reply:
        """Répondre pong."""
        return Reply(text=f"pong **{inv.actor.ref.display_name}**")

    @command("open")
    async def open(self, inv: Invocation) -> Reply:
        """Ouvrir le vote."""
        self.votes.clear()
        return Reply(
            text="Café ou thé ?",
            actions=[Action.invoke("ballot vote", label="Café", ballot=1, choice="c")],
            poll=self._poll(),
        )

    @command("vote")
    async def vote(
        self,
        inv: Invocation,
        ballot: Annotated[int, Opt("Numéro")],
        choice: Annotated[str, Opt("Réponse")],
    ) -> Reply:
        """Voter."""
        self.votes[inv.member_id] = choice.split("|")[0]
        return Reply(text="Vote enregistré")

    @command("tally")
    async def tally(self, inv: Invocation) -> Reply:
        """Afficher le décompte."""
        return Reply(text=self._tally())

    @command("close")
    async def close(self, inv: Invocation) -> Reply:
        """Clore le vote."""
        return Reply(text="Résultats : " + self._tally(), poll=self._poll(closed=True))
