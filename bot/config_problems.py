"""How a configuration problem is said to the operator: one line naming the key, in the
operator's language (``--lang``, then the locale variables; see ``bot.core.operator``).

pydantic's own messages are English: the common kinds are said again here, in the operator's
language, with the bound that was broken; a rarer kind keeps pydantic's text. Our validators'
messages (durations, schedules…) pass through as they are.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.core.i18n import N_, Translator


def operator_t(lang: str | None = None) -> Translator:
    """The operator's translator, built only when there is a problem to report (loading the
    catalogues is not free, and a valid configuration reports nothing)."""
    from bot.core.operator import operator_translator

    return operator_translator(lang)


class Say:
    """``say(msgid, **params)`` in the operator's language; the translator is built at the
    first problem only."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang
        self._t: Translator | None = None

    def __call__(self, msgid: str, /, **params: Any) -> str:
        if self._t is None:
            self._t = operator_t(self.lang)
        return self._t(msgid, **params)

    @property
    def t(self) -> Translator:
        if self._t is None:
            self._t = operator_t(self.lang)
        return self._t


#: pydantic error type → (French msgid, the context key its bound is read from, if any).
_KINDS: dict[str, tuple[str, str | None]] = {
    "missing": (N_("une valeur est requise"), None),
    "int_parsing": (N_("un nombre entier est attendu"), None),
    "int_type": (N_("un nombre entier est attendu"), None),
    "int_from_float": (N_("un nombre entier est attendu"), None),
    "float_parsing": (N_("un nombre est attendu"), None),
    "float_type": (N_("un nombre est attendu"), None),
    "bool_parsing": (N_("true ou false est attendu"), None),
    "bool_type": (N_("true ou false est attendu"), None),
    "string_type": (N_("du texte entre guillemets est attendu"), None),
    "list_type": (N_("une liste entre crochets est attendue"), None),
    "dict_type": (N_("une table est attendue"), None),
    "model_type": (N_("une table est attendue"), None),
    "greater_than_equal": (N_("au moins {bound} est attendu"), "ge"),
    "greater_than": (N_("plus de {bound} est attendu"), "gt"),
    "less_than_equal": (N_("au plus {bound} est attendu"), "le"),
    "less_than": (N_("moins de {bound} est attendu"), "lt"),
    "literal_error": (N_("une de ces valeurs est attendue : {bound}"), "expected"),
}


def problems_from(error: ValidationError, t: Translator, prefix: str = "") -> list[str]:
    """One line per error of ``error``, keys prefixed with ``prefix`` (``cogs.poll.``)."""
    out = []
    for item in error.errors():
        key = prefix + ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            out.append(t("{key} : clé inconnue (vérifiez son orthographe et sa section)", key=key))
        else:
            out.append(t("{key} : {problem}", key=key, problem=_said(item, t)))
    return out


def _said(item: Any, t: Translator) -> str:
    context = item.get("ctx") or {}
    if item["type"] == "string_too_long" and isinstance(context.get("max_length"), int):
        return t.n(
            "au plus {n} caractère est attendu",
            "au plus {n} caractères sont attendus",
            context["max_length"],
        )
    if item["type"] == "string_too_short" and isinstance(context.get("min_length"), int):
        return t.n(
            "au moins {n} caractère est attendu",
            "au moins {n} caractères sont attendus",
            context["min_length"],
        )
    kind = _KINDS.get(item["type"])
    if kind is None:
        message = str(item["msg"])
        # Our validators' own messages: pydantic prefixes them with "Value error, ".
        return message.removeprefix("Value error, ")
    msgid, bound_key = kind
    if bound_key is None:
        return t(msgid)
    bound = (item.get("ctx") or {}).get(bound_key, "?")
    if isinstance(bound, float) and bound.is_integer():
        bound = int(bound)  # "at least 0", not "0.0", for a float setting
    return t(msgid, bound=bound)
