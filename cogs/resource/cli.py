"""``passerelle resources import|export``: the resource cog's command-line actions.

Found by ``bot.cli`` by name (``cogs.<name>.cli``), never imported statically: ``register`` adds
the subcommand; each action is ``async (args, core) -> exit status`` and gets a core built on the
migrated database (``bot.app.build_core``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.core import Core, Translator
from bot.core.operator import operator_locale

from . import transfer


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
    t: Translator,
) -> None:
    resources = commands.add_parser(
        "resources",
        help=t("importer ou exporter une bibliothèque de ressources (CSV ou JSON)"),
        description=t("Importer ou exporter la bibliothèque de ressources partagée."),
    )
    actions = resources.add_subparsers(dest="resources_command", metavar="ACTION")
    res_import = actions.add_parser(
        "import",
        help=t("importer des ressources depuis FICHIER.csv ou FICHIER.json"),
        description=t(
            "Importer des ressources depuis un fichier CSV (colonnes : url, title, summary, "
            "tags, collection, created_at) ou une liste JSON d'objets avec ces clés. Les URL "
            "déjà connues fusionnent leurs tags ; les lignes mal formées sont signalées par "
            "leur numéro et ignorées."
        ),
    )
    res_import.add_argument("file", metavar=t("FICHIER"))
    res_import.add_argument(
        "--no-progress", action="store_true", help=t("sans barre de progression")
    )
    common(res_import)
    res_import.set_defaults(cog_action=import_resources)
    res_export = actions.add_parser(
        "export",
        help=t("exporter toutes les ressources dans FICHIER (.csv, sinon JSON)"),
        description=t(
            "Exporter toutes les ressources dans FICHIER : en CSV s'il se termine par .csv, "
            "en JSON sinon."
        ),
    )
    res_export.add_argument("file", metavar=t("FICHIER"))
    res_export.add_argument(
        "--no-progress", action="store_true", help=t("sans barre de progression")
    )
    common(res_export)
    res_export.set_defaults(cog_action=export_resources)


def _progress(args: argparse.Namespace) -> bool:
    return not args.no_progress and sys.stderr.isatty()


def _translator(core: Core, args: argparse.Namespace) -> Translator:
    """The operator's language (--lang, LANG), for the whole report."""
    return core.i18n.translator(operator_locale(getattr(args, "lang", None)))


async def import_resources(args: argparse.Namespace, core: Core) -> int:
    path = Path(args.file)
    t = _translator(core, args)
    try:
        report = await transfer.import_file(core, path, progress=_progress(args))
    except transfer.ImportFileError as exc:
        print(t("erreur : {error}", error=t(exc.msgid, **exc.params)), file=sys.stderr)
        return 1
    unit = "item" if path.suffix.lower() == ".json" else "line"
    print(transfer.format_report(report, t, unit=unit))
    return 0


async def export_resources(args: argparse.Namespace, core: Core) -> int:
    path = Path(args.file)
    t = _translator(core, args)
    try:
        count = await transfer.export_file(core, path, progress=_progress(args))
    except transfer.ExportFileError as exc:
        print(t("erreur : {error}", error=t(exc.msgid, **exc.params)), file=sys.stderr)
        return 1
    print(
        t.n(
            "{n} ressource exportée dans {path}.",
            "{n} ressources exportées dans {path}.",
            count,
            path=path,
        )
    )
    return 0
