"""Café commands: parse → service → render. Moderators schedule; members register."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from bot.core import (
    Cog,
    Core,
    Delivery,
    Invocation,
    Opt,
    ReminderPreferenceChanged,
    Reply,
    Role,
    UserError,
    command,
    listener,
)
from cogs.cafe import calendar, feed_render, render, render_outbox
from cogs.cafe.cog_confirmation import ConfirmationCommands
from cogs.cafe.cog_leaderboard import LeaderboardCommands
from cogs.cafe.domain import (
    REGISTERED,
    WAITLISTED,
    CheckInClosed,
    parse_preference,
)
from cogs.cafe.feeds import CafeFeeds
from cogs.cafe.live import LiveSessions
from cogs.cafe.live_commands import LiveCommands
from cogs.cafe.programme import Programme
from cogs.cafe.programme_commands import ProgrammeCommands
from cogs.cafe.reminders import ANNOUNCE, NOTICE, REMINDER, START
from cogs.cafe.service import CafeService
from cogs.cafe.settings import CafeSettings

# Every integer option has a declared range: an id beyond the database's integer would reach it
# and fail there ("something went wrong") instead of getting the usual range message.
MAX_ID = 2**31 - 1
MAX_CAPACITY = 10_000
OccurrenceOpt = Annotated[int | None, Opt("Numéro du café", min=1, max=MAX_ID)]
# Attendance confirmation options (cafe create, cafe edit series:true).
ConfirmOpt = Annotated[str, Opt("« Toujours là ? » avant le début, ex. 24h ; off")]
ReleaseOpt = Annotated[bool | None, Opt("true : places non confirmées à l'attente")]
ReleaseBeforeOpt = Annotated[str, Opt("Délai de confirmation avant le début (2h)")]


class Cafe(
    ConfirmationCommands,
    ProgrammeCommands,
    LiveCommands,
    LeaderboardCommands,
    Cog,
    name="cafe",
):
    """The café's commands; ``cafe confirm|release`` come from ``ConfirmationCommands``,
    ``cafe programme …`` from ``ProgrammeCommands``, ``cafe start|next|end`` from
    ``LiveCommands``, ``cafe score|pseudo`` from ``LeaderboardCommands``."""

    def __init__(
        self,
        core: Core,
        *,
        settings: CafeSettings,
        service: CafeService,
        programme: Programme,
        live: LiveSessions,
    ) -> None:
        super().__init__(core)
        self.settings = settings
        self.service = service
        self.programme = programme
        self.live = live
        self.privacy = service.privacy
        core.outbox.register(REMINDER, self._render_reminder)
        core.outbox.register(NOTICE, self._render_notice)
        core.outbox.register(ANNOUNCE, self._render_announce)
        core.outbox.register(START, self._render_start)
        self.register_confirmation()
        self.register_live()

    async def start(self) -> None:
        await self.service.materialize()

    # --- moderators -----------------------------------------------------------------------------

    @command(
        "create",
        permission=Role.MODERATOR,
        examples=(
            'cafe create title:"Café des médiateurs" schedule:"le premier jeudi du mois 10h"',
            'cafe create title:Atelier schedule:"jeudi 4 mars à 10h" reminders:24h,15m',
        ),
    )
    async def create(
        self,
        inv: Invocation,
        title: Annotated[str, Opt("Titre du café", max_length=200)],
        schedule: Annotated[str, Opt("Quand : « le 15 de chaque mois 10h », « 4 mars 10h »")],
        timezone: Annotated[str, Opt("Fuseau horaire IANA, ex. Europe/Paris")] = "",
        duration: Annotated[int | None, Opt("Durée en minutes", min=5, max=1440)] = None,
        capacity: Annotated[
            int | None, Opt("Nombre de places (vide : illimité)", min=1, max=MAX_CAPACITY)
        ] = None,
        link: Annotated[str, Opt("Lien de la visio (donné aux seuls inscrits)")] = "",
        reminders: Annotated[str, Opt("Rappels avant le début, ex. 24h,15m")] = "",
        members_only: Annotated[bool, Opt("Réservé aux membres")] = True,
        confirm: ConfirmOpt = "",
        release_unconfirmed: ReleaseOpt = None,
        release_before: ReleaseBeforeOpt = "",
    ) -> Reply:
        """Programmer un café (récurrent ou à une date)."""
        result = await self.service.create_series(
            creator=inv.member_id,
            room=inv.room,
            title=title,
            schedule=schedule,
            timezone=timezone or str(inv.tz),
            duration=duration,
            capacity=capacity,
            link=link,
            reminders=reminders or None,
            members_only=members_only,
            confirm=confirm or None,
            release_unconfirmed=release_unconfirmed,
            release_before=release_before or None,
        )
        return render.created(inv.t, result, self.core.clock.now(), self.settings.announce_delay)

    @command("edit", permission=Role.MODERATOR)
    async def edit(
        self,
        inv: Invocation,
        occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)],
        when: Annotated[str, Opt("Nouvelle date, ex. « vendredi 5 mars 14h »")] = "",
        topic: Annotated[str, Opt("Sujet", max_length=300)] = "",
        host: Annotated[str, Opt("Animateur ou animatrice", max_length=200)] = "",
        description: Annotated[str, Opt("Description", max_length=1000)] = "",
        link: Annotated[str, Opt("Lien de la visio")] = "",
        capacity: Annotated[int | None, Opt("Nombre de places", min=1, max=MAX_CAPACITY)] = None,
        duration: Annotated[int | None, Opt("Durée en minutes", min=5, max=1440)] = None,
        title: Annotated[str, Opt("Titre de la série (avec series:true)", max_length=200)] = "",
        reminders: Annotated[str, Opt("Rappels de la série, ex. 24h,15m")] = "",
        series: Annotated[bool, Opt("Toute la série (cafés à venir)")] = False,
        confirm: ConfirmOpt = "",
        release_unconfirmed: ReleaseOpt = None,
        release_before: ReleaseBeforeOpt = "",
    ) -> Reply:
        """Modifier ou déplacer un café (ou toute la série) ; les inscrits sont prévenus."""
        if series:
            if when or topic or host or description:
                raise UserError(
                    "Avec series:true, seuls title, link, capacity, duration, reminders, "
                    "confirm, release_unconfirmed et release_before s'appliquent à toute la "
                    "série."
                )
            done, _, count = await self.service.edit_series(
                occurrence,
                title=title or None,
                link=link or None,
                capacity=capacity,
                duration=duration,
                reminders=reminders or None,
                confirm=confirm or None,
                release_unconfirmed=release_unconfirmed,
                release_before=release_before or None,
            )
            return render.series_edited(inv.t, done.title, count)
        if confirm or release_before or release_unconfirmed is not None:
            raise UserError(
                "confirm, release_unconfirmed et release_before concernent toute la série : "
                "ajoutez series:true."
            )
        if title or reminders:
            raise UserError("title et reminders concernent toute la série : ajoutez series:true.")
        occ, _ = await self.service.edit(
            occurrence,
            when=when or None,
            topic=topic or None,
            host=host or None,
            description=description or None,
            link=link or None,
            capacity=capacity,
            duration=duration,
        )
        return render.changed(inv.t, occ.id)

    @command("topic", permission=Role.MODERATOR)
    async def topic(
        self,
        inv: Invocation,
        occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)],
        topic: Annotated[str, Opt("Le sujet de ce café", max_length=300, rest=True)],
    ) -> Reply:
        """Donner son sujet à un café."""
        occ, _ = await self.service.edit(occurrence, topic=topic)
        return render.changed(inv.t, occ.id)

    @command("cancel", permission=Role.MODERATOR)
    async def cancel(
        self,
        inv: Invocation,
        occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)],
        series: Annotated[bool, Opt("true : arrêter toute la série de ce café")] = False,
    ) -> Reply:
        """Annuler un café (ou toute sa série) ; les inscrits sont prévenus en privé."""
        if series:
            occ, count = await self.service.end_series(occurrence)
            return render.series_ended(inv.t, occ.series.title, count)
        occ = await self.service.cancel(occurrence)
        return render.cancelled(inv.t, occ.id)

    @command("who", permission=Role.MODERATOR)
    async def who(self, inv: Invocation, occurrence: OccurrenceOpt = None) -> Reply:
        """Voir les inscrits, la liste d'attente et les présences (réponse privée)."""
        return render.who(inv.t, await self.service.who(occurrence), self.core.clock.now())

    @command("stats", permission=Role.MODERATOR)
    async def stats(self, inv: Invocation) -> Reply:
        """Fréquentation : inscrits, présents et taux d'absence par café (réponse privée)."""
        return render.stats(inv.t, await self.service.stats(), self.core.clock.now())

    # --- members ------------------------------------------------------------------------------

    @command("list", permission=Role.EVERYONE)
    async def list(self, inv: Invocation) -> Reply:
        """Voir les prochains cafés, à votre heure."""
        items = await self.service.upcoming(member_id=inv.member_id)
        return render.listing(inv.t, items, self.core.clock.now())

    @command("info", permission=Role.EVERYONE)
    async def info(self, inv: Invocation, occurrence: OccurrenceOpt = None) -> Reply:
        """Voir le détail d'un café."""
        occ = await self.service.occurrence(occurrence, inv.member_id)
        return render.info(inv.t, occ, self.core.clock.now())

    @command("join", permission=Role.EVERYONE)
    async def join(self, inv: Invocation, occurrence: OccurrenceOpt = None) -> Reply:
        """S'inscrire à un café (par défaut : le prochain)."""
        result = await self.service.join(
            inv.member_id, occurrence, is_member=inv.actor.has(Role.MEMBER)
        )
        ics = None
        if result.status == REGISTERED:
            occ = result.occurrence
            ics = calendar.occurrence_ics(occ.series, occ.row, occ.link, self.core.clock.now())
        return render.joined(inv.t, result, self.core.clock.now(), ics)

    @command("leave", permission=Role.EVERYONE)
    async def leave(self, inv: Invocation, occurrence: OccurrenceOpt = None) -> Reply:
        """Se désinscrire d'un café (par défaut : le prochain où vous êtes inscrit)."""
        return render.left(inv.t, await self.service.leave(inv.member_id, occurrence))

    @command("here", permission=Role.EVERYONE)
    async def here(self, inv: Invocation) -> Reply:
        """Pointer sa présence au café en cours."""
        try:
            done = await self.service.check_in(inv.member_id)
        except CheckInClosed as closed:
            if closed.next_start is None:
                raise
            raise render.checkin_closed(
                inv.t, self.settings.checkin_before, closed.next_start, self.core.clock.now()
            ) from None
        return render.checked_in(inv.t, done.occurrence, done.already, done.seated)

    @command("calendar", permission=Role.EVERYONE)
    async def calendar(self, inv: Invocation, occurrence: OccurrenceOpt = None) -> Reply:
        """Recevoir un fichier .ics : un café, ou toute la série s'il n'est pas précisé."""
        occ = await self.service.occurrence(occurrence, inv.member_id)
        now = self.core.clock.now()
        link = occ.link if occ.my_status == REGISTERED else None
        if occurrence is not None:
            data = calendar.occurrence_ics(occ.series, occ.row, link, now)
            name = f"cafe-{occ.id}.ics"
        else:
            rows = await self.service.series_occurrences(occ.series.id or 0)
            data = calendar.series_ics(occ.series, rows, link, now)
            name = f"cafe-serie-{occ.series.id}.ics"
        return render.calendar_file(inv.t, occ.title, name, data)

    @command("reminders", permission=Role.EVERYONE)
    async def reminders(
        self,
        inv: Invocation,
        offsets: Annotated[str, Opt("Délais avant chaque café, ex. 1d,1h ; off ; default")],
    ) -> Reply:
        """Choisir vos rappels de café (ou off pour n'en recevoir aucun)."""
        value = parse_preference(offsets)
        await self.service.set_preference(inv.member_id, value)
        return render.preference(inv.t, value)

    # --- events and outbox renderers --------------------------------------------------------

    @listener(ReminderPreferenceChanged)
    async def on_preference(self, event: ReminderPreferenceChanged) -> None:
        await self.service.set_profile_offsets(event.member_id, event.offsets_seconds)

    async def _render_reminder(self, d: Delivery) -> Reply | None:
        return render_outbox.reminder(d)

    async def _render_notice(self, d: Delivery) -> Reply | None:
        data = d.data
        if data.get("link") and d.member is not None:
            # The row was queued for a registered member; if they have left (or lost the
            # seat) since, the link no longer goes to them.
            status = await self.service.status_of(data["occurrence"], d.member.id)
            if status != REGISTERED:
                data = {**data, "link": "", "waitlisted": status == WAITLISTED}
                d = replace(d, data=data)
        return render_outbox.notice(d)

    async def _render_announce(self, d: Delivery) -> Reply | None:
        occ = await self.service.find(d.data["occurrence"])
        if occ is None or occ.cancelled or occ.starts_at <= d.now:
            return None
        return render_outbox.announce(d.t, occ, d.now)

    async def _render_start(self, d: Delivery) -> Reply | None:
        await self.service.materialize()  # the next occurrence becomes due: top up
        occ = await self.service.find(d.data["occurrence"])
        if (
            occ is None
            or occ.cancelled
            or not self.settings.announce_start
            or occ.starts_at != datetime.fromisoformat(d.data["starts_at"])
        ):
            return None
        return render_outbox.started(d.t, occ, d.now)

    # --- calendar feed (me calendar; served by the web layer) -------------------------------

    feeds: CafeFeeds  # set by setup()

    @command("calendar", group="me", permission=Role.EVERYONE)
    async def me_calendar(
        self,
        inv: Invocation,
        revoke: Annotated[
            bool, Opt("true : nouvelle adresse, l'ancienne cesse de marcher")
        ] = False,
    ) -> Reply:
        """Recevoir l'adresse de mon agenda des cafés, à ajouter à mon calendrier."""
        address = await self.feeds.address(inv.member_id, revoke=revoke)
        return feed_render.feed_address(inv.t, address, self.core.text_prefix(inv.room.platform))
