"""The café's part of the monthly digest (``core.digest``): the next cafés, each with its join
button, and the report of the last café held since the previous edition (its public page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core import Action, ActionStyle, Translator
from bot.core.digest import DigestSection, Edition, Reader
from cogs.cafe.models import CafeOccurrence, CafeReport, CafeSeries

if TYPE_CHECKING:
    from bot.core.web import WebRegistry
    from bot.storage.db import Database

#: The cafés announced: at most this many, within this horizon.
MAX_CAFES = 3
HORIZON = timedelta(days=62)


@dataclass(frozen=True, slots=True)
class NextCafe:
    id: int
    title: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class LastReport:
    occurrence_id: int
    title: str
    starts_at: datetime
    url: str | None


@dataclass(frozen=True, slots=True)
class CafeDigestContent:
    at: datetime
    cafes: tuple[NextCafe, ...]
    report: LastReport | None


def _title(series: str, topic: str) -> str:
    return f"{series} — {topic}" if topic else series


class CafeDigest:
    name = "cafe"
    order = 10

    def __init__(self, db: Database, web: WebRegistry) -> None:
        self.db = db
        self.web = web

    async def prepare(self, edition: Edition) -> CafeDigestContent:
        async with self.db.session() as s:
            upcoming = await s.exec(
                select(CafeOccurrence, CafeSeries.title)
                .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
                .where(
                    col(CafeOccurrence.status) == "scheduled",
                    col(CafeOccurrence.starts_at) > edition.at,
                    col(CafeOccurrence.starts_at) <= edition.at + HORIZON,
                )
                .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
                .limit(MAX_CAFES)
            )
            cafes = tuple(
                NextCafe(occ.id or 0, _title(title, occ.topic), occ.starts_at)
                for occ, title in upcoming
            )
            last = (
                await s.exec(
                    select(CafeReport, CafeOccurrence, CafeSeries.title)
                    .join(
                        CafeOccurrence,
                        col(CafeOccurrence.id) == col(CafeReport.occurrence_id),
                    )
                    .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
                    .where(
                        col(CafeReport.created_at) >= edition.since,
                        col(CafeReport.created_at) < edition.at,
                    )
                    .order_by(col(CafeReport.created_at).desc())
                    .limit(1)
                )
            ).first()
        report = None
        if last is not None:
            row, occ, title = last
            url = self.web.url(f"/reports/{row.token}.html") if self.web.enabled else None
            report = LastReport(row.occurrence_id, _title(title, occ.topic), occ.starts_at, url)
        return CafeDigestContent(edition.at, cafes, report)

    def sections(
        self, prepared: CafeDigestContent, reader: Reader, t: Translator, *, personal: bool
    ) -> list[DigestSection]:
        found: list[DigestSection] = []
        if prepared.cafes:
            found.append(
                DigestSection(
                    "cafes",
                    t("Les prochains cafés"),
                    [
                        f"- **{c.title}** — {t.datetime(c.starts_at, now=prepared.at)} (n° {c.id})"
                        for c in prepared.cafes
                    ],
                    [
                        Action.invoke(
                            "cafe join",
                            label=t("Je m'inscris au n° {occurrence}", occurrence=c.id),
                            style=ActionStyle.PRIMARY,
                            occurrence=c.id,
                        )
                        for c in prepared.cafes
                    ]
                    if personal
                    else [],
                )
            )
        report = prepared.report
        if report is not None:
            where = (
                f"[{t('lire le compte-rendu')}]({report.url})"
                if report.url
                else f"`cafe report occurrence:{report.occurrence_id}`"
            )
            found.append(
                DigestSection(
                    "cafe-report",
                    t("Le dernier café"),
                    [f"- **{report.title}** ({t.date(report.starts_at)}) : {where}"],
                )
            )
        return found
