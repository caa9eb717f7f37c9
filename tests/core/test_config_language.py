"""Configuration problems are said in the operator's language — every line of one report in
one language — and each still names its key and what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.core.test_cli import passerelle

BAD = """
[bot]
locale = "fr"
local = "en"

[discord]
enabled = true
global_rate = -1
shard_count = 2
shards_per_process = 3

[matrix]
enabled = true

[cogs]
enabled = ["pol"]

[cogs.poll]
nope = 1
"""


def problems(tmp_path: Path, lang: str | None) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, lang=lang)
    return err.value.problems


def test_pydantic_problems_in_english_and_in_french(tmp_path: Path) -> None:
    english = problems(tmp_path, "en")
    assert "bot.local: unknown key (check its spelling and section)" in english
    assert "discord.global_rate: at least 0 is expected" in english
    french = problems(tmp_path, "fr")
    assert "bot.local\u202f: clé inconnue (vérifiez son orthographe et sa section)" in french
    assert "discord.global_rate\u202f: au moins 0 est attendu" in french


def test_checks_after_validation_speak_the_same_language(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    valid_keys = BAD.replace("global_rate = -1\n", "").replace('local = "en"\n', "")
    path.write_text(valid_keys.replace("nope = 1", "anonymous_minimum = 1"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, lang="fr")
    french = "\n".join(err.value.problems)
    for expected in (
        "discord.token\u202f: requis quand discord.enabled = true",
        "discord.shards_per_process\u202f: 3 dépasse discord.shard_count (2)",
        "matrix.homeserver\u202f: requis",
        "cogs.enabled\u202f: cog inconnu 'pol'",
        "cogs.poll.anonymous_minimum\u202f: au moins 3 est attendu",
    ):
        assert expected in french, expected
    for english in ("required", "unknown", "expected", "available"):
        assert english not in french, english
    with pytest.raises(ConfigError) as err:
        load_settings(path, lang="en")
    assert "discord.token: required when discord.enabled = true" in "\n".join(err.value.problems)


def test_lengths_count_their_characters(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text('[bot]\nprefix = ""\n[web]\nhost = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, lang="fr")
    assert "bot.prefix\u202f: au moins 1 caractère est attendu" in err.value.problems
    path.write_text('[bot]\nprefix = "!!!!"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, lang="en")
    assert err.value.problems == ["bot.prefix: at most 3 characters are expected"]


def test_a_missing_file_in_the_operator_s_language(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fichier introuvable"):
        load_settings(tmp_path / "absent.toml", lang="fr")
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "absent.toml", lang="en")


def test_config_check_follows_lang_for_every_line(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(BAD, encoding="utf-8")
    french = passerelle(tmp_path, "--lang", "fr", "config", "check", "bad.toml")
    assert french.returncode == 1
    lines = french.stdout.strip().splitlines()
    assert len(lines) == 2  # what pydantic refuses comes first, then the checks after it
    assert all(line.startswith("erreur") for line in lines), lines
    assert "required" not in french.stdout and "unknown key" not in french.stdout
    english = passerelle(tmp_path, "--lang", "en", "config", "check", "bad.toml")
    assert "discord.global_rate: at least 0 is expected" in english.stdout
