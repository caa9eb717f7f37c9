"""Anonymous polls: a per-poll keyed hash only; results withheld under 3; hidden results."""

from __future__ import annotations

import asyncio
import os
import stat

from sqlalchemy import text

from bot.core import Tone
from cogs.poll.secret import BallotSecret, anonymous_voter
from tests.cogs.poll.conftest import SECRET, ballots, dm
from tests.harness import Harness


async def test_anonymous_ballots_name_nobody(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" anonymous:true')
    await h.say("alice", '!poll create "R ?" choices:"A | B" anonymous:true')
    for name in ("bob", "carol"):
        await h.say(name, "!poll vote 1 choice:A", room=dm(h, name))
        await h.say(name, "!poll vote 2 choice:A", room=dm(h, name))
    updated = await h.reply("bob", "!poll vote 1 choice:B", room=dm(h, "bob"))
    assert "Vote mis à jour" in updated.text
    rows = await ballots(h, 1)
    assert len(rows) == 2
    assert all(r.member_id is None and r.created_at is None and r.updated_at is None for r in rows)
    bob = (await h.core.members.find_by_name("bob"))[0].id
    assert all(r.voter.startswith("h:") and r.voter != f"m:{bob}" for r in rows)
    # The same member has unlinkable keys in two polls.
    assert {r.voter for r in rows}.isdisjoint({r.voter for r in await ballots(h, 2)})
    # Without the server secret, hashing member ids does not find the ballots.
    async with h.db.session() as s:
        salt = (await s.exec(text("SELECT salt FROM poll_poll WHERE id = 1"))).one()[0]
    guesses = {anonymous_voter(b"not-the-secret-at-all", 1, salt, m) for m in range(1, 50)}
    assert guesses.isdisjoint({r.voter for r in rows})


async def test_the_secret_is_not_in_the_database(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" anonymous:true')
    await h.say("bob", "!poll vote 1 choice:A", room=dm(h, "bob"))
    async with h.db.session() as s:
        for table in ("poll_poll", "poll_ballot", "poll_option", "core_outbox"):
            rows = (await s.exec(text(f"SELECT * FROM {table}"))).all()
            assert SECRET not in repr(rows)


async def test_anonymous_results_withheld_below_three(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:open anonymous:true')
    await h.say("bob", '!poll vote 1 text:"Secret de bob"', room=dm(h, "bob"))
    await h.say("carol", '!poll vote 1 text:"Avis de carol"', room=dm(h, "carol"))
    early = await h.reply("alice", "!poll results 1")
    assert "Résultats masqués" in early.text
    assert "Secret de bob" not in early.text and not early.attachments
    await h.say("dan", '!poll vote 1 text:"Troisième"', room=dm(h, "dan"))
    for name in ("erin", "fred"):  # anonymous results show per batch of 5 votes
        await h.say(name, f'!poll vote 1 text:"Avis de {name}"', room=dm(h, name))
    shown = await h.reply("alice", "!poll results 1")
    assert "- « Secret de bob »\n" in shown.text + "\n"
    assert "bob" not in shown.text.replace("Secret de bob", "")


async def test_anonymous_export_has_no_identity(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" kind:rating anonymous:true')
    for name in ("bob", "carol", "dan"):
        await h.say(name, f'!poll vote 1 choice:4 comment:"ok {name[0]}"', room=dm(h, name))
    reply = await h.reply("alice", "!poll export 1")
    assert reply.attachments[0].mime == "text/csv"
    data = reply.attachments[0].data.decode("utf-8-sig")
    assert data.splitlines()[0] == "poll,kind,ballot,choices,text,comment,attempts,correct"
    assert "bob" not in data and "carol" not in data and len(data.splitlines()) == 4


async def test_named_export_is_for_author_and_moderators(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("bob", "!poll vote 1 choice:B")
    refused = await h.reply("bob", "!poll export 1")
    assert refused.tone is Tone.ERROR
    reply = await h.say("alice", "!poll export 1")
    assert reply is not None
    data = reply.attachments[0].data.decode("utf-8-sig").splitlines()
    assert data[0].startswith("poll,kind,ballot,member,updated_at,choices")
    assert data[1].startswith("1,single,1,bob,2027-01-04T09:00:00+00:00,B")


async def test_hidden_results_show_only_participation(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" results:hidden')
    await h.say("bob", "!poll vote 1 choice:A")
    hidden = await h.reply("alice", "!poll results 1")
    assert "Participation : 1 / 71" in hidden.text
    assert "**A**" not in hidden.text and not hidden.attachments
    final = await h.reply("alice", "!poll close 1")
    assert "**A** — 1 vote (100 %)" in final.text


async def test_poll_role_limits_voters(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" role:moderator')
    refused = await h.reply("bob", "!poll vote 1 choice:A")
    assert refused.tone is Tone.ERROR and "rôle" in refused.text
    from bot.core import Role

    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    ok = await h.reply("mod", "!poll vote 1 choice:A")
    assert ok.tone is Tone.SUCCESS


async def test_forget_member_removes_named_and_anonymous_ballots(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B"')
    await h.say("alice", '!poll create "R ?" choices:"A | B" anonymous:true')
    for poll in (1, 2):
        await h.say("bob", f"!poll vote {poll} choice:A", room=dm(h, "bob"))
        await h.say("carol", f"!poll vote {poll} choice:B", room=dm(h, "carol"))
    bob = (await h.core.members.find_by_name("bob"))[0].id
    exported = await h.core.cogs["poll"].privacy.export(bob)
    assert exported is not None and [b["poll"] for b in exported["ballots"]] == [1]
    await h.core.cogs["poll"].privacy.forget(bob)
    assert [b.choices for b in await ballots(h, 1)] == ["[2]"]
    assert [b.choices for b in await ballots(h, 2)] == ["[2]"]


async def test_merge_members_keeps_one_ballot(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" anonymous:true')
    await h.say("bob", "!poll vote 1 choice:A", room=dm(h, "bob"))
    await h.say("bob2", "!poll vote 1 choice:B", room=dm(h, "bob2"))
    await h.say("carol", "!poll vote 1 choice:B", room=dm(h, "carol"))
    bob = (await h.core.members.find_by_name("bob"))[0].id
    bob2 = (await h.core.members.find_by_name("bob2"))[0].id
    await h.core.cogs["poll"].privacy.merge(bob, bob2)
    assert sorted(b.choices for b in await ballots(h, 1)) == ["[1]", "[2]"]
    again = await h.reply("bob", "!poll vote 1 choice:B", room=dm(h, "bob"))
    assert "mis à jour" in again.text


def test_secret_file_is_created_private(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PASSERELLE_COGS__POLL__BALLOT_SECRET", raising=False)
    path = tmp_path / "poll-ballot.secret"
    first = BallotSecret(None, path).get()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert BallotSecret(None, path).get() == first and len(first) == 64
    monkeypatch.setenv("PASSERELLE_COGS__POLL__BALLOT_SECRET", "from-the-environment-123")
    assert BallotSecret(None, path).get() == b"from-the-environment-123"


async def test_concurrent_anonymous_clicks_give_one_ballot(h: Harness) -> None:
    await h.say("alice", '!poll create "Q ?" choices:"A | B" anonymous:true')
    await asyncio.gather(*(h.invoke("bob", "poll vote", poll=1, choice="A") for _ in range(8)))
    assert len(await ballots(h, 1)) == 1
