"""Command line: passerelle run | console | db upgrade | db backup | config check | --version,
plus the cogs' own commands (``resources import|export``…). No command prints a traceback: an
unexpected error is one line (details with -v) and exit status 1. Help and reports speak the
operator's language (``--lang``, else ``LC_ALL``/``LC_MESSAGES``/``LANG``; the parser is in
``bot/cli_parser.py``, the ``db`` actions in ``bot/cli_db.py``).

Cogs contribute without being imported here: ``cogs/<name>/cli.py``, when a cog has one, is
imported by name and may define

- ``register(commands, common, t)``: add subcommands to ``commands`` (argparse subparsers;
  ``common(parser)`` adds ``--config``/``--db``/``--lang``; ``t`` writes the help texts in the
  operator's language, from the cog's catalogues); a runnable parser sets
  ``cog_action=async (args, core) -> exit status``, run on a core built on the migrated database;
- ``backup_secret(settings) -> Path | None``: a secret file that ``db backup`` copies beside the
  database as ``FILE.secret`` (asked of enabled cogs only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_parser import argv_lang, build_parser, cog_cli_modules
from bot.logging_setup import configure
from bot.startup import settled

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleAdapter
    from bot.config import Settings
    from bot.core.core import Core
    from bot.core.i18n import Translator

log = logging.getLogger(__name__)

BUILTIN_COMMANDS = ("run", "console", "db", "config")
CogAction = Callable[[argparse.Namespace, "Core"], Awaitable[int]]


def _t(args: argparse.Namespace | None) -> Translator:
    """The operator's language for this run's report (--lang, LC_ALL/LC_MESSAGES/LANG)."""
    from bot.core.operator import operator_translator

    return operator_translator(getattr(args, "lang", None))


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import ConfigError, load_settings

    t = _t(args)
    try:
        settings = load_settings(getattr(args, "config", None), lang=getattr(args, "lang", None))
    except ConfigError as exc:
        print(t("Erreur de configuration :"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    if getattr(args, "db", None):
        settings.database.url = args.db
    from bot.storage.db import DatabaseURLError, check_url

    try:
        check_url(settings.database.url)
    except DatabaseURLError as exc:
        print(t("erreur : base de données : {error}", error=exc), file=sys.stderr)
        raise SystemExit(1) from None
    return settings


def _console_adapter(settings: Settings) -> ConsoleAdapter:
    from bot.adapters.console import ConsoleAdapter

    return ConsoleAdapter(settings.console)


async def _run(settings: Settings, console: bool, t: Translator) -> int:
    from bot.app import App, platform_adapters

    adapters = [] if console else platform_adapters(settings)
    console_adapter = None
    if not adapters:
        console_adapter = _console_adapter(settings)
        adapters = [console_adapter]
    app = App(settings, adapters)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await app.start()
    except Exception as exc:
        log.debug("Start-up failed", exc_info=True)
        print(t("Passerelle n'a pas pu démarrer : {error}", error=exc), file=sys.stderr)
        print(
            t(
                "Vérifiez la configuration (passerelle config check) et le réseau ; "
                "relancez avec -v pour les détails."
            ),
            file=sys.stderr,
        )
        await app.stop()
        return 1
    try:
        if console_adapter is not None:
            done = asyncio.ensure_future(console_adapter.finished.wait())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({done, stopped}, return_when=asyncio.FIRST_COMPLETED)
            for fut in (done, stopped):
                fut.cancel()
        else:
            await stop.wait()
    finally:
        await app.stop()
    return 0


async def _cog_action(settings: Settings, action: CogAction, args: argparse.Namespace) -> int:
    """A cog's command on the migrated database (migrating first where that is automatic)."""
    from bot.app import SchemaOutOfDate, build_core, ensure_schema
    from bot.scheduling import SystemClock
    from bot.storage.db import Database

    db = Database(settings.database.url)
    try:
        try:
            await ensure_schema(db, auto_migrate=settings.database.auto_migrate)
        except SchemaOutOfDate as exc:
            print(exc)  # names the command to run (passerelle db upgrade)
            return 1
        # The enabled cogs are set up (not started): an action may use what one contributes
        # to the core, e.g. the poll cog's activity checks for `cafe programme import`.
        core = build_core(settings, db, SystemClock())
        return await action(args, core)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The cogs' commands are added only when the command line may name one (or asks for the
    # full help): `passerelle run` starts without importing cogs it does not enable.
    first = next((a for a in argv if not a.startswith("-")), None)
    from bot.core.operator import operator_translator

    t = operator_translator(argv_lang(argv))
    parser = build_parser(t, contributions=first not in BUILTIN_COMMANDS)
    args = parser.parse_args(argv)
    if args.command not in ("run", "console"):
        settled()  # a one-shot command: the start-up pause ends before its action (bot.startup)
    level = "debug" if args.verbose else args.log_level
    configure(
        level or ("info" if args.command == "run" else "warning"),
        args.log_format or "text",
    )
    try:
        return _main(parser, args)
    except KeyboardInterrupt:
        print(_t(args)("Interrompu."), file=sys.stderr)
        return 130
    except Exception as exc:
        # The traceback goes to the debug log (-v); the terminal gets one readable line.
        log.debug("Unexpected error", exc_info=True)
        t = _t(args)
        print(t("erreur : {error}", error=_describe(exc)), file=sys.stderr)
        if level != "debug":
            print(t("Relancez avec -v pour les détails."), file=sys.stderr)
        return 1


def _describe(exc: BaseException) -> str:
    """One line naming the error; a database error's driver message, not its SQL."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    name = type(inner).__name__
    return f"{name}: {text[:300]}" if text else name


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from bot import cli_db

    t = _t(args)
    if args.command in ("run", "console"):
        settings = _settings(args)
        return asyncio.run(_run(settings, console=args.command == "console", t=t))
    if args.command == "db" and args.db_command == "upgrade":
        return asyncio.run(cli_db.db_upgrade(_settings(args), t))
    if args.command == "db" and args.db_command == "backup":
        return cli_db.db_backup(_settings(args), args.file, t, _backup_secret)
    if args.command == "config" and args.config_command == "check":
        from bot.config import ConfigError, load_settings

        target = args.file
        try:
            settings = load_settings(target, lang=getattr(args, "lang", None))
        except ConfigError as exc:
            for problem in exc.problems:
                print(t("erreur : {error}", error=problem))
            return 1
        where = target or ("config.toml" if Path("config.toml").exists() else t("défauts"))
        print(
            t(
                "ok : {where} est valide (cogs : {cogs} ; base de données : {database})",
                where=where,
                cogs=", ".join(settings.cogs.enabled_names()),
                database=settings.database.url.split("://")[0],
            )
        )
        return 0
    action: CogAction | None = getattr(args, "cog_action", None)
    if action is not None:
        return asyncio.run(_cog_action(_settings(args), action, args))
    if args.command is not None:
        # A command group without its action (`passerelle db`, `passerelle resources`…).
        parser.parse_args([args.command, "--help"])
    parser.print_help()
    return 0


def _backup_secret(settings: Settings) -> Path | None:
    """The secret file an enabled cog keeps beside the database (today: the poll cog's
    anonymous-ballot secret), or None when there is none or it lives in config/environment."""
    for _name, module in cog_cli_modules(
        hook="backup_secret", names=settings.cogs.enabled_names()
    ):
        secret: Path | None = module.backup_secret(settings)
        if secret is not None:
            return secret
    return None
