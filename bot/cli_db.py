"""``passerelle db upgrade | backup``: what they do and what they report, in the operator's
language (``--lang``, then ``LC_ALL``/``LC_MESSAGES``/``LANG``): one report, one language."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.i18n import Translator

if TYPE_CHECKING:
    from bot.config import Settings

#: Finds the secret file an enabled cog keeps beside the database (``bot.cli`` passes it).
SecretFinder = Callable[["Settings"], Path | None]


async def db_upgrade(settings: Settings, t: Translator) -> int:
    from bot.storage import migrate
    from bot.storage.db import Database

    db = Database(settings.database.url)
    try:
        ran = await migrate.upgrade(db)
        if ran:
            print(t("Base de données mise à jour : révision {rev}.", rev=migrate.head_revision()))
        else:
            print(t("Base de données déjà à jour : révision {rev}.", rev=migrate.head_revision()))
    finally:
        await db.dispose()
    return 0


def db_backup(settings: Settings, file: str, t: Translator, find_secret: SecretFinder) -> int:
    from bot.storage.backup import BackupError, backup_sqlite, copy_private
    from bot.storage.db import normalize_url, sqlite_path

    target = Path(file).expanduser()
    source = sqlite_path(settings.database.url)
    secret = find_secret(settings)
    if normalize_url(settings.database.url).startswith("postgresql"):
        print(
            t(
                "Cette base est PostgreSQL : sauvegardez-la avec son propre outil, par exemple\n"
                "  {dump}\n"
                "et restaurez-la avec {restore} (bot arrêté).",
                dump="pg_dump --format=custom --file=passerelle.dump 'postgresql://USER@HOST/DB'",
                restore="pg_restore --clean --dbname='postgresql://USER@HOST/DB' passerelle.dump",
            ),
            file=sys.stderr,
        )
        if secret is not None:
            print(
                t(
                    "Gardez avec elle une copie privée du fichier secret des votes {path}.",
                    path=secret,
                ),
                file=sys.stderr,
            )
        return 1
    if source is None:
        print(t("erreur : une base en mémoire ne peut pas être sauvegardée"), file=sys.stderr)
        return 1
    secret_target = target.with_name(target.name + ".secret")
    if secret is not None and secret.exists() and secret_target.exists():
        print(
            t("erreur : {path} existe déjà : choisissez un autre nom", path=secret_target),
            file=sys.stderr,
        )
        return 1
    try:
        size = backup_sqlite(source, target)
        print(
            t.n(
                "Base {source} copiée dans {target} ({n} octet, mode 0600).",
                "Base {source} copiée dans {target} ({n} octets, mode 0600).",
                size,
                source=source,
                target=target,
            )
        )
        if secret is None:
            print(
                t(
                    "Le secret des votes anonymes est dans la configuration ou l'environnement : "
                    "gardez-le avec eux (il n'est pas copié)."
                )
            )
        elif secret.exists():
            copy_private(secret, secret_target)
            print(
                t(
                    "Secret des votes {path} copié dans {target} (mode 0600).",
                    path=secret,
                    target=secret_target,
                )
            )
        else:
            print(
                t(
                    "Pas encore de fichier secret des votes ({path}) : rien d'autre à copier.",
                    path=secret,
                )
            )
    except BackupError as exc:
        print(t("erreur : {error}", error=exc), file=sys.stderr)
        return 1
    return 0
