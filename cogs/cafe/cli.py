"""``passerelle cafe programme import|export``: a café's programme as a TOML deck, prepared in
a text editor (format: programme_io.py and docs/cafe.md).

Found by ``bot.cli`` by name (``cogs.<name>.cli``), never imported statically: ``register`` adds
the subcommands; each action is ``async (args, core) -> exit status`` and gets a core built on
the migrated database with the enabled cogs set up (the poll cog checks the activities).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from bot.core import Core, Translator, UserError
from bot.core.operator import operator_locale
from cogs.cafe import programme_io
from cogs.cafe.programme import Editor, Programme


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
    t: Translator,
) -> None:
    cafe = commands.add_parser(
        "cafe",
        help=t("préparer le programme d'un café dans un éditeur de texte (fichiers TOML)"),
        description=t("Outils des cafés."),
    )
    cafe_actions = cafe.add_subparsers(dest="cafe_command", metavar="ACTION")
    programme = cafe_actions.add_parser(
        "programme",
        help=t("importer ou exporter le programme d'un café en fichier TOML"),
        description=t(
            "Importer ou exporter le programme d'un café (son numéro dans cafe list) sous "
            "forme de tables [[activity]] avec les clés de `cafe programme add`."
        ),
    )
    actions = programme.add_subparsers(dest="programme_command", metavar="ACTION")
    deck_import = actions.add_parser(
        "import",
        help=t(
            "vérifier chaque activité de FICHIER.toml, puis les enregistrer toutes (ou aucune)"
        ),
        description=t(
            "Vérifier chaque activité de FICHIER.toml avec les règles du cog des sondages et "
            "les enregistrer comme programme du café, toutes ou aucune. Les problèmes sont "
            "listés par ligne. Un café qui a déjà un programme le garde, sauf avec --replace."
        ),
    )
    deck_import.add_argument("occurrence", metavar=t("CAFÉ"), type=int)
    deck_import.add_argument("file", metavar=t("FICHIER.toml"))
    deck_import.add_argument(
        "--replace", action="store_true", help=t("remplacer le programme que le café a déjà")
    )
    common(deck_import)
    deck_import.set_defaults(cog_action=import_deck)
    deck_export = actions.add_parser(
        "export",
        help=t(
            "écrire le programme d'un café en TOML dans FICHIER (par défaut : la sortie standard)"
        ),
        description=t("Écrire le programme d'un café dans un fichier TOML que `import` relit."),
    )
    deck_export.add_argument("occurrence", metavar=t("CAFÉ"), type=int)
    deck_export.add_argument("file", metavar=t("FICHIER.toml"), nargs="?")
    common(deck_export)
    deck_export.set_defaults(cog_action=export_deck)


def _programme(core: Core, args: argparse.Namespace) -> Programme | None:
    cog = core.cogs.get("cafe")
    programme = getattr(cog, "programme", None)
    if not isinstance(programme, Programme):
        t = _translator(core, args)
        print(t("erreur : le cog café n'est pas activé ([cogs] enabled)"), file=sys.stderr)
        return None
    return programme


def _translator(core: Core, args: argparse.Namespace) -> Translator:
    """The operator's language (--lang, LANG), for the whole report."""
    return core.i18n.translator(operator_locale(getattr(args, "lang", None)))


def _say(t: Translator, error: UserError) -> str:
    return t(error.msgid, **error.params)


async def import_deck(args: argparse.Namespace, core: Core) -> int:
    programme = _programme(core, args)
    if programme is None:
        return 1
    t = _translator(core, args)
    path = Path(args.file)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(
            t("erreur : impossible de lire {path} : {reason}", path=path, reason=exc),
            file=sys.stderr,
        )
        return 1
    editor = Editor.operator()
    try:
        await programme.readable(args.occurrence, editor)
        core.activities.require()
        planned = programme_io.check(
            text,
            lambda entry: programme.plan(
                entry.values["kind"],
                entry.values["question"],
                programme_io.options(entry),
                entry.values.get("seconds"),
                t,
            ),
        )
        stored = await programme.replace(args.occurrence, editor, planned, replace=args.replace)
    except programme_io.DeckInvalid as invalid:
        for problem in invalid.problems:
            where = f"{path}:{problem.line}" if problem.line else str(path)
            what = t("activité {n} : ", n=problem.activity) if problem.activity else ""
            print(f"{where}: {what}{_say(t, problem.error)}", file=sys.stderr)
        count = len(invalid.problems)
        print(
            t.n(
                "Rien n'a été importé ({n} problème).",
                "Rien n'a été importé ({n} problèmes).",
                count,
            ),
            file=sys.stderr,
        )
        return 1
    except UserError as error:
        print(t("erreur : {error}", error=_say(t, error)), file=sys.stderr)
        return 1
    print(
        t.n(
            "{n} activité importée dans le café n° {occurrence}.",
            "{n} activités importées dans le café n° {occurrence}.",
            len(stored),
            occurrence=args.occurrence,
        )
    )
    return 0


async def export_deck(args: argparse.Namespace, core: Core) -> int:
    programme = _programme(core, args)
    if programme is None:
        return 1
    t = _translator(core, args)
    try:
        occ = await programme.readable(args.occurrence, Editor.operator())
    except UserError as error:
        print(t("erreur : {error}", error=_say(t, error)), file=sys.stderr)
        return 1
    activities = await programme.activities_of(occ.id)
    when = occ.starts_at.astimezone(occ.zone).strftime("%Y-%m-%d %H:%M")
    header = [
        f"Café {occ.id}: {occ.title} ({when} {occ.series.timezone})",
        f"Read back with: passerelle cafe programme import {occ.id} FILE.toml --replace",
    ]
    text = programme_io.write(activities, header)
    if args.file is None:
        sys.stdout.write(text)
        return 0
    path = Path(args.file)
    try:
        await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    except OSError as exc:
        print(
            t("erreur : impossible d'écrire {path} : {reason}", path=path, reason=exc),
            file=sys.stderr,
        )
        return 1
    print(
        t.n(
            "{n} activité du café n° {occurrence} exportée dans {path}.",
            "{n} activités du café n° {occurrence} exportées dans {path}.",
            len(activities),
            occurrence=occ.id,
            path=path,
        )
    )
    return 0
