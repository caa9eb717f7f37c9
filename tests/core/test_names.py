"""French command names (issue 15): ``!sondage créer``, ``!café rejoindre``, ``!moi profil``,
``!help sondage`` — aliases of the English paths, also typed without accents."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.catalogue import Catalogue
from bot.core.commands import CommandSpec
from bot.core.names import fold, load_names
from bot.core.refs import Role
from tests.harness import Harness, make_harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await make_harness(db_url, cogs=["poll", "cafe", "resource", "onboarding"])
    yield harness
    await harness.close()


async def test_french_names_run_the_english_commands(h: Harness) -> None:
    created = await h.reply("alice", '!sondage créer "Thé ou café ?" choices:"Thé | Café"')
    assert "Thé ou café ?" in (created.title or ""), created
    voted = await h.reply("bob", "!sondage voter poll:1 choice:2")
    assert "Café" in voted.text, voted.text
    unaccented = await h.reply("bob", "!sondage resultats poll:1")
    assert "Café" in unaccented.text and "1 vote" in unaccented.text, unaccented.text
    profile = await h.reply("bob", "!moi profil")
    assert profile.text and "Commande inconnue" not in profile.text


async def test_help_understands_french_names(h: Harness) -> None:
    group = await h.reply("alice", "!help sondage")
    assert "poll create" in group.text and "poll vote" in group.text, group.text
    one = await h.reply("alice", "!aide sondage créer")
    assert "poll create" in one.text and "question" in one.text, one.text
    subgroup = await h.reply("alice", "!help café programme")
    assert "cafe programme add" in subgroup.text, subgroup.text
    listed = await h.reply("alice", "!sondage")  # a group alone: its help
    assert "poll create" in listed.text, listed.text


async def test_a_words_meaning_belongs_to_its_cog(h: Harness) -> None:
    """``start`` is *lancer* for the café and *commencer* for onboarding."""
    assert h.core.catalogue.resolve(["café", "lancer"]) == ["cafe", "start"]
    assert h.core.catalogue.resolve(["accueil", "commencer"]) == ["onboarding", "start"]
    assert h.core.catalogue.lookup(["accueil", "lancer"]) == (None, 0)


def _spec(path: str) -> CommandSpec:
    group, _, name = path.rpartition(" ")
    return CommandSpec(
        name=name,
        group=group or None,
        description="x",
        permission=Role.MEMBER,
        options=(),
        cog="poll",
        method="m",
    )


def test_english_paths_win_and_siblings_keep_distinct_names() -> None:
    catalogue = Catalogue()
    words = {"fr": {"poll": "sondage", "close": "fermer", "end": "fermer", "list": "vote"}}
    for path in ("poll close", "poll end", "poll list", "poll vote"):
        catalogue.add(_spec(path), words)
    assert catalogue.resolve(["sondage", "fermer"]) == ["poll", "close"]
    assert catalogue.local_name("poll close", "fr") == "fermer"
    # "end" would also be "fermer" among the same siblings: Discord keeps it English.
    assert catalogue.local_name("poll end", "fr") is None
    # "poll list" in French would be "poll vote", an English path: the English one wins.
    assert catalogue.get("poll vote").name == "vote"  # type: ignore[union-attr]
    assert catalogue.resolve(["poll", "vote"]) == ["poll", "vote"]


def test_a_bad_names_file_is_reported_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "names_fr.toml").write_text('poll = "sondage"\nvote = "deux mots"\n', "utf-8")
    (tmp_path / "names_de.toml").write_text("not = [toml", "utf-8")
    with caplog.at_level(logging.ERROR):
        names = load_names(tmp_path)
    assert names == {"fr": {"poll": "sondage"}}
    assert "deux mots" in caplog.text and "names_de.toml" in caplog.text


def test_fold_removes_accents_only() -> None:
    assert fold("créer résultats café") == "creer resultats cafe"
