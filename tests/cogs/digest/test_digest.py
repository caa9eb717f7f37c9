"""The monthly digest: editions in French and English, the opt-in, empty digests, moderators'
preview and export, bad input."""

from __future__ import annotations

from datetime import timedelta

from bot.core.refs import Role
from cogs.cafe.models import CafeOccurrence, CafeReport
from tests.cogs.digest.conftest import (
    FEBRUARY,
    add_resource,
    deliver_at,
    digest_harness,
    member_id,
)
from tests.harness import Harness


async def _community(h: Harness) -> None:
    """A café in February, a report of January's café, resources, members with offers."""
    await h.reply(
        "mod",
        '!cafe create title:"Café des médiateurs" schedule:"2027-02-04 10:00" '
        "timezone:Europe/Paris",
    )
    await h.reply(
        "mod",
        '!cafe create title:"Café de janvier" schedule:"2027-01-14 10:00" timezone:Europe/Paris',
    )
    async with h.db.session() as s:
        from sqlmodel import select

        january = (
            await s.exec(select(CafeOccurrence).where(CafeOccurrence.starts_at < FEBRUARY))
        ).one()
        s.add(CafeReport(occurrence_id=january.id, token="tok3n", created_at=h.clock.now()))
    await h.invoke("alice", "me edit", field="interests", value="médiation, numérique")
    await h.invoke("alice", "me edit", field="needs", value="mécénat")
    await h.invoke("bob", "me edit", field="offers", value="Mécénat, diffusion")
    await h.invoke("bob", "me edit", field="directory", value="visible")
    await h.invoke("carl", "me edit", field="offers", value="mécénat")  # not in the directory
    bob = await member_id(h, "bob")
    await add_resource(h, "Guide de la médiation", ["Médiation"])
    await add_resource(h, "Recette de cuisine", ["cuisine"], saved_by=[bob])


async def test_edition_in_french_and_english_with_every_section(h: Harness) -> None:
    await _community(h)
    await h.invoke("alice", "me digest", enabled="on")
    await h.reply("dora", "!me digest on")
    await h.invoke("dora", "language", lang="en")
    await deliver_at(h, FEBRUARY)
    (fr,) = h.adapter.dms("alice")
    assert fr.key == f"digest:2027-02-01:{await member_id(h, 'alice')}"
    text = fr.text
    assert "Les nouvelles de la communauté — février 2027" in text
    assert "Les prochains cafés" in text and "Café des médiateurs" in text
    assert "jeudi 4 février à 10 h" in text
    assert [a.command for a in fr.reply.actions][:1] == ["cafe join"]
    assert "Nouvelles ressources pour vous" in text and "Guide de la médiation" in text
    assert "Les plus enregistrées ce mois-ci" in text and "Recette de cuisine" in text
    assert "Le dernier café" in text and "/reports/tok3n.html" in text
    assert "Nouveaux membres qui proposent ce que vous cherchez" in text
    assert "bob" in text and "propose : Mécénat" in text and "carl" not in text
    assert "Vous pouvez publier une ressource" in text and "me digest off" in text
    assert "retard" not in text
    (en,) = h.adapter.dms("dora")
    text = en.text
    assert "Community news — February 2027" in text
    assert "Upcoming cafés" in text and "Thursday 4 February at 10:00" in text
    assert "Most saved this month" in text and "The last café" in text
    assert "You can publish a resource" in text and "Guide de la médiation" not in text
    assert "Nouvelles" not in text


async def test_opt_in_only_and_opting_out_cancels_a_queued_copy(h: Harness) -> None:
    await _community(h)
    for name in ("alice", "bob", "carl"):
        await h.invoke(name, "me digest", enabled="on")
    await h.invoke("carl", "me digest", enabled="off")
    await member_id(h, "eve")  # a member who never asked
    h.clock.set(FEBRUARY)
    assert await h.core.cogs["digest"].run_due() == 2  # type: ignore[attr-defined]
    await h.invoke("bob", "me digest", enabled="off")  # after the edition was queued
    await h.deliver()
    assert [s.member.id for s in h.adapter.sent if s.kind == "dm"] == ["alice"]
    status = await h.invoke("bob", "me digest")
    assert "Vous ne recevez pas" in status.text and "me digest on" in status.text


async def test_nothing_new_is_skipped_or_sent_short(db_url: str) -> None:
    async with await digest_harness(db_url) as h:
        await h.invoke("alice", "me digest", enabled="on")
        assert await deliver_at(h, FEBRUARY) == 0
        assert h.adapter.dms("alice") == []
    async with await digest_harness(db_url, when_empty="short") as h:
        await h.invoke("ana", "me digest", enabled="on")  # alice is still subscribed
        assert await deliver_at(h, FEBRUARY) == 2
        (short,) = h.adapter.dms("ana")
        assert "Rien de neuf ce mois-ci" in short.text
        assert "Vous pouvez publier une ressource" in short.text


async def test_exactly_once_when_queued_twice_and_claimed_by_two_processes(
    db_url: str,
) -> None:
    from asyncio import gather

    from bot.scheduling import FakeClock
    from tests.cogs.digest.conftest import START

    clock = FakeClock(START)
    one = await digest_harness(db_url, clock=clock)
    two = await digest_harness(db_url, clock=clock)
    try:
        one.core.settings.outbox.batch_size = 3
        two.core.settings.outbox.batch_size = 3
        await _community(one)
        names = [f"m{i}" for i in range(20)]
        for name in names:
            await one.invoke(name, "me edit", field="needs", value="mécénat")
            await one.invoke(name, "me digest", enabled="on")
        clock.set(FEBRUARY)
        cogs = [one.core.cogs["digest"], two.core.cogs["digest"]]
        counts = await gather(*(c.run_due() for c in cogs))  # type: ignore[attr-defined]
        assert sum(counts) == 20
        # The scheduler firing again, then a restart in this process: nothing new.
        assert await cogs[0].run_due() == 0  # type: ignore[attr-defined]
        three = await digest_harness(db_url, clock=clock)
        assert await three.core.cogs["digest"].run_due() == 0  # type: ignore[attr-defined]
        await three.close()
        await gather(one.deliver(), two.deliver(), one.deliver(), two.deliver())
        sent = [s for h in (one, two) for s in h.adapter.sent if s.kind == "dm"]
        assert sorted(s.member.id for s in sent) == sorted(names)
        assert len({s.key for s in sent}) == 20
    finally:
        await one.close()
        await two.close()


async def test_a_restart_in_the_middle_of_the_fan_out_queues_the_rest(db_url: str) -> None:
    async with await digest_harness(db_url) as h:
        await _community(h)
        names = [f"m{i}" for i in range(6)]
        for name in names:
            await h.invoke(name, "me digest", enabled="on")
        h.clock.set(FEBRUARY + timedelta(minutes=5))
        service = h.core.cogs["digest"].service  # type: ignore[attr-defined]
        edition = service.latest()
        half = [await member_id(h, n) for n in names[:3]]
        # What the first process queued before it died: three rows of the same edition.
        from cogs.digest.service import KIND, digest_key

        data = {"edition": edition.id, "at": edition.at.isoformat()}
        data["since"] = edition.since.isoformat()
        await h.core.outbox.enqueue_many(
            [
                {"key": digest_key(edition.id, m), "due_at": edition.at, "kind": KIND,
                 "data": data, "member_id": m}
                for m in half
            ]
        )  # fmt: skip
    async with await digest_harness(db_url) as h:
        h.clock.set(FEBRUARY + timedelta(minutes=6))
        assert await h.core.cogs["digest"].run_due() == 3  # type: ignore[attr-defined]
        await h.deliver()
        assert sorted(s.member.id for s in h.adapter.sent if s.kind == "dm") == names


async def test_moderators_preview_and_export(h: Harness) -> None:
    await _community(h)
    await h.invoke("alice", "me digest", enabled="on")
    await h.invoke("mod", "me edit", field="needs", value="mécénat")
    reply = await h.invoke("mod", "digest preview")
    assert reply.private and "Aperçu de l'édition du lundi 1er février à 9 h" in reply.text
    assert "qui partira à 1 membre inscrit" in reply.text
    assert "bob" in reply.text and "Café des médiateurs" in reply.text
    files = (await h.invoke("mod", "digest export")).attachments
    assert [f.filename for f in files] == ["digest-2027-02-01.html", "digest-2027-02-01.md"]
    html = files[0].data.decode()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" in html
    assert "Café des médiateurs" in html and "Guide de la médiation" in html
    markdown = files[1].data.decode()
    assert markdown.startswith("# Les nouvelles de la communauté — février 2027")
    assert "1 nouveau membre dans l'annuaire" in markdown and "bob" not in markdown
    await h.invoke("mod", "language", lang="en")
    reply = await h.invoke("mod", "digest preview")
    assert "Preview of the edition of Monday 1 February at 09:00" in reply.text


async def test_bad_input_gets_clear_messages(h: Harness) -> None:
    reply = await h.reply("alice", "!me digest maybe")
    assert reply.tone == "error" and "oui ou non" in reply.text and "me digest" in reply.text
    denied = await h.invoke("alice", "digest preview")
    assert denied.tone == "error" and "réservée aux modérateurs" in denied.text
    h.adapter.set_roles("alice", Role.MEMBER)
    await h.invoke("alice", "language", lang="en")
    reply = await h.reply("alice", "!me digest maybe")
    assert reply.tone == "error" and "yes or no" in reply.text


async def test_privacy_export_and_forget(h: Harness) -> None:
    await h.invoke("alice", "me digest", enabled="on")
    exported = await h.invoke("alice", "me export")
    import json

    data = json.loads(exported.attachments[0].data)
    assert data["cogs"]["digest"]["digest"] is True
    await h.invoke("alice", "me forget", confirm="true")
    service = h.core.cogs["digest"].service  # type: ignore[attr-defined]
    assert await service.subscribers() == []


async def test_linking_two_accounts_keeps_the_digest_if_either_asked(h: Harness) -> None:
    from cogs.digest.privacy import DigestPrivacy

    kept, merged, other = [await member_id(h, n) for n in ("ana", "ana2", "bea")]
    await h.invoke("ana2", "me digest", enabled="on")
    await h.invoke("bea", "me digest", enabled="off")
    privacy = DigestPrivacy(h.db)
    assert await privacy.merge(kept, merged) == []
    assert await privacy.export(kept) is not None
    assert (await privacy.export(kept))["digest"] is True  # type: ignore[index]
    assert await privacy.export(merged) is None
    assert (await privacy.export(other))["digest"] is False  # type: ignore[index]


async def test_turning_it_on_says_by_email_when_the_member_chose_email(h: Harness) -> None:
    reply = await h.reply("zoe", "!me digest on")
    assert "en message privé" in reply.text
    zoe = await member_id(h, "zoe")
    issued = await h.core.mail.request(zoe, "zoe@example.org")
    await h.core.mail.confirm_code(zoe, issued.code)
    await h.core.mail.choose(zoe, digest=True)
    reply = await h.reply("zoe", "!me digest on")
    assert "par e-mail" in reply.text and "en message privé" not in reply.text
    await h.invoke("zoe", "language", lang="en")
    reply = await h.reply("zoe", "!me digest on")
    assert "by e-mail" in reply.text
