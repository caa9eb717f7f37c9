"""A ``Reply`` as an e-mail: multipart/alternative (plain text, then HTML), in the reader's
language, with a Message-ID derived from the outbox key and one-click unsubscribe headers.

The Message-ID is a hash of the outbox key: a message sent again after a crash carries the
same id, which mail stores and clients use to drop the copy. ``List-Unsubscribe`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) lets mail clients
unsubscribe with one POST to the bot's web page, no login (the token is the capability).
Buttons cannot work in an e-mail: they become "type this on the chat" hints.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from bot.core.i18n import Translator
from bot.core.markup import action_hints, to_html, to_plain
from bot.core.reply import Reply

SUBJECT_MAX = 78  # characters; longer subjects are cut by many clients anyway


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who and where: the parts of an e-mail that do not come from the reply."""

    sender: str  # the From header ("Passerelle <bot@example.org>")
    to: str
    community: str
    prefix: str  # how commands are typed on the chat ("!")
    unsubscribe_url: str | None  # None: the confirmation itself (nothing to unsubscribe from)


def message_id(key: str, sender: str) -> str:
    """``<hash-of-key@sender-domain>``: the same key always gives the same id."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "passerelle.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def subject_of(reply: Reply, community: str) -> str:
    """The title, then the text's first line (what a chat preview would show), cut."""
    first = next((line for line in reply.text.splitlines() if line.strip()), "")
    head = " — ".join(part for part in (reply.title, first) if part)
    words = " ".join(to_plain(head).replace("#", "").split())
    if len(words) > SUBJECT_MAX:
        words = words[: SUBJECT_MAX - 1].rstrip() + "…"
    return f"[{community}] {words}" if words else f"[{community}]"


def build_message(reply: Reply, t: Translator, envelope: Envelope, key: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = envelope.sender
    msg["To"] = formataddr(("", envelope.to))
    msg["Subject"] = subject_of(reply, envelope.community)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(key, envelope.sender)
    msg["Auto-Submitted"] = "auto-generated"  # no vacation auto-replies to the bot
    if envelope.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(plain_body(reply, t, envelope))
    msg.add_alternative(html_body(reply, t, envelope), subtype="html")
    msg["Content-Language"] = t.locale  # after the body: setting content drops Content-*
    return msg


def _footer(t: Translator, envelope: Envelope) -> str:
    if envelope.unsubscribe_url:
        return t(
            "Vous recevez ce message parce que vous avez choisi l'e-mail dans {community}. "
            "Pour ne plus en recevoir : {url}",
            community=envelope.community,
            url=envelope.unsubscribe_url,
        )
    return t(
        "Vous recevez ce message parce que quelqu'un a donné cette adresse dans {community}. "
        "Si ce n'est pas vous, ignorez-le : rien d'autre ne vous sera envoyé.",
        community=envelope.community,
    )


def plain_body(reply: Reply, t: Translator, envelope: Envelope) -> str:
    lines: list[str] = []
    if reply.title:
        lines += [to_plain(reply.title), ""]
    if reply.text:
        lines.append(to_plain(reply.text))
    for field in reply.fields:
        lines.append(f"{to_plain(field.name)} : {to_plain(field.value)}")
    if reply.actions:
        lines += ["", t("Sur le chat, vous pouvez taper :")]
        lines += action_hints(reply.actions, envelope.prefix, numbered=False)
    lines += ["", "-- ", _footer(t, envelope)]
    return "\n".join(lines) + "\n"


def html_body(reply: Reply, t: Translator, envelope: Envelope) -> str:
    parts: list[str] = []
    if reply.title:
        parts.append(f"<h1>{to_html(reply.title)}</h1>")
    if reply.text:
        parts.append(f"<p>{to_html(reply.text)}</p>")
    if reply.fields:
        rows = "".join(
            f"<li><strong>{to_html(f.name)}</strong> : {to_html(f.value)}</li>"
            for f in reply.fields
        )
        parts.append(f"<ul>{rows}</ul>")
    if reply.actions:
        items = "".join(
            f"<li>{html.escape(a.label)} → <code>{html.escape(a.as_text(envelope.prefix))}</code>"
            "</li>"
            for a in reply.actions
        )
        parts.append(
            f"<p>{html.escape(t('Sur le chat, vous pouvez taper :'))}</p><ul>{items}</ul>"
        )
    footer = html.escape(_footer(t, envelope))
    if envelope.unsubscribe_url:
        url = html.escape(envelope.unsubscribe_url, quote=True)
        footer = footer.replace(
            html.escape(envelope.unsubscribe_url), f'<a href="{url}">{url}</a>'
        )
    lang = html.escape(t.locale, quote=True)
    title = html.escape(subject_of(reply, envelope.community))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>"
        f'<body style="font-family: sans-serif; line-height: 1.5">{"".join(parts)}'
        f'<hr><p style="font-size: small; color: #555">{footer}</p></body></html>\n'
    )
