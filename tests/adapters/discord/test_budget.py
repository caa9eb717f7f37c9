"""A top-level slash command is fitted to Discord's 4,000-character budget before a sync."""

from __future__ import annotations

import copy
from typing import Any

from bot.adapters.discord.budget import MAX_COMMAND_CHARS, fit, size


def _option(name: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": description, **extra}


def _command(options: int, description: str) -> dict[str, Any]:
    subcommands = [
        {
            "type": 1,
            "name": f"sub{i}",
            "description": "Une sous-commande",
            "options": [
                _option(
                    f"opt{j}",
                    description,
                    description_localizations={"en-US": description.upper() + " (en)"},
                    choices=[{"name": "oui", "value": "yes"}],
                )
                for j in range(options)
            ],
        }
        for i in range(5)
    ]
    return {"name": "cafe", "description": "Commandes café", "options": subcommands}


def test_a_command_within_the_budget_is_left_alone() -> None:
    command = _command(2, "Numéro du café (voir cafe list)")
    before = copy.deepcopy(command)
    assert fit(command) == 0
    assert command == before


def test_localisations_count_by_their_longest_text() -> None:
    option = _option("n", "court", description_localizations={"en-US": "a longer English text"})
    assert size(option) == len("n") + len("a longer English text")


def test_an_oversized_command_is_shortened_until_it_fits() -> None:
    long = "Numéro du café à modifier (voir cafe list pour les numéros), par exemple 12 ou 14"
    command = _command(10, long)
    assert size(command) > MAX_COMMAND_CHARS
    saved = fit(command)
    assert saved > 0
    assert size(command) <= MAX_COMMAND_CHARS
    shortened = 0
    for sub in command["options"]:
        assert sub["description"] == "Une sous-commande"  # commands' own texts untouched
        for option in sub["options"]:
            assert option["name"].startswith("opt")
            assert option["choices"] == [{"name": "oui", "value": "yes"}]
            # Only what is needed is shortened, to the leading clause rather than mid-word.
            if option["description"] != long:
                shortened += 1
                assert option["description"] == "Numéro du café à modifier"
                english = option["description_localizations"]["en-US"]
                assert english == "NUMÉRO DU CAFÉ À MODIFIER"
    assert 0 < shortened < 50


def test_long_texts_shrink_before_short_ones() -> None:
    command = {
        "name": "x",
        "description": "x",
        "options": [_option("a", "a" * 100), _option("b", "b" * 40)],
    }
    fit(command, budget=100)
    texts = [o["description"] for o in command["options"]]
    assert texts[1] == "b" * 40
    assert texts[0].endswith("…") and size(command) <= 100


def test_a_command_that_cannot_fit_is_reported(caplog: Any) -> None:
    command = {"name": "x", "description": "x", "options": [_option("a" * 30, "a" * 100)]}
    fit(command, budget=20)
    assert command["options"][0]["description"].endswith("…")
    assert "over the 20 Discord accepts" in caplog.text
