"""Config: TOML validated, unknown keys refused with their name, environment overrides."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_a_file() -> None:
    settings = load_settings(None)
    assert settings.bot.locale == "fr"
    assert settings.database.url.startswith("sqlite")
    assert settings.outbox.grace == timedelta(hours=6)


def test_example_config_is_valid_and_complete() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.outbox.dm_fallback == "room"


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\nlocale = "fr"\nlocal = "en"\n[outbox]\ngrace = "soon"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    problems = "\n".join(err.value.problems)
    assert "bot.local: unknown key" in problems
    assert "outbox.grace: " in problems and "30s, 15m, 6h or 2d" in problems


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[bot\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")


def test_unknown_cog_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[cogs]\nenabled = ["pol"]\n[cogs.nothing]\nx = 1\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    problems = "\n".join(err.value.problems)
    assert "cogs.enabled: unknown cog 'pol'" in problems
    assert "cogs.nothing: unknown cog section" in problems


def test_environment_overrides_every_key(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[discord]\ntoken = "from-file"\n[bot]\nlocale = "fr"\n')
    monkeypatch.setenv("PASSERELLE_DISCORD__TOKEN", "from-env")
    monkeypatch.setenv("PASSERELLE_BOT__LOCALE", "en")
    monkeypatch.setenv("PASSERELLE_OUTBOX__GRACE", "2h")
    settings = load_settings(path)
    assert settings.discord.token == "from-env"
    assert settings.bot.locale == "en"
    assert settings.outbox.grace == timedelta(hours=2)


def test_discord_needs_its_community_guild(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[discord]\nenabled = true\ntoken = "t"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert any(p.startswith("discord.guild_id: required") for p in err.value.problems)
    assert main(["config", "check", str(path)]) == 1
    assert "error: discord.guild_id: required" in capsys.readouterr().out
    path.write_text('[discord]\nenabled = true\ntoken = "t"\nguild_id = "mon-serveur"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert "discord.guild_id: 'mon-serveur' is not a server id" in err.value.problems[0]
    path.write_text('[discord]\nenabled = true\ntoken = "t"\nguild_id = "123456789012345678"\n')
    settings = load_settings(path)
    assert settings.discord.guild_id == "123456789012345678"
    assert settings.discord.leave_other_guilds is True  # the safe default


def test_config_check_command(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[bot]\nlocale = "en"\n')
    assert main(["config", "check", str(good)]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[bot]\ntimezone = "Mars/Olympus"\n')
    assert main(["config", "check", str(bad)]) == 1
    assert "error: bot.timezone: " in capsys.readouterr().out


def test_example_config_documents_every_core_key() -> None:
    import tomllib

    from bot.config import Settings

    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    text = (ROOT / "config.example.toml").read_text()
    for section, field in Settings.model_fields.items():
        if section == "cogs":
            continue
        model = field.annotation
        for name, info in model.model_fields.items():  # type: ignore[union-attr]
            key = info.alias or name  # [email] from: a Python keyword, so an alias
            assert key in data.get(section, {}) or f"# {key} =" in text, f"{section}.{key}"


def test_example_config_documents_every_cog_key() -> None:
    import tomllib

    from bot.config_checks import cog_settings_model
    from bot.storage.registry import cog_packages

    sections = tomllib.loads((ROOT / "config.example.toml").read_text())["cogs"]
    for name in cog_packages():
        model = cog_settings_model(name)
        if model is None:
            continue
        section = sections.get(name)
        assert section is not None, f"config.example.toml lacks [cogs.{name}]"
        model.model_validate(section)
        assert set(section) == set(model.model_fields), f"[cogs.{name}] keys differ"


def test_an_enabled_platform_needs_its_credentials(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[discord]\nenabled = true\n[matrix]\nenabled = true\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    problems = "\n".join(err.value.problems)
    assert "discord.token: required when discord.enabled = true" in problems
    assert "discord.guild_id: required when discord.enabled = true" in problems
    assert "matrix.homeserver: required" in problems and "matrix.user_id: required" in problems
    assert "matrix.access_token: required" in problems


def test_environment_layers_json_lists_case_and_unrelated_variables(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[matrix]\nrooms = ["!file:example.org"]\n[cogs.poll]\nanonymous_minimum = 4\n'
    )
    monkeypatch.setenv("PASSERELLE_MATRIX__ROOMS", '["!env:example.org"]')
    monkeypatch.setenv("passerelle_bot__prefix", "?")
    monkeypatch.setenv("PASSERELLE_COGS__POLL__ANONYMOUS_MINIMUM", "5")
    monkeypatch.setenv("PASSERELLE_DISCORD__GUILD_ID", "123456789012345678")  # stays text
    monkeypatch.setenv("PASSERELLE_NOT_A_SECTION", "ignored")
    settings = load_settings(path)
    assert settings.matrix.rooms == ["!env:example.org"]
    assert settings.bot.prefix == "?"
    assert settings.cogs.section("poll") == {"anonymous_minimum": "5"}
    assert settings.discord.guild_id == "123456789012345678"


def test_a_misspelt_environment_key_is_named(monkeypatch) -> None:
    monkeypatch.setenv("PASSERELLE_DISCORD__TOKNE", "x")
    with pytest.raises(ConfigError) as err:
        load_settings(None)
    assert any(p.startswith("discord.tokne: unknown key") for p in err.value.problems)


def test_overrides_win_over_environment_and_merge_sections(monkeypatch) -> None:
    monkeypatch.setenv("PASSERELLE_DATABASE__ECHO", "true")
    settings = load_settings(None, database={"url": "sqlite+aiosqlite:///x.db"})
    assert settings.database.echo is True
    assert settings.database.url == "sqlite+aiosqlite:///x.db"


def test_a_cog_section_may_be_written_at_the_top(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[digest]\nschedule = "monthly first tuesday 18:00"\nwhen_empty = "short"\n'
        '[cogs.digest]\nwhen_empty = "skip"\n',
        encoding="utf-8",
    )
    digest = load_settings(path).cogs.section("digest")
    assert digest["schedule"] == "monthly first tuesday 18:00"
    assert digest["when_empty"] == "skip"  # [cogs.digest] wins where both say


def test_a_bad_value_in_a_top_level_cog_section_names_it(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[digest]\nschedule = "whenever"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "cogs.digest.schedule" in str(info.value)
    path.write_text("[nonsense]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nonsense: unknown key"):
        load_settings(path)
