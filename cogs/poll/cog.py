"""The ``poll`` commands: parse → service → render. Rules live in service.py."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from bot.core import Cog, Core, Delivery, Invocation, Opt, Reply, Role, UserError, command
from cogs.poll import render
from cogs.poll.domain import PollKind, PollView
from cogs.poll.secret import BallotSecret
from cogs.poll.service import PollDraft, PollService, Voter
from cogs.poll.settings import Settings

log = logging.getLogger(__name__)

PollId = Annotated[int, Opt("Le numéro du sondage, ex. 12", min=1)]


class Polls(Cog, name="poll"):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        settings = core.cog_settings("poll", Settings)
        secret = BallotSecret(settings.ballot_secret, settings.ballot_secret_file)
        self.service = PollService(
            core.db, core.clock, core.members, secret, settings.anonymous_minimum
        )
        core.outbox.register("poll.close", self._render_close)

    @command("create", permission=Role.MEMBER)
    async def create(
        self,
        inv: Invocation,
        question: Annotated[str, Opt("La question posée", max_length=300)],
        kind: Annotated[PollKind, Opt("Type de sondage")] = PollKind.SINGLE,
        choices: Annotated[str, Opt('Les choix, séparés par | : "A | B | C"')] = "",
        anonymous: Annotated[
            bool, Opt("Anonyme : personne ne peut savoir qui a voté quoi")
        ] = False,
        results: Annotated[
            Literal["live", "hidden"], Opt("Résultats visibles en direct ou à la clôture")
        ] = "live",
        duration: Annotated[str, Opt("Durée avant clôture automatique, ex. 30m, 2h, 3d")] = "",
        closes: Annotated[str, Opt('Date de clôture, ex. "2027-03-05 18:00"')] = "",
        max: Annotated[
            int, Opt("Choix multiples : choix au plus ; nuage : mots par personne", min=0, max=25)
        ] = 0,
        answer: Annotated[str, Opt("Quiz : la ou les bonnes réponses, séparées par |")] = "",
        categories: Annotated[str, Opt("Tableau d'idées : catégories séparées par |")] = "",
        role: Annotated[Role, Opt("Qui peut voter")] = Role.MEMBER,
    ) -> Reply:
        """Créer un sondage (8 types : choix, classement, note, question, nuage, quiz, idées)."""
        draft = PollDraft(
            question,
            kind,
            choices,
            anonymous,
            results,
            duration,
            closes,
            max or None,
            answer,
            categories,
            role,
        )
        poll = await self.service.create(inv.member_id, inv.room, draft, inv.tz)
        if poll.closes_at is not None:
            await self.core.outbox.enqueue(
                close_key(poll.id),
                poll.closes_at,
                kind="poll.close",
                data={"poll": poll.id},
                room=poll.room,
            )
        return render.poll_reply(poll, inv.t, inv.prefix, self.core.clock.now())

    @command("vote")
    async def vote(
        self,
        inv: Invocation,
        poll: PollId,
        choice: Annotated[
            str, Opt("Numéro(s) ou intitulé(s), séparés par | ; une note de 1 à 5")
        ] = "",
        text: Annotated[
            str,
            Opt("Votre réponse (question, nuage, quiz) ou votre idée (tableau)", max_length=500),
        ] = "",
        comment: Annotated[str, Opt("Un commentaire avec votre note", max_length=500)] = "",
        category: Annotated[str, Opt("Tableau d'idées : la catégorie de votre idée")] = "",
    ) -> Reply:
        """Voter ou répondre à un sondage (un nouveau vote remplace l'ancien)."""
        outcome = await self.service.vote(
            poll, voter(inv), choice=choice, text=text, comment=comment, category=category
        )
        self.refresh(outcome.poll)
        return render.vote_reply(outcome, inv.t)

    @command("retract")
    async def retract(self, inv: Invocation, poll: PollId) -> Reply:
        """Retirer votre vote d'un sondage encore ouvert."""
        view = await self.service.retract(poll, voter(inv))
        self.refresh(view)
        return render.retracted_reply(view, inv.t)

    @command("results")
    async def results(self, inv: Invocation, poll: PollId) -> Reply:
        """Voir les résultats d'un sondage (texte et image)."""
        view = await self.service.get(poll)
        reply = await self.results_reply(view, inv.t)
        reply.private = True
        return reply

    @command("close", permission=Role.MEMBER)
    async def close(self, inv: Invocation, poll: PollId) -> Reply:
        """Clore un sondage et publier ses résultats (auteur ou modérateurs)."""
        view, changed = await self.service.close(poll, voter(inv))
        if not changed:
            return render.closed_reply(view, inv.t)
        await self.core.outbox.cancel(close_key(view.id))
        self.refresh(view)
        if view.room != inv.room:
            await self.core.outbox.enqueue(
                f"poll:{view.id}:final",
                self.core.clock.now(),
                kind="poll.close",
                data={"poll": view.id},
                room=view.room,
            )
        return await self.results_reply(view, inv.t)

    @command("export", permission=Role.MEMBER)
    async def export(self, inv: Invocation, poll: PollId) -> Reply:
        """Exporter les votes d'un sondage en CSV (auteur ou modérateurs)."""
        view = await self.service.get(poll)
        data = await self.service.export_csv(view, voter(inv))
        return render.export_reply(view, data, inv.t)

    @command("list")
    async def list(self, inv: Invocation) -> Reply:
        """Lister les sondages de ce salon."""
        open_polls, closed = await self.service.list_polls(inv.room)
        return render.list_reply(open_polls, closed, inv.t, self.core.clock.now())

    # --- results, live message, automatic closing ---------------------------------------------

    async def results_reply(self, poll: PollView, t: Any, *, picture: bool = True) -> Reply:
        tally = await self.service.tally(poll)
        population = await self.core.room_population(poll.room)
        return render.results_reply(
            tally,
            t,
            population,
            withheld=self.service.withheld(tally),
            now=self.core.clock.now(),
            picture=picture,
        )

    def refresh(self, poll: PollView) -> None:
        """Ask for the live results message to be refreshed (coalesced by the core)."""

        async def build() -> Reply:
            view = await self.service.get(poll.id)
            t = await self.core.translator(room=view.room)
            return await self.results_reply(view, t, picture=False)

        self.core.live.update(f"poll:{poll.id}:live", poll.room, build)

    async def _render_close(self, delivery: Delivery) -> Reply | None:
        try:
            poll, _ = await self.service.close(int(delivery.data["poll"]), None)
        except UserError:
            return None  # the poll no longer exists
        if not poll.is_closed(delivery.now):
            return None
        if delivery.key == close_key(poll.id) and poll.closed_reason != "timer":
            return None  # closed by hand meanwhile: its results were already posted
        self.refresh(poll)
        return await self.results_reply(poll, delivery.t)

    # --- privacy ---------------------------------------------------------------------------------

    async def export_member(self, member_id: int) -> dict[str, Any] | None:
        return await self.service.member_data(member_id)

    async def forget_member(self, member_id: int) -> None:
        await self.service.forget(member_id)

    async def merge_members(self, kept: int, merged: int) -> None:
        await self.service.merge(kept, merged)


def close_key(poll_id: int) -> str:
    return f"poll:{poll_id}:close"


def voter(inv: Invocation) -> Voter:
    return Voter(inv.member_id, inv.actor.roles)
