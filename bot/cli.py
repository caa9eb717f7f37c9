"""Command line: passerelle run | console | db upgrade | db backup | config check | resources |
--version. No command prints a traceback: an unexpected error is one line (details with -v)
and exit status 1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from bot import __version__

log = logging.getLogger("passerelle")


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
    from bot.storage.db import DatabaseURLError, check_url

    try:
        check_url(settings.database.url)
    except DatabaseURLError as exc:
        print(f"error: database: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
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


def _db_backup(settings, file: str) -> int:  # type: ignore[no-untyped-def]
    from bot.storage.backup import BackupError, backup_sqlite, copy_private
    from bot.storage.db import normalize_url, sqlite_path

    target = Path(file).expanduser()
    source = sqlite_path(settings.database.url)
    secret = _ballot_secret_file(settings)
    if normalize_url(settings.database.url).startswith("postgresql"):
        print(
            "This database is PostgreSQL: back it up with its own tool, e.g.\n"
            "  pg_dump --format=custom --file=passerelle.dump 'postgresql://USER@HOST/DB'\n"
            "and restore with pg_restore --clean --dbname='postgresql://USER@HOST/DB' "
            "passerelle.dump (bot stopped).",
            file=sys.stderr,
        )
        if secret is not None:
            print(
                f"Keep a private copy of the ballot secret file {secret} with it.",
                file=sys.stderr,
            )
        return 1
    if source is None:
        print("error: an in-memory database cannot be backed up", file=sys.stderr)
        return 1
    secret_target = target.with_name(target.name + ".secret")
    if secret is not None and secret.exists() and secret_target.exists():
        print(f"error: {secret_target} already exists: choose another name", file=sys.stderr)
        return 1
    try:
        size = backup_sqlite(source, target)
        print(f"Database {source} copied to {target} ({size} bytes, mode 0600).")
        if secret is None:
            print(
                "The anonymous-ballot secret is set in the configuration or the environment: "
                "keep it with them (it is not copied)."
            )
        elif secret.exists():
            copy_private(secret, secret_target)
            print(f"Ballot secret {secret} copied to {secret_target} (mode 0600).")
        else:
            print(f"No ballot secret file yet ({secret}): nothing else to copy.")
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _ballot_secret_file(settings) -> Path | None:  # type: ignore[no-untyped-def]
    """The poll cog's secret file, or None when the secret comes from config or environment
    (or polls are off)."""
    import os

    if "poll" not in settings.cogs.enabled_names():
        return None
    from cogs.poll.settings import PollSettings

    poll = PollSettings.model_validate(settings.cogs.section("poll"))
    if poll.ballot_secret or os.environ.get("PASSERELLE_COGS__POLL__BALLOT_SECRET"):
        return None
    return Path(poll.ballot_secret_file).expanduser()


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
    try:
        return _main(parser, args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        # The traceback goes to the debug log (-v); the terminal gets one readable line.
        log.debug("Unexpected error", exc_info=True)
        print(f"error: {_describe(exc)}", file=sys.stderr)
        if not args.verbose:
            print("Run again with -v for the details.", file=sys.stderr)
        return 1


def _describe(exc: BaseException) -> str:
    """One line naming the error; a database error's driver message, not its SQL."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    name = type(inner).__name__
    return f"{name}: {text[:300]}" if text else name


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in ("run", "console"):
        settings = _settings(args)
        return asyncio.run(_run(settings, console=args.command == "console"))
    if args.command == "db" and args.db_command == "upgrade":
        return asyncio.run(_db_upgrade(_settings(args)))
    if args.command == "db" and args.db_command == "backup":
        return _db_backup(_settings(args), args.file)
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
