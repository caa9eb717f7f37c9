"""The code of conduct per language: one string for every language, or a table per language
(``{fr = "…", en = "…"}``); each newcomer reads the text of the language they chose."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from tests.cogs.onboarding.conftest import onboarding_harness
from tests.harness import Harness

TABLE = {"fr": "Soyez bienveillants.", "en": "Be kind."}
URLS = {"fr": "https://example.org/charte", "en": "https://example.org/charter"}


async def _coc_step(h: Harness, name: str, language: str) -> str:
    await h.adapter.member_joins(name)
    await h.deliver()
    reply = h.adapter.dms(name)[-1].reply
    label = {"fr": "Français", "en": "English"}[language]
    choice = next(a for a in reply.actions if a.label == label)
    return (await h.adapter.click(name, choice)).text


async def test_each_newcomer_reads_the_code_in_their_language(db_url: str) -> None:
    h = await onboarding_harness(db_url, code_of_conduct=TABLE, code_of_conduct_url=URLS)
    try:
        english = await _coc_step(h, "zoe", "en")
        assert "Be kind." in english and "https://example.org/charter" in english
        assert "bienveillants" not in english and "/charte\n" not in english + "\n"
        french = await _coc_step(h, "yan", "fr")
        assert "Soyez bienveillants." in french and "https://example.org/charte" in french
    finally:
        await h.close()


async def test_one_string_serves_every_language_and_a_missing_one_reads_french(
    db_url: str,
) -> None:
    h = await onboarding_harness(db_url, code_of_conduct="Respect.", code_of_conduct_url="")
    try:
        assert "Respect." in await _coc_step(h, "zoe", "en")
    finally:
        await h.close()
    h = await onboarding_harness(db_url, code_of_conduct={"fr": "Soyez bienveillants."})
    try:
        assert "Soyez bienveillants." in await _coc_step(h, "ana", "en")
    finally:
        await h.close()


def test_unknown_languages_are_refused_by_the_config_check() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(None, cogs={"onboarding": {"code_of_conduct": {"de": "Seid nett."}}})
    assert "unknown language 'de'" in "\n".join(err.value.problems)
