"""Neutral replies: what a cog answers, before any adapter turns it into a platform message.

Text uses a small markdown subset every adapter can render: ``**bold**``, ``*italic*``,
```code```, ``[label](https://…)``, lines starting with ``- `` for lists, and blank lines.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.core.typography import colon

if TYPE_CHECKING:
    from bot.core.i18n import Translator


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class ActionStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


ArgValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Action:
    """A pre-filled command invocation: a button on Discord, a typed hint elsewhere.

    ``prompt`` names an option the user still has to type (Discord shows a text input for it;
    text platforms show the command with a placeholder).
    """

    command: str
    label: str
    args: tuple[tuple[str, ArgValue], ...] = ()
    style: ActionStyle = ActionStyle.SECONDARY
    prompt: str | None = None

    @classmethod
    def invoke(
        cls,
        command: str,
        *,
        label: str,
        style: ActionStyle = ActionStyle.SECONDARY,
        prompt: str | None = None,
        **args: ArgValue,
    ) -> Action:
        return cls(command, label, tuple(args.items()), style, prompt)

    @property
    def arg_dict(self) -> dict[str, ArgValue]:
        return dict(self.args)

    def as_text(self, prefix: str = "!") -> str:
        """The command a text user types to do the same: ``!cafe join occurrence:12``."""
        parts = [prefix + self.command]
        for name, value in self.args:
            parts.append(f"{name}:{quote(_text_value(value))}")
        if self.prompt:
            parts.append(f"{self.prompt}:…")
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "label": self.label,
            "args": [list(a) for a in self.args],
            "style": self.style.value,
            "prompt": self.prompt,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Action:
        return cls(
            data["command"],
            data["label"],
            tuple((k, v) for k, v in data["args"]),
            ActionStyle(data["style"]),
            data.get("prompt"),
        )


def _text_value(value: ArgValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def quote(value: str) -> str:
    """Quote a token for the text grammar when it needs it."""
    if value and not any(c.isspace() or c in "\"'“”«»" for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str = ""

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


@dataclass(frozen=True, slots=True)
class NativePoll:
    """Ask adapters that have native polls (Matrix MSC3381, Discord) to show one too.

    A vote on it becomes ``vote`` with ``option`` set to the chosen answer ids (``|``-joined),
    so native and typed votes land in the same tally. ``closed`` ends the native poll.
    """

    key: str
    question: str
    answers: tuple[tuple[str, str], ...]  # (answer id, label)
    vote: Action
    option: str = "choice"
    max_selections: int = 1
    closed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "question": self.question,
            "answers": [list(a) for a in self.answers],
            "vote": self.vote.to_json(),
            "option": self.option,
            "max_selections": self.max_selections,
            "closed": self.closed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NativePoll:
        return cls(
            data["key"],
            data["question"],
            tuple((i, lb) for i, lb in data["answers"]),
            Action.from_json(data["vote"]),
            data.get("option", "choice"),
            data.get("max_selections", 1),
            data.get("closed", False),
        )


@dataclass(slots=True)
class Reply:
    """What the bot says. ``private`` replies reach only the person who asked."""

    text: str = ""
    title: str | None = None
    fields: list[Field] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    private: bool = False
    tone: Tone = Tone.INFO
    poll: NativePoll | None = None
    # Platform member ids this reply may ping. Mentions come only from the bot's own
    # ``mention`` calls: adapters notify these people and nobody named in user text.
    mentions: tuple[str, ...] = ()
    # The command was typed where others could read it and must not stay there (an
    # anonymous vote in a shared room): adapters that can remove the message do so.
    redact_source: bool = False
    # The language it is written in, stamped where it is sent (the core's dispatch, the
    # outbox, live posts): text adapters join a field's name to its value by its rule.
    locale: str | None = None
    #: French typography (config ``bot.french_typography``) for what the adapters add.
    typography: bool = True

    def stamp(self, t: Translator) -> Reply:
        """Note the language of the translator that wrote it (unless already noted)."""
        if self.locale is None:
            self.locale, self.typography = t.locale, t.typography
        return self

    @property
    def field_separator(self) -> str:
        """`` : `` in French, ``: `` in English (no space before the colon)."""
        return colon(self.locale, typography=self.typography)

    def field_lines(self, name: str = "{name}", value: str = "{value}") -> list[str]:
        """Each field as one line, ``name : value`` or ``name: value`` by the reply's
        locale. ``name``/``value`` wrap each part (``**{name}**`` for bold)."""
        sep = self.field_separator
        return [
            name.replace("{name}", f.name) + sep + value.replace("{value}", f.value)
            for f in self.fields
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "title": self.title,
            "fields": [[f.name, f.value, f.inline] for f in self.fields],
            "attachments": [
                [a.filename, base64.b64encode(a.data).decode(), a.mime, a.description]
                for a in self.attachments
            ],
            "actions": [a.to_json() for a in self.actions],
            "private": self.private,
            "tone": self.tone.value,
            "poll": self.poll.to_json() if self.poll else None,
            "mentions": list(self.mentions),
            "redact_source": self.redact_source,
            "locale": self.locale,
            "typography": self.typography,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=data.get("text", ""),
            title=data.get("title"),
            fields=[Field(n, v, i) for n, v, i in data.get("fields", [])],
            attachments=[
                Attachment(fn, base64.b64decode(b), m, d)
                for fn, b, m, d in data.get("attachments", [])
            ],
            actions=[Action.from_json(a) for a in data.get("actions", [])],
            private=data.get("private", False),
            tone=Tone(data.get("tone", "info")),
            poll=NativePoll.from_json(data["poll"]) if data.get("poll") else None,
            mentions=tuple(data.get("mentions", ())),
            redact_source=data.get("redact_source", False),
            locale=data.get("locale"),
            typography=data.get("typography", True),
        )

    def plain_text(self) -> str:
        """Title, text and fields as one plain string (used by text adapters and tests)."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        lines.extend(self.field_lines())
        return "\n".join(lines)
