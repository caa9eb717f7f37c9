"""Composition root: settings → database → scheduler → core → cogs → adapters → web.

This is the one place a :class:`Core` is assembled. ``passerelle run`` and ``console``, the cogs'
command-line actions, the test harness and the benchmarks all call :func:`ensure_schema` and
:func:`build_core` (then :func:`start_core`), so a new core built-in or a change in start-up order
is made here once.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.core import cog_index
from bot.core.builtins import Builtins
from bot.core.cog import Cog
from bot.core.core import Core
from bot.core.mail.commands import EmailCommands
from bot.core.ports import Adapter
from bot.scheduling import Clock, Scheduler, SystemClock
from bot.startup import settled
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.web import WebServer

log = logging.getLogger(__name__)

CogFactory = Callable[[Core], Cog]
"""Anything that builds a cog from the core: a cog package's ``setup`` or a ``Cog`` class."""

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _cogs_dir() -> Path:
    spec = importlib.util.find_spec("cogs")  # found, not imported (the app imports no cog)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).resolve().parent


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code and migrating automatically is off."""

    def __init__(self) -> None:
        super().__init__(
            "The database schema is not up to date: run `passerelle db upgrade` first."
        )


async def ensure_schema(db: Database, *, auto_migrate: bool | None = None) -> bool:
    """Bring the schema to the latest revision when migrating is on (``None``: on SQLite
    only), otherwise refuse an out-of-date schema with :class:`SchemaOutOfDate`. Returns True
    when migrations ran.

    Alembic is imported only when the schema is behind: a current database (every start but the
    first after an upgrade) is recognised by one query, which keeps start-up light."""
    auto = db.is_sqlite if auto_migrate is None else auto_migrate
    if await _schema_is_current(db):
        return False
    if not auto:
        raise SchemaOutOfDate()
    from bot.storage import migrate

    return await migrate.upgrade(db)


def _head_revisions() -> set[str]:
    """The heads of the migration history, read from the revision files (no Alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    pattern = re.compile(r"^(revision|down_revision)\b[^=]*=\s*(.+)$", re.MULTILINE)
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in pattern.findall(path.read_text(encoding="utf-8")):
            ids = set(re.findall(r"['\"]([^'\"]+)['\"]", value))
            (revisions if name == "revision" else parents).update(ids)
    return revisions - parents


async def _schema_is_current(db: Database) -> bool:
    heads = _head_revisions()
    if len(heads) != 1:
        return False  # unusual history: let Alembic decide
    try:
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return False  # no version table yet (a new database) or not readable: Alembic says
    return {row[0] for row in rows} == heads


def load_cog(core: Core, name: str) -> Cog:
    """Import ``cogs.<name>`` and call its ``setup(core)`` (no import-time side effects)."""
    module = importlib.import_module(f"cogs.{name}")
    cog: Cog = module.setup(core)
    core.add_cog(cog)
    return cog


def build_core(
    settings: Settings,
    db: Database,
    clock: Clock | None = None,
    *,
    cogs: Iterable[str | CogFactory] | None = None,
    adapters: Iterable[Adapter] = (),
    scheduler: bool = False,
    defer_cogs: bool = False,
) -> Core:
    """A core with the built-in commands, ``cogs`` (names under ``cogs/`` or factories; default:
    ``[cogs] enabled``) and ``adapters``, not started (see :func:`start_core`).

    ``scheduler``: attach the wake-up scheduler that runs the outbox sender in the background
    (``passerelle run``); without it the outbox delivers when asked (tests, benchmarks, CLI).
    ``defer_cogs``: when the cog index (``bot/core/cog_index.py``) knows every cog, only their
    commands are declared here and :func:`start_core` imports them once the platforms that
    answer at once are connected (``passerelle run`` with Discord or Matrix); otherwise they
    are imported now and the index is written."""
    core = Core(settings, db, clock or SystemClock())
    if scheduler:

        async def wake() -> None:
            core.outbox.wake()

        core.scheduler = Scheduler(core.clock, wake, settings.outbox.poll_interval.total_seconds())
    core.add_cog(Builtins(core))
    if settings.email.enabled:
        core.add_cog(EmailCommands(core))
    wanted = list(settings.cogs.enabled_names() if cogs is None else cogs)
    named = [cog for cog in wanted if isinstance(cog, str)]
    if defer_cogs and len(named) == len(wanted):
        _add_indexed_cogs(core, named)
    else:
        for cog in wanted:
            if isinstance(cog, str):
                load_cog(core, cog)
            else:
                core.add_cog(cog(core))
    for adapter in adapters:
        core.add_adapter(adapter)
    return core


def _add_indexed_cogs(core: Core, names: list[str]) -> None:
    """Defer every cog the index knows; import them all now (and write the index) if it
    lacks one of them or the code changed since it was written."""
    cogs_dir = _cogs_dir()
    stamp = cog_index.fingerprint(cogs_dir)
    known = cog_index.read(cogs_dir, names, stamp)
    if known is not None:
        for name in names:
            core.defer_cog(known[name])
        return
    entries: list[cog_index.IndexedCog] = []
    for name in names:
        before = set(sys.modules)
        cog = load_cog(core, name)
        # What this setup imported — and the package's own modules, which a process that
        # had imported them already (a test run) would otherwise leave out.
        package = f"cogs.{name}"
        imported = [
            module
            for module in sys.modules
            if module not in before or module == package or module.startswith(package + ".")
        ]
        entries.append(cog_index.entry(name, cog, imported))
    cog_index.write(cogs_dir, entries, stamp)


#: Seconds between thread switches while the cogs import (Python's default: 0.005).
IMPORT_SWITCH_INTERVAL = 0.0005


async def load_deferred_cogs(core: Core) -> None:
    """Import, set up and start the cogs :func:`build_core` deferred. The imports (most of the
    work: the cogs' tables) run on a worker thread, so the event loop keeps answering what
    needs no cog (``help``) and connecting the platforms meanwhile."""
    # The importing thread holds the interpreter lock between switches: every time the loop
    # wakes for a packet it waits for the next switch. Shorter switches while it imports keep
    # the platforms' round trips from queueing behind it (5 ms each by default).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
    started = time.perf_counter()
    names = list(core.deferred)
    try:
        with core.loading_cogs():
            for indexed in list(core.deferred.values()):
                await asyncio.to_thread(_import_all, indexed.imports)
                cog = load_cog(core, indexed.package)
                await cog.start()
    finally:
        sys.setswitchinterval(interval)
    log.info(
        "Cogs %s loaded after the platforms connected (%.2f s; their commands were offered from "
        "the cog index meanwhile)",
        ", ".join(names),
        time.perf_counter() - started,
    )


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # gone since the index was written: setup imports what it needs


async def start_core(core: Core) -> None:
    """Start the cogs, then every adapter, then the scheduler and the outbox sender (when a
    scheduler is attached).

    Deferred cogs load on a worker thread once the adapters that say
    ``answers_once_connected`` are connected (Discord's gateway, Matrix's first sync: members
    are answered from then on, and every round trip of a connection would queue behind the
    importing thread), while the others connect. Until the cogs are loaded, what needs no cog
    (``help``, ``timezone``) is answered and what needs one waits for it
    (``Core.cogs_ready``)."""
    await core.start()
    loading: asyncio.Task[None] | None = None
    try:
        for adapter in _answering_first(core.adapters.values()):
            if loading is None and core.deferred and not _answers_once_connected(adapter):
                loading = asyncio.create_task(load_deferred_cogs(core), name="load cogs")
            await adapter.start(core)
    except BaseException:
        if loading is not None:
            loading.cancel()
            await asyncio.gather(loading, return_exceptions=True)
        raise
    if loading is not None:
        await loading
    elif core.deferred:
        await load_deferred_cogs(core)
    if core.scheduler is not None:
        core.scheduler.start()
        core.outbox.start()


def _answers_once_connected(adapter: Adapter) -> bool:
    return bool(getattr(adapter, "answers_once_connected", False))


def _answering_first(adapters: Iterable[Adapter]) -> list[Adapter]:
    # sorted() is stable: the configuration's order otherwise.
    return sorted(adapters, key=lambda adapter: not _answers_once_connected(adapter))


def platform_adapters(settings: Settings) -> list[Adapter]:
    """The adapters enabled in config; each SDK is imported only when its adapter is on."""
    adapters: list[Adapter] = []
    if settings.discord.enabled:
        module: Any = importlib.import_module("bot.adapters.discord")
        adapters.append(module.DiscordAdapter(settings.discord))
    if settings.matrix.enabled:
        module = importlib.import_module("bot.adapters.matrix")
        adapters.append(module.MatrixAdapter(settings.matrix))
    if settings.email.enabled:
        module = importlib.import_module("bot.adapters.email")
        adapters.append(module.EmailAdapter(settings.email))
    return adapters


def ready_line(core: Core) -> str:
    """One line for the operator once everything runs: platforms with their account and
    community, cogs, database kind. Never a token, password or database URL."""
    settings = core.settings
    platforms: list[str] = []
    for name, adapter in core.adapters.items():
        if name == "discord":
            client = getattr(adapter, "client", None)
            account = getattr(client, "user", None)
            detail = f"account {account or '?'}, guild {settings.discord.guild_id or '?'}"
            shards = getattr(adapter, "shard_detail", None)
            if callable(shards) and shards():
                detail += f", {shards()}"  # sharded: which shards this process owns
        elif name == "matrix":
            rooms = ", ".join(settings.matrix.rooms) or "none"
            detail = f"account {settings.matrix.user_id or '?'}, rooms {rooms}"
        elif name == "email":
            detail = f"SMTP {settings.email.host}:{settings.email.port}, send-only"
        else:
            detail = "terminal" if name == "console" else "in memory"
        platforms.append(f"{name} ({detail})")
    cogs = [name for name in core.cogs if name not in (Builtins.name, EmailCommands.name)]
    line = (
        f"Passerelle ready: platforms {'; '.join(platforms) or 'none'}; "
        f"cogs {', '.join(cogs) or 'none'}; database {core.db.dialect}"
    )
    standby = core.ownership.standby_for()
    if standby:
        line += f"; standby for {', '.join(standby)}"
    return line


class App:
    """``passerelle run``: the schema checked, the core built from config, the scheduler and
    every adapter started; :meth:`stop` undoes it all in reverse."""

    def __init__(
        self,
        settings: Settings,
        adapters: list[Adapter],
        *,
        clock: Clock | None = None,
        scheduler: bool = True,
    ) -> None:
        self.settings = settings
        self.adapters = adapters
        self.clock = clock or SystemClock()
        self.use_scheduler = scheduler
        self.db = Database(settings.database.url, echo=settings.database.echo)
        self.core: Core | None = None
        self.web: WebServer | None = None  # once started ([web] enabled)

    @property
    def scheduler(self) -> Scheduler | None:
        return self.core.scheduler if self.core is not None else None

    async def start(self) -> Core:
        await ensure_schema(self.db, auto_migrate=self.settings.database.auto_migrate)
        core = build_core(
            self.settings,
            self.db,
            self.clock,
            adapters=self.adapters,
            scheduler=self.use_scheduler,
            # Worth it only where a platform answers members the moment it is connected
            # (Discord, Matrix): for the console alone, reading the index and the worker
            # thread would cost more than they save.
            defer_cogs=any(_answers_once_connected(adapter) for adapter in self.adapters),
        )
        self.core = core
        await start_core(core)
        if self.settings.web.enabled:
            # Imported only when on: aiohttp's server and prometheus-client stay out otherwise.
            from bot.web import WebServer

            self.web = WebServer(core)
            await self.web.start()
        line = ready_line(core)
        if self.web is not None and self.web.port is not None:
            line += f"; web {self.web.address}"
        log.info("%s", line)
        settled()  # the start-up pause of the garbage collector ends here (bot.startup)
        return core

    async def stop(self) -> None:
        if self.web is not None:
            try:
                await self.web.stop()
            except Exception:
                log.exception("The web server did not stop cleanly")
            self.web = None
        for adapter in self.adapters:
            try:
                await adapter.stop()
            except Exception:
                log.exception("Adapter %s did not stop cleanly", adapter.platform)
        if self.core is not None:
            await self.core.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        await self.db.dispose()

    async def run_until_stopped(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
