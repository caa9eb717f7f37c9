"""``[matrix]``: the community rooms are required when Matrix is enabled (roles are read only
there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

MATRIX = """[matrix]
enabled = true
homeserver = "https://matrix.example.org"
user_id = "@passerelle:example.org"
access_token = "syt_x"
"""


def test_matrix_without_rooms_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(MATRIX + "rooms = []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert [p for p in err.value.problems if p.startswith("matrix.rooms: required")]
    path.write_text(MATRIX, encoding="utf-8")  # the default is empty too
    with pytest.raises(ConfigError, match=r"matrix\.rooms"):
        load_settings(path)
    path.write_text(MATRIX + 'rooms = ["  "]\n', encoding="utf-8")  # blanks are not rooms
    with pytest.raises(ConfigError, match=r"matrix\.rooms"):
        load_settings(path)


def test_matrix_with_its_community_rooms_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(MATRIX + 'rooms = ["#communaute:example.org"]\n', encoding="utf-8")
    assert load_settings(path).matrix.rooms == ["#communaute:example.org"]


def test_disabled_matrix_needs_no_rooms(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[matrix]\nenabled = false\n", encoding="utf-8")
    assert load_settings(path).matrix.rooms == []
