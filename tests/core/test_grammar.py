"""The shared text grammar: quotes, named and positional options, rest of line, errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.catalogue import Catalogue
from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.errors import UsageError, UserError
from bot.core.grammar import MAX_INPUT, UnknownCommand, parse, tokenize
from bot.core.invocation import Invocation
from bot.core.reply import Reply


class Kind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"


class Sample(Cog, name="poll"):
    @command("create")
    async def create(
        self,
        inv: Invocation,
        question: Annotated[str, Opt("La question posée", rest=True)],
        kind: Annotated[Kind, Opt("Type de sondage")] = Kind.SINGLE,
        choices: Annotated[str, Opt("Choix séparés par |")] = "",
        max: Annotated[int, Opt("Nombre maximal de choix", min=1, max=25)] = 1,
    ) -> Reply:
        """Créer un sondage."""
        return Reply(text=question)

    @command("vote")
    async def vote(
        self,
        inv: Invocation,
        poll: Annotated[int, Opt("Numéro du sondage")],
        choice: Annotated[str, Opt("Votre choix")] = "",
    ) -> Reply:
        """Voter."""
        return Reply()


class Top(Cog, name="top", group=None):
    @command("help")
    async def help(
        self, inv: Invocation, topic: Annotated[str, Opt("Sujet", rest=True)] = ""
    ) -> Reply:
        """Aide."""
        return Reply()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    cat = Catalogue()
    for spec in Sample.specs + Top.specs:
        cat.add(spec)
    return cat


def test_tokenize_quotes_and_apostrophes() -> None:
    values = [t.value for t in tokenize('Qu\'avez-vous pensé ? "A b" «  Le café  » “x y”')]
    assert values == ["Qu'avez-vous", "pensé", "?", "A b", "Le café", "x y"]


def test_named_options_with_colon_or_equals_and_quotes(catalogue: Catalogue) -> None:
    parsed = parse('!poll create "La question ?" kind:multiple choices="A | B | C"', catalogue)
    assert parsed is not None
    assert parsed.spec.path == "poll create"
    assert parsed.raw == {"question": "La question ?", "kind": "multiple", "choices": "A | B | C"}


def test_rest_of_line_takes_unquoted_words(catalogue: Catalogue) -> None:
    parsed = parse("!poll create Quelle couleur préférez-vous ? kind:single", catalogue)
    assert parsed is not None
    assert parsed.raw == {"question": "Quelle couleur préférez-vous ?", "kind": "single"}


def test_positional_fill_in_order(catalogue: Catalogue) -> None:
    parsed = parse("!poll vote 12 B", catalogue)
    assert parsed is not None and parsed.raw == {"poll": "12", "choice": "B"}


def test_value_with_colon_stays_positional(catalogue: Catalogue) -> None:
    parsed = parse("!poll vote 3 10:00", catalogue)
    assert parsed is not None and parsed.raw == {"poll": "3", "choice": "10:00"}


def test_not_a_command_without_prefix(catalogue: Catalogue) -> None:
    assert parse("bonjour tout le monde", catalogue) is None
    assert parse("! poll", catalogue) is None


def test_console_prefix_slash(catalogue: Catalogue) -> None:
    parsed = parse("/poll vote poll:1", catalogue, ("!", "/"))
    assert parsed is not None and parsed.raw == {"poll": "1"}


def test_group_alone_opens_its_help(catalogue: Catalogue) -> None:
    parsed = parse("!poll", catalogue)
    assert parsed is not None and parsed.spec.path == "help" and parsed.raw == {"topic": "poll"}


def test_unknown_command_suggests_the_closest(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownCommand) as err:
        parse("!poll crate question:x", catalogue)
    assert err.value.suggestion == "poll create"


def test_misspelt_option_is_named(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as err:
        parse("!poll vote poll:1 choise:B", catalogue)
    assert err.value.params["suggestion"] == "choice"


def test_too_many_values_and_duplicates(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError):
        parse("!poll vote 1 B C", catalogue)
    with pytest.raises(UsageError):
        parse("!poll vote poll:1 poll:2", catalogue)


def test_unclosed_quote_and_overlong_input(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError):
        parse('!poll create "jamais fermé', catalogue)
    with pytest.raises(UserError):
        parse("!help " + "x" * MAX_INPUT, catalogue)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_input_parses_or_gives_a_user_error(text: str) -> None:
    cat = Catalogue()
    for spec in Sample.specs + Top.specs:
        cat.add(spec)
    for candidate in (text, "!" + text, "!poll " + text, "!poll create " + text):
        try:
            parse(candidate, cat)
        except UserError:
            pass


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["!poll", "create", "vote", '"', "'", "«", "»", ":", "=", "kind:", " "])
        | st.text(max_size=8),
        max_size=12,
    )
)
def test_grammar_fragments_never_raise_anything_else(parts: list[str]) -> None:
    cat = Catalogue()
    for spec in Sample.specs + Top.specs:
        cat.add(spec)
    try:
        parse(" ".join(parts), cat, ("!", "/"), require_prefix=False)
    except UserError:
        pass


def test_a_command_written_like_an_option_is_that_command(catalogue: Catalogue) -> None:
    parsed = parse("!poll vote:3 choice:Oui", catalogue)
    assert parsed is not None and parsed.spec.path == "poll vote"
    assert parsed.raw == {"poll": "3", "choice": "Oui"}
    parsed = parse('!poll create:"Le lieu ?" kind:multiple', catalogue)
    assert parsed is not None and parsed.raw == {"question": "Le lieu ?", "kind": "multiple"}
    # A real option of an existing command keeps its meaning; unknown names stay errors.
    parsed = parse("!poll vote poll:3", catalogue)
    assert parsed is not None and parsed.raw == {"poll": "3"}
    with pytest.raises(UnknownCommand):
        parse("!poll delete:3", catalogue)
