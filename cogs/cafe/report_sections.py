"""Sections other features of the café add to its report (see the hook in ``report.py``):
the live challenge's final leaderboard, pseudonyms as members chose them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import Translator
from cogs.cafe.report_data import CsvTable, ReportSection, SectionProvider

if TYPE_CHECKING:
    from cogs.cafe.leaderboards import Leaderboards

#: Lines of the leaderboard in the chat message and the page (the CSV has everyone).
SHOWN = 10


def leaderboard_section(leaderboards: Leaderboards) -> SectionProvider:
    async def section(occurrence_id: int, t: Translator) -> ReportSection | None:
        standings = await leaderboards.leaderboard(occurrence_id)
        if not standings:
            return None
        lines = tuple(
            f"{s.rank}. **{s.name}** — "
            + t.n("{n} point", "{n} points", s.points)
            + " · "
            + t.n("{n} bonne réponse", "{n} bonnes réponses", s.right)
            for s in standings[:SHOWN]
        )
        table = CsvTable(
            "classement",
            (
                t("rang"),
                t("nom"),
                t("points"),
                t("bonnes réponses"),
                t("tentatives"),
                t("secondes"),
            ),
            tuple(
                (s.rank, s.name, s.points, s.right, s.attempts, round(s.seconds, 1))
                for s in standings
            ),
        )
        return ReportSection(t("Classement du défi"), lines, csv_tables=(table,))

    return section
