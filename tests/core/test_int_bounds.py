"""Integer options are bounded where they are declared: huge or negative numbers get the usual
usage message naming the bounds, never reach the database, never "something went wrong"."""

from __future__ import annotations

import random
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.cog import Cog
from bot.core.commands import (
    INT_MAX_DEFAULT,
    INT_MIN_DEFAULT,
    Opt,
    OptionKind,
    SpecError,
    command,
)
from bot.core.errors import UsageError
from bot.core.invocation import Invocation
from bot.core.reply import Reply
from tests.harness import Harness

WENT_WRONG = "quelque chose s'est mal passé"


class Numbers(Cog, name="numbers"):
    """Each command looks its number up in the database, as a cog looks up a café or poll."""

    @command("plain")
    async def plain(self, inv: Invocation, n: Annotated[int, Opt("Un nombre")]) -> Reply:
        """Chercher un membre par un numéro sans bornes déclarées."""
        member = await self.core.members.get(n)
        return Reply(text=f"ok {n} {member is not None}")

    @command("ident")
    async def ident(
        self, inv: Invocation, n: Annotated[int | None, Opt("Un numéro", min=1)] = None
    ) -> Reply:
        """Chercher un membre par numéro (au moins 1)."""
        member = await self.core.members.get(n) if n is not None else None
        return Reply(text=f"ok {n} {member is not None}")

    @command("ratio")
    async def ratio(self, inv: Invocation, x: Annotated[float, Opt("Un nombre décimal")]) -> Reply:
        """Un nombre décimal."""
        return Reply(text=f"ok {x}")


def _spec(path: str):  # type: ignore[no-untyped-def]
    return next(s for s in Numbers.specs if s.path == path)


def test_undeclared_integer_bounds_get_a_default_range() -> None:
    plain = _spec("numbers plain").option("n")
    assert (plain.min, plain.max) == (INT_MIN_DEFAULT, INT_MAX_DEFAULT) == (0, 2**31 - 1)
    ident = _spec("numbers ident").option("n")
    assert (ident.min, ident.max) == (1, 2**31 - 1)
    # Floats keep what they declare (none here); the Discord limit of ±2**53 holds.
    assert _spec("numbers ratio").option("x").kind is OptionKind.NUMBER


def test_bounds_beyond_discord_limits_fail_at_import() -> None:
    with pytest.raises(SpecError, match="2\\*\\*53"):

        class Wide(Cog, name="wide"):
            @command("x")
            async def x(self, inv: Invocation, n: Annotated[int, Opt("N", max=2**60)]) -> Reply:
                """Ok."""
                return Reply()

    with pytest.raises(SpecError, match="min above max"):

        class Upside(Cog, name="upside"):
            @command("x")
            async def x(self, inv: Invocation, n: Annotated[int, Opt("N", min=5, max=1)]) -> Reply:
                """Ok."""
                return Reply()


@given(
    st.one_of(
        st.integers(),
        st.integers(min_value=2**31 - 5, max_value=2**70),
        st.integers(max_value=5),
        st.text(max_size=30),
        st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_conversion_gives_an_in_range_int_or_a_usage_error(raw: object) -> None:
    option = _spec("numbers plain").option("n")
    try:
        value = option.convert(raw if isinstance(raw, int) else str(raw), "numbers plain")
    except UsageError:
        return
    assert isinstance(value, int) and 0 <= value <= 2**31 - 1


@given(st.sampled_from(["nan", "inf", "-inf", "1e999", "NaN", "-1e400"]))
def test_non_finite_numbers_are_refused(raw: str) -> None:
    with pytest.raises(UsageError):
        _spec("numbers ratio").option("x").convert(raw, "numbers ratio")


@pytest.fixture
async def numbers(harness: Harness) -> Harness:
    harness.core.add_cog(Numbers(harness.core))
    return harness


async def test_a_huge_number_gets_the_usage_message_naming_the_bounds(numbers: Harness) -> None:
    typed = await numbers.say("alice", "!numbers ident n:99999999999999999999")
    assert typed is not None and WENT_WRONG not in typed.text
    assert "doit être comprise entre 1 et 2147483647" in typed.text
    assert "Utilisation" in typed.text
    clicked = await numbers.invoke("alice", "numbers plain", n=-3)
    assert "doit être comprise entre 0 et 2147483647" in clicked.text
    await numbers.say("alice", "!language en")
    english = await numbers.say("alice", "!numbers plain n:99999999999999999999")
    assert english is not None and "must be between 0 and 2147483647" in english.text


async def test_random_numbers_never_reach_the_database_out_of_range(numbers: Harness) -> None:
    """1,000 random commands (the review's fuzzing found the overflow): every reply is either
    the handler's (in range) or a usage message — never the generic failure."""
    rng = random.Random(11)
    edges = [0, 1, -1, 2**31 - 1, 2**31, 2**53, 2**63, 2**64, -(2**63) - 1, 10**20, -(10**30)]
    signs = (1, -1)
    values = edges + [rng.choice(signs) * rng.getrandbits(rng.randint(1, 90)) for _ in range(500)]
    for value in values:
        for path, low in (("numbers plain", 0), ("numbers ident", 1)):
            name = path.split()[1]
            if rng.random() < 0.5:
                reply = await numbers.say("alice", f"!{path} n:{value}")
            else:
                reply = await numbers.invoke("bob", path, n=value)
            assert reply is not None
            assert WENT_WRONG not in reply.text, (name, value)
            if low <= value <= 2**31 - 1:
                assert reply.text.startswith(f"ok {value}"), (name, value, reply.text)
            else:
                assert "doit être comprise entre" in reply.text, (name, value, reply.text)


async def test_a_cafe_number_beyond_the_database_is_a_usage_message(db_url: str) -> None:
    """The review's exact finding: ``cafe join occurrence:99999999999999999999``."""
    from tests.harness import make_harness

    h = await make_harness(db_url, cogs=["cafe"])
    try:
        reply = await h.reply("alice", "!cafe join occurrence:99999999999999999999")
        assert WENT_WRONG not in reply.text
        assert "doit être comprise entre 1 et 2147483647" in reply.text
    finally:
        await h.core.stop()
        await h.db.dispose()
