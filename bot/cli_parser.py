"""The command line's parser, its help in the operator's language (``--lang``, then
``LC_ALL``/``LC_MESSAGES``/``LANG``; English when the terminal speaks neither): the
descriptions, the section titles, ``usage:`` and ``-h`` itself — one language per ``--help``.

Cogs contribute subcommands from ``cogs/<name>/cli.py`` (``register(commands, common, t)``),
found by file and imported by name: this module never imports a cog statically.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from bot import __version__
from bot.core.i18n import N_, Translator
from bot.logging_setup import FORMATS, LEVELS


def argv_lang(argv: Sequence[str]) -> str | None:
    """``--lang fr`` / ``--lang=fr`` wherever it is, read before the parser exists (its help
    is written in that language)."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


class _Formatter(argparse.HelpFormatter):
    """argparse's own words (``usage:``) in the operator's language."""

    usage_prefix = "usage: "

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        # argparse itself asks with prefix "" (a subcommand's prog): keep that one.
        super().add_usage(usage, actions, groups, self.usage_prefix if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose titles, ``-h`` and subparsers speak ``t``'s language."""

    def __init__(self, *args: Any, t: Translator, **kwargs: Any) -> None:
        self.t = t
        formatter = type("Formatter", (_Formatter,), {"usage_prefix": t("utilisation : ")})
        kwargs.setdefault("formatter_class", formatter)
        kwargs["add_help"] = False  # our own -h below, its help translated
        super().__init__(*args, **kwargs)
        self._positionals.title = t("arguments")
        self._optionals.title = t("options")
        self.add_argument("-h", "--help", action="help", help=t("afficher cette aide et quitter"))

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", lambda **kw: _Parser(t=self.t, **kw))
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> Any:
        # argparse writes its messages in English: the two most frequent are said again in the
        # operator's language; the rarer ones (a bad choice…) stay as argparse writes them.
        for english, msgid in _ARGPARSE_ERRORS:
            if message.startswith(english):
                message = self.t(msgid, names=message[len(english) :])
        self.print_usage(sys.stderr)
        self.exit(2, self.t("{prog} : erreur : {message}", prog=self.prog, message=message) + "\n")


_ARGPARSE_ERRORS = (
    ("the following arguments are required: ", N_("arguments obligatoires manquants : {names}")),
    ("unrecognized arguments: ", N_("arguments inconnus : {names}")),
)


def _log_options(
    parser: argparse.ArgumentParser, t: Translator, *, top: bool, hidden: bool = False
) -> None:
    """--log-level, --log-format and --lang, before or after the command (``hidden``: accepted
    but not listed, on a group whose actions list them)."""
    # Accepted before or after the command; on subcommands SUPPRESS keeps the earlier value.
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        type=str.lower,
        default=default,
        help=argparse.SUPPRESS
        if hidden
        else t(
            "niveau des journaux de Passerelle (par défaut : info pour run, warning sinon) ; "
            "ceux des bibliothèques en dessous de warning seulement en debug"
        ),
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=default,
        help=argparse.SUPPRESS
        if hidden
        else t("lignes de texte (par défaut) ou un objet JSON par ligne"),
    )
    parser.add_argument(
        "--lang",
        choices=("fr", "en"),
        default=default,
        help=argparse.SUPPRESS
        if hidden
        else t("langue des rapports et de l'aide (par défaut : selon LANG, sinon en)"),
    )


def build_parser(t: Translator, *, contributions: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="passerelle",
        t=t,
        description=t(
            "Passerelle — bot communautaire pour Discord et Matrix : sondages, cafés "
            "mensuels, bibliothèque de ressources partagée et accueil des membres."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"passerelle {__version__}",
        help=t("afficher la version et quitter"),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=t("journaliser les messages de débogage (--log-level debug)"),
    )
    _log_options(parser, t, top=True)
    sub = parser.add_subparsers(dest="command", metavar=t("COMMANDE"))

    def common(p: argparse.ArgumentParser) -> None:
        _log_options(p, t, top=False)
        p.add_argument(
            "--config",
            metavar=t("FICHIER"),
            help=t("fichier de configuration (par défaut : ./config.toml s'il existe)"),
        )
        p.add_argument(
            "--db",
            metavar="URL",
            help=t(
                "URL de la base de données, par ex. sqlite:///passerelle.db ou "
                "postgresql://user@host/db (remplace [database] url)"
            ),
        )

    run = sub.add_parser(
        "run",
        help=t(
            "lancer le bot sur les plateformes activées dans la configuration (la console du "
            "terminal si aucune ne l'est)"
        ),
        description=t(
            "Lancer le bot sur Discord et/ou Matrix selon la configuration ; sans plateforme "
            "activée, ouvrir la console du terminal."
        ),
    )
    common(run)
    console = sub.add_parser(
        "console",
        help=t("discuter avec le bot dans le terminal (SQLite, membres de démonstration)"),
        description=t(
            "Ouvrir une discussion avec le bot dans le terminal, en tant que membres de "
            "démonstration alice, bob, mod (modérateur) et admin. Les lignes reçues sur "
            "l'entrée standard s'exécutent dans l'ordre, puis la commande se termine avec le "
            "code 0. À l'intérieur : :as NOM, :join NOM, :sleep 5s, :quit ; les commandes "
            "commencent par ! ou /."
        ),
    )
    common(console)
    db = sub.add_parser(
        "db",
        help=t("entretien de la base de données"),
        description=t("Entretien de la base de données."),
    )
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = db_sub.add_parser(
        "upgrade",
        help=t("appliquer les migrations jusqu'au schéma le plus récent"),
        description=t(
            "Appliquer les migrations Alembic jusqu'au schéma le plus récent (fait "
            "automatiquement au démarrage avec SQLite)."
        ),
    )
    common(upgrade)
    backup = db_sub.add_parser(
        "backup",
        help=t(
            "copier la base dans FICHIER pendant que le bot tourne (SQLite ; PostgreSQL : "
            "utilisez pg_dump)"
        ),
        description=t(
            "Écrire une copie cohérente de la base SQLite dans le nouveau fichier FICHIER "
            "(mode 0600), sans risque pendant que le bot tourne, et le fichier secret des "
            "votes anonymes à côté sous le nom FICHIER.secret (0600). Avec PostgreSQL, "
            "afficher comment sauvegarder avec pg_dump et quitter avec le code 1. Pour "
            "restaurer : arrêtez le bot, mettez FICHIER à la place de la base (supprimez ses "
            "fichiers -wal et -shm) et FICHIER.secret à la place du fichier secret, puis "
            "relancez le bot."
        ),
    )
    backup.add_argument("file", metavar=t("FICHIER"))
    common(backup)
    config = sub.add_parser(
        "config",
        help=t("outils de configuration"),
        description=t("Outils de configuration."),
    )
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = config_sub.add_parser(
        "check",
        help=t("vérifier un fichier de configuration et l'environnement"),
        description=t(
            "Vérifier FICHIER (par défaut ./config.toml) et les variables d'environnement "
            "PASSERELLE_* ; afficher chaque problème avec sa clé et quitter avec le code 1 "
            "s'il y en a."
        ),
    )
    check.add_argument("file", nargs="?", metavar=t("FICHIER"))
    if contributions:
        for name, module in cog_cli_modules(hook="register"):
            # The cog's help texts are in its own catalogues.
            t.catalogues.load_dir(Path(module.__file__ or "").parent / "locales")
            try:
                module.register(sub, common, t)
            except Exception:
                import logging

                log = logging.getLogger(__name__)
                log.warning("The %s cog's command-line actions could not be added", name)
                log.debug("Details", exc_info=True)
    _options_everywhere(parser, t)
    return parser


def _options_everywhere(parser: argparse.ArgumentParser, t: Translator) -> None:
    """--lang and the log options on every group and action that lacks them (``config
    check``, ``cafe programme``…, the cogs' included), so that they work anywhere on the line —
    between a group and its action too."""
    for action in parser._actions:  # argparse keeps its subcommands there, nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if "--lang" not in child._option_string_actions:
                    group = any(isinstance(a, argparse._SubParsersAction) for a in child._actions)
                    _log_options(child, t, top=False, hidden=group)
                _options_everywhere(child, t)


def cog_cli_modules(
    *, hook: str, names: list[str] | None = None
) -> Iterator[tuple[str, ModuleType]]:
    """``cogs/<name>/cli.py`` modules defining ``hook``, for ``names`` (default: every cog
    shipped). Found by file, imported by name: this module never imports a cog statically."""
    from bot.storage.registry import cog_packages

    spec = importlib.util.find_spec("cogs")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    for name in cog_packages() if names is None else names:
        if not any((root / name / "cli.py").is_file() for root in roots):
            continue
        module = importlib.import_module(f"cogs.{name}.cli")
        if hasattr(module, hook):
            yield name, module
