"""Matrix event contents built from neutral replies, and parsed back (no nio import here).

Pure functions, so they are unit-tested without a homeserver.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from bot.core.markup import action_hints, to_html, to_plain
from bot.core.reply import NativePoll, Reply

# MSC3381 polls: Element (web, Android, iOS, X) renders the unstable event type; the content
# carries both the unstable keys and the stable ones so clients reading either form understand it.
POLL_START_TYPES = ("m.poll.start", "org.matrix.msc3381.poll.start")
POLL_RESPONSE_TYPES = ("m.poll.response", "org.matrix.msc3381.poll.response")
POLL_END_TYPES = ("m.poll.end", "org.matrix.msc3381.poll.end")

_MATRIX_TO = re.compile(r"\[([^\]]+)\]\(https://matrix\.to/#/([@!#][^)\s]+)\)")


def tx_id(key: str, part: int = 0) -> str:
    """A transaction id derived from an outbox key: a resend reuses it, and the homeserver
    answers with the first event instead of posting again."""
    digest = hashlib.sha256(f"{key}\x00{part}".encode()).hexdigest()[:32]
    return f"passerelle.{digest}"


def mentions(user_ids: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
    """``m.mentions`` naming exactly ``user_ids``, never ``room``.

    With intentional mentions (Matrix 1.7) clients notify only whom ``m.mentions`` names and
    ignore ``@room`` or pills written in the body: so the bot lists only the people it mentions
    itself (``Reply.mentions``), and a member's text echoed in a reply pings nobody. Sent even
    when empty: without the key, clients fall back to scanning the body for names and @room."""
    return {"user_ids": sorted({u for u in user_ids if isinstance(u, str) and u.startswith("@")})}


def with_mentions(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` with a safe ``m.mentions``: the user ids it already allows, ``room`` never
    (every event the adapter sends goes through this)."""
    current = content.get("m.mentions")
    users = current.get("user_ids", []) if isinstance(current, dict) else []
    return {**content, "m.mentions": mentions(users if isinstance(users, list) else [])}


def _plain(text: str) -> str:
    # A mention reads as its name in the plain body, not "name (https://matrix.to/...)".
    return to_plain(_MATRIX_TO.sub(r"\1", text))


def message_content(reply: Reply, prefix: str, *, msgtype: str = "m.notice") -> dict[str, Any]:
    """``m.notice`` with a readable plain ``body`` and an HTML ``formatted_body``; actions become
    typed hints (``!cafe join occurrence:12``)."""
    plain: list[str] = []
    rich: list[str] = []
    if reply.title:
        plain.append(_plain(reply.title))
        rich.append(f"<strong>{to_html(reply.title)}</strong>")
    if reply.text:
        plain.append(_plain(reply.text))
        rich.append(to_html(reply.text))
    sep = reply.field_separator
    for field in reply.fields:
        plain.append(_plain(field.name) + sep + _plain(field.value))
        rich.append(f"<strong>{to_html(field.name)}</strong>{sep}{to_html(field.value)}")
    if reply.actions:
        plain.extend(action_hints(reply.actions, prefix, numbered=False))
        items = "".join(
            f"<li>{html.escape(a.label)} → <code>{html.escape(a.as_text(prefix))}</code></li>"
            for a in reply.actions
        )
        rich.append(f"<ul>{items}</ul>")
    body = "\n".join(plain)
    formatted = "<br>".join(r for r in rich if not r.startswith("<ul>"))
    lists = "".join(r for r in rich if r.startswith("<ul>"))
    content: dict[str, Any] = {
        "msgtype": msgtype,
        "body": body or "…",
        "format": "org.matrix.custom.html",
        "formatted_body": (formatted + lists) or "…",
    }
    # Only the bot's own mention calls ping (Reply.mentions), never names or @room in text.
    content["m.mentions"] = mentions(reply.mentions)
    return content


def reply_relation(event_id: str, thread_root: str | None = None) -> dict[str, Any]:
    """``m.relates_to`` answering ``event_id`` (inside its thread when it was in one)."""
    if thread_root:
        return {
            "rel_type": "m.thread",
            "event_id": thread_root,
            "is_falling_back": False,
            "m.in_reply_to": {"event_id": event_id},
        }
    return {"m.in_reply_to": {"event_id": event_id}}


def reaction_content(event_id: str, key: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


def edit_content(new: dict[str, Any], event_id: str) -> dict[str, Any]:
    """An ``m.replace`` edit of ``event_id`` with ``new`` as its content."""
    new = {k: v for k, v in new.items() if k != "m.relates_to"}
    new["m.mentions"] = mentions((new.get("m.mentions") or {}).get("user_ids", []))
    return {
        **new,
        "body": "* " + new.get("body", ""),
        "formatted_body": "* " + new.get("formatted_body", ""),
        "m.new_content": new,
        # The edit itself pings nobody: whoever the message names was notified when it was
        # first sent (a live result refreshed ten times must not notify ten times).
        "m.mentions": mentions(),
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


def poll_fallback(poll: NativePoll) -> str:
    lines = [poll.question]
    lines.extend(f"{i}. {label}" for i, (_, label) in enumerate(poll.answers, 1))
    return "\n".join(lines)


def poll_start_content(poll: NativePoll) -> dict[str, Any]:
    """The poll in the unstable (``org.matrix.msc3381.*``) and stable (``m.poll``) forms."""
    fallback = poll_fallback(poll)
    max_sel = max(1, min(poll.max_selections, len(poll.answers)))
    unstable = {
        "kind": "org.matrix.msc3381.poll.disclosed",
        "max_selections": max_sel,
        "question": {"org.matrix.msc1767.text": poll.question, "body": poll.question},
        "answers": [{"id": aid, "org.matrix.msc1767.text": label} for aid, label in poll.answers],
    }
    stable = {
        "kind": "m.disclosed",
        "max_selections": max_sel,
        "question": {"m.text": [{"body": poll.question}]},
        "answers": [{"m.id": aid, "m.text": [{"body": label}]} for aid, label in poll.answers],
    }
    js_stable = {  # matrix-js-sdk's stable reading of the same event
        "kind": "m.poll.disclosed",
        "max_selections": max_sel,
        "question": {"m.text": poll.question},
        "answers": [{"id": aid, "m.text": label} for aid, label in poll.answers],
    }
    return {
        "org.matrix.msc3381.poll.start": unstable,
        "m.poll.start": js_stable,
        "org.matrix.msc1767.text": fallback,
        "m.poll": stable,
        "m.text": [{"body": fallback}],
        "body": fallback,
        "msgtype": "m.text",
    }


def poll_end_content(start_event_id: str, text: str) -> dict[str, Any]:
    return {
        "org.matrix.msc3381.poll.end": {},
        "m.poll.end": {},
        "org.matrix.msc1767.text": text,
        "m.text": [{"body": text}],
        "body": text,
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
    }


def parse_poll_response(event_type: str, content: dict[str, Any]) -> tuple[str, list[str]] | None:
    """``(start event id, answer ids)`` of an ``m.poll.response`` in either form, or None."""
    if event_type not in POLL_RESPONSE_TYPES:
        return None
    relation = content.get("m.relates_to") or {}
    start = relation.get("event_id")
    if not isinstance(start, str) or relation.get("rel_type") != "m.reference":
        return None
    answers: Any = None
    unstable = content.get("org.matrix.msc3381.poll.response")
    if isinstance(unstable, dict):
        answers = unstable.get("answers")
    if answers is None:
        answers = content.get("m.selections")
    if answers is None and isinstance(content.get("m.poll.response"), dict):
        answers = content["m.poll.response"].get("answers")
    if not isinstance(answers, list):
        return None
    ids = [a for a in answers if isinstance(a, str)]
    return start, list(dict.fromkeys(ids))


_FALLBACK_QUOTE = re.compile(r"\A(?:>[^\n]*\n)+\n?")


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> <@user> quoted text`` lines a client puts before a reply's own text."""
    return _FALLBACK_QUOTE.sub("", body, count=1) if body.startswith(">") else body
