"""``members introduce``: both get a DM, contacts shared only on acceptance, polite declines,
expiry, limits and the requests that make no sense."""

from __future__ import annotations

from datetime import timedelta

from bot.core.reply import Action, Reply
from tests.cogs.onboarding.conftest import invoke
from tests.harness import Harness


async def _visible(h: Harness, name: str, **fields: str) -> None:
    for field, value in {"organisation": f"Compagnie {name}", **fields}.items():
        await h.invoke(name, "me edit", field=field, value=value)
    await h.invoke(name, "me edit", field="directory", value="visible")


def _button(reply: Reply, label: str) -> Action:
    return next(a for a in reply.actions if a.label == label)


async def test_accepting_shares_both_contacts(h: Harness) -> None:
    await _visible(h, "zoe", needs="mécénat")
    await _visible(h, "ana", offers="mécénat")
    reply = await invoke(h, "zoe", "members introduce", name="ana")
    assert reply.tone == "success" and "Demande envoyée à ana" in reply.text
    await h.deliver()
    [ask] = h.adapter.dms("ana")
    assert "zoe aimerait entrer en contact" in ask.text and "Compagnie zoe" in ask.text
    assert "cherche : mécénat" in ask.text
    assert "@zoe" not in ask.text  # no contact before the answer
    [sent] = h.adapter.dms("zoe")
    assert "est envoyée" in sent.text and "@ana" not in sent.text
    reply = await h.adapter.click("ana", _button(ask.reply, "Accepter"))
    assert reply.tone == "success" and "zoe et vous recevez" in reply.text
    await h.deliver()
    to_zoe, to_ana = h.adapter.dms("zoe")[-1], h.adapter.dms("ana")[-1]
    assert "voici le contact de ana : @ana" in to_zoe.text and "Compagnie ana" in to_zoe.text
    assert "voici le contact de zoe : @zoe" in to_ana.text and "Compagnie zoe" in to_ana.text
    assert to_zoe.reply.mentions == ("ana",)
    # Twice: already in touch, whichever side asks.
    for who, name in (("zoe", "ana"), ("ana", "zoe")):
        again = await invoke(h, who, "members introduce", name=name)
        assert again.tone == "error" and "déjà en contact" in again.text
    # No expiry note after an answer.
    h.clock.advance(timedelta(days=15))
    assert (await h.deliver()).sent == 0


async def test_declining_tells_the_asker_politely_and_on_matrix_by_typing(h: Harness) -> None:
    await _visible(h, "zoe")
    await _visible(h, "ana")
    await invoke(h, "zoe", "members introduce", name="ana")
    await h.deliver()
    ask = h.adapter.dms("ana")[0]
    intro_id = _button(ask.reply, "Décliner").arg_dict["decline"]
    assert f"!members introductions accept:{intro_id}" in ask.reply.actions[0].as_text()
    listing = await h.reply("ana", "!members introductions")
    assert f"n° {intro_id} : zoe" in listing.text
    reply = await h.reply("ana", f"!members introductions decline:{intro_id}")
    assert "Demande déclinée" in reply.text
    await h.deliver()
    note = h.adapter.dms("zoe")[-1].text
    assert "ana ne peut pas donner suite" in note and "@ana" not in note
    assert all("@zoe" not in d.text for d in h.adapter.dms("ana"))
    again = await h.reply("ana", f"!members introductions accept:{intro_id}")
    assert again.tone == "error" and "déjà décliné" in again.text
    mine = await h.reply("zoe", "!members introductions")
    assert "ana : sans suite" in mine.text
    twice = await invoke(h, "zoe", "members introduce", name="ana")
    assert twice.tone == "error" and "déjà demandé à rencontrer ana" in twice.text


async def test_pending_requests_expire_and_the_asker_is_told(h: Harness) -> None:
    await _visible(h, "zoe")
    await _visible(h, "ana")
    await invoke(h, "zoe", "members introduce", name="ana")
    await h.deliver()
    intro_id = _button(h.adapter.dms("ana")[0].reply, "Accepter").arg_dict["accept"]
    h.clock.advance(timedelta(days=13))
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(days=1, minutes=1))
    await h.deliver()
    assert "est restée sans réponse et a expiré" in h.adapter.dms("zoe")[-1].text
    late = await h.reply("ana", f"!members introductions accept:{intro_id}")
    assert late.tone == "error" and "a expiré" in late.text
    assert "ana : expirée" in (await h.reply("zoe", "!members introductions")).text
    # An expired request may be made again.
    again = await invoke(h, "zoe", "members introduce", name="ana")
    assert again.tone == "success"


async def test_bad_requests_get_clear_messages(h: Harness) -> None:
    await _visible(h, "zoe")
    await h.invoke("hidden", "me edit", field="organisation", value="Secret")
    for name, expected in (
        ("zoe", "vous présenter à vous-même"),
        ("hidden", "Personne de ce nom dans l'annuaire"),
        ("nobody", "Personne de ce nom dans l'annuaire"),
    ):
        reply = await invoke(h, "zoe", "members introduce", name=name)
        assert reply.tone == "error" and expected in reply.text, reply.text
    await _visible(h, "ana")
    await invoke(h, "zoe", "members introduce", name="ana")
    twice = await invoke(h, "zoe", "members introduce", name="ana")
    assert twice.tone == "error" and "attend sa réponse" in twice.text
    reverse = await invoke(h, "ana", "members introduce", name="zoe")
    assert reverse.tone == "error" and "members introductions accept:" in reverse.text
    await h.deliver()
    intro_id = _button(h.adapter.dms("ana")[0].reply, "Accepter").arg_dict["accept"]
    own = await h.reply("zoe", f"!members introductions accept:{intro_id}")
    assert own.tone == "error" and "seule la personne sollicitée" in own.text
    other = await h.reply("bob", f"!members introductions accept:{intro_id}")
    assert other.tone == "error" and "introuvable" in other.text
    both = await h.reply("ana", f"!members introductions accept:{intro_id} decline:{intro_id}")
    assert both.tone == "error" and "pas les deux" in both.text
    await h.invoke("zoe", "me language", lang="en")
    reply = await invoke(h, "zoe", "members introduce", name="zoe")
    assert "You cannot be introduced to yourself" in reply.text


async def test_at_most_three_pending_requests(h: Harness) -> None:
    await _visible(h, "zoe")
    for name in ("a1", "a2", "a3", "a4"):
        await _visible(h, name)
    for name in ("a1", "a2", "a3"):
        assert (await invoke(h, "zoe", "members introduce", name=name)).tone == "success"
    reply = await invoke(h, "zoe", "members introduce", name="a4")
    assert reply.tone == "error" and "en attente (3, au plus 3)" in reply.text
    await h.deliver()
    intro_id = _button(h.adapter.dms("a1")[0].reply, "Décliner").arg_dict["decline"]
    await h.reply("a1", f"!members introductions decline:{intro_id}")
    assert (await invoke(h, "zoe", "members introduce", name="a4")).tone == "success"


async def test_a_forgotten_member_leaves_no_pending_message(h: Harness) -> None:
    await _visible(h, "zoe")
    await _visible(h, "ana")
    await invoke(h, "zoe", "members introduce", name="ana")
    await h.invoke("zoe", "me forget", confirm=True)
    await h.deliver()
    assert h.adapter.dms("ana") == []
    assert "Aucune demande" in (await h.reply("ana", "!members introductions")).text
