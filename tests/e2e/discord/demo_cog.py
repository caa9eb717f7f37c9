"""A test-only cog: a button action, a select, a prompt (modal) action, an outbox DM."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from bot.core import Action, Attachment, Cog, Field, Opt, Reply, Role, command
from bot.core.outbox import Delivery
from bot.core.reply import ActionStyle


class Demo(Cog, name="demo"):
    votes: dict[str, str]

    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        self.votes = {}
        self.answers: list[str] = []
        core.outbox.register("demo.dm", self._render_dm)

    async def _render_dm(self, d: Delivery) -> Reply | None:
        return Reply(text=d.t("Rappel : {what}", what=d.data["what"]))

    @command("menu")
    async def menu(self, inv, poll: Annotated[int, Opt("Numéro", min=1, max=99)] = 1) -> Reply:
        """Montrer des boutons."""
        return Reply(
            title="Sondage",
            text="Choisissez",
            fields=[Field("Question", "A ou B ?")],
            actions=[
                Action.invoke("demo vote", label="A", choice="A", style=ActionStyle.PRIMARY),
                Action.invoke("demo vote", label="B", choice="B"),
                Action.invoke("demo answer", label="Répondre", prompt="text", poll=poll),
            ],
        )

    @command("many")
    async def many(self, inv) -> Reply:
        """Montrer un menu de choix."""
        return Reply(
            text="Beaucoup de choix",
            actions=[Action.invoke("demo vote", label=c, choice=c) for c in "ABCDEFGH"],
        )

    @command("vote", permission=Role.MEMBER)
    async def vote(
        self, inv, choice: Annotated[Literal["A", "B", "C", "D", "E", "F", "G", "H"], Opt("Choix")]
    ) -> Reply:
        """Voter."""
        self.votes[inv.actor.ref.id] = choice
        if not inv.room.direct:
            self.core.live.update("demo:results", inv.room, self._results)
        return Reply(text=f"Vote {choice} enregistré", private=True)

    async def _results(self) -> Reply:
        return Reply(text=f"Résultats : {len(self.votes)} vote(s)")

    @command("answer")
    async def answer(
        self,
        inv,
        poll: Annotated[int, Opt("Numéro du sondage")],
        text: Annotated[str, Opt("Votre réponse", max_length=300)],
    ) -> Reply:
        """Répondre à une question ouverte."""
        self.answers.append(text)
        return Reply(text=f"Réponse au sondage {poll} : {text}", private=True)

    @command("remind")
    async def remind(self, inv, what: Annotated[str, Opt("Quoi", max_length=100)]) -> Reply:
        """Recevoir un rappel en message privé."""
        await self.core.outbox.enqueue(
            f"demo:{inv.member_id}:{what}",
            self.core.clock.now(),
            kind="demo.dm",
            data={"what": what},
            member_id=inv.member_id,
        )
        return Reply(text="Rappel programmé", private=True)

    @command("slow", defer=False)
    async def slow(
        self, inv, seconds: Annotated[float, Opt("Durée", min=0, max=5)] = 0.5
    ) -> Reply:
        """Répondre lentement."""
        await asyncio.sleep(seconds)
        return Reply(text="Enfin fini")

    @command("file")
    async def file(self, inv) -> Reply:
        """Envoyer un fichier."""
        return Reply(
            title="Export", attachments=[Attachment("votes.csv", b"a,b\n1,2\n", "text/csv")]
        )

    @command("pick")
    async def pick(self, inv, topic: Annotated[str, Opt("Sujet", autocomplete="topics")]) -> Reply:
        """Choisir un sujet."""
        return Reply(text=f"Sujet : {topic}")

    @command("add", group="demo deck")
    async def deck_add(
        self,
        inv,
        number: Annotated[int, Opt("Numéro de la carte", min=1, max=9)],
        text: Annotated[str, Opt("Texte de la carte")] = "",
    ) -> Reply:
        """Ajouter une carte (une sous-commande d'un sous-groupe)."""
        return Reply(
            text=f"Carte {number} : {text}".strip(),
            actions=[Action.invoke("demo deck add", label="Suivante", number=number + 1)],
        )

    async def topics(self, inv, typed: str) -> list[tuple[str, str]]:
        names = ["Médiation", "Numérique", "Accessibilité"]
        return [(n, n.lower()) for n in names if typed.lower() in n.lower()]


class ModDemo(Cog, name="modo"):
    """A test-only group whose every command is for moderators (hidden from members)."""

    def __init__(self, core) -> None:  # type: ignore[no-untyped-def]
        super().__init__(core)
        self.calls: list[str] = []

    @command("purge", permission=Role.MODERATOR)
    async def purge(self, inv) -> Reply:
        """Vider les votes."""
        self.calls.append(inv.actor.ref.id)
        return Reply(text="Votes vidés", private=True)

    @command("reset", permission=Role.ADMIN)
    async def reset(self, inv) -> Reply:
        """Tout remettre à zéro."""
        self.calls.append(inv.actor.ref.id)
        return Reply(text="Tout est remis à zéro", private=True)
