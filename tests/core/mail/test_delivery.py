"""Café reminders by e-mail: both parts, both languages, the headers; SMTP down then up,
a refused address, unsubscribe without login, and the member's rights (export, forget)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.adapters.email import message_id
from bot.core.privacy import export_member, forget_member
from bot.storage.models import EmailAddress, OutboxMessage
from bot.web.server import build_app
from tests.cogs.cafe.test_cafe import CREATE, LINK, first_occurrence
from tests.core.mail.conftest import Mail


async def _by_email(mail: Mail, name: str, address: str, *, english: bool = False) -> None:
    if english:
        await mail.h.invoke(name, "language", lang="en")
    await mail.confirmed(name, address)
    await mail.h.invoke(name, "me email choose", reminders="on")


async def _reminded_by_email(
    mail: Mail, name: str, address: str, *, english: bool = False
) -> tuple[Any, str]:
    """``name`` joins a café with reminders by e-mail and gets the one a day before: the
    occurrence, and the unsubscribe link of that e-mail (its path)."""
    h = mail.h
    await h.say("mod", CREATE)
    await _by_email(mail, name, address, english=english)
    await h.invoke(name, "cafe join")
    occ = await first_occurrence(h)
    h.clock.set(occ.starts_at - timedelta(hours=24))
    await h.deliver()
    header = mail.smtp.received[-1].message["List-Unsubscribe"]
    path = re.search(r"https://bot\.passerelle\.test(/email/unsubscribe/[\w-]+)", header)
    assert path is not None
    return occ, path.group(1)


async def _reminder_rows(mail: Mail) -> list[OutboxMessage]:
    async with mail.h.db.session() as s:
        rows = await s.exec(select(OutboxMessage).where(OutboxMessage.kind == "cafe.reminder"))
        return list(rows)


async def test_a_cafe_reminder_by_email_in_both_languages(mail: Mail) -> None:
    h = mail.h
    await h.say("mod", CREATE)
    await _by_email(mail, "alice", "alice@example.org")
    await _by_email(mail, "bob", "bob@example.org", english=True)
    await h.invoke("alice", "cafe join")
    await h.invoke("bob", "cafe join")
    await h.deliver()
    mail.smtp.received.clear()
    occ = await first_occurrence(h)
    h.clock.set(occ.starts_at - timedelta(hours=24))
    report = await h.deliver()
    assert report.sent == 2
    by_to = {r.rcpt_tos[0]: r.message for r in mail.smtp.received}
    assert set(by_to) == {"alice@example.org", "bob@example.org"}
    assert not [d for d in h.adapter.dms("alice") if "Café des médiateurs" in d.text]
    french, english = by_to["alice@example.org"], by_to["bob@example.org"]
    for message, lang in ((french, "fr"), (english, "en")):
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == [
            "text/plain",
            "text/html",
        ]
        assert message["Content-Language"] == lang
        assert message["From"] == "Passerelle <bot@passerelle.test>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<https://bot\.passerelle\.test/email/unsubscribe/[\w-]{16,64}>",
            message["List-Unsubscribe"],
        )
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f'<html lang="{lang}">' in html and LINK in html
    alice = await mail.member_id("alice")
    sent = [r for r in await _reminder_rows(mail) if r.member_id == alice and r.status == "sent"]
    assert french["Message-ID"] == message_id(sent[0].key, "bot@passerelle.test")
    french_text = french.get_body(preferencelist=("plain",)).get_content()
    english_text = english.get_body(preferencelist=("plain",)).get_content()
    assert "jeudi 7 janvier à 10 h" in french_text and "Pour ne plus en recevoir" in french_text
    assert "Thursday 7 January" in english_text and "To stop receiving them" in english_text
    assert "Café des médiateurs" in french["Subject"]
    assert (await h.deliver()).sent == 0  # nothing twice


async def test_choosing_email_moves_reminders_already_queued(mail: Mail) -> None:
    h = mail.h
    await h.say("mod", CREATE)
    await h.invoke("alice", "cafe join")
    assert {r.platform for r in await _reminder_rows(mail)} == {"memory"}
    await _by_email(mail, "alice", "alice@example.org")
    assert {r.platform for r in await _reminder_rows(mail)} == {"email"}
    await h.invoke("alice", "me email choose", reminders="off")
    assert {r.platform for r in await _reminder_rows(mail)} == {"memory"}


async def test_smtp_down_then_up_is_retried_and_delivered_once(mail: Mail) -> None:
    h = mail.h
    await h.say("mod", CREATE)
    await _by_email(mail, "alice", "alice@example.org")
    await h.invoke("alice", "cafe join")
    mail.smtp.received.clear()
    occ = await first_occurrence(h)
    await mail.smtp.stop()
    h.clock.set(occ.starts_at - timedelta(hours=24))
    first = await h.deliver()
    assert first.retried == 1 and first.sent == 0
    (row,) = [r for r in await _reminder_rows(mail) if r.status == "pending" and r.attempts]
    assert row.failure_reason == "smtp_unreachable"
    await mail.smtp.start()  # same port
    h.clock.advance(timedelta(seconds=6))  # past the first backoff (5 s)
    second = await h.deliver()
    assert second.sent == 1
    assert len(mail.smtp.received) == 1
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(hours=1))
    await h.deliver()
    assert len(mail.smtp.received) == 1
    assert not [d for d in h.adapter.dms("alice") if "Café des médiateurs" in d.text]


async def test_a_refused_address_is_recorded_and_the_chat_still_gets_it(mail: Mail) -> None:
    h = mail.h
    await h.say("mod", CREATE)
    await _by_email(mail, "alice", "alice@example.org")
    await h.invoke("alice", "cafe join")
    mail.smtp.received.clear()
    mail.smtp.handler.refuse.add("alice@example.org")
    occ = await first_occurrence(h)
    h.clock.set(occ.starts_at - timedelta(hours=24))
    report = await h.deliver()
    assert report.failed == 1
    await h.deliver()  # the stand-in on chat
    dms = [d.text for d in h.adapter.dms("alice") if "Café des médiateurs" in d.text]
    assert len(dms) == 1 and "jeudi 7 janvier à 10 h" in dms[0]
    async with h.db.session() as s:
        row = await s.get(EmailAddress, await mail.member_id("alice"))
        assert row is not None and row.refused_at is not None
        assert row.refused_reason == "smtp_550"
    # The 15-minute reminder goes to chat directly now, and the member is told once.
    assert {r.platform for r in await _reminder_rows(mail) if r.status == "pending"} == {"memory"}
    told = await h.invoke("alice", "me email status")
    assert "refuse l'adresse alice@example.org" in told.text
    assert mail.smtp.received == []


async def test_unsubscribe_through_the_web_page_without_login(mail: Mail) -> None:
    h = mail.h
    occ, link = await _reminded_by_email(mail, "alice", "alice@example.org")
    async with TestClient(TestServer(build_app(h.core))) as client:
        page = await client.get(link)
        assert page.status == 200 and "Ne plus rien recevoir" in await page.text()
        assert (await h.core.mail.status(await mail.member_id("alice"))).reminders
        # What mail clients send for one-click unsubscribe (RFC 8058): no cookie, no form token.
        done = await client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status == 200 and "plus rien n'est envoyé" in unescape(await done.text())
        again = await client.get(link)
        assert "Vous ne recevez plus rien" in await again.text()
        assert (await client.post("/email/unsubscribe/" + "y" * 32)).status == 404
    status = await h.core.mail.status(await mail.member_id("alice"))
    assert status is not None and not status.reminders and not status.digest
    mail.smtp.received.clear()
    h.clock.set(occ.starts_at - timedelta(minutes=15))
    await h.deliver()
    assert mail.smtp.received == []
    assert [d for d in h.adapter.dms("alice") if "Café des médiateurs" in d.text]


async def test_export_includes_the_address_and_forget_erases_it(mail: Mail) -> None:
    h = mail.h
    await _by_email(mail, "alice", "alice@example.org")
    alice = await mail.member_id("alice")
    data = await export_member(h.core, alice)
    assert data["email"]["address"] == "alice@example.org"
    assert data["email"]["reminders"] is True and data["email"]["confirmed_at"]
    await forget_member(h.core, alice)
    async with h.db.session() as s:
        assert list(await s.exec(select(EmailAddress))) == []
    assert (await export_member(h.core, alice))["email"] is None


async def test_the_digest_kind_goes_by_email_for_those_who_chose_it(mail: Mail) -> None:
    """The digest helper's contract: rows of kind "digest", member set, no platform."""
    h = mail.h

    async def render(delivery):  # type: ignore[no-untyped-def]
        from bot.core.reply import Reply

        return Reply(title=delivery.t("Résumé du mois"), text="**Bonjour** !")

    h.core.outbox.register("digest", render)
    await mail.confirmed("alice", "alice@example.org")
    await h.invoke("alice", "me email choose", digest="on")
    await h.invoke("bob", "help")  # bob exists, on chat only
    bob, alice = await mail.member_id("bob"), await mail.member_id("alice")
    mail.smtp.received.clear()
    now = h.clock.now()
    for member in (alice, bob):
        await h.core.outbox.enqueue(
            f"digest:2027-01:{member}", now, kind="digest", member_id=member
        )
    await h.deliver()
    (received,) = mail.smtp.received
    assert received.rcpt_tos == ["alice@example.org"]
    assert received.message["Subject"] == "[Passerelle] Résumé du mois — Bonjour !"
    assert "<strong>Bonjour</strong>" in received.message.get_body(("html",)).get_content()
    assert [d for d in h.adapter.dms("bob") if "Bonjour" in d.text]


async def test_linking_two_accounts_keeps_one_address(mail: Mail) -> None:
    from bot.core.linking import merge_members

    h = mail.h
    await mail.confirmed("alice", "alice@example.org")
    await h.invoke("bob", "help")
    alice, bob = await mail.member_id("alice"), await mail.member_id("bob")
    await merge_members(h.core, bob, alice)  # bob kept, alice's address moves over
    status = await h.core.mail.status(bob)
    assert status is not None and status.address == "alice@example.org" and status.confirmed
    assert await h.core.mail.status(alice) is None


async def test_the_links_pages_speak_the_member_s_language(mail: Mail) -> None:
    """Whatever the browser's language, the pages an e-mail links to speak the language the
    e-mail was written in — the member's; an unknown link, the browser's."""
    h = mail.h
    _, link = await _reminded_by_email(mail, "bob", "bob@example.org", english=True)
    french_browser = {"Accept-Language": "fr-FR,fr;q=0.9"}
    async with TestClient(TestServer(build_app(h.core))) as client:
        page = await client.get(link, headers=french_browser)
        text = await page.text()
        assert page.headers["Content-Language"] == "en"
        assert "Stop all e-mails" in text and "Ne plus rien recevoir" not in text
        done = await client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert "nothing is sent by e-mail" in unescape(await done.text())
        unknown = await client.get("/email/unsubscribe/" + "z" * 32, headers=french_browser)
        assert unknown.status == 404 and "Lien inconnu" in await unknown.text()
