"""Pure functions: a session report → the chat message (text + one picture per activity), the
no-show DM and the acknowledgements of ``cafe report`` / ``cafe followup``.

The same lines feed the HTML page (``report_html``): ``heading_lines`` and
``attendance_lines`` are shared, so every format says the same thing.
"""

from __future__ import annotations

from bot.core import Action, ActionStyle, Attachment, Reply, Translator
from cogs.cafe.domain import Occurrence
from cogs.cafe.render import label
from cogs.cafe.report_data import Attendance, SessionReport

#: Chat platforms cap files per message (Discord: 10); the HTML page has every picture.
MAX_PICTURES = 8
#: Result lines per activity in the chat message (bars, comments…); the page has them all.
CHAT_LINES = 5


def report_title(t: Translator, occ: Occurrence) -> str:
    return t("Compte-rendu du café « {title} »", title=label(t, occ))


def heading_lines(t: Translator, report: SessionReport) -> list[str]:
    occ = report.occurrence
    lines = [t("Date : {when}", when=t.date(occ.starts_at, occ.zone))]
    if occ.row.topic:
        lines.append(t("Sujet : {topic}", topic=occ.row.topic))
    if occ.row.host:
        lines.append(t("Animation : {host}", host=occ.row.host))
    return lines


def attendance_lines(t: Translator, a: Attendance, *, moderator: bool) -> list[str]:
    lines = [
        t.n("{n} inscrit", "{n} inscrits", a.registered)
        + " · "
        + t.n("{n} confirmé", "{n} confirmés", a.confirmed)
        + " · "
        + t.n("{n} présent", "{n} présents", a.present),
        t.n(
            "{n} personne venue pour la première fois",
            "{n} personnes venues pour la première fois",
            a.first_timers,
        ),
    ]
    if moderator and a.no_show_rate is not None:
        lines.append(
            t(
                "Absents parmi les inscrits : {count} ({rate}) — visible des seuls modérateurs",
                count=a.no_shows,
                rate=t.percent(a.no_show_rate),
            )
        )
    return lines


def activity_heading(t: Translator, index: int, kind_label: str, title: str) -> str:
    return t("{index}. {kind} — « {question} »", index=index, kind=kind_label, question=title)


def message(t: Translator, report: SessionReport) -> Reply:
    """The report as one chat message: summary lines and one picture per activity."""
    lines = heading_lines(t, report)
    lines += ["", f"**{t('Participation')}**"]
    lines += attendance_lines(t, report.attendance, moderator=report.moderator)
    if report.activities:
        lines += ["", f"**{t('Activités')}**"]
    attachments: list[Attachment] = []
    for index, a in enumerate(report.activities, start=1):
        head = activity_heading(t, index, a.kind_label, a.title)
        lines.append(f"**{head}**")
        lines.append(a.summary[0] + (f" — {a.highlight}" if a.highlight else ""))
        details = [line for line in a.summary[1:] if line.strip()]
        lines += details[:CHAT_LINES]
        if len(details) > CHAT_LINES:
            lines.append(t("… la suite dans la page HTML."))
        if a.picture is not None and len(attachments) < MAX_PICTURES:
            attachments.append(
                Attachment(f"activite-{index}.png", a.picture, "image/png", description=a.alt)
            )
    for section in report.sections:
        lines += ["", f"**{section.title}**", *section.lines]
    if report.links:
        lines += ["", f"**{t('Liens partagés pendant le café')}**"]
        lines += [f"- {link.url} ({link.by})" for link in report.links]
    return Reply(
        title=report_title(t, report.occurrence), text="\n".join(lines), attachments=attachments
    )


def missed(
    t: Translator, report: SessionReport, next_occ: Occurrence | None, page: str | None
) -> Reply:
    """The DM to a registrant who did not come: a short summary, the next date, join."""
    occ = report.occurrence
    lines = [
        t(
            "Vous étiez inscrit au café « {title} » du {when}, mais vous n'avez pas pu venir. "
            "Voici ce qui s'y est passé :",
            title=label(t, occ),
            when=t.date(occ.starts_at, occ.zone),
        ),
        t.n("{n} présent", "{n} présents", report.attendance.present),
    ]
    for a in report.activities[:7]:
        lines.append(f"- {a.title}" + (f" — {a.highlight}" if a.highlight else ""))
    if page:
        lines.append(t("Le compte-rendu complet : {url}", url=page))
    actions: list[Action] = []
    if next_occ is not None:
        lines.append(
            t("Prochain café : {when}.", when=t.datetime(next_occ.starts_at, next_occ.zone))
        )
        actions.append(
            Action.invoke(
                "cafe join",
                label=t("Je m'inscris au prochain"),
                style=ActionStyle.PRIMARY,
                occurrence=next_occ.id,
            )
        )
    lines.append(t("Ne plus recevoir ces messages : me reports enabled:false"))
    return Reply(title=report_title(t, occ), text="\n".join(lines), actions=actions)


def shown(t: Translator, reply: Reply, files: list[Attachment], public: bool) -> Reply:
    """The private ``cafe report`` answer: the message, the HTML page and the CSV zip."""
    note = (
        t("Version publique (celle de la bibliothèque).")
        if public
        else t("Pièces jointes : la page HTML (lisible hors ligne) et les tableaux CSV.")
    )
    return Reply(
        title=reply.title,
        text=f"{reply.text}\n\n{note}",
        attachments=[*reply.attachments, *files],
        private=True,
    )


def preference(t: Translator, enabled: bool) -> Reply:
    text = (
        t("C'est noté : vous recevrez le compte-rendu des cafés que vous manquez.")
        if enabled
        else t("C'est noté : plus de compte-rendu des cafés manqués par message privé.")
    )
    return Reply(text=text, private=True)


def followup_sent(t: Translator, occurrence_id: int, count: int, filed: int) -> Reply:
    text = t.n(
        "Suite du café n° {occurrence} envoyée à {n} participant",
        "Suite du café n° {occurrence} envoyée à {n} participants",
        count,
        occurrence=occurrence_id,
    )
    if filed:
        text += " · " + t.n(
            "{n} lien rangé dans la bibliothèque",
            "{n} liens rangés dans la bibliothèque",
            filed,
        )
    return Reply(text=text + ".", private=True)


def followup(t: Translator, occ: Occurrence, text: str, links: list[str]) -> Reply:
    lines = [text, *[f"- {url}" for url in links]]
    return Reply(
        title=t("Des suites au café « {title} »", title=label(t, occ)), text="\n".join(lines)
    )
