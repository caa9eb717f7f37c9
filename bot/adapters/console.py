"""The terminal console: chat with the bot as any member, no account needed.

Interactive on a terminal; scripted when lines are piped in (they run in order, pending work
finishes, and it exits 0 at the end of input). ``:as NAME`` switches who is typing, ``:join
NAME`` makes a newcomer arrive, ``:sleep 5s`` waits in real time, a number runs an action.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.adapters.memory import MemoryAdapter, Sent
from bot.core.durations import parse_duration
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.markup import reply_as_text
from bot.core.refs import Role
from bot.core.reply import Action

if TYPE_CHECKING:
    from bot.config import ConsoleSection
    from bot.core.core import Core

log = logging.getLogger(__name__)
_SAFE_NAME = re.compile(r"[^\w.-]+")


class ConsoleAdapter(MemoryAdapter):
    def __init__(
        self,
        settings: ConsoleSection,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        super().__init__("console", settings.room)
        self.settings = settings
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty()
        if self.interactive:
            _line_editing()
        color = settings.color if settings.color is not None else self.stdout.isatty()
        self.style = "ansi" if color else "plain"
        self.files_dir = Path(settings.files_dir)
        self.current = settings.members[0] if settings.members else "alice"
        self.last_actions: list[Action] = []
        self.finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        for name in settings.members:
            self.roles[name] = {Role.MEMBER}
        for name in settings.moderators:
            self.roles[name] = {Role.MEMBER, Role.MODERATOR}
        for name in settings.admins:
            self.roles[name] = {Role.MEMBER, Role.MODERATOR, Role.ADMIN}

    async def start(self, core: Core) -> None:
        await super().start(core)
        self._task = asyncio.create_task(self._loop(), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # --- output ------------------------------------------------------------------------------

    def _t(self) -> Translator:
        assert self.core is not None
        return self.core.i18n.translator()

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def on_sent(self, sent: Sent) -> None:
        t = self._t()
        prefix = self.core.text_prefix(self.platform) if self.core else "!"
        body = reply_as_text(sent.reply, prefix, style=self.style, numbered=True)
        if sent.reply.actions:
            self.last_actions = list(sent.reply.actions)
        paths = [self._save(a.filename, a.data) for a in sent.reply.attachments]
        body += "".join("\n📎 " + str(p) for p in paths)
        if sent.kind in ("dm", "private"):
            who = sent.member.display_name if sent.member else "?"
            head = f"[DM → {who}]"
        elif sent.kind == "edit":
            head = t("[message mis à jour]")
        else:
            head = "[bot]"
        self.write(f"{head} " + body.replace("\n", "\n    "))

    def _save(self, filename: str, data: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        stem = _SAFE_NAME.sub("_", filename)[:80] or "file"
        path = self.files_dir / stem
        counter = 1
        while path.exists():
            counter += 1
            base, dot, ext = stem.rpartition(".")
            path = self.files_dir / (f"{base}-{counter}.{ext}" if dot else f"{stem}-{counter}")
        path.write_bytes(data)
        return path

    # --- input -------------------------------------------------------------------------------

    async def _read_line(self) -> str | None:
        if self.interactive:
            try:
                return await _in_daemon_thread(input, f"{self.current}> ")
            except EOFError:
                return None
        line = await _in_daemon_thread(self.stdin.readline)
        return line.rstrip("\n") if line else None

    async def _loop(self) -> None:
        t = self._t()
        if self.interactive:
            self.write(
                t(
                    "Console Passerelle — vous êtes {name}. Tapez !help pour les "
                    "commandes, :help pour la console, Ctrl-D pour quitter.",
                    name=self.current,
                )
            )
        try:
            while True:
                line = await self._read_line()
                if line is None:
                    break
                if not line.strip():
                    continue
                if not self.interactive:
                    self.write(f"{self.current}> {line}")
                if not await self.handle_line(line.strip()):
                    break
            assert self.core is not None
            await self.core.drain()
        except Exception:
            log.exception("Console stopped")
        finally:
            self.finished.set()

    async def handle_line(self, line: str) -> bool:
        """Run one console line; False means quit."""
        t = self._t()
        if line.startswith(":"):
            return await self._meta(line)
        number = re.fullmatch(r"(\d{1,2})(?:\s+(.*))?", line)
        if number and self.last_actions:
            index = int(number.group(1))
            if not 1 <= index <= len(self.last_actions):
                self.write(
                    t(
                        "Pas d'action n° {n} : choisissez entre 1 et {max}.",
                        n=index,
                        max=len(self.last_actions),
                    )
                )
                return True
            action = self.last_actions[index - 1]
            typed: dict[str, Any] = (
                {action.prompt: number.group(2)} if action.prompt and number.group(2) else {}
            )
            await self.click(self.current, action, **typed)
            return True
        prefix = self.core.text_prefix(self.platform) if self.core else "!"
        reply = await self.say(self.current, line, require_prefix=False, prefixes=(prefix, "/"))
        if reply is None:
            self.write(
                t(
                    "(message dans le salon — les commandes commencent par {prefix} ; "
                    "tapez {prefix}help)",
                    prefix=prefix,
                )
            )
        return True

    async def _meta(self, line: str) -> bool:
        t = self._t()
        command, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if command in ("q", "quit", "exit"):
            return False
        if command == "as" and arg:
            self.current = member_name(arg)
            if self.current not in self.roles:
                self.roles[self.current] = {Role.MEMBER}
            self.write(t("Vous êtes maintenant {name}.", name=self.current))
        elif command == "join" and arg:
            name = member_name(arg)
            self.roles.setdefault(name, set())
            self.write(t("→ {name} arrive dans la communauté.", name=name))
            await self.member_joins(name)
        elif command == "sleep" and arg:
            try:
                seconds = parse_duration(arg if not arg.isdigit() else arg + "s").total_seconds()
            except UserError:
                self.write(t("Durée illisible. Exemple : :sleep 5s"))
                return True
            await asyncio.sleep(min(seconds, 3600))
        else:
            self.write(
                t(
                    ":as NOM — parler en tant que NOM ; :join NOM — un nouveau membre "
                    "arrive ; :sleep 5s — attendre ; un numéro — lancer une action ; "
                    ":quit — quitter."
                )
            )
        return True


_QUOTES = {'"': '"', "'": "'", "“": "”", "«": "»"}


async def _in_daemon_thread(read: Callable[..., str], *args: Any) -> str:
    """``read(*args)`` on a daemon thread: a read blocked on an open terminal or pipe must not
    keep the process alive once it is told to stop (the loop's default executor is joined at
    exit, so SIGTERM would wait for the next line of input)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(value or "")

    def run() -> None:
        try:
            value = read(*args)
        except BaseException as error:  # EOFError, KeyboardInterrupt: handed to the reader
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(settle, None, error)
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=run, name="console-input", daemon=True).start()
    return await done


def member_name(arg: str) -> str:
    """``:as "Zoé Martin"`` (a quoted name may hold spaces), ``:as bob`` (one word)."""
    closing = _QUOTES.get(arg[:1])
    if closing and closing in arg[1:]:
        name = arg[1 : arg.index(closing, 1)].strip()
    else:
        name = arg.split()[0]
    return " ".join(name.split())[:32] or arg.split()[0][:32]


def _line_editing() -> None:
    """Arrow keys, line editing and history for input() where the platform has readline."""
    try:
        import readline  # noqa: F401  (importing it is what turns editing on)
    except ImportError:  # Windows without pyreadline: plain input still works
        pass
