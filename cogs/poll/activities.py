"""The poll cog as the core's activity provider: a café's programme is checked here, with the
very rules (and messages) of ``poll create`` (validate.py), when each activity is added."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core import ActivityDraft, Translator, UserError
from cogs.poll import validate
from cogs.poll.domain import PollKind
from cogs.poll.render import kind_name


def _text(options: Mapping[str, Any], key: str) -> str:
    """A list option as ``poll create`` reads it: ``"A | B"``, or a list from a deck file."""
    value = options.get(key)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        if not all(isinstance(item, str) for item in value):
            raise UserError('{option} attend du texte, par exemple "A | B | C".', option=key)
        return " | ".join(value)
    if not isinstance(value, str):
        raise UserError('{option} attend du texte, par exemple "A | B | C".', option=key)
    return value


def _flag(options: Mapping[str, Any], key: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise UserError(
            "L'option {option} attend oui ou non (true/false), pas « {value} ».",
            option=key,
            value=str(value)[:40],
        )
    return value


class PollActivities:
    """Every poll kind is an activity a café can run."""

    kinds: tuple[str, ...] = tuple(kind.value for kind in PollKind)

    def validate(
        self, kind: str, question: str, options: Mapping[str, Any], t: Translator
    ) -> ActivityDraft:
        poll_kind = PollKind(kind)
        checked = validate.check_question(question)
        labels = validate.check_labels(_text(options, "choices"), poll_kind)
        answers = validate.check_answers(_text(options, "answer"), poll_kind)
        categories = validate.check_categories(_text(options, "categories"), poll_kind)
        raw_max = options.get("max")
        if raw_max is not None and (isinstance(raw_max, bool) or not isinstance(raw_max, int)):
            raise UserError(
                "L'option {option} attend un nombre, pas « {value} ».",
                option="max",
                value=str(raw_max)[:40],
            )
        max_choices = validate.check_max(raw_max, poll_kind, len(labels))
        results = validate.check_results(str(options.get("results", "live")))
        data: dict[str, Any] = {}
        if labels:
            data["choices"] = labels
        if answers:
            data["answer"] = answers
        if categories:
            data["categories"] = categories
        if max_choices is not None:
            data["max"] = max_choices
        if _flag(options, "anonymous"):
            data["anonymous"] = True
        if results.value != "live":
            data["results"] = results.value
        return ActivityDraft(poll_kind.value, checked, data)

    def kind_name(self, kind: str, t: Translator) -> str:
        return kind_name(PollKind(kind), t)
