"""Every command the running bot offers, looked up by path.

A path has one to three words: a top-level command (``help``), a command in a cog's group
(``poll create``) or in a subgroup of it (``cafe programme add``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator

from bot.core.commands import CommandSpec, SpecError


class Catalogue:
    def __init__(self) -> None:
        self.specs: dict[str, CommandSpec] = {}
        #: Every command under a top-level group word, subgroups included: ``groups["cafe"]``.
        self.groups: dict[str, list[CommandSpec]] = defaultdict(list)
        #: The commands of each subgroup, by its two words: ``subgroups["cafe programme"]``.
        self.subgroups: dict[str, list[CommandSpec]] = defaultdict(list)
        self._aliases: dict[str, CommandSpec] = {}

    def add(self, spec: CommandSpec) -> None:
        paths = [spec.path] + [f"{spec.group} {a}" if spec.group else a for a in spec.aliases]
        for path in paths:
            if path in self.specs or path in self._aliases:
                raise SpecError(f"two cogs declare the command {path!r}")
            if path in self.groups or path in self.subgroups:
                raise SpecError(f"command {path!r} clashes with a command group")
        if spec.subgroup and spec.subgroup in self.specs | self._aliases:
            raise SpecError(f"subgroup {spec.subgroup!r} clashes with a command")
        if spec.group and spec.top in self.specs | self._aliases:
            raise SpecError(f"group {spec.top!r} clashes with a command")
        self.specs[spec.path] = spec
        for path in paths[1:]:
            self._aliases[path] = spec
        if spec.group:
            self.groups[spec.top].append(spec)
        if spec.subgroup:
            self.subgroups[spec.subgroup].append(spec)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self.specs.values(), key=lambda s: s.path))

    def get(self, path: str) -> CommandSpec | None:
        return self.specs.get(path) or self._aliases.get(path)

    def lookup(self, words: list[str]) -> tuple[CommandSpec | None, int]:
        """Match the first three, two or one words; returns (spec, words consumed)."""
        for used in (3, 2, 1):
            if len(words) >= used and (spec := self.get(" ".join(words[:used]))):
                return spec, used
        return None, 0

    def is_group(self, word: str) -> bool:
        return word in self.groups

    def is_subgroup(self, words: list[str]) -> bool:
        """Whether the first two words name a subgroup (``cafe programme``)."""
        return len(words) >= 2 and f"{words[0]} {words[1]}" in self.subgroups

    def listing(self, group: str) -> list[CommandSpec]:
        """The commands of a group (``poll``) or subgroup (``cafe programme``)."""
        return list(self.subgroups[group] if " " in group else self.groups[group])

    @staticmethod
    def summary(specs: list[CommandSpec], within: str | None = None) -> str:
        """``create, vote, programme (add, show)``: commands, each subgroup's together
        (except the subgroup ``within``, whose commands are listed by name)."""
        names: list[str] = []
        subgroups: dict[str, list[str]] = {}
        for spec in specs:
            if spec.subgroup and spec.group != within:
                word = spec.subgroup.split(" ", 1)[1]
                if word not in subgroups:
                    subgroups[word] = []
                    names.append(word)
                subgroups[word].append(spec.name)
            else:
                names.append(spec.name)
        return ", ".join(
            f"{name} ({', '.join(subgroups[name])})" if name in subgroups else name
            for name in names
        )

    def suggest(self, words: list[str]) -> str | None:
        """The closest command path to what was typed, if any is close."""
        typed = " ".join(words[:3] if self.is_subgroup(words) else words[:2])
        candidates = list(self.specs) + list(self._aliases)
        match = difflib.get_close_matches(typed, candidates, n=1, cutoff=0.6)
        if not match and len(words) >= 2 and words[0] in self.groups:
            match = difflib.get_close_matches(
                " ".join(words[:2]), list(self.subgroups), n=1, cutoff=0.6
            )
        if not match and words:
            match = difflib.get_close_matches(
                words[0], candidates + list(self.groups), n=1, cutoff=0.6
            )
        return match[0] if match else None

    def digest(self) -> str:
        """A hash of the whole catalogue: adapters re-sync commands only when it changes."""
        data = [
            [
                s.path,
                s.description,
                s.permission,
                [
                    [
                        o.name,
                        o.description,
                        o.kind,
                        o.required,
                        list(o.choices),
                        o.min,
                        o.max,
                        o.max_length,
                        o.autocomplete,
                    ]
                    for o in s.options
                ],
            ]
            for s in self
        ]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
