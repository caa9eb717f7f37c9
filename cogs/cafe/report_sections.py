"""Sections other features of the café add to its report (see the hook in ``report.py``):
the live challenge's final leaderboard, pseudonyms as members chose them; the questions from
the floor the room saw, most supported first, never naming an anonymous asker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import Translator
from cogs.cafe.report_data import CsvTable, ReportSection, SectionProvider

if TYPE_CHECKING:
    from bot.storage.db import Database
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


def questions_section(db: Database) -> SectionProvider:
    async def section(occurrence_id: int, t: Translator) -> ReportSection | None:
        from cogs.cafe.questions_queries import questions
        from cogs.cafe.render_questions import safe

        asked = await questions(db, occurrence_id)
        if not asked:
            return None
        lines = tuple(
            f"{q.number}. {t.quote(safe(q.text))} — "
            + (safe(q.author) if q.author else t("Anonyme"))
            + " · "
            + t.n("{n} soutien", "{n} soutiens", q.supports)
            + (" · " + t("répondue") if q.answered else "")
            for q in asked
        )
        table = CsvTable(
            "questions",
            (t("n°"), t("question"), t("auteur"), t("soutiens"), t("répondue")),
            tuple(
                (q.number, q.text, q.author or t("Anonyme"), q.supports, q.answered) for q in asked
            ),
        )
        return ReportSection(t("Questions de la salle"), lines, csv_tables=(table,))

    return section
