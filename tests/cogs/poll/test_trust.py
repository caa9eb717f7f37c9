"""Security review (issue 11): anonymity holds on text platforms, in the database, in exports
and in live results; results stay in their room; one final post; numbers never reused."""

from __future__ import annotations

import itertools
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.core import Role, Tone
from bot.core.refs import RoomRef
from cogs.poll.models import PollAttempt
from cogs.poll.secret import BallotSecret
from tests.cogs.poll.conftest import ballots, dm
from tests.harness import Harness

ANON = '!poll create "Q ?" choices:"Expresso | Allongé | Crème" anonymous:true'


def redactable(h: Harness, allowed: bool) -> None:
    """Give the memory adapter the optional ``can_redact`` hook (Matrix has it)."""

    async def can_redact(room: RoomRef) -> bool:
        return allowed

    h.adapter.can_redact = can_redact  # type: ignore[attr-defined]


# --- 1. typed votes on anonymous polls ---------------------------------------------------------


async def test_anonymous_post_says_to_vote_in_the_dm_with_the_exact_line(h: Harness) -> None:
    created = await h.reply("alice", ANON)
    assert not created.private
    assert "message privé" in created.text and "refusé et retiré" in created.text
    assert "`!poll vote poll:1 choice:…`" in created.text
    # Without buttons, actions are typed hints shown in the room: no vote hint there.
    assert [a.command for a in created.actions] == ["poll results"]


async def test_typed_vote_in_the_room_is_refused_and_redacted(h: Harness) -> None:
    await h.say("alice", ANON)
    refused = await h.reply("bob", "!poll vote 1 choice:Crème")
    assert refused.private and refused.redact_source
    assert refused.tone is Tone.WARNING  # adapters may show errors in the room: not one
    assert "`!poll vote poll:1 choice:…`" in refused.text and "Crème" not in refused.text
    assert await ballots(h, 1) == []
    # A slash command or a button is not a room message; a DM is private: both count.
    clicked = await h.invoke("bob", "poll vote", poll=1, choice="1")
    typed_dm = await h.reply("carol", "!poll vote 1 choice:2", room=dm(h, "carol"))
    assert clicked.tone is Tone.SUCCESS and not clicked.redact_source
    assert typed_dm.tone is Tone.SUCCESS and not typed_dm.redact_source
    assert len(await ballots(h, 1)) == 2


async def test_typed_vote_on_a_named_poll_stays_allowed(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    reply = await h.reply("bob", "!poll vote 1 choice:A")
    assert reply.tone is Tone.SUCCESS and not reply.redact_source


@pytest.mark.parametrize(("allowed", "notes"), [(False, 1), (True, 0)])
async def test_creator_is_told_when_the_bot_cannot_redact(
    h: Harness, allowed: bool, notes: int
) -> None:
    redactable(h, allowed)
    await h.say("alice", ANON)
    await h.say("alice", '!poll create "Nommé ?" choices:"A | B"')  # named: no note
    await h.settle()
    sent = [s for s in h.adapter.dms("alice") if "supprimer les messages" in s.text]
    assert len(sent) == notes
    if notes:
        assert "Sondage anonyme n° 1" in sent[0].text and sent[0].reply.private


# --- 2. random ballot ids -----------------------------------------------------------------------


async def test_ballot_ids_are_random_not_a_shared_counter(h: Harness) -> None:
    await h.say("alice", '!poll create "Nommé ?" choices:"A | B"')
    await h.say("alice", ANON.replace("Q ?", "Anonyme ?"))
    for i in range(6):
        await h.invoke(f"m{i}", "poll vote", poll=1, choice="A")
        await h.invoke(f"m{i}", "poll vote", poll=2, choice="1")
    ids = sorted(b.id for b in [*await ballots(h, 1), *await ballots(h, 2)])
    # Interleaved votes on a counter give consecutive ids; random 63-bit ids are far apart.
    assert min(b - a for a, b in itertools.pairwise(ids)) > 1000, ids
    if h.db.is_sqlite:  # the id is the rowid: no hidden insertion counter either
        async with h.db.session() as s:
            rows = (await s.exec(text("SELECT rowid, id FROM poll_ballot"))).all()
        assert all(rowid == ballot_id for rowid, ballot_id in rows)


# --- 3. no quiz timing on anonymous ballots -----------------------------------------------------


async def test_anonymous_quiz_keeps_no_timing(h: Harness) -> None:
    await h.say("alice", '!poll create "Date ?" kind:quiz answer:"26/09/2022" anonymous:true')
    for i, answer in enumerate(["1/1/2022", "26/09/2022", "26/09/2022", "x", "26/09/2022"]):
        h.clock.advance(7)
        await h.say(f"m{i}", f'!poll vote 1 text:"{answer}"', room=dm(h, f"m{i}"))
    rows = await ballots(h, 1)
    assert len(rows) == 5 and sum(r.correct for r in rows) == 3
    assert all(r.seconds is None and r.created_at is None and r.updated_at is None for r in rows)
    async with h.db.session() as s:
        assert list(await s.exec(select(PollAttempt))) == []
    results = await h.reply("alice", "!poll results 1")
    assert "3 bonnes réponses" in results.text
    assert "seconde" not in results.text and "Gagné" not in results.text
    export = await h.say("alice", "!poll export 1")
    assert export is not None
    data = export.attachments[0].data.decode("utf-8-sig")
    assert "seconds" not in data.splitlines()[0]


async def test_named_quiz_still_has_its_winner_and_time(h: Harness) -> None:
    await h.say("alice", '!poll create "Date ?" kind:quiz answer:"26/09/2022"')
    h.clock.advance(12)
    await h.say("bob", '!poll vote 1 text:"26/09/2022"')
    export = await h.say("alice", "!poll export 1")
    assert export is not None
    lines = export.attachments[0].data.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",seconds") and lines[1].endswith(",12.0")


# --- 4. listings do not follow voting order ----------------------------------------------------


async def test_anonymous_open_answers_are_listed_by_text(h: Harness) -> None:
    await h.say("alice", '!poll create "Un fruit ?" kind:open anonymous:true')
    typed = ["Zèbre", "abricot", "Mangue", "banane", "Écureuil"]
    for i, answer in enumerate(typed):
        await h.say(f"m{i}", f'!poll vote 1 text:"{answer}"', room=dm(h, f"m{i}"))
    results = await h.say("alice", "!poll results 1")
    assert results is not None
    listed = [line[4:-2] for line in results.text.splitlines() if line.startswith("- « ")]
    assert listed == ["abricot", "banane", "Écureuil", "Mangue", "Zèbre"]


async def test_anonymous_board_ideas_are_listed_by_support_then_text(h: Harness) -> None:
    await h.say("alice", '!poll create "Idées ?" kind:board anonymous:true')
    for i, idea in enumerate(["Zoo", "Atelier", "Marché"]):
        await h.say(f"m{i}", f'!poll vote 1 text:"{idea}"', room=dm(h, f"m{i}"))
    await h.say("m3", "!poll vote 1 choice:3", room=dm(h, "m3"))  # supports "Marché"
    await h.say("m4", "!poll vote 1 choice:3", room=dm(h, "m4"))  # a fifth vote: a batch
    await h.settle()
    results = await h.say("alice", "!poll results 1")
    assert results is not None
    order = [
        line.split(" ", 3)[3].split(" — ")[0]
        for line in results.text.splitlines()
        if line.startswith("- n° ")
    ]
    assert order == ["Marché", "Atelier", "Zoo"], results.text  # not Zoo (n° 1) first


# --- 5. live results in batches ------------------------------------------------------------------


def _live(h: Harness) -> list[str]:
    return [
        s.text for s in h.adapter.sent if s.kind in ("room", "edit") and "Résultats #1" in s.text
    ]


async def test_anonymous_live_results_refresh_only_per_batch(h: Harness) -> None:
    await h.say("alice", ANON)
    for i in range(4):
        await h.say(f"m{i}", "!poll vote 1 choice:1", room=dm(h, f"m{i}"))
        await h.settle()
    assert _live(h) == []  # four single votes: nothing refreshed, nothing to diff
    await h.say("m4", "!poll vote 1 choice:2", room=dm(h, "m4"))
    await h.settle()
    assert len(_live(h)) == 1 and "Participation : 5 / 71" in _live(h)[0]
    await h.say("m5", "!poll vote 1 choice:3", room=dm(h, "m5"))  # one more vote …
    await h.say("m0", "!poll vote 1 choice:3", room=dm(h, "m0"))  # … and a changed one
    await h.settle()
    assert len(_live(h)) == 1
    shown = await h.reply("m5", "!poll results 1", room=dm(h, "m5"))
    assert "Participation : 5 / 71" in shown.text
    assert "**Crème** — 0 vote" in shown.text and "par paquets de 5 votes" in shown.text
    closed = await h.reply("alice", "!poll close 1")
    assert "**Crème** — 2 votes" in closed.text  # final: exact


async def test_named_live_results_still_follow_each_vote(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("bob", "!poll vote 1 choice:A")
    await h.settle()
    assert len(_live(h)) == 1 and "Participation : 1 / 71" in _live(h)[0]


# --- 6. confirmations say nothing of an anonymous vote ------------------------------------------


async def test_anonymous_confirmations_do_not_repeat_the_vote(h: Harness) -> None:
    await h.say("alice", ANON)
    first = await h.reply("bob", "!poll vote 1 choice:Crème", room=dm(h, "bob"))
    again = await h.reply("bob", "!poll vote 1 choice:Allongé", room=dm(h, "bob"))
    assert first.text.startswith("Vote enregistré") and first.private
    assert again.text.startswith("Vote mis à jour")
    for reply in (first, again):
        assert "Crème" not in reply.text and "Allongé" not in reply.text
    await h.say("alice", '!poll create "Idées ?" kind:board anonymous:true')
    posted = await h.reply("carol", '!poll vote 2 text:"Un jardin partagé"', room=dm(h, "carol"))
    support = await h.reply("bob", "!poll vote 2 choice:1", room=dm(h, "bob"))
    assert "jardin" not in posted.text and "n° 1" not in posted.text
    assert "jardin" not in support.text and "n° 1" not in support.text
    await h.settle()
    async with h.db.session() as s:  # and no table keeps a reply next to a member
        outbox = (await s.exec(text("SELECT * FROM core_outbox"))).all()
    assert not [r for r in outbox if "Vote" in repr(r) or "jardin" in repr(r)]


# --- 7. exports ----------------------------------------------------------------------------------


async def test_anonymous_export_honours_the_minimum(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:open anonymous:true')
    for name in ("bob", "carol"):
        await h.say(name, f'!poll vote 1 text:"avis {name}"', room=dm(h, name))
    refused = await h.reply("alice", "!poll export 1")
    assert refused.tone is Tone.ERROR and not refused.attachments
    assert "à partir de 3 participations (il en a 2)" in refused.text
    await h.say("dan", '!poll vote 1 text:"=HYPERLINK(\\"x\\")"', room=dm(h, "dan"))
    reply = await h.reply("alice", "!poll export 1")
    assert reply.attachments
    data = reply.attachments[0].data
    assert data.startswith("\ufeff".encode())
    assert "'=HYPERLINK" in data.decode("utf-8-sig")  # formula neutralised


# --- 8. results only in their room ---------------------------------------------------------------


async def test_results_only_in_their_room_or_to_voters_and_moderators(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("bob", "!poll vote 1 choice:A")
    other = RoomRef(h.adapter.platform, "elsewhere")
    refused = await h.reply("carol", "!poll results 1", room=other)
    assert refused.tone is Tone.ERROR
    assert "autre salon" in refused.text and "**A**" not in refused.text
    in_dm = await h.reply("carol", "!poll results 1", room=dm(h, "carol"))
    assert in_dm.tone is Tone.ERROR
    here = await h.reply("carol", "!poll results 1")
    assert "**A** — 1 vote" in here.text
    voter = await h.reply("bob", "!poll results 1", room=dm(h, "bob"))
    assert "**A** — 1 vote" in voter.text and voter.private
    author = await h.reply("alice", "!poll results 1", room=other)
    assert author.tone is not Tone.ERROR
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    mod = await h.reply("mod", "!poll results 1", room=other)
    assert "**A** — 1 vote" in mod.text


async def test_anonymous_voter_sees_results_in_the_dm(h: Harness) -> None:
    await h.say("alice", ANON)
    await h.say("bob", "!poll vote 1 choice:1", room=dm(h, "bob"))
    mine = await h.reply("bob", "!poll results 1", room=dm(h, "bob"))
    assert mine.tone is not Tone.ERROR
    theirs = await h.reply("carol", "!poll results 1", room=dm(h, "carol"))
    assert theirs.tone is Tone.ERROR


# --- 9. final results once -----------------------------------------------------------------------


def _finals(h: Harness) -> list[str]:
    return [s.text for s in h.adapter.in_room() if s.text.startswith("Résultats finaux #1")]


async def test_closing_by_hand_posts_final_results_once(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    await h.say("bob", "!poll vote 1 choice:B")  # its live refresh is still pending
    await h.say("alice", "!poll close 1")
    await h.settle()
    h.clock.advance(timedelta(minutes=45))  # the scheduled close comes: nothing more
    await h.settle()
    assert len(_finals(h)) == 1


async def test_timer_posts_final_results_once(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" duration:30m')
    await h.say("bob", "!poll vote 1 choice:B")
    h.clock.advance(timedelta(minutes=31))
    await h.settle()
    again = await h.reply("alice", "!poll close 1")
    assert "déjà clos" in again.text
    await h.settle()
    assert len(_finals(h)) == 1


# --- 10. idea numbers are never reused ---------------------------------------------------------


async def test_a_new_idea_never_takes_a_forgotten_ideas_number(h: Harness) -> None:
    await h.say("alice", '!poll create "Idées ?" kind:board')
    await h.say("bob", '!poll vote 1 text:"Un wiki"')
    await h.say("carol", '!poll vote 1 text:"Des cafés"')
    await h.say("dan", "!poll vote 1 choice:2")  # dan supports carol's idea
    carol = (await h.core.members.find_by_name("carol"))[0].id
    await h.core.cogs["poll"].privacy.forget(carol)
    posted = await h.reply("erin", '!poll vote 1 text:"Un annuaire"')
    assert "Idée n° 3" in posted.text
    results = await h.reply("alice", "!poll results 1")
    assert "- n° 3 Un annuaire — 0 soutien" in results.text
    assert "n° 2" not in results.text


# --- 11. the ballot secret file ------------------------------------------------------------------


def test_secret_file_is_created_0600_whatever_the_umask(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PASSERELLE_COGS__POLL__BALLOT_SECRET", raising=False)
    path = tmp_path / "poll-ballot.secret"
    opened: list[tuple[int, int]] = []
    real_open = os.open

    def spy(file, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            opened.append((flags, mode))
        return real_open(file, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    old = os.umask(0)
    try:
        BallotSecret(None, path).get()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert opened and opened[0][1] == 0o600 and opened[0][0] & os.O_EXCL


def test_a_readable_secret_file_is_made_private(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PASSERELLE_COGS__POLL__BALLOT_SECRET", raising=False)
    path = tmp_path / "poll-ballot.secret"
    path.write_text("a-secret-restored-from-a-backup\n")
    path.chmod(0o644)
    assert BallotSecret(None, path).get() == b"a-secret-restored-from-a-backup"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# --- 12. bounded numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "!poll vote 99999999999999999999 choice:1",
        "!poll results 2147483648",
        "!poll close 0",
        '!poll create "Q ?" kind:multiple choices:"A | B" max:99999999999',
    ],
)
async def test_poll_numbers_are_bounded(h: Harness, line: str) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    reply = await h.reply("alice", line)
    assert reply.tone is Tone.ERROR
    assert "doit être comprise entre" in reply.text
