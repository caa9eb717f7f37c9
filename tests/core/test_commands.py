"""Specs derived from signatures, validated at import time with Discord's rules."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from bot.core.cog import Cog
from bot.core.commands import Opt, OptionKind, SpecError, command
from bot.core.errors import UsageError
from bot.core.invocation import Invocation
from bot.core.reply import Reply


def test_signature_becomes_the_schema() -> None:
    class Demo(Cog, name="demo"):
        @command("make")
        async def make(
            self,
            inv: Invocation,
            title: Annotated[str, Opt("Titre", max_length=80)],
            size: Annotated[int, Opt("Taille", min=1, max=25)] = 5,
            color: Annotated[Literal["red", "blue"], Opt("Couleur")] = "red",
            public: Annotated[bool, Opt("Public ?")] = False,
        ) -> Reply:
            """Fabriquer quelque chose."""
            return Reply()

    (spec,) = Demo.specs
    assert spec.path == "demo make"
    assert spec.description == "Fabriquer quelque chose."
    kinds = [(o.name, o.kind, o.required) for o in spec.options]
    assert kinds == [
        ("title", OptionKind.STRING, True),
        ("size", OptionKind.INTEGER, False),
        ("color", OptionKind.STRING, False),
        ("public", OptionKind.BOOLEAN, False),
    ]
    assert spec.options[2].choices == ("red", "blue")
    assert spec.option("size").convert("3", spec.path) == 3
    assert spec.option("public").convert("oui", spec.path) is True
    with pytest.raises(UsageError):
        spec.option("size").convert("30", spec.path)
    with pytest.raises(UsageError):
        spec.option("color").convert("green", spec.path)
    with pytest.raises(UsageError):
        spec.option("title").convert("x" * 81, spec.path)


TooMany = Literal[tuple(f"c{i}" for i in range(26))]  # type: ignore[valid-type]


def test_bad_name_fails_at_class_creation() -> None:
    with pytest.raises(SpecError, match="must match"):

        class A(Cog, name="a"):
            @command("Bad Name")
            async def x(self, inv: Invocation) -> Reply:
                """Ok."""
                return Reply()


def test_missing_or_long_description_fails() -> None:
    with pytest.raises(SpecError, match="description"):

        class B(Cog, name="b"):
            @command("x")
            async def x(self, inv: Invocation) -> Reply:
                return Reply()

    async def long(self: Cog, inv: Invocation) -> Reply:
        return Reply()

    long.__doc__ = "y" * 101
    with pytest.raises(SpecError, match="description"):

        class B2(Cog, name="b2"):
            x = command("x")(long)


def test_option_without_opt_fails() -> None:
    with pytest.raises(SpecError, match="Annotated"):

        class D(Cog, name="d"):
            @command("x")
            async def x(self, inv: Invocation, a: str) -> Reply:
                """Ok."""
                return Reply()


def test_too_many_choices_fails() -> None:
    with pytest.raises(SpecError, match="choices"):

        class E(Cog, name="e"):
            @command("x")
            async def x(self, inv: Invocation, a: Annotated[TooMany, Opt("A")]) -> Reply:
                """Ok."""
                return Reply()


def test_sync_handler_fails() -> None:
    with pytest.raises(SpecError, match="async"):

        class F(Cog, name="f"):
            @command("x")
            def x(self, inv: Invocation) -> Reply:  # type: ignore[type-var]
                """Ok."""
                return Reply()


def test_required_after_optional_is_refused() -> None:
    with pytest.raises(SpecError, match="after an optional"):

        class G(Cog, name="g"):
            @command("x")
            async def x(
                self,
                inv: Invocation,
                a: Annotated[str, Opt("A")] = "",
                *,
                b: Annotated[str, Opt("B")],
            ) -> Reply:
                """Ok."""
                return Reply()
