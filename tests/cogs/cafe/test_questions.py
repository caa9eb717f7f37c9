"""Questions from the floor (cafe ask / questions / answered) during a live café, on the
console harness: asking (named and anonymous), supporting by command and by button, the host's
queue by support and by time, answered and highlighted questions, review mode, refusals,
privacy rights and a restart in the middle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.core import Role
from bot.core.refs import MemberRef
from bot.core.reply import Reply
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeQuestion, CafeQuestionSupport
from cogs.cafe.questions_queries import questions
from tests.cogs.cafe.test_live import MONDAY, THURSDAY, setup_cafe
from tests.harness import Harness, make_harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await make_harness(db_url, cogs=["cafe", "poll"], clock=FakeClock(MONDAY))
    yield harness
    await harness.close()


async def live(h: Harness) -> int:
    """A café started by its host, alice."""
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY)
    await h.reply("alice", f"!cafe start occurrence:{occ}")
    await h.settle()
    return occ


def last_edit(h: Harness, title: str) -> Reply:
    """The latest version of the room post titled ``title`` (edits included)."""
    (sent,) = [s for s in h.adapter.in_room() if s.reply.title == title]
    edits = [s.reply for s in h.adapter.sent if s.kind == "edit" and s.ref == sent.ref]
    return edits[-1] if edits else sent.reply


def posts(h: Harness, start: int = 0) -> list[Reply]:
    return [
        s.reply
        for s in h.adapter.in_room()[start:]
        if s.reply.title and "question n°" in s.reply.title.lower()
    ]


async def member_id(h: Harness, name: str) -> int:
    return (await h.core.members.resolve(MemberRef(h.adapter.platform, name, name))).id


async def test_ask_support_queue_answered(h: Harness) -> None:
    occ = await live(h)
    mark = len(h.adapter.in_room())
    asked = await h.reply("bob", '!cafe ask "Quand aura lieu le prochain café ?"')
    assert asked.private and "Question n° 1 posée" in asked.text, asked.text
    assert not asked.redact_source
    secret = await h.reply("carol", "!cafe ask Faut-il une inscription ? anonymous:true")
    assert "Question n° 2 posée" in secret.text and secret.redact_source
    await h.settle()
    # The sender delivers a batch concurrently: the two posts may arrive in either order.
    first, second = sorted(posts(h, mark), key=lambda p: p.title or "")
    assert first.title == "Question n° 1" and "— bob" in first.text
    assert second.title == "Question n° 2" and "Anonyme" in second.text
    assert "carol" not in second.plain_text()
    button = second.actions[0]
    assert button.command == "cafe ask" and button.arg_dict["support"] == 2

    # Support by button (dan) and by command (eve); a second press takes it back.
    clicked = await h.adapter.click("dan", button)
    assert "Vous soutenez la question n° 2 (1 soutien)" in clicked.text, clicked.text
    typed = await h.reply("eve", "!cafe ask support:2")
    assert "(2 soutiens)" in typed.text
    again = await h.adapter.click("dan", button)
    assert "Soutien retiré de la question n° 2 (1 soutien)" in again.text, again.text
    await h.adapter.click("dan", button)
    own = await h.reply("bob", "!cafe ask support:1")
    assert "est la vôtre" in own.text
    # The question's post shows its supports as they change (coalesced edits).
    await h.settle()
    assert "Anonyme · 2 soutiens" in last_edit(h, "Question n° 2").text
    assert "bob · 0 soutien" in last_edit(h, "Question n° 1").text

    # The host's queue: by support (n° 2 first), by time (n° 1 first); private; names hidden.
    queue = await h.reply("alice", "!cafe questions")
    assert queue.private
    lines = [x for x in queue.text.splitlines() if x.startswith("- ")]
    assert lines[0].startswith("- **2.** 2 soutiens") and "Anonyme" in lines[0], lines
    assert lines[1].startswith("- **1.** 0 soutien") and "bob" in lines[1], lines
    assert "carol" not in queue.plain_text()
    by_time = await h.reply("alice", "!cafe questions sort:time")
    assert by_time.text.index("**1.**") < by_time.text.index("**2.**")
    assert "Seuls les modérateurs" in (await h.reply("bob", "!cafe questions")).text
    assert {a.command for a in queue.actions} == {"cafe questions"}

    # Highlight n° 2 in the room, then mark it answered.
    mark = len(h.adapter.in_room())
    highlighted = await h.reply("alice", "!cafe questions answering:2")
    assert "en cours" in highlighted.text
    await h.settle()
    (post,) = posts(h, mark)
    assert post.title == "En cours : question n° 2" and "Faut-il une inscription ?" in post.text
    assert "**EN COURS**" in (await h.reply("alice", "!cafe questions")).text
    # Highlighting again the one highlighted posts nothing; coming back to it after another does.
    await h.reply("alice", "!cafe questions answering:2")
    await h.reply("alice", "!cafe questions answering:1")
    await h.settle()  # (a highlight replaced before its post goes out is not posted)
    h.clock.advance(timedelta(seconds=30))
    await h.reply("alice", "!cafe questions answering:2")
    await h.settle()
    titles = [p.title for p in posts(h, mark)]
    assert titles.count("En cours : question n° 2") == 2 and len(titles) == 3, titles
    queue = await h.reply("alice", "!cafe questions")
    assert queue.text.count("**EN COURS**") == 1
    done = await h.reply("alice", "!cafe questions answered:2")
    assert "répondue" in done.text
    await h.settle()
    answered = last_edit(h, "Question n° 2")
    assert answered.title == "Question n° 2 — répondue" and not answered.actions
    late = await h.reply("eve", "!cafe ask support:2")
    assert "déjà reçu sa réponse" in late.text
    twice = await h.reply("alice", "!cafe questions answered:2")
    assert "déjà reçu sa réponse" in twice.text
    queue = await h.reply("alice", "!cafe questions")
    lines = [x for x in queue.text.splitlines() if x.startswith("- ")]
    assert lines[0].startswith("- **1.**") and "**répondue**" in lines[1], lines
    assert "1 question en attente" in queue.text

    # The report's read: what the room saw, most supported first, anonymous unnamed.
    floor = await questions(h.db, occ)
    assert [(q.number, q.author, q.supports, q.answered) for q in floor] == [
        (2, None, 2, True),
        (1, "bob", 0, False),
    ]


async def test_refusals_and_limits(h: Harness) -> None:
    occ = await setup_cafe(h)
    h.clock.set(THURSDAY)
    none = await h.reply("bob", '!cafe ask "Une question ?"')
    assert "Aucun café n'est en cours" in none.text
    assert "n'est pas en cours" in (await h.reply("bob", f"!cafe ask x occurrence:{occ}")).text
    await h.reply("alice", f"!cafe start occurrence:{occ}")

    assert "est vide" in (await h.reply("bob", "!cafe ask")).text
    assert "est vide" in (await h.reply("bob", '!cafe ask "   "')).text
    long = await h.reply("bob", f'!cafe ask "{"a" * 281}"')
    assert "281 caractères" in long.text and "280" in long.text
    await h.reply("bob", '!cafe ask "Où sont les diapos ?"')
    dup = await h.reply("carol", '!cafe ask "où sont les DIAPOS"')
    assert "déjà été posée (n° 1)" in dup.text and "support:1" in dup.text
    both = await h.reply("carol", '!cafe ask "Autre ?" support:1')
    assert "pas les deux" in both.text
    assert "pas de question n° 9" in (await h.reply("carol", "!cafe ask support:9")).text

    # Three waiting questions per member (the default); an answered one frees a place.
    await h.reply("bob", '!cafe ask "Deuxième ?"')
    await h.reply("bob", '!cafe ask "Troisième ?"')
    limit = await h.reply("bob", '!cafe ask "Quatrième ?"')
    assert "maximum de questions en attente de réponse (3)" in limit.text
    await h.reply("alice", "!cafe questions answered:1")
    assert "n° 4 posée" in (await h.reply("bob", '!cafe ask "Quatrième ?"')).text
    again = await h.reply("carol", '!cafe ask "Où sont les diapos ?"')
    assert "(n° 1) et a reçu sa réponse" in again.text
    await h.settle()
    await h.reply("alice", "!cafe questions hide:2")
    assert "retirée par l'animateur" in (await h.reply("carol", '!cafe ask "Deuxième ?"')).text
    await h.settle()
    hidden = last_edit(h, "Question n° 2")  # shown before the host hid it: text and name go
    assert hidden.text == "(retirée par l'animateur)" and not hidden.actions

    # Member text cannot format, link or ping in the room.
    await h.settle()
    mark = len(h.adapter.in_room())
    await h.reply("carol", '!cafe ask "[clic](https://evil.example) **gras** `code` <@123>"')
    await h.settle()
    (post,) = posts(h, mark)
    assert "](" not in post.text and "**" not in post.text and "`" not in post.text
    assert "<@" not in post.text and not post.mentions
    assert "Seuls les modérateurs" in (await h.reply("bob", "!cafe questions answered:2")).text
    async with h.db.session() as s:
        assert len(list(await s.exec(select(CafeQuestion)))) == 5  # nothing lost, nothing extra


async def test_review_mode(db_url: str) -> None:
    settings = load_settings(None, cogs={"cafe": {"questions_review": True}})
    h = await make_harness(
        db_url, cogs=["cafe", "poll"], clock=FakeClock(MONDAY), settings=settings
    )
    try:
        occ = await live(h)
        mark = len(h.adapter.in_room())
        asked = await h.reply("bob", '!cafe ask "Peut-on revoir la vidéo ?"')
        assert "quand l'animateur l'aura validée" in asked.text
        await h.reply("carol", '!cafe ask "Question hors sujet"')
        await h.settle()
        assert posts(h, mark) == []  # nothing shows before approval
        waiting = await h.reply("dan", "!cafe ask support:1")
        assert "attend la validation" in waiting.text
        queue = await h.reply("alice", "!cafe questions")
        assert queue.text.count("**à valider**") == 2
        approve = next(a for a in queue.actions if a.arg_dict.get("approve") == 1)
        assert "publiée" in (await h.adapter.click("alice", approve)).text
        assert "masquée" in (await h.reply("alice", "!cafe questions hide:2")).text
        await h.settle()
        (post,) = posts(h, mark)
        assert post.title == "Question n° 1" and "bob" in post.text
        assert "(1 soutien)" in (await h.reply("dan", "!cafe ask support:1")).text
        assert "retirée par l'animateur" in (await h.reply("dan", "!cafe ask support:2")).text
        assert "déjà publiée" in (await h.reply("alice", "!cafe questions approve:1")).text
        assert "n'est pas publiée" in (await h.reply("alice", "!cafe questions answered:2")).text
        assert [q.number for q in await questions(h.db, occ)] == [1]  # hidden: not reported
    finally:
        await h.close()


async def test_a_question_hidden_before_its_post_goes_out_is_never_shown(h: Harness) -> None:
    await live(h)
    mark = len(h.adapter.in_room())
    await h.reply("bob", '!cafe ask "Une question gênante"')
    await h.reply("alice", "!cafe questions hide:1")
    await h.settle()
    assert posts(h, mark) == []


async def test_privacy_export_forget_merge(h: Harness) -> None:
    occ = await live(h)
    await h.reply("bob", '!cafe ask "Question du premier"')
    await h.reply("carol", '!cafe ask "Question anonyme de carol" anonymous:true')
    await h.reply("bob", "!cafe ask support:2")
    await h.reply("dan", "!cafe ask support:1")
    await h.reply("dan", "!cafe ask support:2")
    privacy = h.core.cogs["cafe"].privacy
    assert privacy is not None
    bob, carol, dan = [await member_id(h, n) for n in ("bob", "carol", "dan")]

    exported = await privacy.export(carol)
    assert exported is not None
    (mine,) = exported["questions_asked"]
    assert mine["text"] == "Question anonyme de carol" and mine["anonymous"] is True
    exported = await privacy.export(bob)
    assert exported is not None and exported["questions_supported"] == [
        {"occurrence": occ, "number": 2}
    ]

    # Merging dan into bob: dan's support of bob's own question goes, the shared one counts once.
    await privacy.merge(bob, dan)
    async with h.db.session() as s:
        supports = list(await s.exec(select(CafeQuestionSupport)))
    assert [(x.member_id) for x in supports] == [bob]

    await privacy.forget(bob)
    async with h.db.session() as s:
        assert list(await s.exec(select(CafeQuestionSupport))) == []
        rows = {r.number: r for r in await s.exec(select(CafeQuestion))}
    assert rows[1].author_id is None and rows[1].author_name == "" and rows[1].anonymous
    assert rows[1].text == "Question du premier"  # the room saw it: it stays, unnamed
    assert rows[2].author_id == carol
    floor = await questions(h.db, occ)
    assert all(q.author is None for q in floor)
    queue = await h.reply("alice", "!cafe questions")
    assert "bob" not in queue.text


async def test_restart_keeps_the_queue(db_url: str) -> None:
    clock = FakeClock(MONDAY)
    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        await live(h)
        await h.reply("bob", '!cafe ask "Avant le redémarrage ?"')
        await h.reply("carol", "!cafe ask support:1")
        await h.settle()
        # Asked just before the restart: its post is still in the outbox.
        await h.reply("dan", '!cafe ask "Juste avant ?"')
    finally:
        await h.close()

    h = await make_harness(db_url, cogs=["cafe", "poll"], clock=clock)
    try:
        clock.advance(timedelta(seconds=5))
        await h.settle()
        titles = [p.title for p in posts(h)]
        assert titles == ["Question n° 2"], titles
        assert "(2 soutiens)" in (await h.reply("eve", "!cafe ask support:1")).text
        queue = await h.reply("alice", "!cafe questions")
        assert queue.text.index("**1.** 2 soutiens") < queue.text.index("**2.**")
        assert "n° 3 posée" in (await h.reply("eve", '!cafe ask "Après ?"')).text
    finally:
        await h.close()


async def test_the_roles_of_an_unnamed_host(h: Harness) -> None:
    """A moderator runs the questions of any café; a member who is not the host cannot."""
    h.adapter.set_roles("frank", Role.MEMBER)
    occ = await live(h)
    await h.reply("bob", '!cafe ask "Pour le modérateur ?"')
    assert "**1.**" in (await h.reply("mod", f"!cafe questions occurrence:{occ}")).text
    assert "Seuls les modérateurs" in (await h.reply("frank", "!cafe questions")).text


async def test_in_english(h: Harness) -> None:
    await live(h)
    await h.say("bob", "!language en")
    asked = await h.reply("bob", '!cafe ask "Why?"')
    assert asked.text == "Question #1 asked: it shows in the room.", asked.text
    refused = await h.reply("bob", "!cafe ask support:1")
    assert refused.text.startswith("Question #1 is yours"), refused.text
    empty = await h.reply("bob", "!cafe ask")
    assert "Your question is empty" in empty.text
    await h.reply("carol", "!cafe ask support:1")
    await h.settle()
    await h.say("alice", "!language en")
    queue = await h.reply("alice", "!cafe questions")
    assert "1 question waiting (by support)" in queue.text and "1 support" in queue.text
