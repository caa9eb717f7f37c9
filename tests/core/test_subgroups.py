"""Command subgroups: ``cafe programme add`` in the specs, the catalogue, the text grammar,
generated help, and the paths Discord sends and buttons encode."""

from __future__ import annotations

from typing import Annotated

import pytest

from bot.adapters.discord.client import raw_command
from bot.adapters.discord.custom_ids import decode, encode_parts
from bot.core.catalogue import Catalogue
from bot.core.cog import Cog
from bot.core.commands import Opt, SpecError, build_spec, command
from bot.core.errors import UsageError
from bot.core.grammar import UnknownCommand, parse
from bot.core.help import help_reply
from bot.core.i18n import I18n
from bot.core.invocation import Invocation
from bot.core.refs import Actor, MemberRef, Role
from bot.core.reply import Reply
from tests.harness import make_harness


class Deck(Cog, name="deck"):
    @command("join")
    async def join(self, inv: Invocation) -> Reply:
        """Rejoindre."""
        return Reply(text="joined")

    @command("add", group="deck plan", aliases=("append",))
    async def plan_add(
        self,
        inv: Invocation,
        number: Annotated[int, Opt("Numéro", min=1, max=99)],
        text: Annotated[str, Opt("Texte", rest=True)] = "",
    ) -> Reply:
        """Ajouter au plan."""
        return Reply(text=f"add {number} {text}")

    @command("show", group="deck plan")
    async def plan_show(self, inv: Invocation) -> Reply:
        """Voir le plan."""
        return Reply(text="plan shown")

    @command("wipe", group="deck plan", permission=Role.MODERATOR)
    async def plan_wipe(self, inv: Invocation) -> Reply:
        """Effacer le plan."""
        return Reply(text="wiped")


class Helpful(Cog, name="helpful", group=None):
    @command("help")
    async def help(
        self, inv: Invocation, topic: Annotated[str, Opt("Sujet", rest=True)] = ""
    ) -> Reply:
        """Aide."""
        return Reply(text=f"help:{topic}")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    cat = Catalogue()
    for spec in Deck.specs + Helpful.specs:
        cat.add(spec)
    return cat


def _actor(*roles: Role) -> Actor:
    return Actor(MemberRef("memory", "alice", "Alice"), frozenset({Role.EVERYONE, *roles}))


# --- specs and catalogue ----------------------------------------------------------------------


def test_a_subgroup_spec_has_a_three_word_path() -> None:
    spec = next(s for s in Deck.specs if s.name == "add")
    assert spec.path == "deck plan add"
    assert spec.top == "deck" and spec.subgroup == "deck plan"
    join = next(s for s in Deck.specs if s.name == "join")
    assert join.top == "deck" and join.subgroup is None


@pytest.mark.parametrize("group", ["deck plan more", "deck Plan", "deck  plan", "deck plan!"])
def test_bad_subgroups_fail_at_declaration(group: str) -> None:
    async def handler(self: Cog, inv: Invocation) -> Reply:
        """Faire."""
        return Reply()

    decorated = command("go", group=group)(handler)
    with pytest.raises(SpecError):
        build_spec(decorated, "deck", "deck")


def test_catalogue_lists_subgroups_and_refuses_clashes(catalogue: Catalogue) -> None:
    assert [s.path for s in catalogue.subgroups["deck plan"]] == [
        "deck plan add",
        "deck plan show",
        "deck plan wipe",
    ]
    assert "deck plan add" in [s.path for s in catalogue.groups["deck"]]
    assert catalogue.is_subgroup(["deck", "plan"]) and not catalogue.is_subgroup(["deck"])
    assert catalogue.lookup(["deck", "plan", "add", "3"])[1] == 3
    assert catalogue.lookup(["deck", "join", "x"])[1] == 2
    assert catalogue.get("deck plan append") is catalogue.get("deck plan add")

    class Clash(Cog, name="clash"):
        @command("plan", group="deck")
        async def plan(self, inv: Invocation) -> Reply:
            """Un plan."""
            return Reply()

    with pytest.raises(SpecError, match="clashes"):
        catalogue.add(Clash.specs[0])

    class Reverse(Cog, name="reverse"):
        @command("x", group="deck join")
        async def x(self, inv: Invocation) -> Reply:
            """Un x."""
            return Reply()

    with pytest.raises(SpecError, match="clashes"):
        catalogue.add(Reverse.specs[0])


# --- text grammar -------------------------------------------------------------------------------


def test_grammar_reads_three_word_paths(catalogue: Catalogue) -> None:
    parsed = parse('!deck plan add 3 "un deux"', catalogue)
    assert parsed is not None
    assert parsed.spec.path == "deck plan add"
    assert parsed.raw == {"number": "3", "text": "un deux"}
    named = parse("!deck plan add number:4 le reste du texte", catalogue)
    assert named is not None and named.raw == {"number": "4", "text": "le reste du texte"}
    alias = parse("!deck plan append 5", catalogue)
    assert alias is not None and alias.spec.path == "deck plan add"
    two = parse("!deck join", catalogue)
    assert two is not None and two.spec.path == "deck join"


def test_a_bare_subgroup_asks_for_its_help(catalogue: Catalogue) -> None:
    parsed = parse("!deck plan", catalogue)
    assert parsed is not None
    assert parsed.spec.path == "help" and parsed.raw == {"topic": "deck plan"}


def test_a_typo_in_a_subgroup_suggests_the_command(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownCommand) as caught:
        parse("!deck plan ad 3", catalogue)
    assert caught.value.params["typed"] == "deck plan ad"
    assert caught.value.suggestion == "deck plan add"
    with pytest.raises(UnknownCommand) as caught:
        parse("!deck plna add", catalogue)
    assert caught.value.suggestion is not None and caught.value.suggestion.startswith("deck plan")


def test_options_of_subgroup_commands_are_checked(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as caught:
        parse("!deck plan show extra", catalogue)
    assert caught.value.command == "deck plan show"


# --- generated help -----------------------------------------------------------------------------


def test_help_for_group_subgroup_and_command(catalogue: Catalogue) -> None:
    t = I18n("fr", typography=False).translator("fr")
    everyone = _actor(Role.MEMBER)
    top = help_reply(catalogue, t, everyone, "!")
    assert "`!deck` — join, plan (add, show)" in top.text  # wipe: moderators only
    group = help_reply(catalogue, t, everyone, "!", "deck")
    assert "`!deck plan add` — Ajouter au plan." in group.text
    sub = help_reply(catalogue, t, everyone, "!", "deck plan")
    assert sub.title == "Commandes « deck plan »"
    assert "`!deck plan show` — Voir le plan." in sub.text
    assert "deck join" not in sub.text and "wipe" not in sub.text
    moderator = help_reply(catalogue, t, _actor(Role.MEMBER, Role.MODERATOR), "!", "deck plan")
    assert "`!deck plan wipe`" in moderator.text
    one = help_reply(catalogue, t, everyone, "!", "deck plan add")
    assert one.title == "!deck plan add"
    assert "`!deck plan add <number:nombre> [text:texte]`" in one.text


async def test_subgroups_end_to_end_on_the_text_platforms(db_url: str) -> None:
    async with await make_harness(db_url, cogs=[Deck]) as h:
        reply = await h.reply("alice", '!deck plan add 2 "bonjour"')
        assert reply.text == "add 2 bonjour"
        helped = await h.reply("alice", "!help deck plan add")
        assert helped.title == "!deck plan add"
        listed = await h.reply("alice", "!deck plan")
        assert "!deck plan show" in listed.text
        refused = await h.reply("alice", "!deck plan wipe")
        assert "réservée aux modérateurs" in refused.text
        bad = await h.reply("alice", "!deck plan add 300")
        assert "entre 1 et 99" in bad.text and "!deck plan add <number:nombre>" in bad.text
        clicked = await h.invoke("alice", "deck plan show")
        assert clicked.text == "plan shown"


# --- Discord paths --------------------------------------------------------------------------


def test_discord_interaction_data_with_a_subcommand_group() -> None:
    data = {
        "name": "deck",
        "options": [
            {
                "name": "plan",
                "type": 2,
                "options": [
                    {"name": "add", "type": 1, "options": [{"name": "number", "value": 3}]}
                ],
            }
        ],
    }
    assert raw_command(data) == ("deck plan add", {"number": 3})
    assert raw_command({"name": "deck", "options": [{"name": "join", "type": 1}]}) == (
        "deck join",
        {},
    )
    assert (
        raw_command({"name": "deck", "options": [{"name": "plan", "type": 2, "options": 3}]})[0]
        is None
    )


def test_buttons_encode_three_word_paths() -> None:
    custom_id = encode_parts("b", "deck plan add", {"number": 3})
    assert custom_id is not None
    decoded = decode(custom_id)
    assert decoded is not None and decoded.path == "deck plan add"
