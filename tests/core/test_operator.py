"""The command line speaks the operator's language: --lang, then LC_ALL/LC_MESSAGES/LANG."""

from bot.core.operator import operator_locale


def test_operator_language() -> None:
    assert operator_locale("fr", {"LANG": "en_US.UTF-8"}) == "fr"
    assert operator_locale(None, {"LANG": "fr_FR.UTF-8"}) == "fr"
    assert operator_locale(None, {"LANG": "fr_CA.UTF-8", "LC_ALL": "en_GB.UTF-8"}) == "en"
    assert operator_locale(None, {"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"}) == "en"
    assert operator_locale(None, {"LANG": "de_DE.UTF-8"}) == "en"
    assert operator_locale(None, {}) == "en"
