"""Discord's rules for a bulk overwrite of application commands (what a 400 50035 says)."""

from __future__ import annotations

import re
from typing import Any

NAME_RE = re.compile(r"^[-_\w]{1,32}$")
LOCALES = {
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
}  # fmt: skip


def validate_commands(commands: Any) -> list[str]:
    """Discord's rules for a bulk overwrite; returns every problem found."""
    problems: list[str] = []
    if not isinstance(commands, list) or len(commands) > 100:
        return ["at most 100 top-level commands, as a list"]
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        problems.append("duplicate command names")

    def text(where: str, value: Any, limit: int, *, name: bool = False) -> None:
        if not isinstance(value, str) or not 1 <= len(value) <= limit:
            problems.append(f"{where}: 1–{limit} characters, got {value!r}")
        elif name and (not NAME_RE.match(value) or value != value.lower()):
            problems.append(f"{where}: bad name {value!r}")

    def localisations(where: str, value: Any, limit: int, *, name: bool = False) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            problems.append(f"{where}: localizations must be an object")
            return
        for locale, item in value.items():
            if locale not in LOCALES:
                problems.append(f"{where}: unknown locale {locale!r}")
            text(f"{where}[{locale}]", item, limit, name=name)

    def longest(node: dict[str, Any], field: str) -> int:
        # Discord counts only the longest of a field's default text and its localisations.
        texts = [str(node.get(field) or "")]
        texts += [str(t) for t in (node.get(f"{field}_localizations") or {}).values()]
        return max(len(t) for t in texts)

    def size(node: dict[str, Any]) -> int:
        total = longest(node, "name") + longest(node, "description")
        for choice in node.get("choices") or []:
            total += longest(choice, "name") + len(str(choice.get("value", "")))
        return total + sum(size(o) for o in node.get("options") or [])

    def option(where: str, opt: dict[str, Any], depth: int) -> None:
        text(f"{where}.name", opt.get("name"), 32, name=True)
        text(f"{where}.description", opt.get("description"), 100)
        localisations(f"{where}.name_localizations", opt.get("name_localizations"), 32, name=True)
        localisations(
            f"{where}.description_localizations", opt.get("description_localizations"), 100
        )
        kind = opt.get("type")
        if kind in (1, 2):
            if depth >= (2 if kind == 2 else 3):
                problems.append(f"{where}: sub-command nested too deep")
            options(where, opt.get("options") or [], depth + 1)
            return
        if kind not in (3, 4, 5, 6, 7, 8, 9, 10, 11):
            problems.append(f"{where}: unknown option type {kind!r}")
        choices = opt.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{where}: more than 25 choices")
        if choices and opt.get("autocomplete"):
            problems.append(f"{where}: choices and autocomplete together")
        for j, choice in enumerate(choices):
            text(f"{where}.choices[{j}].name", choice.get("name"), 100)
            localisations(
                f"{where}.choices[{j}].name_localizations", choice.get("name_localizations"), 100
            )
            value = choice.get("value")
            if kind == 3 and (not isinstance(value, str) or len(value) > 100):
                problems.append(f"{where}.choices[{j}]: string value of ≤ 100 characters")
        if kind == 3:
            for key in ("min_length", "max_length"):
                if key in opt and not 0 <= opt[key] <= 6000:
                    problems.append(f"{where}.{key}: 0–6000")
        if kind in (4, 10):
            low, high = opt.get("min_value"), opt.get("max_value")
            if low is not None and high is not None and low > high:
                problems.append(f"{where}: min_value above max_value")

    def options(where: str, opts: list[dict[str, Any]], depth: int) -> None:
        if len(opts) > 25:
            problems.append(f"{where}: more than 25 options")
        seen_optional = False
        seen: set[str] = set()
        subs = [o for o in opts if o.get("type") in (1, 2)]
        if subs and len(subs) != len(opts):
            problems.append(f"{where}: sub-commands mixed with options")
        for i, opt in enumerate(opts):
            if opt.get("name") in seen:
                problems.append(f"{where}: duplicate option {opt.get('name')!r}")
            seen.add(opt.get("name"))
            if opt.get("type") not in (1, 2):
                if opt.get("required") and seen_optional:
                    problems.append(f"{where}: required option after an optional one")
                seen_optional = seen_optional or not opt.get("required")
            option(f"{where}.options[{i}]", opt, depth)

    for i, cmd in enumerate(commands):
        where = f"commands[{i}]({cmd.get('name')})"
        if cmd.get("type", 1) != 1:
            continue
        text(f"{where}.name", cmd.get("name"), 32, name=True)
        text(f"{where}.description", cmd.get("description"), 100)
        localisations(f"{where}.name_localizations", cmd.get("name_localizations"), 32, name=True)
        localisations(
            f"{where}.description_localizations", cmd.get("description_localizations"), 100
        )
        permissions = cmd.get("default_member_permissions")
        if permissions is not None and not str(permissions).isdigit():
            problems.append(f"{where}.default_member_permissions: a permission bit set")
        options(where, cmd.get("options") or [], 1)
        if size(cmd) > 4000:
            problems.append(f"{where}: more than 4000 characters in total")
    return problems
