"""``core.digest``: the sections of the monthly digest, contributed by the cogs that own them.

The digest cog sends one message a month to the members who opted in; its content comes from
other cogs (the next cafés, new resources, new members…), and cogs never import each other. So
each cog registers a ``DigestProvider`` here at setup and the digest cog asks ``core.digest``.

Built for 10,000 members: ``prepare`` runs each provider's queries **once per edition** (the
common content, in no language), ``readers`` loads every recipient's facts (interests, needs…)
in one pass from the providers that know them, and ``sections`` personalises one member's copy
in memory, in their language — no query per member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.core.i18n import Translator
from bot.core.reply import Action


@dataclass(frozen=True, slots=True)
class Edition:
    """One digest: ``id`` is the local date of its run (``2027-02-01``), ``at`` its run time
    and ``since`` the previous run (UTC): "new" means created in ``[since, at)``."""

    id: str
    at: datetime
    since: datetime


@dataclass(frozen=True, slots=True)
class Reader:
    """Who a copy is for. ``member_id`` None: the community's copy (``digest export``), which
    has no personal part. ``facts``: folded keys by kind (``interests``, ``needs``…)."""

    member_id: int | None
    facts: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def fact(self, kind: str) -> frozenset[str]:
        return self.facts.get(kind, frozenset())


@dataclass(slots=True)
class DigestSection:
    """A section in the reader's language: ``lines`` in the markdown subset (each a list item
    or a sentence), ``actions`` its buttons. ``news``: it brings something new (a section that
    is always there, like "what you can do", does not make a digest worth sending)."""

    key: str
    title: str
    lines: list[str]
    actions: list[Action] = field(default_factory=list)
    news: bool = True


@runtime_checkable
class DigestProvider(Protocol):
    """A cog's part of the digest."""

    #: Unique name (the cog's); sections come in ``order`` (smallest first).
    name: str
    order: int

    async def prepare(self, edition: Edition) -> Any:
        """The edition's common content, queried once (no language, no member)."""
        ...

    def sections(
        self, prepared: Any, reader: Reader, t: Translator, *, personal: bool
    ) -> list[DigestSection]:
        """The reader's sections, in memory. ``personal`` False: the community part only."""
        ...


@runtime_checkable
class ReaderFacts(Protocol):
    """A provider that also knows members' facts (the onboarding cog: interests, needs)."""

    async def reader_facts(
        self, member_ids: Sequence[int]
    ) -> Mapping[int, Mapping[str, frozenset[str]]]:
        """Facts of every member in ``member_ids``, in a few queries (not one per member)."""
        ...


@dataclass(slots=True)
class PreparedEdition:
    edition: Edition
    content: dict[str, Any]


class Digest:
    """The registry: providers by name."""

    def __init__(self) -> None:
        self._providers: dict[str, DigestProvider] = {}

    def register(self, provider: DigestProvider) -> None:
        """Called by a cog's ``setup``; one provider per name."""
        if provider.name in self._providers:
            raise ValueError(f"two digest providers named {provider.name!r}")
        self._providers[provider.name] = provider

    @property
    def providers(self) -> list[DigestProvider]:
        return sorted(self._providers.values(), key=lambda p: (p.order, p.name))

    async def prepare(self, edition: Edition) -> PreparedEdition:
        return PreparedEdition(edition, {p.name: await p.prepare(edition) for p in self.providers})

    async def readers(self, member_ids: Sequence[int]) -> dict[int, Reader]:
        """A ``Reader`` for each member, facts merged from every provider that has some."""
        facts: dict[int, dict[str, frozenset[str]]] = {m: {} for m in member_ids}
        for provider in self.providers:
            if isinstance(provider, ReaderFacts):
                for member_id, known in (await provider.reader_facts(member_ids)).items():
                    if member_id in facts:
                        facts[member_id].update(known)
        return {m: Reader(m, f) for m, f in facts.items()}

    def sections(
        self, prepared: PreparedEdition, reader: Reader, t: Translator, *, personal: bool = True
    ) -> list[DigestSection]:
        found: list[DigestSection] = []
        for provider in self.providers:
            if provider.name in prepared.content:
                found.extend(
                    provider.sections(
                        prepared.content[provider.name], reader, t, personal=personal
                    )
                )
        return found
