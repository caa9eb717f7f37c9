"""Command line: passerelle run | console | db upgrade | config check | resources | --version."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from bot import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="Passerelle — community bot for Discord and Matrix: polls, monthly cafés, "
        "a shared resource library and member onboarding.",
    )
    parser.add_argument("--version", action="version", version=f"passerelle {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
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
    resources = sub.add_parser(
        "resources",
        help="move a resource library in or out (CSV or JSON)",
        description="Import or export the shared resource library.",
    )
    resources_sub = resources.add_subparsers(dest="resources_command", metavar="ACTION")
    res_import = resources_sub.add_parser(
        "import",
        help="import resources from FILE.csv or FILE.json",
        description="Import resources from a CSV file (columns: url, title, summary, tags, "
        "collection, created_at) or a JSON list of objects with those keys. Known URLs merge "
        "their tags; malformed lines are reported by number and skipped.",
    )
    res_import.add_argument("file", metavar="FILE")
    res_import.add_argument("--no-progress", action="store_true", help="no progress bar")
    common(res_import)
    res_export = resources_sub.add_parser(
        "export",
        help="export every resource to FILE (.csv, otherwise JSON)",
        description="Export every resource to FILE: CSV when it ends in .csv, JSON otherwise.",
    )
    res_export.add_argument("file", metavar="FILE")
    res_export.add_argument("--no-progress", action="store_true", help="no progress bar")
    common(res_export)
    return parser


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.config import ConfigError, load_settings

    overrides = {}
    try:
        settings = load_settings(getattr(args, "config", None), **overrides)
    except ConfigError as exc:
        print("Configuration error / erreur de configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    if getattr(args, "db", None):
        settings.database.url = args.db
    return settings


def _console_adapter(settings):  # type: ignore[no-untyped-def]
    from bot.adapters.console import ConsoleAdapter

    return ConsoleAdapter(settings.console)


async def _run(settings, console: bool) -> int:  # type: ignore[no-untyped-def]
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
        logging.getLogger("passerelle").debug("Start-up failed", exc_info=True)
        print(f"Passerelle could not start / n'a pas pu démarrer: {exc}", file=sys.stderr)
        print(
            "Check the configuration (passerelle config check) and the network; "
            "run with -v for details.",
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


async def _db_upgrade(settings) -> int:  # type: ignore[no-untyped-def]
    from bot.storage import migrate
    from bot.storage.db import Database

    db = Database(settings.database.url)
    try:
        ran = await migrate.upgrade(db)
        print(
            f"Database at {migrate.head_revision()} ({'upgraded' if ran else 'already current'})."
        )
    finally:
        await db.dispose()
    return 0


async def _resources(settings, action: str, file: str, progress: bool) -> int:  # type: ignore[no-untyped-def]
    from bot.core.core import Core
    from bot.scheduling import SystemClock
    from bot.storage import migrate
    from bot.storage.db import Database
    from cogs.resource import transfer

    db = Database(settings.database.url)
    try:
        auto = settings.database.auto_migrate
        if auto if auto is not None else db.is_sqlite:
            await migrate.upgrade(db)
        elif await migrate.current_revision(db) != migrate.head_revision():
            print("The database schema is not up to date: run `passerelle db upgrade` first.")
            return 1
        core = Core(settings, db, SystemClock())
        path = Path(file)
        if action == "import":
            try:
                report = await transfer.import_file(core, path, progress=progress)
            except transfer.ImportFileError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            unit = "item" if path.suffix.lower() == ".json" else "line"
            print(transfer.format_report(report, unit=unit))
            return 0
        try:
            count = await transfer.export_file(core, path, progress=progress)
        except transfer.ExportFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"Exported {count} resource(s) to {path}.")
        return 0
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command in ("run", "console"):
        settings = _settings(args)
        return asyncio.run(_run(settings, console=args.command == "console"))
    if args.command == "db" and args.db_command == "upgrade":
        return asyncio.run(_db_upgrade(_settings(args)))
    if args.command == "config" and args.config_command == "check":
        from bot.config import ConfigError, load_settings

        target = args.file
        try:
            settings = load_settings(target)
        except ConfigError as exc:
            for problem in exc.problems:
                print(f"error: {problem}")
            return 1
        where = target or ("config.toml" if Path("config.toml").exists() else "defaults")
        print(
            f"ok: {where} is valid (cogs: {', '.join(settings.cogs.enabled_names())}; "
            f"database: {settings.database.url.split('://')[0]})"
        )
        return 0
    if args.command == "resources" and args.resources_command in ("import", "export"):
        progress = not args.no_progress and sys.stderr.isatty()
        return asyncio.run(
            _resources(_settings(args), args.resources_command, args.file, progress)
        )
    if args.command == "resources":
        parser.parse_args(["resources", "--help"])
    if args.command == "db":
        parser.parse_args(["db", "--help"])
    if args.command == "config":
        parser.parse_args(["config", "--help"])
    parser.print_help()
    return 0
