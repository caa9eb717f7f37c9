"""Calendar feeds: `me calendar` gives a private address; the feed lists the member's cafés
(video link only where they hold a seat, waitlisted ones marked), the community feed has no
link; stable UIDs, SEQUENCE on change, ETag and 304; revoked or unknown tokens are 404."""

from __future__ import annotations

import re

from icalendar import Calendar
from sqlmodel import select

from cogs.cafe.calendar import occurrence_uid
from cogs.cafe.models import CafeFeedToken, CafeOccurrence, CafeSeries
from tests.harness import Harness, make_harness
from tests.web.conftest import Web

LINK = "https://visio.example.org/cafe-secret"
CREATE = (
    '!cafe create title:"Café des médiateurs" schedule:"monthly first thursday 10:00" '
    f"timezone:Europe/Paris duration:60 capacity:1 link:{LINK}"
)
URL = re.compile(r"http://127\.0\.0\.1:\d+(/feeds/[A-Za-z0-9_-]+\.ics)")


async def feed_path(h: Harness, name: str, **raw: object) -> str:
    reply = await h.invoke(name, "me calendar", **raw)
    assert reply.private
    found = URL.search(reply.text)
    assert found, reply.text
    return found.group(1)


async def occurrences(h: Harness) -> list[CafeOccurrence]:
    async with h.db.session() as s:
        return list(await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at)))


def events(data: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


async def test_registered_and_waitlisted_cafes_link_only_with_a_seat(web: Web) -> None:
    h = web.h
    await h.say("mod", CREATE)
    first, second, *_ = await occurrences(h)
    await h.invoke("bob", "cafe join", occurrence=first.id)  # takes the only seat
    await h.invoke("alice", "cafe join", occurrence=first.id)  # waitlisted
    await h.invoke("alice", "cafe join", occurrence=second.id)  # registered
    path = await feed_path(h, "alice")
    resp = await web.client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/calendar")
    body = await resp.read()
    async with h.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
    found = events(body)
    assert set(found) == {occurrence_uid(series, first), occurrence_uid(series, second)}
    waiting = found[occurrence_uid(series, first)]
    seated = found[occurrence_uid(series, second)]
    assert str(waiting["SUMMARY"]).startswith("[Liste d'attente]")
    assert str(waiting["STATUS"]) == "TENTATIVE"
    assert LINK not in str(waiting.get("DESCRIPTION")) and "URL" not in waiting
    assert str(seated["URL"]) == LINK and str(seated["STATUS"]) == "CONFIRMED"
    assert LINK.encode() in body and body.count(LINK.encode()) >= 1
    # Bob's feed: his seat, with the link; Carol registered nowhere: an empty calendar.
    assert LINK.encode() in await (await web.client.get(await feed_path(h, "bob"))).read()
    carol = await (await web.client.get(await feed_path(h, "carol"))).read()
    assert events(carol) == {}


async def test_the_community_feed_lists_every_cafe_without_links(web: Web) -> None:
    h = web.h
    await h.say("mod", CREATE)
    await h.invoke("alice", "cafe join")
    resp = await web.client.get("/feeds/community.ics")
    assert resp.status == 200
    body = await resp.read()
    assert len(events(body)) == len(await occurrences(h)) >= 2
    assert b"visio.example.org" not in body
    assert "public" in resp.headers["Cache-Control"]


async def test_etag_304_and_sequence_when_an_occurrence_changes(web: Web) -> None:
    h = web.h
    await h.say("mod", CREATE)
    await h.invoke("alice", "cafe join")
    path = await feed_path(h, "alice")
    first = await web.client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = await web.client.get(path, headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    assert again.headers["ETag"] == etag
    (occ, *_) = await occurrences(h)
    (event,) = events(await first.read()).values()
    assert int(event["SEQUENCE"]) == 0
    await h.invoke("mod", "cafe topic", occurrence=occ.id, topic="Les publics")
    changed = await web.client.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    (event,) = events(await changed.read()).values()
    assert int(event["SEQUENCE"]) == 1 and "Les publics" in str(event["SUMMARY"])
    # Cancelled: still there, as CANCELLED with a higher SEQUENCE (the reader drops it).
    await h.invoke("mod", "cafe cancel", occurrence=occ.id)
    (event,) = events(await (await web.client.get(path)).read()).values()
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    # The community feed has its own ETag and answers 304 the same way.
    community = await web.client.get("/feeds/community.ics")
    tag = community.headers["ETag"]
    assert (
        await web.client.get("/feeds/community.ics", headers={"If-None-Match": tag})
    ).status == 304


async def test_me_calendar_shows_an_address_once_and_revoke_replaces_it(web: Web) -> None:
    h = web.h
    old = await feed_path(h, "alice")
    again = await h.invoke("alice", "me calendar")
    assert URL.search(again.text) is None and "revoke:true" in again.text
    assert (await web.client.get(old)).status == 200
    revoked = await h.invoke("alice", "me calendar", revoke=True)
    assert "ne fonctionne plus" in revoked.text
    match = URL.search(revoked.text)
    assert match is not None and match.group(1) != old
    gone = await web.client.get(old, headers={"Accept-Language": "en"})
    assert gone.status == 404
    assert "me calendar" in await gone.text() and "Traceback" not in await gone.text()
    assert (await web.client.get(match.group(1))).status == 200
    async with h.db.session() as s:
        (row,) = list(await s.exec(select(CafeFeedToken)))
    token = match.group(1).removeprefix("/feeds/").removesuffix(".ics")
    assert token not in row.token_hash and len(row.token_hash) == 64  # only its hash


async def test_unknown_and_malformed_tokens_are_404(web: Web) -> None:
    for path in ("/feeds/" + "A" * 32 + ".ics", "/feeds/short.ics", "/feeds/x%00y.ics"):
        resp = await web.client.get(path)
        assert resp.status == 404, path
        assert "Traceback" not in await resp.text()


async def test_feed_in_the_members_language(web: Web) -> None:
    h = web.h
    await h.say("mod", CREATE)
    first, *_ = await occurrences(h)
    await h.invoke("bob", "cafe join", occurrence=first.id)
    await h.invoke("alice", "me language", lang="en")
    await h.invoke("alice", "cafe join", occurrence=first.id)
    reply = await h.invoke("alice", "me calendar")
    assert "Your private calendar feed" in reply.text
    path = URL.search(reply.text).group(1)  # type: ignore[union-attr]
    cal = Calendar.from_ical(await (await web.client.get(path)).read())
    assert str(cal["X-WR-CALNAME"]) == "My cafés"
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("[Waiting list]")


async def test_forgetting_a_member_kills_their_feed(web: Web) -> None:
    h = web.h
    path = await feed_path(h, "alice")
    ask = await h.invoke("alice", "me forget")
    assert ask.actions
    await h.invoke("alice", "me forget", confirm=True)
    assert (await web.client.get(path)).status == 404
    async with h.db.session() as s:
        assert list(await s.exec(select(CafeFeedToken))) == []


async def test_me_calendar_says_when_the_web_server_is_off(db_url: str) -> None:
    async with await make_harness(db_url, cogs=["cafe"], web={"enabled": False}) as h:
        reply = await h.invoke("alice", "me calendar")
        assert "serveur web" in reply.text and "[web] enabled" in reply.text
        await h.invoke("alice", "me language", lang="en")
        reply = await h.invoke("alice", "me calendar")
        assert "web server is not enabled" in reply.text


async def test_base_url_makes_the_address(db_url: str) -> None:
    async with await make_harness(
        db_url, cogs=["cafe"], web={"base_url": "https://bot.example.org/passerelle/"}
    ) as h:
        reply = await h.invoke("alice", "me calendar")
        assert re.search(r"https://bot\.example\.org/passerelle/feeds/[\w-]{32}\.ics", reply.text)


async def test_the_etag_changes_whenever_the_body_would(web: Web) -> None:
    """The 304 path reads columns, not rows: whatever the file shows must move the ETag —
    the series' title, the video link, a seat gained from the waitlist, the language."""
    h = web.h
    await h.say("mod", CREATE)
    first, *_ = await occurrences(h)
    await h.invoke("bob", "cafe join", occurrence=first.id)  # the only seat
    await h.invoke("alice", "cafe join", occurrence=first.id)  # waitlisted
    path = await feed_path(h, "alice")
    seen: list[str] = []

    async def etag_and_body() -> tuple[str, bytes]:
        resp = await web.client.get(path, headers={"If-None-Match": ", ".join(seen)})
        assert resp.status == 200, "the feed changed but was answered 304"
        seen.append(resp.headers["ETag"])
        again = await web.client.get(path, headers={"If-None-Match": seen[-1]})
        assert again.status == 304
        return seen[-1], await resp.read()

    _, body = await etag_and_body()
    assert LINK.encode() not in body
    async with h.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
        series.title = "Café des médiatrices"
        s.add(series)
    _, body = await etag_and_body()
    assert "Café des médiatrices".encode() in body
    await h.invoke("bob", "cafe leave", occurrence=first.id)  # alice gets the seat
    _, body = await etag_and_body()
    assert LINK.encode() in body
    async with h.db.session() as s:
        occ = await s.get(CafeOccurrence, first.id)
        assert occ is not None
        occ.link = "https://visio.example.org/autre"
        s.add(occ)
    _, body = await etag_and_body()
    assert b"visio.example.org/autre" in body and LINK.encode() not in body
    await h.invoke("alice", "me language", lang="en")
    _, body = await etag_and_body()
    assert b"My caf" in body
    assert len(set(seen)) == len(seen) == 5
