"""Discord interactions end to end (unmodified discord.py against the fake Discord): slash
options and locales, subgroups, buttons, selects, modals, deferred and private answers,
attachments, autocomplete, expired and malformed interactions, an old button after a restart
and a burst of commands."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from fakes.discord import FakeDiscord
from tests.e2e.discord.conftest import INTERNAL_ERROR, Bot

pytestmark = pytest.mark.e2e


# --- slash commands, buttons, selects, modals ----------------------------------------------


async def test_slash_command_with_options_and_english_locale(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user1")
    iid = await fake.command(user, "demo menu", locale="en-US", poll=7)
    answer = await fake.answer(iid)
    assert answer.kind == "message" and not answer.ephemeral
    assert answer.embeds[0]["title"] == "Sondage"
    assert "Question : A ou B ?" in answer.text
    assert answer.component("A")["style"] == 1  # primary
    answer = await fake.answer(await fake.command(user, "help", topic="demo", locale="en-US"))
    assert "/demo menu" in answer.text


async def test_a_subgroup_command_by_slash_button_and_help(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user1")
    _, commands = fake.sync_requests[-1]
    demo = next(c for c in commands if c["name"] == "demo")
    deck = next(o for o in demo["options"] if o["name"] == "deck")
    assert deck["type"] == 2 and [o["name"] for o in deck["options"]] == ["add"]
    answer = await fake.answer(await fake.command(user, "demo deck add", number=3, text="as"))
    assert answer.text == "Carte 3 : as"
    button = answer.component("Suivante")
    clicked = await fake.answer(await fake.click(user, answer.message, button["custom_id"]))
    assert clicked.text == "Carte 4 :"
    helped = await fake.answer(await fake.command(user, "help", topic="demo deck"))
    assert "/demo deck add" in helped.text


async def test_button_click_runs_its_invocation(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user1")
    menu = await fake.answer(await fake.command(user, "demo menu"))
    assert all(len(cid) <= 100 for cid in menu.custom_ids())
    button = menu.component("B")
    answer = await fake.answer(await fake.click(user, menu.message, button["custom_id"]))
    assert answer.text == "Vote B enregistré"
    assert answer.ephemeral
    assert bot.core.cogs["demo"].votes[str(user)] == "B"


async def test_votes_update_the_live_results_message(bot: Bot) -> None:
    fake = bot.fake
    alice, bob = fake.member_id("user0"), fake.member_id("user1")
    menu = await fake.answer(await fake.command(alice, "demo menu"))
    await fake.answer(await fake.click(alice, menu.message, menu.component("A")["custom_id"]))
    await bot.core.drain()
    assert [m["content"] for m in fake.channel_messages()] == ["Résultats : 1 vote(s)"]
    await fake.answer(await fake.click(bob, menu.message, menu.component("B")["custom_id"]))
    await bot.core.drain()
    messages = fake.channel_messages()
    assert [m["content"] for m in messages] == ["Résultats : 2 vote(s)"]  # edited in place
    assert messages[0]["edited_timestamp"] is not None


async def test_commands_in_direct_messages(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user2")
    answer = await fake.answer(await fake.command(user, "demo vote", dm=True, choice="C"))
    assert answer.text == "Vote C enregistré"  # member role found through the guild
    assert bot.core.cogs["demo"].votes[str(user)] == "C"


async def test_many_actions_become_a_select(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user2")
    reply = await fake.answer(await fake.command(user, "demo many"))
    rows = reply.components
    assert len(rows) == 1 and rows[0]["components"][0]["type"] == 3
    select = rows[0]["components"][0]
    assert [o["label"] for o in select["options"]] == list("ABCDEFGH")
    value = next(o["value"] for o in select["options"] if o["label"] == "G")
    answer = await fake.answer(
        await fake.click(user, reply.message, select["custom_id"], values=[value])
    )
    assert answer.text == "Vote G enregistré"
    assert bot.core.cogs["demo"].votes[str(user)] == "G"


async def test_prompt_action_opens_a_modal_whose_submit_delivers_the_text(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    menu = await fake.answer(await fake.command(user, "demo menu", poll=4))
    opened = await fake.answer(
        await fake.click(user, menu.message, menu.component("Répondre")["custom_id"])
    )
    assert opened.kind == "modal"
    modal = opened.modal
    assert modal is not None and modal["title"] == "Répondre"
    text_input = modal["components"][0]["components"][0]
    assert text_input["custom_id"] == "text" and text_input["max_length"] == 300
    answer = await fake.answer(
        await fake.submit_modal(user, modal["custom_id"], {"text": "Plus de cafés le soir"})
    )
    assert answer.text == "Réponse au sondage 4 : Plus de cafés le soir"
    assert bot.core.cogs["demo"].answers == ["Plus de cafés le soir"]


# --- deferred, private, files, autocomplete -----------------------------------------------


async def test_slow_handler_is_deferred_then_answered(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    iid = await fake.command(user, "demo slow", seconds=1.5)
    answer = await fake.answer(iid)
    record = fake.interactions[iid]
    assert record.callback is not None and record.callback["type"] == 5  # deferred in time
    assert record.answered is not None and record.answered - record.created < 1.4
    assert answer.text == "Enfin fini"


async def test_private_reply_after_a_defer_stays_private(bot: Bot) -> None:
    # Defer every interaction at once: a timer alone lost the race to a fast `help` (the
    # database connection already warm), and then nothing was deferred.
    bot.adapter.settings.defer_when_busy = 0
    fake = bot.fake
    iid = await fake.command(fake.member_id("user0"), "help")
    answer = await fake.answer(iid)
    assert fake.interactions[iid].deleted  # the public "thinking…" message was replaced
    assert answer.ephemeral and "help" in answer.text


async def test_attachments_and_embeds(bot: Bot) -> None:
    fake = bot.fake
    answer = await fake.answer(await fake.command(fake.member_id("user0"), "demo file"))
    assert answer.files == ["votes.csv"]
    assert answer.embeds[0]["title"] == "Export"


async def test_autocomplete_calls_the_cog_method(bot: Bot) -> None:
    fake = bot.fake
    data = fake.command_data("demo pick", topic="num")
    data["options"][0]["options"][0]["focused"] = True
    iid = await fake.raw_interaction(fake.member_id("user0"), 4, data)
    for _ in range(100):
        if fake.interactions[iid].callback:
            break
        await asyncio.sleep(0.02)
    callback = fake.interactions[iid].callback
    assert callback is not None and callback["type"] == 8
    assert callback["data"]["choices"] == [{"name": "Numérique", "value": "numérique"}]


# --- expired, malformed, across a restart, in a burst -------------------------------------


async def test_unknown_custom_id_and_outdated_command_get_the_expired_message(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    for custom_id in ["some-other-bot:42", "pa1b|ghost cmd|x=1", "pa0b|demo vote|choice=A"]:
        answer = await fake.answer(await fake.click(user, {}, custom_id))
        assert "Ce bouton a expiré" in answer.text, custom_id
        assert answer.ephemeral
    data = fake.command_data("help")
    data["name"] = "ancienne"
    answer = await fake.answer(await fake.raw_interaction(user, 2, data, locale="en-GB"))
    assert "This button has expired" in answer.text  # an English reader


async def test_malformed_interactions_get_no_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    caplog.set_level(logging.WARNING)
    bad_command = fake.command_data("demo menu", poll="pas un nombre")
    wrong_option = fake.command_data("demo menu")
    wrong_option["options"][0]["options"] = [{"name": "nope", "type": 3, "value": "x"}]
    cases = [
        (3, {"custom_id": None, "component_type": 2}),
        (3, {"custom_id": "pa1b|demo vote|%%%=&&", "component_type": 2}),
        (3, {"custom_id": "pa1s|demo vote", "component_type": 3, "values": "A"}),
        (5, {"custom_id": "pa1f|demo answer|poll=1|text", "components": "oops"}),
        (5, {"custom_id": "pa1f|demo answer|poll=1|text"}),
        (2, {"name": "demo", "options": "pas une liste"}),
        (2, bad_command),
        (2, wrong_option),
    ]
    for kind, data in cases:
        answer = await fake.answer(await fake.raw_interaction(user, kind, data), wait=5)
        assert answer.kind == "message", (data, answer)
        assert "Traceback" not in answer.text and INTERNAL_ERROR not in answer.text
    # data missing altogether: discord.py itself cannot read it; the bot must survive
    await fake.dispatch("INTERACTION_CREATE", {"id": "1", "type": 3})
    answer = await fake.answer(await fake.command(user, "demo menu", poll="12"))
    assert answer.embeds[0]["title"] == "Sondage"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_old_button_works_after_a_restart(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    user = fake.member_id("user2")
    first = await Bot(fake, db_url, state).start()
    menu = await fake.answer(await fake.command(user, "demo menu"))
    await first.stop()
    second = await Bot(fake, db_url, state).start()
    try:
        assert not second.adapter.synced
        answer = await fake.answer(
            await fake.click(user, menu.message, menu.component("A")["custom_id"])
        )
        assert answer.text == "Vote A enregistré"
        assert second.core.cogs["demo"].votes == {str(user): "A"}
    finally:
        await second.stop()


async def test_a_burst_is_acknowledged_first_and_every_answer_arrives(bot: Bot) -> None:
    bot.adapter.settings.defer_when_busy = 3
    fake = bot.fake
    users = [fake.member_id(f"user{i % 3}") for i in range(12)]
    ids = [await fake.command(u, "demo slow", seconds=0.3) for u in users]
    answers = await asyncio.gather(*(fake.answer(i) for i in ids))
    assert [a.text for a in answers] == ["Enfin fini"] * 12
    kinds = [fake.interactions[i].callback["type"] for i in ids]  # type: ignore[index]
    assert kinds.count(5) >= 9  # beyond 3 in flight: deferred at once
