"""The command line speaks the operator's language: --lang, then LC_ALL/LC_MESSAGES/LANG."""

import pytest

from bot.cli import main
from bot.core.operator import operator_locale


def test_operator_language() -> None:
    assert operator_locale("fr", {"LANG": "en_US.UTF-8"}) == "fr"
    assert operator_locale(None, {"LANG": "fr_FR.UTF-8"}) == "fr"
    assert operator_locale(None, {"LANG": "fr_CA.UTF-8", "LC_ALL": "en_GB.UTF-8"}) == "en"
    assert operator_locale(None, {"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"}) == "en"
    assert operator_locale(None, {"LANG": "de_DE.UTF-8"}) == "en"
    assert operator_locale(None, {}) == "en"


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


def test_help_speaks_one_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    english = _help(["--help"], capsys)
    assert english.startswith("usage: passerelle") and "show this help message" in english
    assert "resources" in english and "move a resource library in or out" in english
    french = _help(["--lang", "fr", "--help"], capsys)
    assert french.startswith("utilisation\u202f: passerelle")
    assert "afficher cette aide et quitter" in french and "entretien de la base" in french
    assert "importer ou exporter une bibliothèque" in french  # a cog's contribution too
    for word in ("usage:", "show", "database", "the ", "positional", "resource library"):
        assert word not in french, word
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # the terminal's language when no --lang
    sub = " ".join(_help(["cafe", "programme", "import", "--help"], capsys).split())
    assert "Vérifier chaque activité de FICHIER.toml" in sub and "CAFÉ" in sub
    assert "check every" not in sub and "usage" not in sub


def test_argparse_errors_in_the_operator_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["resources", "import", "--lang", "fr"])
    assert done.value.code == 2
    assert (
        "erreur\u202f: arguments obligatoires manquants\u202f: FICHIER" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "check", "bad.toml", "--lang", "fr"],
        ["config", "--lang", "fr", "check", "bad.toml"],
        ["config", "check", "--lang", "fr", "bad.toml"],
        ["--lang", "fr", "config", "check", "bad.toml"],
    ],
)
def test_lang_anywhere_on_the_line(
    argv: list[str],
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--lang`` works before the command, between a group and its action, and after it."""
    monkeypatch.chdir(str(tmp_path))
    with open("bad.toml", "w", encoding="utf-8") as fh:
        fh.write("[bot]\nlocal = 1\n")
    assert main(argv) == 1
    assert capsys.readouterr().out.strip() == (
        "erreur\u202f: bot.local\u202f: clé inconnue (vérifiez son orthographe et sa section)"
    )


def test_lang_between_a_cog_group_and_its_action(capsys: pytest.CaptureFixture[str]) -> None:
    help_text = _help(["cafe", "--lang", "fr", "programme", "--help"], capsys)
    assert help_text.startswith("utilisation\u202f: passerelle cafe programme")
