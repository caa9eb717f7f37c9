"""A tiny test-only cog: a poll shown natively on Matrix, one ballot per member.

The real poll cog is written elsewhere; this one only proves the adapter's side: a native vote
arrives as the cog's vote command, and a typed vote by the same member replaces it.
"""

from __future__ import annotations

import io
from typing import Annotated

from PIL import Image

from bot.core import Action, Attachment, Cog, Invocation, Opt, Reply, Role, command
from bot.core.events import Event, MemberJoined, MemberLeft, listener
from bot.core.reply import NativePoll

ANSWERS = (("c", "Café"), ("t", "Thé"))


class Ballot(Cog, name="ballot"):
    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        self.votes: dict[int, str] = {}  # member id → answer id: one ballot per member
        self.arrivals: list[Event] = []
        self.typed_votes: list[bool] = []  # Invocation.typed_in_room of each vote, in order

    @listener(MemberJoined)
    async def on_join(self, event: MemberJoined) -> None:
        self.arrivals.append(event)

    @listener(MemberLeft)
    async def on_leave(self, event: MemberLeft) -> None:
        self.arrivals.append(event)

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
        self.typed_votes.append(inv.typed_in_room)
        return Reply(text="Vote enregistré")

    @command("anon")
    async def anon(self, inv: Invocation) -> Reply:
        """Voter anonymement : le message tapé dans un salon est retiré (comme le cog poll)."""
        return Reply(text="Vote anonyme enregistré", private=True, redact_source=True)

    @command("echo")
    async def echo(self, inv: Invocation, text: Annotated[str, Opt("Texte")]) -> Reply:
        """Répéter un texte de membre (comme une question de sondage)."""
        return Reply(text=text)

    @command("tally")
    async def tally(self, inv: Invocation) -> Reply:
        """Afficher le décompte."""
        return Reply(text=self._tally())

    @command("close")
    async def close(self, inv: Invocation) -> Reply:
        """Clore le vote."""
        return Reply(text="Résultats : " + self._tally(), poll=self._poll(closed=True))

    @command("secret", permission=Role.MODERATOR)
    async def secret(self, inv: Invocation) -> Reply:
        """Commande de modération."""
        return Reply(text="secret ok")

    @command("population")
    async def population(self, inv: Invocation) -> Reply:
        """Compter les membres du salon."""
        return Reply(text=f"population={await self.core.room_population(inv.room)}")

    @command("chart")
    async def chart(self, inv: Invocation) -> Reply:
        """Envoyer une image."""
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
        return Reply(
            text="Résultats",
            attachments=[Attachment("chart.png", buffer.getvalue(), "image/png", "Graphique")],
        )
