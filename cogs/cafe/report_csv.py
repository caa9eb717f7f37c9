"""The report as a zip of CSV files (written by ``bot/core/csvfile``: formula cells
neutralised, UTF-8 BOM): ``participation.csv``, one ``activite-N-<kind>.csv`` per activity,
``liens.csv`` and the tables of contributed sections. The tables are the activities'
aggregates (``ActivityReport.rows``): an anonymous activity has no name column."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from bot.core import Translator
from bot.core.csvfile import csv_bytes
from cogs.cafe.report_data import SessionReport

_SAFE = re.compile(r"[^a-z0-9-]+")


def _name(text: str) -> str:
    return _SAFE.sub("-", text.lower()).strip("-")[:40] or "table"


def attendance_rows(t: Translator, report: SessionReport) -> list[tuple[str, object]]:
    a = report.attendance
    rows: list[tuple[str, object]] = [
        (t("inscrits"), a.registered),
        (t("confirmés"), a.confirmed),
        (t("présents"), a.present),
        (t("première venue"), a.first_timers),
    ]
    if report.moderator:
        rows.append((t("absents parmi les inscrits"), a.no_shows))
        if a.no_show_rate is not None:
            rows.append((t("taux d'absence"), round(a.no_show_rate, 3)))
    return rows


def zip_bytes(t: Translator, report: SessionReport, when: datetime | None = None) -> bytes:
    buffer = io.BytesIO()
    stamp = (when or report.ended_at or report.occurrence.starts_at).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)

        add(
            "participation.csv",
            csv_bytes((t("mesure"), t("valeur")), attendance_rows(t, report)),
        )
        for index, a in enumerate(report.activities, start=1):
            header = a.header or (t("participants"),)
            rows = a.rows if a.header else ((a.answered,),)
            add(f"activite-{index}-{_name(a.kind)}.csv", csv_bytes(header, rows))
        if report.links:
            add(
                "liens.csv",
                csv_bytes((t("lien"), t("partagé par")), [(x.url, x.by) for x in report.links]),
            )
        for section in report.sections:
            for table in section.csv_tables:
                add(f"{_name(table.name)}.csv", csv_bytes(table.header, table.rows))
    return buffer.getvalue()
