"""Calendar feeds as RFC 5545 text, and the ``me calendar`` reply (pure: no I/O).

Each occurrence is one VEVENT with the UID ``cafe.calendar.occurrence_uid`` gives it (stable for
the occurrence's life, whichever feed shows it), ``SEQUENCE`` = the occurrence's revision (bumped
when it is edited, moved or cancelled, so calendars replace their copy) and times in UTC (a feed
needs no VTIMEZONE). A cancelled café stays in the feed as ``STATUS:CANCELLED`` for the reader to
drop it. The video link goes only into a private feed, only for a place held (registered or
checked in); a waitlisted café is marked as such, ``TENTATIVE``, without the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import Reply, Translator
from cogs.cafe.calendar import uid_of
from cogs.cafe.domain import CANCELLED

if TYPE_CHECKING:
    # icalendar is imported when a feed is built, not when the bot starts (footprint).
    from icalendar import Event

    from cogs.cafe.feeds import FeedAddress

PRODID = "-//Passerelle//Cafe feed//FR"
REFRESH = timedelta(hours=1)  # what the feed suggests to readers (they may poll more often)


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One café of a feed: the columns it shows (read straight from the tables), nothing
    else — so that its fingerprint is exactly what the file would show."""

    occurrence_id: int
    series_id: int
    recurrence_id: str  # with series_id: the UID
    title: str  # the series'
    topic: str
    host: str
    description: str
    starts_at: datetime
    duration_minutes: int
    status: str
    revision: int
    #: The video link, "" unless a place is held in a private feed (resolved by the caller).
    link: str = ""
    waitlisted: bool = False

    def fingerprint(self) -> str:
        """Everything the event shows, as text (the feed's ETag hashes these; DTSTAMP, the
        time the file is built, is the only line left out)."""
        return "|".join(
            (
                str(self.occurrence_id),
                str(self.series_id),
                self.recurrence_id,
                str(self.revision),
                self.status,
                self.starts_at.isoformat(),
                str(self.duration_minutes),
                self.title,
                self.topic,
                self.host,
                self.description,
                self.link,
                "w" if self.waitlisted else "",
                "\n",
            )
        )


def _event(t: Translator, e: FeedEvent, stamp: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid_of(e.series_id, e.recurrence_id))
    summary = f"{e.title} — {e.topic}" if e.topic else e.title
    if e.waitlisted:
        summary = t("[Liste d'attente] {title}", title=summary)
    event.add("summary", summary)
    start = e.starts_at.astimezone(UTC)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=e.duration_minutes))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", e.revision)
    if e.status == CANCELLED:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "TENTATIVE" if e.waitlisted else "CONFIRMED")
    lines = [e.description] if e.description else []
    if e.host:
        lines.append(t("Animation : {host}", host=e.host))
    if e.waitlisted:
        lines.append(
            t(
                "Vous êtes sur la liste d'attente : le lien de la visio vous sera donné si une "
                "place se libère."
            )
        )
    if e.link:
        lines.append(e.link)
        event.add("url", e.link)
        event.add("location", e.link)
    if lines:
        event.add("description", "\n".join(lines))
    return event


def feed_ics(t: Translator, events: list[FeedEvent], stamp: datetime, *, private: bool) -> bytes:
    """A whole feed: the calendar's name in the reader's language, then one event each."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = t("Mes cafés") if private else t("Cafés de la communauté")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for e in events:
        cal.add_component(_event(t, e, stamp))
    data: bytes = cal.to_ical()  # icalendar ships no type hints
    return data


def feed_address(t: Translator, address: FeedAddress, prefix: str) -> Reply:
    """The answer to ``me calendar``: the new address, or how to get one."""
    if address.url is None:
        text = t(
            "Vous avez déjà un flux de calendrier (créé le {date}). Son adresse n'est montrée "
            "qu'une fois : seule son empreinte est gardée. Si vous l'avez perdue, "
            "`{prefix}me calendar revoke:true` en crée une nouvelle et coupe l'ancienne.",
            date=t.date(address.created_at),
            prefix=prefix,
        )
        return Reply(text=text, private=True)
    lines = [
        t(
            "Votre flux de calendrier privé (les cafés où vous êtes inscrit ou en liste "
            "d'attente ; le lien de la visio seulement quand vous avez une place) :"
        ),
        address.url,
        t(
            "Ajoutez cette adresse à votre agenda (« s'abonner à un calendrier » ou « ajouter "
            "par URL ») ; ne la partagez pas : elle donne vos liens de visio."
        ),
    ]
    if address.replaced:
        lines.append(t("L'ancienne adresse ne fonctionne plus."))
    return Reply(text="\n".join(lines), private=True)
