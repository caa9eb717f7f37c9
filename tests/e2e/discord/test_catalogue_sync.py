"""The published Discord catalogue end to end (unmodified discord.py against the fake Discord):
valid and localised, checked by a validator that rejects what Discord rejects, every command
answering, synced only when it changes, and a subcommand group (``/cafe programme``) driven
from slash commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.commands import CommandSpec, OptionKind
from bot.core.refs import Role
from fakes.discord import FakeDiscord, validate_commands
from tests.e2e.discord.conftest import INTERNAL_ERROR, Bot, start_with_every_cog

pytestmark = pytest.mark.e2e


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
