"""Every user-visible string exists in French (source) and English, with the same placeholders."""

from bot.core.i18n_extract import problems


def test_every_string_has_an_english_translation() -> None:
    missing = problems()
    assert not missing, "\n".join(missing[:40]) + "\n(run: python -m bot.core.i18n_extract)"
