"""The documented config section is valid and matches the defaults' keys."""

from __future__ import annotations

import tomllib
from pathlib import Path

from cogs.onboarding.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "config" / "onboarding.toml"


def test_documented_section_validates_and_covers_every_key() -> None:
    section = tomllib.loads(DOC.read_text(encoding="utf-8"))["cogs"]["onboarding"]
    settings = Settings.model_validate(section)
    assert set(section) == set(Settings.model_fields)
    assert settings.model_dump() == Settings().model_dump()
