"""Every command the running bot offers, looked up by path."""

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
        self.groups: dict[str, list[CommandSpec]] = defaultdict(list)
        self._aliases: dict[str, CommandSpec] = {}

    def add(self, spec: CommandSpec) -> None:
        if spec.path in self.specs or spec.path in self._aliases:
            raise SpecError(f"two cogs declare the command {spec.path!r}")
        if spec.group is None and spec.name in self.groups:
            raise SpecError(f"command {spec.name!r} clashes with a command group")
        self.specs[spec.path] = spec
        for alias in spec.aliases:
            self._aliases[f"{spec.group} {alias}" if spec.group else alias] = spec
        if spec.group:
            self.groups[spec.group].append(spec)

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self.specs.values(), key=lambda s: s.path))

    def get(self, path: str) -> CommandSpec | None:
        return self.specs.get(path) or self._aliases.get(path)

    def lookup(self, words: list[str]) -> tuple[CommandSpec | None, int]:
        """Match the first one or two words; returns (spec, words consumed)."""
        if len(words) >= 2 and (spec := self.get(f"{words[0]} {words[1]}")):
            return spec, 2
        if words and (spec := self.get(words[0])) and spec.group is None:
            return spec, 1
        return None, 0

    def is_group(self, word: str) -> bool:
        return word in self.groups

    def suggest(self, words: list[str]) -> str | None:
        """The closest command path to what was typed, if any is close."""
        typed = " ".join(words[:2])
        candidates = list(self.specs) + list(self._aliases)
        match = difflib.get_close_matches(typed, candidates, n=1, cutoff=0.6)
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
