"""The Cog base class: a feature's commands, listeners and privacy hooks."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from bot.core.commands import CommandSpec, SpecError, build_spec
from bot.core.events import Event

if TYPE_CHECKING:
    from bot.core.core import Core
    from bot.core.privacy import PrivacyHooks


class Cog:
    """Subclass with ``class Polls(Cog, name="poll"): ...``; commands default to group ``name``.

    Specs are built (and validated) when the class is created, so a malformed declaration
    fails at import. ``group=None`` makes top-level commands (``help``).
    """

    name: ClassVar[str]
    group: ClassVar[str | None]
    specs: ClassVar[tuple[CommandSpec, ...]] = ()
    listeners: ClassVar[tuple[tuple[str, type[Event]], ...]] = ()

    def __init_subclass__(cls, *, name: str, group: str | None = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name
        cls.group = name if group == "" else group
        specs: list[CommandSpec] = []
        listeners: list[tuple[str, type[Event]]] = []
        for attr, value in inspect.getmembers(cls, inspect.isfunction):
            if hasattr(value, "__passerelle_command__"):
                specs.append(build_spec(value, name, cls.group))
            if hasattr(value, "__passerelle_listens__"):
                listeners.append((attr, value.__passerelle_listens__))
        paths = [s.path for s in specs]
        if len(set(paths)) != len(paths):
            raise SpecError(f"cog {name!r} declares a command twice")
        cls.specs = tuple(sorted(specs, key=lambda s: s.path))
        cls.listeners = tuple(listeners)

    #: The cog's privacy hooks (its ``privacy.py``: export, forget, merge); None for a cog that
    #: stores nothing about members.
    privacy: PrivacyHooks | None = None

    def __init__(self, core: Core) -> None:
        self.core = core

    @classmethod
    def locales_dir(cls) -> Path:
        """``<cog package>/locales`` holds the cog's ``en.po``."""
        module = sys.modules[cls.__module__]
        return Path(module.__file__ or ".").resolve().parent / "locales"

    async def start(self) -> None:
        """Called once storage is ready and adapters are about to start."""

    async def stop(self) -> None:
        """Called at shutdown."""
