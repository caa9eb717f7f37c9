"""The ``poll`` commands and outbox renderers: parse → service → render. Rules live in
service.py (and ballots.py, validate.py); live results and their batches in live.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Literal

from bot.core import (
    Cog,
    Core,
    Delivery,
    Invocation,
    Opt,
    Reply,
    Role,
    Tone,
    Translator,
    UserError,
    command,
)
from bot.core.ports import Capability
from cogs.poll import render
from cogs.poll.domain import CLOSE_KIND, REDACT_NOTE_KIND, PollView, close_key
from cogs.poll.kinds import CloseReason, PollKind
from cogs.poll.live import LiveResults
from cogs.poll.privacy import PollPrivacy
from cogs.poll.service import PollDraft, PollService, Voter

log = logging.getLogger(__name__)

PollId = Annotated[int, Opt("Le numéro du sondage, ex. 12", min=1, max=2**31 - 1)]


class Polls(Cog, name="poll"):
    def __init__(self, core: Core, service: PollService, privacy: PollPrivacy) -> None:
        super().__init__(core)
        self.service = service
        self.privacy = privacy
        self.live = LiveResults(core, service, self.buttons)
        core.outbox.register(CLOSE_KIND, self._render_close)
        core.outbox.register(REDACT_NOTE_KIND, self._render_redact_note)

    @command(
        "create",
        permission=Role.MEMBER,
        examples=(
            'poll create "Quel jour pour l\'atelier ?" choices:"Lundi | Mardi | Jeudi"',
            "poll create 'Une idée pour la rentrée ?' kind:open duration:3d",
        ),
    )
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
        closes: Annotated[str, Opt("Date de clôture, ex. « jeudi 18h »")] = "",
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
        if poll.anonymous and await inv.core.can_redact(inv.room) is False:
            # Typed votes in this room cannot be removed: tell the creator, privately.
            await self.service.note_no_redaction(poll, inv.member_id, inv.platform)
        await self.service.schedule_close(poll)
        return render.poll_reply(  # the poll itself: for the room
            poll, inv.room_t, inv.prefix, self.core.clock.now(), buttons=self.buttons(inv.platform)
        )

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
        if inv.typed_in_room:
            # Everyone in the room reads a typed vote (and history keeps it): an anonymous
            # poll refuses it, records nothing, and the adapter removes the message.
            view = await self.service.get(poll)
            if view.anonymous:
                return Reply(
                    text=render.typed_vote_refused(view, inv.t, inv.prefix),
                    private=True,
                    redact_source=True,
                    tone=Tone.WARNING,  # not ERROR: some adapters show errors in the room
                )
        await self.live.before_vote(poll)
        outcome = await self.service.vote(
            poll, voter(inv), choice=choice, text=text, comment=comment, category=category
        )
        await self.live.voted(outcome.poll)
        return render.vote_reply(outcome, inv.t)

    @command("retract")
    async def retract(self, inv: Invocation, poll: PollId) -> Reply:
        """Retirer votre vote d'un sondage encore ouvert."""
        await self.live.before_vote(poll)
        view = await self.service.retract(poll, voter(inv))
        await self.live.voted(view)
        return render.retracted_reply(view, inv.t)

    @command("results")
    async def results(self, inv: Invocation, poll: PollId) -> Reply:
        """Voir les résultats d'un sondage (texte et image)."""
        view = await self.service.get(poll)
        if (
            view.room.encode() != inv.room.encode()
            and not inv.is_moderator
            and view.author_id != inv.member_id
            and not await self.service.took_part(view, inv.member_id)
        ):
            raise UserError(
                "Le sondage n° {poll} a été publié dans un autre salon : consultez ses "
                "résultats là-bas. Ailleurs, seuls ses participants et les modérateurs "
                "peuvent les voir.",
                poll=view.id,
            )
        reply = await self.results_reply(view, inv.t, buttons=self.buttons(inv.platform))
        reply.private = True
        return reply

    @command("close", permission=Role.MEMBER)
    async def close(self, inv: Invocation, poll: PollId) -> Reply:
        """Clore un sondage et publier ses résultats (auteur ou modérateurs)."""
        view, changed = await self.service.close(poll, voter(inv))
        if not changed:
            return render.closed_reply(view, inv.t)
        await self.service.cancel_close(view.id)
        self.live.closed(view)
        if view.room != inv.room:
            await self.service.post_final(view)
        # Posted in the room for everyone: in the room's language, not the closer's.
        return await self.results_reply(view, inv.room_t)

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

    # --- results and outbox renderers ----------------------------------------------------------

    def buttons(self, platform: str) -> bool:
        """Whether ``platform`` shows buttons (else actions are typed hints)."""
        return Capability.BUTTONS in self.core.capabilities(platform)

    async def results_reply(
        self,
        poll: PollView,
        t: Translator,
        *,
        picture: bool = True,
        buttons: bool = True,
        names: Mapping[int, str] | None = None,
    ) -> Reply:
        """``names``: members named otherwise than by their display name (a café's
        pseudonyms, when the café posts the results)."""
        return await self.live.reply(poll, t, picture=picture, buttons=buttons, names=names)

    async def _render_close(self, delivery: Delivery) -> Reply | None:
        try:
            poll, _ = await self.service.close(int(delivery.data["poll"]), None)
        except UserError:
            return None  # the poll no longer exists
        if not poll.is_closed(delivery.now):
            return None
        if delivery.key == close_key(poll.id) and poll.closed_reason is not CloseReason.TIMER:
            return None  # closed by hand meanwhile: its results were already posted
        self.live.closed(poll)
        return await self.results_reply(poll, delivery.t, buttons=self.buttons(poll.room.platform))

    async def _render_redact_note(self, delivery: Delivery) -> Reply | None:
        return render.redact_note_reply(delivery.data["poll"], delivery.t)


def voter(inv: Invocation) -> Voter:
    return Voter(inv.member_id, inv.actor.roles)
