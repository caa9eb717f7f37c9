"""A Reply as an e-mail, without a server: parts, escaping, subject, Message-ID."""

from __future__ import annotations

import email
import email.policy

from bot.adapters.email.message import Envelope, build_message, message_id, subject_of
from bot.core.i18n import I18n
from bot.core.reply import Action, Reply

ENVELOPE = Envelope(
    sender="Passerelle <bot@example.org>",
    to="alice@example.org",
    community="Passerelle",
    prefix="!",
    unsubscribe_url="https://bot.example.org/email/unsubscribe/abcdefghijklmnop",
)


def test_member_text_never_becomes_markup_and_buttons_become_hints() -> None:
    t = I18n("fr").translator("en")
    reply = Reply(
        title="<b>Café</b>",
        text="Topic: <script>alert(1)</script> & **bold**",
        actions=[Action.invoke("cafe join", occurrence=3, label="Join")],
    )
    raw = build_message(reply, t, ENVELOPE, "cafe:3:900:1").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    html = parsed.get_body(("html",)).get_content()
    plain = parsed.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "&lt;b&gt;Café&lt;/b&gt;" in html
    assert "!cafe join" in plain and "On the chat, you can type:" in plain
    assert 'href="https://bot.example.org/email/unsubscribe/abcdefghijklmnop"' in html
    assert parsed["Content-Language"] == "en"


def test_message_id_is_derived_from_the_key() -> None:
    one = message_id("cafe:3:900:1", "Passerelle <bot@example.org>")
    assert one == message_id("cafe:3:900:1", "bot@example.org")
    assert one != message_id("cafe:3:900:2", "bot@example.org")
    assert one.startswith("<") and one.endswith("@example.org>")


def test_subject_is_cut_and_prefixed() -> None:
    long = Reply(title="Café n° 12", text="Rappel : " + "très " * 40 + "long")
    subject = subject_of(long, "Passerelle")
    assert subject.startswith("[Passerelle] Café n° 12 — Rappel") and subject.endswith("…")
    assert len(subject) <= len("[Passerelle] ") + 78
