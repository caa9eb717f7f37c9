"""``cafe followup``: after the café, the host or a moderator sends the participants (those
present) a follow-up — "Des suites ?", the recording, the slides — by DM through the outbox
(key ``cafe-followup:{occurrence}:{member}``: once per member), and files its links in the
library, in the café's collection (the series' title).

One follow-up per café: a second one is refused (the first may still be on its way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import LibraryEntry, Translator, UserError
from cogs.cafe.models import CafeReport
from cogs.cafe.programme import Editor

if TYPE_CHECKING:
    from bot.core.library import Library
    from bot.core.outbox import Outbox
    from bot.scheduling import Clock
    from bot.storage.db import Database
    from cogs.cafe.domain import Occurrence
    from cogs.cafe.occurrences import Occurrences
    from cogs.cafe.report_data import ReportData

FOLLOWUP = "cafe.followup"
MAX_TEXT = 1500
MAX_LINKS = 5


def followup_key(occurrence_id: int, member_id: int) -> str:
    return f"cafe-followup:{occurrence_id}:{member_id}"


def parse_links(links: str, library: Library) -> list[str]:
    """``"https://a | https://b"`` (or separated by spaces/commas): each checked."""
    found = [p for p in links.replace("|", " ").replace(",", " ").split() if p]
    if len(found) > MAX_LINKS:
        raise UserError("Au plus {max} liens par suite de café.", max=MAX_LINKS)
    checked: list[str] = []
    for url in found:
        url = library.check_url(url)
        if url not in checked:
            checked.append(url)
    return checked


class FollowUps:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        occurrences: Occurrences,
        data: ReportData,
        library: Library,
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.occurrences = occurrences
        self.data = data
        self.library = library

    async def send(
        self, occurrence_id: int, editor: Editor, text: str, links: str, t: Translator
    ) -> tuple[Occurrence, int, int]:
        """(the café, members the follow-up goes to, links filed)."""
        occ = await self.occurrences.occurrence(occurrence_id, None)
        if not (editor.moderator or editor.hosts(occ.row.host)):
            raise UserError(
                "Seuls les modérateurs et l'animateur ou l'animatrice du café n° {occurrence} "
                "envoient sa suite.",
                occurrence=occ.id,
            )
        text = text.strip()
        if not text:
            raise UserError('Écrivez le message de la suite : text:"…"')
        if len(text) > MAX_TEXT:
            raise UserError("Le message de la suite dépasse {max} caractères.", max=MAX_TEXT)
        urls = parse_links(links, self.library)
        await self.data.session(occ.id)  # ended live sessions only (translated otherwise)
        present = await self.data.live.presence(occ.id)
        if not present:
            raise UserError(
                "Personne n'était présent au café n° {occurrence} : pas de suite à envoyer.",
                occurrence=occ.id,
            )
        now = self.clock.now()
        async with self.db.session() as s:
            row = await s.get(CafeReport, occ.id)
            if row is None:
                raise UserError(
                    "Le compte-rendu du café n° {occurrence} n'est pas encore prêt : "
                    "réessayez dans un instant.",
                    occurrence=occ.id,
                )
            if row.followup_at is not None:
                raise UserError(
                    "La suite du café n° {occurrence} a déjà été envoyée : une seule par café.",
                    occurrence=occ.id,
                )
            row.followup_at = now
            row.followup_by = editor.member_id
            s.add(row)
        # Marked first (one follow-up per café), then queued: the outbox keys make a retry
        # harmless. DMs are queued outside our transaction (the outbox looks up each
        # member's platform itself).
        await self.outbox.enqueue_many(
            [
                {
                    "key": followup_key(occ.id, m),
                    "due_at": now,
                    "kind": FOLLOWUP,
                    "data": {"occurrence": occ.id, "text": text, "links": urls},
                    "member_id": m,
                }
                for m in sorted(present)
            ]
        )
        filed = 0
        if self.library.available and editor.member_id is not None:
            for url in urls:
                await self.library.file(
                    LibraryEntry(
                        url=url,
                        title=t("Suite du café « {title} »", title=occ.series.title),
                        summary=text[:1000],
                        collection=occ.series.title[:120],
                        author=editor.member_id,
                    )
                )
                filed += 1
        return occ, len(present), filed
