"""The core: catalogue, dispatch with permissions, translation, members, events, outbox."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from bot.core.activities import Activities
from bot.core.catalogue import Catalogue
from bot.core.cog import Cog
from bot.core.cog_index import IndexedCog
from bot.core.commands import CommandSpec
from bot.core.digest import Digest
from bot.core.error_replies import convert_args, error_reply, refusal
from bot.core.errors import PermissionDenied, UserError
from bot.core.events import EventBus, LinksShared
from bot.core.grammar import parse
from bot.core.i18n import CORE_LOCALES_DIR, N_, I18n, Translator
from bot.core.invocation import Invocation
from bot.core.library import Library
from bot.core.links import find_links
from bot.core.live import LiveMessages
from bot.core.mail.store import EmailStore
from bot.core.members import MemberInfo, MemberService, parse_zone
from bot.core.metrics import Metrics, Outcome
from bot.core.names import load_names, merge
from bot.core.outbox import Outbox
from bot.core.ownership import Ownership
from bot.core.platform_services import PlatformServices
from bot.core.ports import Adapter
from bot.core.refs import Actor, MessageRef, Role, RoomRef
from bot.core.reply import Reply, Tone
from bot.core.web import WebRegistry

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.scheduling import Clock, Scheduler
    from bot.storage.db import Database

log = logging.getLogger(__name__)

#: Set while the deferred cogs load: what their setup and start do never waits for them.
_LOADING = contextvars.ContextVar("passerelle_loading_cogs", default=False)

S = TypeVar("S", bound=BaseModel)

_PERMISSION_TEXT = {
    Role.MEMBER: N_("Cette commande est réservée aux membres de la communauté."),
    Role.MODERATOR: N_("Cette commande est réservée aux modérateurs."),
    Role.ADMIN: N_("Cette commande est réservée aux administrateurs."),
}


class Core(PlatformServices):
    """Everything cogs and adapters share. Cogs get it at ``setup(core)``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        i18n: I18n | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.i18n = i18n or I18n(settings.bot.locale, typography=settings.bot.french_typography)
        self.events = EventBus()
        self.metrics = Metrics()
        self.web = WebRegistry(settings.web)
        self.members = MemberService(db, clock)
        #: Members' e-mail addresses (the send-only channel; see bot/core/mail).
        self.mail = EmailStore(
            db,
            clock,
            code_minutes=settings.email.code_minutes,
            max_sends_per_day=settings.email.max_codes_per_day,
        )
        self.catalogue = Catalogue()
        self._core_names = load_names(CORE_LOCALES_DIR)
        self.cogs: dict[str, Cog] = {}
        #: Cogs known from the index (bot/core/cog_index.py) and not imported yet: their
        #: commands are in the catalogue; what reaches the cog itself waits for it.
        self.deferred: dict[str, IndexedCog] = {}
        self._cogs_loaded = asyncio.Event()
        self._cogs_loaded.set()
        self._load_failed = False
        # An event reaches every cog's listeners: none is delivered while a cog is missing.
        self.events.gate = self.cogs_ready
        self.adapters: dict[str, Adapter] = {}
        #: Leases on platform connections, the adapter state handed over, claimed events.
        self.ownership = Ownership(db, settings.core.failover_seconds)
        self.outbox = Outbox(self)
        self.live = LiveMessages(self)
        #: Activity providers (the poll cog) a café's programme is checked by.
        self.activities = Activities()
        #: The resource library, for cogs that file links in it (registered by its cog).
        self.library = Library()
        #: The monthly digest's sections, contributed by the cogs that own them.
        self.digest = Digest()
        self._tasks: set[asyncio.Task[Any]] = set()
        #: The command that makes a newcomer a member (the onboarding cog's ``onboarding
        #: start``): a command refused for want of the member role says to run it.
        self.membership_command: str | None = None

    # --- wiring -----------------------------------------------------------------------------

    def add_cog(self, cog: Cog) -> None:
        if cog.name in self.cogs:
            raise ValueError(f"cog {cog.name!r} added twice")
        indexed = self.deferred.get(cog.name)
        if indexed is None:
            self._declare(cog.specs, cog.locales_dir())
        elif indexed.specs != cog.specs:
            # Cannot happen while the index's fingerprint covers what declarations read; if it
            # does, members meet the indexed commands until the next start rewrites the index.
            log.warning("The command index of cog %s was out of date", cog.name)
        for attr, event_type in cog.listeners:
            self.events.subscribe(event_type, getattr(cog, attr))
        self.cogs[cog.name] = cog

    def defer_cog(self, indexed: IndexedCog) -> None:
        """Offer a cog's commands now (from the index); the cog itself comes with
        :meth:`add_cog` inside :meth:`loading_cogs`, and until that ends, anything that needs
        it waits (:meth:`cogs_ready`)."""
        if indexed.name in self.cogs or indexed.name in self.deferred:
            raise ValueError(f"cog {indexed.name!r} added twice")
        self._declare(indexed.specs, indexed.locales)
        self.deferred[indexed.name] = indexed
        self._cogs_loaded.clear()

    def _declare(self, specs: tuple[CommandSpec, ...], locales: Path) -> None:
        # Command names in other languages: the core's words, then the cog's own.
        names = merge(self._core_names, load_names(locales))
        for spec in specs:
            self.catalogue.add(spec, names)
        self.i18n.load_dir(locales)

    @contextlib.contextmanager
    def loading_cogs(self) -> Iterator[None]:
        """Around the adding and starting of the deferred cogs: what their setup and start do
        (and the tasks they spawn) never waits for the cogs; at the end every waiter goes on —
        with an error if the loading failed."""
        token = _LOADING.set(True)
        try:
            yield
            missing = set(self.deferred) - set(self.cogs)
            if missing:
                raise RuntimeError(f"deferred cogs never added: {', '.join(sorted(missing))}")
        except BaseException:
            self._load_failed = True
            raise
        finally:
            _LOADING.reset(token)
            self.deferred.clear()
            self._cogs_loaded.set()

    async def cogs_ready(self) -> None:
        """Wait until every deferred cog is added and started (at once when none is)."""
        if not (self._cogs_loaded.is_set() or _LOADING.get()):
            await self._cogs_loaded.wait()
        if self._load_failed:
            raise RuntimeError("the cogs failed to load")

    async def cog(self, name: str) -> Cog | None:
        """The cog called ``name``, once loaded and started if it was deferred."""
        if name in self.deferred:
            await self.cogs_ready()
        return self.cogs.get(name)

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    def cog_settings(self, name: str, model: type[S]) -> S:
        """The validated ``[cogs.<name>]`` section (defaults when absent)."""
        return model.model_validate(self.settings.cogs.section(name))

    def text_prefix(self, platform: str) -> str:
        """How commands are typed on ``platform``: ``!`` by default, ``/`` on Discord (an
        adapter with native commands sets ``command_prefix``)."""
        adapter = self.adapters.get(platform)
        return getattr(adapter, "command_prefix", None) or self.settings.bot.prefix

    def spawn(self, coro: Any, name: str | None = None) -> asyncio.Task[Any]:
        """Run background work the core waits for at shutdown (and the console at EOF)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self) -> None:
        """Finish background work and deliver everything already due."""
        for _ in range(50):
            pending = [t for t in self._tasks if not t.done()]
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            await self.live.flush()
            report = await self.outbox.deliver_due()
            if not pending and not report.sent and not report.retried and not report.failed:
                break

    # --- language -----------------------------------------------------------------------------

    async def translator(
        self,
        *,
        member: MemberInfo | None = None,
        room: RoomRef | None = None,
        hint: str | None = None,
        public: bool = False,
    ) -> Translator:
        """The one rule for a message's language. A ``public`` post in a shared room speaks
        the room's language (``room locale``), else the community's — never that of whoever
        made it happen. Anything else (a private reply, a DM) speaks the reader's: their
        profile, then the room, then the platform's hint, then config. The time zone: the
        member's profile, then config."""
        zone = (member.zone if member else None) or parse_zone(self.settings.bot.timezone)
        if public and room is not None and not room.direct:
            return self.i18n.translator(await self.members.room_locale(room), zone)
        locale = member.locale if member else None
        if locale is None and room is not None and not room.direct:
            locale = await self.members.room_locale(room)
        return self.i18n.translator(locale or hint, zone)

    # --- commands -----------------------------------------------------------------------------

    async def handle_text(
        self,
        actor: Actor,
        room: RoomRef,
        text: str,
        *,
        message: MessageRef | None = None,
        prefixes: tuple[str, ...] | None = None,
        require_prefix: bool = True,
    ) -> Reply | None:
        """A text message from Matrix or the console: None when it is not a command."""
        prefixes = prefixes or (self.text_prefix(actor.ref.platform),)
        try:
            parsed = parse(text, self.catalogue, prefixes, require_prefix=require_prefix)
        except UserError as error:
            member = await self.members.resolve(actor.ref)
            t = await self.translator(member=member, room=room, hint=actor.locale_hint)
            return self.error_reply(error, t, prefixes[0])
        if parsed is None:
            await self.room_message(actor, room, text)
            return None
        return await self.dispatch(
            actor, room, parsed.spec, parsed.raw, message=message, prefix=prefixes[0], typed=True
        )

    async def room_message(self, actor: Actor, room: RoomRef, text: str) -> None:
        """A message in a room that is not a command: its links (only them) go on the bus as
        ``LinksShared``; the text itself is neither kept nor passed on. Adapters call this for
        room messages they do not hand to ``handle_text``."""
        if room.direct:
            return
        urls = find_links(text)
        if not urls:
            return
        await self.events.emit(LinksShared(actor.ref, room, tuple(urls)))

    async def invoke(
        self,
        actor: Actor,
        room: RoomRef,
        path: str,
        raw: dict[str, Any],
        *,
        message: MessageRef | None = None,
    ) -> Reply:
        """A slash command, button or select: the path and raw option values."""
        spec = self.catalogue.get(path)
        if spec is None:
            member = await self.members.resolve(actor.ref)
            t = await self.translator(member=member, room=room, hint=actor.locale_hint)
            return self.error_reply(
                UserError(
                    "Ce bouton a expiré ou cette commande n'existe plus. "
                    "Tapez {prefix}help pour voir les commandes.",
                    prefix=self.text_prefix(actor.ref.platform),
                ),
                t,
            )
        return await self.dispatch(actor, room, spec, raw, message=message)

    async def dispatch(
        self,
        actor: Actor,
        room: RoomRef,
        spec: CommandSpec,
        raw: dict[str, Any],
        *,
        message: MessageRef | None = None,
        prefix: str | None = None,
        typed: bool = False,
    ) -> Reply:
        started = time.perf_counter()
        prefix = prefix or self.text_prefix(actor.ref.platform)
        member = await self.members.resolve(actor.ref)
        t = await self.translator(member=member, room=room, hint=actor.locale_hint)
        outcome = Outcome.OK
        try:
            if not actor.has(spec.permission):
                raise PermissionDenied(_PERMISSION_TEXT[spec.permission])
            args = convert_args(spec, raw)
            # Replies for the room (not private) are written with room_t, in the member's
            # time zone (they asked); private ones with t.
            room_t = (
                t if room.direct else await self.translator(member=member, room=room, public=True)
            )
            inv = Invocation(self, spec, actor, member, room, t, args, message, typed, room_t)
            cog = await self.cog(spec.cog)
            reply = await getattr(cog, spec.method)(inv, **args)
            if not isinstance(reply, Reply):
                raise TypeError(f"{spec.path} returned {type(reply).__name__}, not a Reply")
            return reply.stamp(t if reply.private else room_t)
        except PermissionDenied as error:
            outcome = Outcome.DENIED
            return refusal(self.catalogue, self.membership_command, error, t, prefix, spec)
        except UserError as error:
            outcome = Outcome.USER_ERROR
            return self.error_reply(error, t, prefix, spec)
        except Exception:
            outcome = Outcome.ERROR
            log.exception("Command %s failed", spec.path)
            return Reply(
                text=t(
                    "Désolé, quelque chose s'est mal passé de notre côté. Rien de ce "
                    "qui était enregistré n'est perdu ; réessayez dans un instant."
                ),
                tone=Tone.ERROR,
                private=True,
            ).stamp(t)
        finally:
            self.metrics.command(spec.path, outcome, time.perf_counter() - started)

    def error_reply(
        self, error: UserError, t: Translator, prefix: str = "!", spec: CommandSpec | None = None
    ) -> Reply:
        return error_reply(self.catalogue, error, t, prefix, spec)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        for cog in self.cogs.values():
            await cog.start()

    async def stop(self) -> None:
        self.live.stop()
        await self.outbox.stop()
        for cog in self.cogs.values():
            await cog.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        # Let them unwind now, while the database is still there: a task cancelled inside a
        # transaction rolls it back on its connection, and once the engine is disposed that
        # rollback would wait forever (the loop could then never close).
        await asyncio.gather(*tasks, return_exceptions=True)
