"""Find every translatable string in the source (the test that keeps French and English in
step, and ``python -m bot.core.i18n_extract`` that prints the missing ones as .po stubs).

Collected: the first literal argument of ``_()``, ``N_()``, ``t()``/``x.t()``, ``t.n()``
(singular and plural), ``UserError()``, ``UsageError()``, ``PermissionDenied()``,
``NotADate()``, ``Opt()``,
the first docstring line of every ``@command`` and its ``examples=``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
CALLS = {"_", "N_", "t", "UserError", "UsageError", "PermissionDenied", "NotADate", "Opt"}
_PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")
_STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
_TEMPLATE_CALL = re.compile(r"(?<![\w.])_\(\s*" + _STRING)
_TEMPLATE_PLURAL = re.compile(r"(?<![\w.])ngettext\(\s*" + _STRING + r"\s*,\s*" + _STRING)


@dataclass(frozen=True)
class Msg:
    msgid: str
    plural: str | None
    where: str


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def extract_file(path: Path) -> list[Msg]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Msg] = []
    rel = path.relative_to(ROOT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = _name(node.func)
            first = _literal(node.args[0])
            if (
                name == "n"
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) in ("t", "self")
                and len(node.args) >= 2
            ):
                second = _literal(node.args[1])
                if first is not None and second is not None:
                    found.append(Msg(first, second, f"{rel}:{node.lineno}"))
            elif name in CALLS and first is not None:
                found.append(Msg(first, None, f"{rel}:{node.lineno}"))
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and any(
            isinstance(d, ast.Call) and _name(d.func) == "command" for d in node.decorator_list
        ):
            doc = ast.get_docstring(node)
            if doc:
                found.append(Msg(doc.strip().splitlines()[0], None, f"{rel}:{node.lineno}"))
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and _name(deco.func) == "command":
                    for kw in deco.keywords:
                        if kw.arg == "examples" and isinstance(kw.value, ast.Tuple | ast.List):
                            for elt in kw.value.elts:
                                if (text := _literal(elt)) is not None:
                                    found.append(Msg(text, None, f"{rel}:{deco.lineno}"))
    return found


def extract_template(path: Path) -> list[Msg]:
    """Translatable strings of a web template (``templates/*.html`` in a package): the first
    literal of ``_("…")`` and both literals of ``ngettext("…", "…", n)``."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT)
    found: list[Msg] = []
    for match in _TEMPLATE_CALL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(Msg(_unquote(match.group(1), match.group(2)), None, f"{rel}:{line}"))
    for match in _TEMPLATE_PLURAL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        singular = _unquote(match.group(1), match.group(2))
        plural = _unquote(match.group(3), match.group(4))
        found.append(Msg(singular, plural, f"{rel}:{line}"))
    return found


def _unquote(double: str | None, single: str | None) -> str:
    raw = double if double is not None else single or ""
    return re.sub(r"\\(.)", r"\1", raw)


def packages() -> dict[Path, Path]:
    """Source package → its locales directory (the core, then each cog)."""
    result = {ROOT / "bot": ROOT / "bot" / "locales"}
    for cog in sorted((ROOT / "cogs").iterdir()):
        if cog.is_dir() and (cog / "__init__.py").exists():
            result[cog] = cog / "locales"
    return result


def extract_package(package: Path) -> list[Msg]:
    msgs: list[Msg] = []
    for path in sorted(package.rglob("*.py")):
        msgs.extend(extract_file(path))
    for path in sorted(package.rglob("templates/*.html")):
        msgs.extend(extract_template(path))
    return msgs


def load_english(locales: Path) -> tuple[dict[str, str], dict[tuple[str, str], list[str]]]:
    singular: dict[str, str] = {}
    plural: dict[tuple[str, str], list[str]] = {}
    for po in sorted(locales.glob("en*.po")) if locales.exists() else []:
        with po.open("rb") as fh:
            for m in read_po(fh, locale="en"):
                if not m.id:
                    continue
                if isinstance(m.id, tuple | list):
                    plural[(m.id[0], m.id[1])] = list(m.string or ())
                elif isinstance(m.string, str):
                    singular[m.id] = m.string
    return singular, plural


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems() -> list[str]:
    """Every msgid without an English translation, or whose placeholders differ."""
    out: list[str] = []
    for package, locales in packages().items():
        singular, plural = load_english(locales)
        for msg in extract_package(package):
            if msg.plural is None:
                english = singular.get(msg.msgid)
                if not english:
                    out.append(f"{msg.where}: no English for {msg.msgid!r}")
                elif placeholders(english) != placeholders(msg.msgid):
                    out.append(f"{msg.where}: placeholders differ in English for {msg.msgid!r}")
            else:
                forms = plural.get((msg.msgid, msg.plural))
                if not forms or not all(forms):
                    out.append(f"{msg.where}: no English plural for {msg.msgid!r}")
    return out


def missing_stubs(package: Path) -> str:
    singular, plural = load_english(packages()[package])
    seen: set[str] = set()
    lines: list[str] = []
    for msg in extract_package(package):
        key = msg.msgid + "\x00" + (msg.plural or "")
        if key in seen:
            continue
        seen.add(key)
        esc = msg.msgid.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        if msg.plural is None and msg.msgid not in singular:
            lines += [f"#: {msg.where}", f'msgid "{esc}"', 'msgstr ""', ""]
        elif msg.plural is not None and (msg.msgid, msg.plural) not in plural:
            pesc = msg.plural.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines += [
                f"#: {msg.where}",
                f'msgid "{esc}"',
                f'msgid_plural "{pesc}"',
                'msgstr[0] ""',
                'msgstr[1] ""',
                "",
            ]
    return "\n".join(lines)


if __name__ == "__main__":
    targets = [Path(a).resolve() for a in sys.argv[1:]] or list(packages())
    for target in targets:
        stubs = missing_stubs(target)
        if stubs:
            print(f"# ---- missing in {packages()[target].relative_to(ROOT)}/en.po")
            print(stubs)
