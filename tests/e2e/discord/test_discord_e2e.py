"""The Discord adapter end to end: unmodified discord.py against the fake Discord."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.commands import CommandSpec, OptionKind
from bot.core.errors import DirectMessagesRefused
from bot.core.events import MemberJoined, MemberLeft
from bot.core.refs import MemberRef, Role, RoomRef
from bot.core.reply import Reply
from bot.storage.registry import cog_packages
from fakes.discord import FakeDiscord, validate_commands
from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e
INTERNAL_ERROR = "quelque chose s'est mal passé"


def _sample(spec: CommandSpec) -> dict[str, Any]:
    """A plausible value for every required option (optional ones keep their defaults)."""
    values: dict[str, Any] = {}
    for option in spec.options:
        if not option.required:
            continue
        if option.choices:
            values[option.name] = option.choices[0]
        elif option.kind is OptionKind.BOOLEAN:
            values[option.name] = True
        elif option.kind is OptionKind.INTEGER:
            values[option.name] = int(option.min) if option.min is not None else 1
        elif option.kind is OptionKind.NUMBER:
            values[option.name] = float(option.min) if option.min is not None else 1.0
        else:
            values[option.name] = "test"[: option.max_length or 4]
    return values


async def start_with_every_cog(running: Bot) -> Bot:
    """Start ``running`` with every cog shipped in cogs/ loaded before the adapter publishes
    the catalogue."""
    import bot.core.core as core_module
    from bot.app import load_cog

    add_adapter = core_module.Core.add_adapter

    def add_adapter_with_cogs(self: Any, adapter: Any) -> None:
        for name in cog_packages():
            if name not in self.cogs:
                load_cog(self, name)
        add_adapter(self, adapter)

    core_module.Core.add_adapter = add_adapter_with_cogs  # type: ignore[method-assign]
    try:
        return await running.start()
    finally:
        core_module.Core.add_adapter = add_adapter  # type: ignore[method-assign]


@pytest.fixture
async def full_bot(fake: FakeDiscord, db_url: str, tmp_path: Path):
    """The bot with every cog shipped in cogs/ plus the demo cogs."""
    running = Bot(fake, db_url, tmp_path / "state.json")
    await start_with_every_cog(running)
    yield running
    await running.stop()


# --- catalogue ------------------------------------------------------------------------------


async def test_synced_catalogue_is_valid_and_localised(full_bot: Bot) -> None:
    fake = full_bot.fake
    scope, commands = fake.sync_requests[-1]
    assert scope == str(fake.guild_id)
    assert validate_commands(commands) == []
    published = {c["name"] for c in commands}
    assert published == {s.top for s in full_bot.core.catalogue}
    for spec in full_bot.core.catalogue:
        # ``cafe programme add``: a subcommand (type 1) in a subcommand group (type 2)
        node = next(c for c in commands if c["name"] == spec.top)
        words = spec.path.split()[1:]
        kinds = {1: [1], 2: [2, 1]}.get(len(words), [])
        for word, kind in zip(words, kinds, strict=True):
            node = next(o for o in node["options"] if o["name"] == word)
            assert node["type"] == kind, spec.path
        assert node["description"] == spec.description
        assert [o["name"] for o in node.get("options", [])] == [o.name for o in spec.options]
    for subgroup, specs in full_bot.core.catalogue.subgroups.items():
        top = next(c for c in commands if c["name"] == subgroup.split()[0])
        node = next(o for o in top["options"] if o["name"] == subgroup.split()[1])
        assert node["description_localizations"]["en-US"] == f'"{subgroup}" commands'
        assert len(node["options"]) == len(specs) <= 25
    # moderator-only entries are hidden from members (Manage Server), every other is visible
    for top in commands:
        specs = [s for s in full_bot.core.catalogue if s.top == top["name"]]
        moderators_only = all(s.permission in (Role.MODERATOR, Role.ADMIN) for s in specs)
        expected = 1 << 5 if moderators_only else None
        permissions = top["default_member_permissions"]
        assert (None if permissions is None else int(permissions)) == expected, top["name"]
    # French names: a French client shows /sondage créer (the English name stays the command's).
    poll = next(c for c in commands if c["name"] == "poll")
    assert poll["name_localizations"]["fr"] == "sondage"
    create = next(o for o in poll["options"] if o["name"] == "create")
    assert create["name_localizations"]["fr"] == "créer"
    cafe = next(c for c in commands if c["name"] == "cafe")
    programme = next(o for o in cafe["options"] if o["name"] == "programme")
    add = next(o for o in programme["options"] if o["name"] == "add")
    assert add["name_localizations"]["fr"] == "ajouter"
    assert "en-US" not in (poll.get("name_localizations") or {})
    help_cmd = next(c for c in commands if c["name"] == "help")
    assert help_cmd["description_localizations"]["en-US"] == "Show help for the commands."
    assert help_cmd["description_localizations"]["fr"] == "Afficher l'aide des commandes."
    demo = next(c for c in commands if c["name"] == "demo")
    assert demo["description_localizations"]["en-GB"] == '"demo" commands'
    vote = next(o for o in demo["options"] if o["name"] == "vote")
    assert [c["value"] for c in vote["options"][0]["choices"]] == list("ABCDEFGH")
    menu = next(o for o in demo["options"] if o["name"] == "menu")
    assert menu["options"][0]["min_value"] == 1 and menu["options"][0]["max_value"] == 99
    pick = next(o for o in demo["options"] if o["name"] == "pick")
    assert pick["options"][0]["autocomplete"] is True


def test_the_validator_rejects_what_discord_rejects() -> None:
    bad = [
        {"name": "Bad Name", "description": "x" * 101, "options": []},
        {
            "name": "ok",
            "description": "ok",
            "description_localizations": {"xx": "?"},
            "options": [
                {"name": f"o{i}", "description": "d", "type": 3, "required": i == 1}
                for i in range(26)
            ],
        },
    ]
    problems = validate_commands(bad)
    assert any("bad name" in p for p in problems)
    assert any("1–100" in p for p in problems)
    assert any("more than 25 options" in p for p in problems)
    assert any("unknown locale" in p for p in problems)
    assert any("required option after" in p for p in problems)


async def test_every_command_in_the_catalogue_answers(full_bot: Bot) -> None:
    fake = full_bot.fake
    moderator = fake.add_member("moderatrice", roles=[fake.moderator_role])
    await full_bot.stop()  # restart so the new member is in the guild payload
    await start_with_every_cog(full_bot)
    assert {"cafe programme add", "poll create"} <= {s.path for s in full_bot.core.catalogue}
    skip = {"demo slow"}
    for spec in full_bot.core.catalogue:
        if spec.path in skip:
            continue
        iid = await fake.command(moderator, spec.path, **_sample(spec))
        answer = await fake.answer(iid)
        assert answer.kind in ("message", "modal"), (spec.path, answer)
        if answer.kind == "message":
            assert answer.text or answer.files, spec.path
            assert INTERNAL_ERROR not in answer.text, (spec.path, answer.text)


async def test_a_cafe_programme_from_slash_commands(full_bot: Bot) -> None:
    """``/cafe programme add`` (a subcommand group) and ``copy from:`` (a renamed option)."""
    fake = full_bot.fake
    moderator = fake.add_member("animatrice", roles=[fake.moderator_role])
    await full_bot.stop()  # restart so the new member is in the guild payload
    await start_with_every_cog(full_bot)
    created = await fake.answer(
        await fake.command(
            moderator, "cafe create", title="Café TMNlab", schedule="weekly thursday 10:00"
        )
    )
    assert "Café TMNlab" in created.text
    listed = await full_bot.core.cogs["cafe"].service.upcoming()  # type: ignore[attr-defined]
    first, second = listed[0].id, listed[1].id
    added = await fake.answer(
        await fake.command(
            moderator,
            "cafe programme add",
            occurrence=first,
            kind="quiz",
            question="En quelle année ?",
            answer="2022",
            seconds=30,
        )
    )
    assert added.ephemeral and "Activité n° 1 ajoutée" in added.text
    refused = await fake.answer(
        await fake.command(
            moderator,
            "cafe programme add",
            occurrence=first,
            kind="quiz",
            question="Sans réponse ?",
        )
    )
    assert "Un quiz a besoin de sa bonne réponse" in refused.text
    copied = await fake.answer(
        await fake.command(moderator, "cafe programme copy", **{"from": first, "to": second})
    )
    assert "1 activité copiée" in copied.text and "1. quiz" in copied.text


async def test_commands_sync_only_when_the_catalogue_changes(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = await Bot(fake, db_url, state).start()
    await first.stop()
    assert len(fake.sync_requests) == 1
    second = await Bot(fake, db_url, state).start()
    await second.stop()
    assert len(fake.sync_requests) == 1  # same catalogue: no sync
    third = await Bot(fake, db_url, state).start(extra_cogs=False)
    await third.stop()
    assert len(fake.sync_requests) == 2  # a cog less: synced again
    assert "demo" not in {c["name"] for c in fake.sync_requests[-1][1]}


# --- interactions ---------------------------------------------------------------------------


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


# --- buttons across a restart -----------------------------------------------------------------


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


# --- outbox, DMs, rate limits ---------------------------------------------------------------


async def test_outbox_dm_arrives_once_with_a_nonce(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user1")
    answer = await fake.answer(await fake.command(user, "demo remind", what="café jeudi"))
    assert answer.text == "Rappel programmé"
    report = await bot.core.outbox.deliver_due()
    assert report.sent == 1
    dms = fake.dms(user)
    assert [m["content"] for m in dms] == ["Rappel : café jeudi"]
    assert dms[0]["nonce"] and len(dms[0]["nonce"]) <= 25
    # a resend of the same outbox key (crash between send and stamp) is not shown twice
    member = MemberRef("discord", str(user))
    await bot.adapter.send_direct(member, Reply(text="Rappel : café jeudi"), key=report.keys[0])
    assert len(fake.dms(user)) == 1


async def test_a_429_on_a_dm_delays_it_without_losing_it(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user2")
    await fake.answer(await fake.command(user, "demo remind", what="atelier"))
    fake.rate_limit_next["/channels/"] = 2
    started = time.monotonic()
    report = await bot.core.outbox.deliver_due()
    assert report.sent == 1
    assert time.monotonic() - started >= 0.5  # two 429s of 0.3 s each were waited out
    assert fake.ratelimited == 2
    assert [m["content"] for m in fake.dms(user)] == ["Rappel : atelier"]


async def test_refused_dms_raise_direct_messages_refused(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    fake.refuse_dms.add(user)
    with pytest.raises(DirectMessagesRefused):
        await bot.adapter.send_direct(MemberRef("discord", str(user)), Reply(text="coucou"))


async def test_room_messages_edits_population_and_roles(bot: Bot) -> None:
    fake = bot.fake
    room = RoomRef("discord", str(fake.channel_id))
    ref = await bot.adapter.send(room, Reply(text="Résultats : 0 vote"), key="k1")
    again = await bot.adapter.send(room, Reply(text="Résultats : 0 vote"), key="k1")
    assert again.id == ref.id and len(fake.channel_messages()) == 1
    await bot.adapter.edit(ref, Reply(text="Résultats : 3 votes"))
    assert fake.channel_messages()[0]["content"] == "Résultats : 3 votes"
    assert await bot.adapter.room_population(room) == len(fake.members) + 1  # + the bot
    assert bot.adapter.mention(MemberRef("discord", "42")) == "<@42>"
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    user = fake.member_id("user1")
    await bot.adapter.grant_role(MemberRef("discord", str(user)), Role.MEMBER)
    assert fake.roles_granted == [(user, fake.member_role)]


async def test_roles_come_from_the_configured_role_ids(bot: Bot) -> None:
    fake = bot.fake
    user = fake.member_id("user0")
    answer = await fake.answer(await fake.command(user, "demo vote", choice="A"))
    assert answer.text == "Vote A enregistré"  # no member role configured: every member
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    answer = await fake.answer(await fake.command(user, "demo vote", choice="A"))
    assert "réservée aux membres" in answer.text
    fake.members[user]["roles"].append(str(fake.member_role))
    answer = await fake.answer(await fake.command(user, "demo vote", choice="B"))
    assert answer.text == "Vote B enregistré"


# --- members ----------------------------------------------------------------------------------


async def test_member_joined_only_after_rules_screening(bot: Bot) -> None:
    fake = bot.fake
    seen: list[Any] = []

    async def record(event: Any) -> None:
        seen.append(event)

    bot.core.events.subscribe(MemberJoined, record)
    bot.core.events.subscribe(MemberLeft, record)

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0.02)

    uid = await fake.member_add("nouvelle", pending=True)
    await settle()
    assert seen == []  # still on the rules screen
    await fake.member_update(uid, pending=False)
    await settle()
    await fake.member_update(uid, nick="Nouvelle")  # an ordinary update: not a second join
    await settle()
    assert [type(e) for e in seen] == [MemberJoined]
    assert seen[0].ref.id == str(uid)
    assert seen[0].room == RoomRef("discord", str(fake.channel_id))
    direct = await fake.member_add("directe", pending=False)  # no screening in this guild
    await settle()
    await fake.member_remove(uid)
    await settle()
    assert [(type(e), e.ref.id) for e in seen[1:]] == [
        (MemberJoined, str(direct)),
        (MemberLeft, str(uid)),
    ]


async def test_a_burst_is_acknowledged_first_and_every_answer_arrives(bot: Bot) -> None:
    bot.adapter.settings.defer_when_busy = 3
    fake = bot.fake
    users = [fake.member_id(f"user{i % 3}") for i in range(12)]
    ids = [await fake.command(u, "demo slow", seconds=0.3) for u in users]
    answers = await asyncio.gather(*(fake.answer(i) for i in ids))
    assert [a.text for a in answers] == ["Enfin fini"] * 12
    kinds = [fake.interactions[i].callback["type"] for i in ids]  # type: ignore[index]
    assert kinds.count(5) >= 9  # beyond 3 in flight: deferred at once


async def test_role_waits_for_rules_screening(bot: Bot) -> None:
    fake = bot.fake
    bot.adapter.settings.roles.member = [str(fake.member_role)]
    uid = await fake.member_add("pressee", pending=True)
    for _ in range(20):
        await asyncio.sleep(0.02)
    await bot.adapter.grant_role(MemberRef("discord", str(uid)), Role.MEMBER)
    assert fake.roles_granted == []  # never before Discord's own screening
    await fake.member_update(uid, pending=False)
    for _ in range(50):
        await asyncio.sleep(0.02)
        if fake.roles_granted:
            break
    assert fake.roles_granted == [(uid, fake.member_role)]


# --- the real poll cog on Discord -----------------------------------------------------------


async def test_poll_buttons_and_modal_record_votes_once(full_bot: Bot) -> None:
    fake = full_bot.fake
    alice, bob = fake.member_id("user0"), fake.member_id("user1")
    created = await fake.answer(
        await fake.command(
            alice,
            "poll create",
            question="Quelle date ?",
            kind="single",
            choices="5 mars | 12 mars | 19 mars",
        )
    )
    assert "Quelle date ?" in created.text and created.components
    button = created.component("12 mars")
    first = await fake.answer(await fake.click(bob, created.message, button["custom_id"]))
    assert "12 mars" in first.text and first.ephemeral
    other = created.component("19 mars")
    again = await fake.answer(await fake.click(bob, created.message, other["custom_id"]))
    assert "mis à jour" in again.text  # a changed vote replaces the old one, visibly
    results = await fake.answer(await fake.command(alice, "poll results", poll=1))
    assert "**19 mars** — 1 vote (100 %)" in results.text
    assert "**12 mars** — 0 vote (0 %)" in results.text  # replaced, not counted twice
    assert results.files  # the chart is attached

    opened_poll = await fake.answer(
        await fake.command(
            alice, "poll create", question="Une idée pour la rentrée ?", kind="open"
        )
    )
    modal_button = opened_poll.component("Répondre")
    opened = await fake.answer(
        await fake.click(bob, opened_poll.message, modal_button["custom_id"])
    )
    assert opened.kind == "modal" and opened.modal is not None
    field = opened.modal["components"][0]["components"][0]["custom_id"]
    answer = await fake.answer(
        await fake.submit_modal(bob, opened.modal["custom_id"], {field: "Plus de cafés le soir"})
    )
    assert "Plus de cafés le soir" in answer.text
    listed = await fake.answer(await fake.command(alice, "poll results", poll=2))
    assert "Plus de cafés le soir" in listed.text
