"""``cafe report``, ``cafe followup``, ``me reports`` and the renderers of what a café sends
after its session (the report in its room, the DM to those who missed it, the follow-up).

A mixin of the café cog (like ``ConfirmationCommands``): parse → ``Reports``/``FollowUps`` →
``report_render``. Links members post in the café's room during a session arrive as the
core's ``LinksShared`` event (only the links, never the message).
"""

from __future__ import annotations

from typing import Annotated

from bot.core import (
    Attachment,
    Core,
    Delivery,
    Invocation,
    LinksShared,
    Opt,
    Reply,
    Role,
    Translator,
    command,
    listener,
)
from cogs.cafe import report_csv, report_html, report_render
from cogs.cafe.followup import FOLLOWUP, FollowUps
from cogs.cafe.programme_commands import editor
from cogs.cafe.report import MISSED, POST, Reports
from cogs.cafe.report_data import SessionReport

MAX_ID = 2**31 - 1


def report_files(t: Translator, report: SessionReport) -> list[Attachment]:
    """The HTML page and the CSV zip of a report."""
    occurrence_id = report.occurrence.id
    html = report_html.page(t, report).encode()
    return [
        Attachment(
            f"cafe-{occurrence_id}-compte-rendu.html",
            html,
            "text/html",
            description=t("Compte-rendu (page HTML)"),
        ),
        Attachment(
            f"cafe-{occurrence_id}-tableaux.zip",
            report_csv.zip_bytes(t, report),
            "application/zip",
            description=t("Tableaux CSV"),
        ),
    ]


class ReportCommands:
    core: Core
    reports: Reports
    followups: FollowUps

    def register_report(self) -> None:
        self.core.outbox.register(POST, self._render_report_post)
        self.core.outbox.register(MISSED, self._render_missed)
        self.core.outbox.register(FOLLOWUP, self._render_followup)
        self.core.web.provide_reports(self.reports)

    @command("report", permission=Role.MEMBER)
    async def show_report(
        self, inv: Invocation, occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)]
    ) -> Reply:
        """Revoir un compte-rendu"""
        moderator = inv.actor.has(Role.MODERATOR)
        report = await self.reports.for_reader(
            occurrence, inv.member_id, inv.t, moderator=moderator
        )
        reply = report_render.message(inv.t, report)
        return report_render.shown(inv.t, reply, report_files(inv.t, report), not moderator)

    @command("followup", permission=Role.MEMBER)
    async def send_followup(
        self,
        inv: Invocation,
        occurrence: Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)],
        text: Annotated[str, Opt("Message", max_length=1500)],
        links: Annotated[str, Opt("Liens a | b")] = "",
    ) -> Reply:
        """Suite aux présents"""
        occ, count, filed = await self.followups.send(occurrence, editor(inv), text, links, inv.t)
        return report_render.followup_sent(inv.t, occ.id, count, filed)

    @command("reports", group="me", permission=Role.EVERYONE)
    async def me_reports(
        self, inv: Invocation, enabled: Annotated[bool, Opt("false : plus de compte-rendu")]
    ) -> Reply:
        """Recevoir le compte-rendu des cafés manqués (true/false)."""
        await self.reports.set_reports(inv.member_id, enabled)
        return report_render.preference(inv.t, enabled)

    @listener(LinksShared)
    async def on_links(self, event: LinksShared) -> None:
        await self.reports.record_links(event.member, event.room, event.urls)

    # --- outbox renderers --------------------------------------------------------------------

    async def _render_report_post(self, d: Delivery) -> Reply | None:
        occ = await self.reports.occurrences.find(int(d.data["occurrence"]))
        if occ is None:
            return None
        report, _, _ = await self.reports.build(occ, d.t, moderator=False)
        reply = report_render.message(d.t, report)
        html = report_html.page(d.t, report).encode()
        reply.attachments.append(
            Attachment(
                f"cafe-{occ.id}-compte-rendu.html",
                html,
                "text/html",
                d.t("Compte-rendu (page HTML)"),
            )
        )
        return reply

    async def _render_missed(self, d: Delivery) -> Reply | None:
        if d.member is None:
            return None
        occ = await self.reports.occurrences.find(int(d.data["occurrence"]))
        if occ is None or not await self.reports.wants_reports(d.member.id):
            return None  # switched off since it was queued
        report, _, _ = await self.reports.build(occ, d.t, moderator=False)
        token = await self.reports.token_of(occ.id)
        page = self.reports.page_url(token) if token and self.core.web.enabled else None
        return report_render.missed(d.t, report, await self.reports.next_of(occ), page)

    async def _render_followup(self, d: Delivery) -> Reply | None:
        occ = await self.reports.occurrences.find(int(d.data["occurrence"]))
        if occ is None:
            return None
        return report_render.followup(d.t, occ, str(d.data["text"]), list(d.data["links"]))
