"""``me email``: giving an address, confirming it by code or by link, bad input, limits."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.core.mail.routing import CONFIRM_KIND
from bot.storage.models import OutboxMessage
from bot.web.server import build_app
from tests.cogs.cafe.test_cafe import CREATE, first_occurrence
from tests.core.mail.conftest import Mail, code_in


async def test_a_code_confirms_the_address(mail: Mail) -> None:
    h = mail.h
    reply = await h.invoke("alice", "me email address", address="  Alice.Martin@Example.ORG ")
    assert "Alice.Martin@example.org" in reply.text and "me email confirm" in reply.text
    await h.deliver()
    (sent,) = mail.smtp.received
    message = sent.message
    assert sent.rcpt_tos == ["Alice.Martin@example.org"]
    assert message["Subject"].startswith("[Passerelle] Confirmez votre adresse e-mail — ")
    assert message["List-Unsubscribe"] is None  # nothing to unsubscribe from yet
    code = code_in(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert code in html and "https://bot.passerelle.test/email/confirm/" in html
    wrong = await h.invoke("alice", "me email confirm", code="000000" if code != "000000" else "1")
    assert "pas le bon code" in wrong.text
    ok = await h.invoke("alice", "me email confirm", code=code)
    assert "Alice.Martin@example.org confirmée" in ok.text
    status = await h.invoke("alice", "me email status")
    assert "(confirmée)" in status.text


async def test_the_link_confirms_through_the_web_page_without_login(mail: Mail) -> None:
    h = mail.h
    await h.invoke("bob", "language", lang="en")
    await h.invoke("bob", "me email address", address="bob@example.org")
    await h.deliver()
    message = mail.smtp.received[-1].message
    assert message["Content-Language"] == "en"
    assert message["Subject"].startswith("[Passerelle] Confirm your e-mail address — ")
    text = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"https://bot\.passerelle\.test(/email/confirm/[\w-]+)", text).group(1)
    async with TestClient(TestServer(build_app(h.core))) as client:
        page = await client.get(path, headers={"Accept-Language": "en"})
        assert page.status == 200
        assert "Confirm my address" in await page.text()
        status = await h.invoke("bob", "me email status")
        assert "(not confirmed)" in status.text  # opening the link (a preview) is not enough
        done = await client.post(path, headers={"Accept-Language": "en"})
        assert done.status == 200 and "your address is confirmed" in await done.text()
        again = await client.post(path)
        assert again.status == 404  # used up
        forged = await client.get("/email/confirm/" + "x" * 32)
        assert forged.status == 404
    status = await h.invoke("bob", "me email status")
    assert "(confirmed)" in status.text


async def test_malformed_addresses_are_refused_with_an_example(mail: Mail) -> None:
    h = mail.h
    for bad in (
        "alice",
        "alice@",
        "@example.org",
        "a b@example.org",
        "alice@localhost",
        "alice@@example.org",
        "alice@exa_mple.org",
        "alice@192.168.1.1",
        "x" * 240 + "@example.org",
        "mailto:",
    ):
        reply = await h.invoke("alice", "me email address", address=bad)
        assert "prenom.nom@exemple.org" in reply.text, (bad, reply.text)
    too_long = await h.invoke("alice", "me email address", address="x" * 300 + "@example.org")
    assert "trop longue" in too_long.text
    assert await h.core.mail.status(await mail.member_id("alice")) is None
    await h.deliver()
    assert mail.smtp.received == []


async def test_confirmation_sends_are_rate_limited(mail: Mail) -> None:
    h = mail.h
    await h.invoke("alice", "me email address", address="alice@example.org")
    soon = await h.invoke("alice", "me email address", address="alice@example.org")
    assert "attendez" in soon.text
    for _ in range(4):
        h.clock.advance(timedelta(minutes=2))
        await h.invoke("alice", "me email address", address="alice@example.org")
    h.clock.advance(timedelta(minutes=2))
    blocked = await h.invoke("alice", "me email address", address="alice@example.org")
    assert "Trop de codes" in blocked.text
    await h.deliver()
    assert len(mail.smtp.received) == 5  # the daily limit
    h.clock.advance(timedelta(days=1))
    await h.invoke("alice", "me email address", address="alice@example.org")


async def test_an_unconfirmed_address_receives_nothing_but_the_confirmation(mail: Mail) -> None:
    h = mail.h
    await h.say("mod", CREATE)
    await h.invoke("alice", "me email address", address="alice@example.org")
    chose = await h.invoke("alice", "me email choose", reminders="on")
    assert "non confirmée" in chose.text and "Pas encore confirmée" in chose.text
    await h.invoke("alice", "cafe join")
    await h.deliver()
    occ = await first_occurrence(h)
    h.clock.set(occ.starts_at - timedelta(hours=24))
    await h.deliver()
    assert len(mail.smtp.received) == 1  # the confirmation only
    assert any("Rappel" in d.text or "rappel" in d.text for d in h.adapter.dms("alice"))


async def test_too_many_wrong_codes_void_the_code(mail: Mail) -> None:
    h = mail.h
    await h.invoke("alice", "me email address", address="alice@example.org")
    await h.deliver()
    code = code_in(mail.smtp.received[-1].message)
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(4):
        assert "pas le bon code" in (await h.invoke("alice", "me email confirm", code=wrong)).text
    assert "annulé" in (await h.invoke("alice", "me email confirm", code=wrong)).text
    late = await h.invoke("alice", "me email confirm", code=code)
    assert "plus valable" in late.text


async def test_commands_without_an_address_say_what_to_do(mail: Mail) -> None:
    h = mail.h
    assert "me email address" in (await h.invoke("alice", "me email status")).text
    assert "me email address" in (await h.invoke("alice", "me email confirm", code="1")).text
    assert "rien à effacer" in (await h.invoke("alice", "me email remove")).text
    assert "me email address" in (await h.invoke("alice", "me email choose", digest="on")).text
    empty = await h.invoke("alice", "me email choose")
    assert "reminders:on" in empty.text


async def test_the_code_and_link_leave_the_outbox_once_the_email_is_sent(mail: Mail) -> None:
    """The outbox keeps finished rows for days (``keep_sent``): a confirmation's code and link
    are not among what it keeps — but a send to retry still has them."""
    h = mail.h
    await mail.smtp.stop()
    await h.invoke("bob", "me email address", address="bob@example.org")
    assert (await h.deliver()).retried == 1

    async def confirmation() -> dict[str, object]:
        async with h.core.db.session() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        (row,) = [r for r in rows if r.kind == CONFIRM_KIND]
        return {"status": row.status, **json.loads(row.payload)}

    waiting = await confirmation()
    assert waiting["status"] == "pending" and "code" in waiting and "url" in waiting
    await mail.smtp.start()
    h.clock.advance(timedelta(seconds=6))  # past the first backoff
    assert (await h.deliver()).sent == 1
    sent = await confirmation()
    assert sent["status"] == "sent" and sent["address"] == "bob@example.org"
    assert "code" not in sent and "url" not in sent
    code = code_in(mail.smtp.received[-1].message)
    ok = await h.invoke("bob", "me email confirm", code=code)  # the e-mail still works
    assert "bob@example.org confirmée" in ok.text
