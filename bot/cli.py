"""Command line: passerelle run | console | db upgrade | db backup | config check | --version,
plus the cogs' own commands (``resources import|export``…). No command prints a traceback: an
unexpected error is one line (details with -v) and exit status 1.

Cogs contribute without being imported here: ``cogs/<name>/cli.py``, when a cog has one, is
imported by name and may define

- ``register(commands, common)``: add subcommands to ``commands`` (argparse subparsers;
  ``common(parser)`` adds ``--config``/``--db``); a runnable parser sets
  ``cog_action=async (args, core) -> exit status``, run on a core built on the migrated database;
- ``backup_secret(settings) -> Path | None``: a secret file that ``db backup`` copies beside the
  database as ``FILE.secret`` (asked of enabled cogs only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from bot import __version__
from bot.logging_setup import FORMATS, LEVELS, configure

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleAdapter
    from bot.config import Settings
    from bot.core.core import Core
    from bot.core.i18n import Translator

log = logging.getLogger(__name__)

BUILTIN_COMMANDS = ("run", "console", "db", "config")
CogAction = Callable[[argparse.Namespace, "Core"], Awaitable[int]]


def _log_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before or after the command; on subcommands SUPPRESS keeps the earlier value.
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        type=str.lower,
        default=default,
        help="Passerelle's log level (default: info for run, warning otherwise); "
        "libraries log below warning only at debug",
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=default,
        help="text lines (default) or one JSON object per line",
    )


def _parser(*, contributions: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="Passerelle — community bot for Discord and Matrix: polls, monthly cafés, "
        "a shared resource library and member onboarding.",
    )
    parser.add_argument("--version", action="version", version=f"passerelle {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages (--log-level debug)"
    )
    _log_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        _log_options(p, top=False)
        p.add_argument(
            "--config",
            metavar="FILE",
            help="configuration file (default: ./config.toml if present)",
        )
        p.add_argument(
            "--db",
            metavar="URL",
            help="database URL, e.g. sqlite:///passerelle.db or "
            "postgresql://user@host/db (overrides [database] url)",
        )
        p.add_argument(
            "--lang",
            choices=("fr", "en"),
            help="language of the reports (default: from LANG, else en)",
        )

    run = sub.add_parser(
        "run",
        help="run the bot on the platforms enabled in config (the terminal console when none is)",
        description="Run the bot on Discord and/or Matrix as configured; "
        "with no platform enabled, open the terminal console.",
    )
    common(run)
    console = sub.add_parser(
        "console",
        help="chat with the bot in the terminal (SQLite, demo members)",
        description="Open a terminal chat with the bot as the demo members alice, bob, mod "
        "(moderator) and admin. Lines piped on standard input run in order and it "
        "exits 0 at the end. Inside: :as NAME, :join NAME, :sleep 5s, :quit; "
        "commands start with ! or /.",
    )
    common(console)
    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = db_sub.add_parser(
        "upgrade",
        help="apply migrations up to the latest schema",
        description="Apply Alembic migrations up to the latest schema "
        "(done automatically at start on SQLite).",
    )
    common(upgrade)
    backup = db_sub.add_parser(
        "backup",
        help="copy the database to FILE while the bot runs (SQLite; PostgreSQL: use pg_dump)",
        description="Write a consistent copy of the SQLite database to the new file FILE "
        "(mode 0600), safe while the bot runs, and the anonymous-ballot secret file beside it "
        "as FILE.secret (0600). For PostgreSQL, print how to back up with pg_dump and exit 1. "
        "To restore: stop the bot, put FILE in place of the database (remove its -wal and "
        "-shm files) and FILE.secret in place of the secret file, then start the bot.",
    )
    backup.add_argument("file", metavar="FILE")
    common(backup)
    config = sub.add_parser(
        "config", help="configuration tools", description="Configuration tools."
    )
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = config_sub.add_parser(
        "check",
        help="validate a configuration file and the environment",
        description="Validate FILE (default ./config.toml) plus PASSERELLE_* environment "
        "variables; print each problem with its key and exit 1 if any.",
    )
    check.add_argument("file", nargs="?", metavar="FILE")
    if contributions:
        for name, module in _cog_cli_modules(hook="register"):
            try:
                module.register(sub, common)
            except Exception:
                log.warning("The %s cog's command-line actions could not be added", name)
                log.debug("Details", exc_info=True)
    return parser


def _cog_cli_modules(
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


def _t(args: argparse.Namespace | None) -> Translator:
    """The operator's language for this run's report (--lang, LC_ALL/LC_MESSAGES/LANG)."""
    from bot.core.operator import operator_translator

    return operator_translator(getattr(args, "lang", None))


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import ConfigError, load_settings

    t = _t(args)
    try:
        settings = load_settings(getattr(args, "config", None))
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
    parser = _parser(contributions=first not in BUILTIN_COMMANDS)
    args = parser.parse_args(argv)
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
            settings = load_settings(target)
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
    for _name, module in _cog_cli_modules(
        hook="backup_secret", names=settings.cogs.enabled_names()
    ):
        secret: Path | None = module.backup_secret(settings)
        if secret is not None:
            return secret
    return None
