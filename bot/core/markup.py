"""The reply markdown subset, rendered for text platforms (plain text, ANSI, HTML)."""

from __future__ import annotations

import html
import re

from bot.core.reply import Action, Reply

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])[*_](?!\s)(.+?)(?<!\s)[*_](?![*\w])")
_CODE = re.compile(r"`([^`]+)`")


def to_plain(text: str) -> str:
    text = _LINK.sub(r"\1 (\2)", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def to_ansi(text: str) -> str:
    text = _LINK.sub("\x1b[4m\\1\x1b[0m (\\2)", text)
    text = _BOLD.sub("\x1b[1m\\1\x1b[0m", text)
    text = _ITALIC.sub("\x1b[3m\\1\x1b[0m", text)
    return _CODE.sub("\x1b[36m\\1\x1b[0m", text)


def to_html(text: str) -> str:
    """Escape, then turn the subset into HTML (Matrix ``formatted_body``).

    Member text reaches this (poll questions, café topics, names), so nothing in it may become
    markup of its own: every piece of text is escaped before any tag is added, and a link's URL
    only ever lands inside a double-quoted attribute, escaped with ``quote=True``."""
    out: list[str] = []
    in_list = False
    for raw in text.split("\n"):
        if raw.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_html_line(raw[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        out.append(_html_line(raw) + "<br>")
    if in_list:
        out.append("</ul>")
    result = "".join(out)
    return result[:-4] if result.endswith("<br>") else result


_SLOT = re.compile(r"\x00(\d+)\x00")


def _html_inline(escaped: str) -> str:
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
    return _CODE.sub(r"<code>\1</code>", escaped)


def _html_line(raw: str) -> str:
    """One line. Links are cut out of the raw text first and stand as ``\\x00n\\x00`` slots
    while bold/italic/code run, so no later rule can rewrite inside an ``href``; the label is
    escaped and formatted on its own, so it cannot close the ``<a>`` either."""
    links: list[str] = []

    def cut(match: re.Match[str]) -> str:
        label = _html_inline(html.escape(match.group(1), quote=False))
        href = html.escape(match.group(2), quote=True)
        links.append(f'<a href="{href}">{label}</a>')
        return f"\x00{len(links) - 1}\x00"

    # NUL is the slot marker: user text cannot bring its own slots.
    line = _LINK.sub(cut, raw.replace("\x00", ""))
    line = _html_inline(html.escape(line, quote=False))
    return _SLOT.sub(lambda m: links[int(m.group(1))], line)


def action_hints(actions: list[Action], prefix: str, *, numbered: bool) -> list[str]:
    """``[1] Je m'inscris → !cafe join occurrence:12`` (numbered on the console)."""
    lines = []
    for index, action in enumerate(actions, 1):
        head = f"[{index}] " if numbered else "- "
        lines.append(f"{head}{action.label} → {action.as_text(prefix)}")
    return lines


def reply_as_text(
    reply: Reply, prefix: str, *, style: str = "plain", numbered: bool = False
) -> str:
    """The whole reply as text: title, text, fields, action hints."""
    fmt = {"plain": to_plain, "ansi": to_ansi}[style]
    lines: list[str] = []
    if reply.title:
        lines.append(fmt(f"**{reply.title}**"))
    if reply.text:
        lines.append(fmt(reply.text))
    lines.extend(fmt(line) for line in reply.field_lines("**{name}**"))
    if reply.actions:
        lines.extend(action_hints(reply.actions, prefix, numbered=numbered))
    return "\n".join(lines)
