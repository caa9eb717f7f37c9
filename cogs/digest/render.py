"""The digest as members and moderators see it: a copy as a DM, the preview, the export
(self-contained HTML and Markdown of the community part), the opt-in's answers. Pure."""

from __future__ import annotations

from datetime import datetime
from html import escape

from babel.dates import format_date

from bot.core import Attachment, Reply, Tone, Translator
from bot.core.markup import to_html
from cogs.digest.service import Copy

#: Discord shows at most 25 buttons; a digest needs far fewer.
MAX_ACTIONS = 10

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem}"
    "a{color:#0b5cad}code{background:#f2f2f2;padding:0 .2rem}"
)


def month(t: Translator, at: datetime) -> str:
    return format_date(at.astimezone(t.tz), "MMMM y", locale=t.locale)


def title(t: Translator, copy: Copy) -> str:
    return t("Les nouvelles de la communauté — {month}", month=month(t, copy.edition.at))


def body(t: Translator, copy: Copy) -> str:
    """The sections in the reply markdown subset; a short note when nothing is new."""
    parts: list[str] = []
    if not copy.has_news:
        parts.append(t("Rien de neuf ce mois-ci dans la communauté."))
    for section in copy.sections:
        parts.append("\n".join([f"**{section.title}**", *section.lines]))
    return "\n\n".join(parts)


def message(t: Translator, copy: Copy) -> Reply:
    """A member's copy, as the outbox sends it."""
    actions = [a for s in copy.sections for a in s.actions][:MAX_ACTIONS]
    footer = t(
        "_Vous recevez ce message parce que vous l'avez demandé. "
        "Pour ne plus le recevoir : `me digest off`._"
    )
    return Reply(text=body(t, copy) + "\n\n" + footer, title=title(t, copy), actions=actions)


def preview(t: Translator, copy: Copy, subscribers: int, wanted: bool) -> Reply:
    reply = message(t, copy)
    note = t.n(
        "Aperçu de l'édition du {day}, qui partira à {n} membre inscrit.",
        "Aperçu de l'édition du {day}, qui partira à {n} membres inscrits.",
        subscribers,
        day=t.datetime(copy.edition.at, now=copy.edition.at),
    )
    if not wanted:
        note += " " + t(
            "Votre exemplaire n'a rien de neuf : il ne vous serait pas envoyé "
            '(when_empty = "skip").'
        )
    reply.text = f"_{note}_\n\n{reply.text}"
    reply.private = True
    return reply


def markdown(t: Translator, copy: Copy) -> str:
    return f"# {title(t, copy)}\n\n{body(t, copy)}\n"


def html_page(t: Translator, copy: Copy) -> str:
    """A self-contained page (inline style, no script, no outside resource)."""
    heading = escape(title(t, copy))
    parts = [
        f'<!DOCTYPE html><html lang="{t.locale}"><head><meta charset="utf-8">',
        f"<title>{heading}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>{heading}</h1>",
    ]
    if not copy.has_news:
        parts.append(f"<p>{escape(t('Rien de neuf ce mois-ci dans la communauté.'))}</p>")
    for section in copy.sections:
        parts.append(f"<section><h2>{escape(section.title)}</h2>")
        parts.append(to_html("\n".join(section.lines)))
        parts.append("</section>")
    parts.append("</main></body></html>\n")
    return "".join(parts)


def export(t: Translator, copy: Copy) -> Reply:
    name = f"digest-{copy.edition.id}"
    return Reply(
        text=t(
            "L'édition du {day}, partie commune (sans rien de personnel), pour votre outil "
            "de lettre d'information : une page HTML autonome et le même texte en Markdown.",
            day=t.date(copy.edition.at),
        ),
        attachments=[
            Attachment(
                f"{name}.html",
                html_page(t, copy).encode(),
                "text/html",
                description=t("Digest (page HTML)"),
            ),
            Attachment(
                f"{name}.md",
                markdown(t, copy).encode(),
                "text/markdown",
                description=t("Digest (Markdown)"),
            ),
        ],
        private=True,
    )


def subscription(t: Translator, enabled: bool, when: str, *, by_mail: bool = False) -> Reply:
    if enabled and by_mail:
        text = t(
            "C'est noté : vous recevrez les nouvelles de la communauté par e-mail, "
            "la prochaine fois le {day}. Pour arrêter : `me digest off`.",
            day=when,
        )
    elif enabled:
        text = t(
            "C'est noté : vous recevrez les nouvelles de la communauté en message privé, "
            "la prochaine fois le {day}. Pour arrêter : `me digest off`.",
            day=when,
        )
    else:
        text = t(
            "C'est noté : vous ne recevrez plus les nouvelles de la communauté. "
            "Pour les recevoir : `me digest on`."
        )
    return Reply(text=text, tone=Tone.SUCCESS, private=True)


def status(t: Translator, enabled: bool, when: str) -> Reply:
    if enabled:
        text = t(
            "Vous recevez les nouvelles de la communauté (prochaine édition le {day}). "
            "Pour arrêter : `me digest off`.",
            day=when,
        )
    else:
        text = t(
            "Vous ne recevez pas les nouvelles de la communauté, un message privé par mois : "
            "les prochains cafés, les nouvelles ressources, les nouveaux membres. "
            "Pour les recevoir : `me digest on`."
        )
    return Reply(text=text, private=True)
