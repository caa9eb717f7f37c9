"""The report as ONE self-contained HTML page: readable offline, accessible, CSP-safe.

- Pictures are ``data:image/png;base64`` URIs; there is no other resource (no font, no
  stylesheet, no script, no external image): the file opens the same anywhere, offline.
- Accessible: a ``lang`` attribute, one ``h1`` then ``h2``/``h3`` in order, alt texts that
  state the results in words, tables with captions and header cells.
- The one inline ``<style>`` block is ``STYLE``: the web layer allows it by its hash.
- Every value is escaped; links are plain ``<a href>`` to http(s) addresses only.
"""

from __future__ import annotations

import base64
from html import escape

from bot.core import ActivityReport, Translator
from cogs.cafe.report_data import SessionReport
from cogs.cafe.report_render import (
    activity_heading,
    attendance_lines,
    heading_lines,
    report_title,
)

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b;line-height:1.5}img{max-width:100%;height:auto}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;"
    "padding:.25rem .5rem;text-align:left}caption{text-align:left;font-weight:600}"
    "section{margin-bottom:2rem}.meta{color:#444}"
)
#: Rows shown per table on the page (the CSV zip has them all).
PAGE_ROWS = 200


def _md(text: str) -> str:
    """The few markdown marks our summary lines use, as HTML (after escaping)."""
    out = escape(text)
    parts = out.split("**")
    out = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
    return out.lstrip("- ").strip()


def _table(caption: str, header: tuple[str, ...], rows: tuple[tuple[object, ...], ...]) -> str:
    if not header:
        return ""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows[:PAGE_ROWS]
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _activity(t: Translator, index: int, a: ActivityReport) -> str:
    head = activity_heading(t, index, a.kind_label, a.title)
    parts = [f"<section><h3>{escape(head)}</h3>"]
    items = [line for line in a.summary if line.strip()]
    parts.append("<ul>" + "".join(f"<li>{_md(line)}</li>" for line in items) + "</ul>")
    if a.picture is not None:
        data = base64.b64encode(a.picture).decode("ascii")
        parts.append(f'<img src="data:image/png;base64,{data}" alt="{escape(a.alt)}">')
    parts.append(_table(t("Résultats : {question}", question=a.title), a.header, a.rows))
    if a.anonymous:
        parts.append(f'<p class="meta">{escape(t("Activité anonyme : aucun nom."))}</p>')
    parts.append("</section>")
    return "".join(parts)


def page(t: Translator, report: SessionReport) -> str:
    title = report_title(t, report.occurrence)
    body = [f"<h1>{escape(title)}</h1>"]
    body.append(
        '<p class="meta">'
        + "<br>".join(escape(line) for line in heading_lines(t, report))
        + "</p>"
    )
    body.append(f"<h2>{escape(t('Participation'))}</h2><ul>")
    body += [
        f"<li>{escape(line)}</li>"
        for line in attendance_lines(t, report.attendance, moderator=report.moderator)
    ]
    body.append("</ul>")
    if report.activities:
        body.append(f"<h2>{escape(t('Activités'))}</h2>")
        body += [_activity(t, i, a) for i, a in enumerate(report.activities, start=1)]
    for section in report.sections:
        body.append(f"<section><h2>{escape(section.title)}</h2>")
        if section.html:
            body.append(section.html)
        else:
            body.append("<ul>" + "".join(f"<li>{_md(x)}</li>" for x in section.lines) + "</ul>")
        body += [_table(table.name, table.header, table.rows) for table in section.csv_tables]
        body.append("</section>")
    if report.links:
        body.append(f"<h2>{escape(t('Liens partagés pendant le café'))}</h2><ul>")
        body += [
            f'<li><a href="{escape(link.url)}">{escape(link.url)}</a> ({escape(link.by)})</li>'
            for link in report.links
        ]
        body.append("</ul>")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(t.locale.split("_")[0])}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        + "".join(body)
        + "</main></body></html>\n"
    )
