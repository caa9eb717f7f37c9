"""Help that teaches (issue 15): option values, defaults and examples in ``help``, commands
grouped for members and moderators, unknown options named, single quotes, unknown commands
in a group; in French and in English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.core.catalogue import Catalogue
from bot.core.cog import Cog
from bot.core.commands import Opt, SpecError, command
from bot.core.errors import UsageError
from bot.core.grammar import UnknownCommand, parse, tokenize
from bot.core.i18n_extract import ROOT, extract_file
from bot.core.invocation import Invocation
from bot.core.refs import Role
from bot.core.reply import Reply, Tone
from tests.harness import Harness, make_harness


class Sample(Cog, name="poll"):
    @command("create", examples=('poll create "Quel jour ?" kind:single',))
    async def create(
        self,
        inv: Invocation,
        question: Annotated[str, Opt("La question", rest=True)],
        kind: Annotated[Literal["single", "multiple"], Opt("Type")] = "single",
        choices: Annotated[str, Opt("Les choix")] = "",
    ) -> Reply:
        """Créer un sondage."""
        return Reply(text=question)

    @command("close", permission=Role.MODERATOR)
    async def close(self, inv: Invocation) -> Reply:
        """Clore un sondage."""
        return Reply(text="ok")


class Atelier(Cog, name="atelier"):
    @command("join")
    async def join(self, inv: Invocation) -> Reply:
        """Rejoindre l'atelier."""
        return Reply(text="ok")

    @command("lock", permission=Role.MODERATOR)
    async def lock(self, inv: Invocation) -> Reply:
        """Fermer l'atelier."""
        return Reply(text="ok")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    cat = Catalogue()
    for spec in Sample.specs:
        cat.add(spec)
    return cat


# --- the grammar -----------------------------------------------------------------------------


def test_single_quotes_read_like_double_quotes_and_apostrophes_stay() -> None:
    line = "question:'La question ?' 'Qu'en pensez-vous ?' l'atelier"
    values = [t.value for t in tokenize(line)]
    assert values == ["question:La question ?", "Qu'en pensez-vous ?", "l'atelier"]
    assert [t.value for t in tokenize("aujourd'hui c'est l'atelier")] == [
        "aujourd'hui",
        "c'est",
        "l'atelier",
    ]
    # An opening quote never closed is an apostrophe, as before.
    assert [t.value for t in tokenize("'tis fine")] == ["'tis", "fine"]


def test_single_quoted_value_binds_to_its_option(catalogue: Catalogue) -> None:
    parsed = parse("!poll create 'La question ?' choices:'Lundi | Mardi'", catalogue)
    assert parsed is not None
    assert parsed.raw == {"question": "La question ?", "choices": "Lundi | Mardi"}


_WORD = st.from_regex(r"[a-zA-Zéèàç?!,.]{1,8}('[a-zA-Zéèàç]{1,8})?", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORD, min_size=1, max_size=6))
def test_single_and_double_quotes_agree(words: list[str]) -> None:
    cat = Catalogue()
    for spec in Sample.specs:
        cat.add(spec)
    text = " ".join(words)
    single = parse(f"!poll create question:'{text}' kind:multiple", cat)
    double = parse(f'!poll create question:"{text}" kind:multiple', cat)
    assert single is not None and double is not None
    assert single.raw == double.raw == {"question": text, "kind": "multiple"}


def test_any_unknown_option_names_the_closest(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as err:
        parse("!poll create 'La question ?' colour:red", catalogue)
    assert err.value.msgid == "Option inconnue « {option} ». Vouliez-vous dire « {suggestion} » ?"
    assert err.value.params == {"option": "colour", "suggestion": "choices"}
    with pytest.raises(UsageError) as err:
        parse("!poll close zzz:1", catalogue)
    assert err.value.params == {"option": "zzz"}


def test_links_and_empty_values_stay_values(catalogue: Catalogue) -> None:
    parsed = parse("!poll create Voir https://example.org/x mailto:a@b.fr Sujet:", catalogue)
    assert parsed is not None
    assert parsed.raw == {"question": "Voir https://example.org/x mailto:a@b.fr Sujet:"}


def test_unknown_command_in_a_group_lists_what_exists(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownCommand) as err:
        parse("!poll delete 3", catalogue)
    assert err.value.params["typed"] == "poll delete"
    assert err.value.params["group"] == "poll"
    assert err.value.params["commands"] == "close, create"
    assert "n'existe pas" in err.value.msgid


def test_examples_must_start_with_the_command() -> None:
    with pytest.raises(SpecError, match="example 'poll create x' must start with 'bad go'"):

        class Bad(Cog, name="bad"):
            @command("go", examples=("poll create x",))
            async def go(self, inv: Invocation) -> Reply:
                """Aller."""
                return Reply()


def test_examples_are_extracted_for_translation() -> None:
    found = {m.msgid for m in extract_file(ROOT / "cogs" / "poll" / "cog.py")}
    assert 'poll create "Quel jour pour l\'atelier ?" choices:"Lundi | Mardi | Jeudi"' in found


# --- help and errors through the core, French and English ------------------------------------


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    settings_ = load_settings(None, cogs={"poll": {"ballot_secret": "x" * 32}})
    harness = await make_harness(db_url, cogs=["poll"], settings=settings_)
    harness.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    harness.adapter.set_roles("alice", Role.MEMBER)
    harness.adapter.set_roles("bob", Role.MEMBER)
    yield harness
    await harness.core.drain()
    await harness.core.stop()
    await harness.db.dispose()


async def test_help_of_a_command_shows_values_defaults_and_examples(h: Harness) -> None:
    await h.say("bob", "!language en")
    fr = (await h.reply("alice", "!help poll create")).plain_text()
    en = (await h.reply("bob", "!help poll create")).plain_text()
    assert "kind : Type de sondage — valeurs : single, multiple, ranking" in fr
    assert "(facultatif, par défaut : single)" in fr
    assert "anonymous : " in fr and "valeurs" not in fr.split("anonymous : ")[1].split("\n")[0]
    assert "oui ou non (facultatif, par défaut : non)" in fr
    assert "Exemples :" in fr
    assert '`!poll create "Quel jour pour l\'atelier ?" choices:"Lundi | Mardi | Jeudi"`' in fr
    assert "`!poll create 'Une idée pour la rentrée ?' kind:open duration:3d`" in fr
    assert "values: single, multiple, ranking" in en and "(optional, default: single)" in en
    assert "yes or no (optional, default: no)" in en
    assert "Examples:" in en
    assert '`!poll create "Which day for the workshop?" choices:"Monday | Tuesday' in en
    assert "Exemple" not in en and "valeurs" not in en and "défaut" not in en


async def test_the_examples_shown_by_help_work(h: Harness) -> None:
    await h.say("bob", "!language en")
    for name, lines in (("alice", 2), ("bob", 2)):
        text = (await h.reply(name, "!help poll create")).text
        examples = [line.strip("`") for line in text.splitlines() if line.startswith("`!poll")]
        assert len(examples) == lines
        for example in examples:
            reply = await h.reply(name, example)
            assert reply.tone is not Tone.ERROR, (example, reply.plain_text())
    listed = (await h.reply("alice", "!poll list")).plain_text()
    assert "Quel jour pour l'atelier ?" in listed and "Which day for the workshop?" in listed


async def test_help_groups_commands_for_members_and_moderators(h: Harness) -> None:
    member = (await h.reply("alice", "!help")).text
    assert "**Pour tous**" in member and "Pour les modérateurs" not in member
    assert "`!poll` — " in member and "create" in member
    h.core.add_cog(Atelier(h.core))
    member = (await h.reply("alice", "!help")).text
    assert "- `!atelier` — join\n" in member and "lock" not in member
    mod = (await h.reply("mod", "!help")).text
    assert mod.index("**Pour tous**") < mod.index("**Pour les modérateurs**")
    everyone, moderators = mod.split("**Pour les modérateurs**")
    assert "- `!atelier` — join\n" in everyone and "lock" not in everyone
    assert "- `!atelier` — lock\n" in moderators and "join" not in moderators
    await h.say("mod", "!language en")
    english = (await h.reply("mod", "!help")).text
    assert "**For everyone**" in english and "**For moderators**" in english
    assert "Pour" not in english


async def test_unknown_option_and_single_quotes_through_the_core(h: Harness) -> None:
    wrong = (await h.reply("alice", "!poll create 'La question ?' colour:red")).text
    assert wrong.startswith("Option inconnue « colour ». Vouliez-vous dire « ")
    assert "!poll create" in wrong  # the usage line follows
    await h.say("bob", "!language en")
    english = (await h.reply("bob", "!poll create 'The question?' colour:red")).text
    assert english.startswith("Unknown option “colour”. Did you mean “")
    listed = (await h.reply("alice", "!poll list")).plain_text()
    assert "La question" not in listed and "The question" not in listed
    made = await h.reply("alice", "!poll create 'Qu'en pensez-vous ?' choices:'Oui | Non'")
    assert made.tone is not Tone.ERROR, made.plain_text()
    assert "Qu'en pensez-vous ?" in (await h.reply("alice", "!poll list")).plain_text()


async def test_unknown_command_in_a_group_says_so_and_lists(h: Harness) -> None:
    fr = (await h.reply("alice", "!poll delete 3")).text
    assert fr.startswith("La commande « poll delete » n'existe pas.")
    assert "Dans « poll » : " in fr and "create" in fr and "vote" in fr
    await h.say("bob", "!language en")
    en = (await h.reply("bob", "!poll delete 3")).text
    assert en.startswith("The command “poll delete” does not exist.")
    assert "In “poll”: " in en and "create" in en
