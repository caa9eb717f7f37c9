"""Every user-visible string exists in French (source) and English, with the same placeholders."""

from bot.core.i18n_extract import problems


def test_every_string_has_an_english_translation() -> None:
    missing = problems()
    assert not missing, "\n".join(missing[:40]) + "\n(run: python -m bot.core.i18n_extract)"


def test_a_message_is_translated_the_same_in_every_catalogue() -> None:
    """All catalogues of a language merge into one table: a msgid translated two ways in two
    files would show whichever loaded last (a chart's "mars" read "March" for "Mar")."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    seen: dict[object, tuple[str, object]] = {}
    clashes = []
    for path in sorted(root.glob("bot/locales/en*.po")) + sorted(
        root.glob("cogs/*/locales/en*.po")
    ):
        with path.open("rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else tuple(message.id)
                value = (
                    message.string if isinstance(message.string, str) else tuple(message.string)
                )
                first = seen.setdefault(key, (path.name, value))
                if first[1] != value:
                    clashes.append(f"{key!r}: {first[0]} and {path.relative_to(root)}")
    assert clashes == []
