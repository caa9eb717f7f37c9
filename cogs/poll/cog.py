"""The ``poll`` commands: parse → service → render. Rules live in service.py."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Annotated, Any, Literal

from sqlmodel import select

from bot.core import Cog, Core, Delivery, Invocation, Opt, Reply, Role, Tone, UserError, command
from bot.core.ports import Capability
from bot.storage.models import LiveMessage
from cogs.poll import render
from cogs.poll.domain import PollKind, PollView, Tally
from cogs.poll.secret import BallotSecret
from cogs.poll.service import PollDraft, PollService, Voter
from cogs.poll.settings import Settings

log = logging.getLogger(__name__)

PollId = Annotated[int, Opt("Le numéro du sondage, ex. 12", min=1, max=2**31 - 1)]
# Open anonymous polls show results frozen at the last multiple of this many votes (new,
# changed or retracted), so watching them never reveals what one vote changed.
BATCH = render.ANONYMOUS_BATCH
REDACT_NOTE = "poll.redact_note"


class Polls(Cog, name="poll"):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        settings = core.cog_settings("poll", Settings)
        secret = BallotSecret(settings.ballot_secret, settings.ballot_secret_file)
        self.service = PollService(
            core.db, core.clock, core.members, secret, settings.anonymous_minimum
        )
        core.outbox.register("poll.close", self._render_close)
        core.outbox.register(REDACT_NOTE, self._render_redact_note)
        # Anonymous polls: poll id → (results as last shown, votes since then).
        self._snapshots: dict[int, tuple[Tally, int]] = {}
        self._named: set[int] = set()  # polls known not to be anonymous (no snapshot)

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
        if poll.anonymous and await inv.core.can_redact(inv.room) is False:
            # Typed votes in this room cannot be removed: tell the creator, privately.
            await self.core.outbox.enqueue(
                f"poll:{poll.id}:redact-note",
                self.core.clock.now(),
                kind=REDACT_NOTE,
                data={"poll": poll.id},
                member_id=inv.member_id,
                platform=inv.platform,
            )
        if poll.closes_at is not None:
            await self.core.outbox.enqueue(
                close_key(poll.id),
                poll.closes_at,
                kind="poll.close",
                data={"poll": poll.id},
                room=poll.room,
            )
        return render.poll_reply(
            poll, inv.t, inv.prefix, self.core.clock.now(), buttons=self.buttons(inv.platform)
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
        await self.before_vote(poll)
        outcome = await self.service.vote(
            poll, voter(inv), choice=choice, text=text, comment=comment, category=category
        )
        await self.voted(outcome.poll)
        return render.vote_reply(outcome, inv.t)

    @command("retract")
    async def retract(self, inv: Invocation, poll: PollId) -> Reply:
        """Retirer votre vote d'un sondage encore ouvert."""
        await self.before_vote(poll)
        view = await self.service.retract(poll, voter(inv))
        await self.voted(view)
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
        await self.core.outbox.cancel(close_key(view.id))
        self._snapshots.pop(view.id, None)
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

    def buttons(self, platform: str) -> bool:
        adapter = self.core.adapters.get(platform)
        return adapter is not None and Capability.BUTTONS in adapter.capabilities

    async def results_reply(
        self, poll: PollView, t: Any, *, picture: bool = True, buttons: bool = True
    ) -> Reply:
        now = self.core.clock.now()
        batched = poll.anonymous and not poll.is_closed(now)
        tally = await self.shown_tally(poll) if batched else await self.service.tally(poll)
        population = await self.core.room_population(poll.room)
        return render.results_reply(
            tally,
            t,
            population,
            withheld=self.service.withheld(tally),
            now=now,
            picture=picture,
            buttons=buttons,
            batched=batched,
        )

    async def shown_tally(self, poll: PollView) -> Tally:
        """An open anonymous poll's results as of its last batch of votes."""
        snapshot = self._snapshots.get(poll.id)
        if snapshot is None:
            # First look in this process (e.g. after a restart): start from the ballots now.
            snapshot = (await self.service.tally(poll), 0)
            self._snapshots[poll.id] = snapshot
        return replace(snapshot[0], poll=poll)

    async def before_vote(self, poll_id: int) -> None:
        """The first vote on an anonymous poll in this process: note its results before the
        vote, so that the first batch shown does not follow that one vote."""
        if poll_id in self._snapshots or poll_id in self._named:
            return
        try:
            view = await self.service.get(poll_id)
        except UserError:
            return  # the vote itself says the poll does not exist
        if view.anonymous:
            self._snapshots.setdefault(view.id, (await self.service.tally(view), 0))
        else:
            self._named.add(view.id)

    async def voted(self, poll: PollView) -> None:
        """A vote changed the ballots: refresh the live results (anonymous: per batch)."""
        if not poll.anonymous:
            self.refresh(poll)
            return
        tally, pending = self._snapshots.get(poll.id) or (None, BATCH)
        pending += 1
        if tally is not None and pending < BATCH:
            self._snapshots[poll.id] = (tally, pending)
            return
        self._snapshots[poll.id] = (await self.service.tally(poll), 0)
        self.refresh(poll)

    def refresh(self, poll: PollView) -> None:
        """Ask for the live results message to be refreshed (coalesced by the core)."""

        async def build() -> Reply | None:
            view = await self.service.get(poll.id)
            if view.is_closed(self.core.clock.now()) and not await self._has_live(view.id):
                return None  # the final results are posted once, by the close itself
            t = await self.core.translator(room=view.room)
            return await self.results_reply(
                view, t, picture=False, buttons=self.buttons(view.room.platform)
            )

        self.core.live.update(f"poll:{poll.id}:live", poll.room, build)

    async def _has_live(self, poll_id: int) -> bool:
        async with self.core.db.session() as session:
            row = await session.exec(
                select(LiveMessage.id).where(LiveMessage.key == f"poll:{poll_id}:live")
            )
            return row.first() is not None

    async def _render_close(self, delivery: Delivery) -> Reply | None:
        try:
            poll, _ = await self.service.close(int(delivery.data["poll"]), None)
        except UserError:
            return None  # the poll no longer exists
        if not poll.is_closed(delivery.now):
            return None
        if delivery.key == close_key(poll.id) and poll.closed_reason != "timer":
            return None  # closed by hand meanwhile: its results were already posted
        self._snapshots.pop(poll.id, None)
        self.refresh(poll)
        return await self.results_reply(poll, delivery.t, buttons=self.buttons(poll.room.platform))

    async def _render_redact_note(self, delivery: Delivery) -> Reply | None:
        t = delivery.t
        return Reply(
            text=t(
                "Sondage anonyme n° {poll} : le bot n'a pas le droit de supprimer les messages "
                "de ce salon, donc un vote tapé dans le salon par erreur y resterait visible "
                "(il est refusé, mais pas effacé). Donnez au bot le droit de supprimer des "
                "messages (Matrix : niveau de pouvoir « redact »), ou demandez-le à un "
                "modérateur.",
                poll=delivery.data["poll"],
            ),
            tone=Tone.WARNING,
            private=True,
        )

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
