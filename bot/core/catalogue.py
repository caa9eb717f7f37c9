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
from bot.core.names import Vocabulary, fold


class Catalogue:
    def __init__(self) -> None:
        self.specs: dict[str, CommandSpec] = {}
        #: Every command under a top-level group word, subgroups included: ``groups["cafe"]``.
        self.groups: dict[str, list[CommandSpec]] = defaultdict(list)
        #: The commands of each subgroup, by its two words: ``subgroups["cafe programme"]``.
        self.subgroups: dict[str, list[CommandSpec]] = defaultdict(list)
        self._aliases: dict[str, CommandSpec] = {}
        #: Localised paths (commands, groups, subgroups) → the English path: "sondage créer".
        self._local: dict[str, str] = {}
        #: (locale, English path) → the last word in that language, unique among its siblings
        #: (what Discord shows as ``name_localizations``).
        self._names: dict[tuple[str, str], str] = {}

    def add(self, spec: CommandSpec, names: Vocabulary | None = None) -> None:
        """Add ``spec``; ``names``: the words its cog (then the core) gives it per language."""
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
        for path in paths:
            self._local.pop(path, None)  # an English path always wins over a translation
        for locale, words in (names or {}).items():
            self._localise(spec, locale, words)

    def _localise(self, spec: CommandSpec, locale: str, words: dict[str, str]) -> None:
        english = spec.path.split()
        for depth in range(1, len(english) + 1):
            path = " ".join(english[:depth])
            local = [words.get(w, w) for w in english[:depth]]
            taken = {
                self._names.get((locale, other), other.rsplit(" ", 1)[-1])
                for other in self._siblings(path)
            }
            if (locale, path) not in self._names and local[-1] not in taken:
                self._names[(locale, path)] = local[-1]
            spoken = " ".join(local)
            for alias in (spoken, fold(spoken)):
                if alias == path or alias in self.specs or alias in self._aliases:
                    continue
                if alias in self.groups or alias in self.subgroups:
                    continue
                self._local.setdefault(alias, path)

    def _siblings(self, path: str) -> set[str]:
        """The other commands and groups at ``path``'s level, under the same parent."""
        parent = path.rsplit(" ", 1)[0] if " " in path else ""
        known = set(self.specs) | set(self.groups) | set(self.subgroups)
        return {
            other
            for other in known
            if other != path and (other.rsplit(" ", 1)[0] if " " in other else "") == parent
        }

    def resolve(self, words: list[str]) -> list[str]:
        """``["sondage", "créer", …]`` → ``["poll", "create", …]``: the English path of words
        typed in another language (or without accents); other words unchanged."""
        for used in (3, 2, 1):
            if len(words) >= used:
                english = self._local.get(" ".join(words[:used]).lower())
                if english is not None:
                    return english.split() + words[used:]
        return words

    def local_name(self, path: str, locale: str) -> str | None:
        """The last word of ``path`` in ``locale`` when it differs from the English one."""
        name = self._names.get((locale, path))
        return name if name is not None and name != path.rsplit(" ", 1)[-1] else None

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(sorted(self.specs.values(), key=lambda s: s.path))

    def get(self, path: str) -> CommandSpec | None:
        return self.specs.get(path) or self._aliases.get(path)

    def lookup(self, words: list[str]) -> tuple[CommandSpec | None, int]:
        """Match the first three, two or one words (English, or as ``resolve`` reads them);
        returns (spec, words consumed)."""
        words = self.resolve(words)
        for used in (3, 2, 1):
            if len(words) >= used and (spec := self.get(" ".join(words[:used]))):
                return spec, used
        return None, 0

    def is_group(self, word: str) -> bool:
        return self.resolve([word])[0] in self.groups

    def is_subgroup(self, words: list[str]) -> bool:
        """Whether the first two words name a subgroup (``cafe programme``)."""
        words = self.resolve(words)
        return len(words) >= 2 and f"{words[0]} {words[1]}" in self.subgroups

    def listing(self, group: str) -> list[CommandSpec]:
        """The commands of a group (``poll``) or subgroup (``cafe programme``)."""
        group = " ".join(self.resolve(group.split()))
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
