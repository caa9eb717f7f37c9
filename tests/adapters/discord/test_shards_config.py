"""``[discord] shard_count`` and ``shards_per_process`` in the configuration: defaults, bounds,
and ``config check`` refusing a process cap larger than the number of shards (in the
operator's language, naming the key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings


def test_defaults_are_one_shard_and_no_cap() -> None:
    settings = load_settings(None)
    assert settings.discord.shard_count == 1 and settings.discord.shards_per_process == 0
    settings = load_settings(None, discord={"shard_count": 4, "shards_per_process": 2})
    assert (settings.discord.shard_count, settings.discord.shards_per_process) == (4, 2)


def test_out_of_range_values_name_their_key() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(None, discord={"shard_count": 0})
    assert err.value.problems[0].startswith("discord.shard_count")
    with pytest.raises(ConfigError) as err:
        load_settings(None, discord={"shards_per_process": -1})
    assert err.value.problems[0].startswith("discord.shards_per_process")


def test_config_check_refuses_more_shards_per_process_than_shards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[discord]\nshard_count = 2\nshards_per_process = 3\n")
    monkeypatch.setenv("LC_ALL", "C")
    assert main(["config", "check", str(path)]) == 1
    assert (
        "error: discord.shards_per_process: 3 is more than discord.shard_count (2)"
        in capsys.readouterr().out
    )
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    (problem,) = err.value.problems
    assert problem.startswith("discord.shards_per_process")
    assert "3 dépasse discord.shard_count (2)" in problem
    path.write_text("[discord]\nshard_count = 2\nshards_per_process = 2\n")
    assert main(["config", "check", str(path)]) == 0
