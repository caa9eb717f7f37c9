"""The library's vocabulary: statuses, the views use cases return, and pure rules (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core import UserError
from bot.core.text import fold_key, tidy

from .preview import PreviewError

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_COLLECTION = 120


class ResourceStatus(StrEnum):
    """``resource_item.status``: published for everyone, or waiting for a moderator."""

    PUBLISHED = "published"
    PENDING = "pending"


class Origin(StrEnum):
    """``resource_item.origin``: shared in a chat, or brought in by ``resources import``."""

    CHAT = "chat"
    IMPORT = "import"


@dataclass(slots=True)
class ResourceView:
    """A resource as shown: tags in their most used spelling, the author's name."""

    id: int
    url: str
    title: str
    summary: str
    status: ResourceStatus
    origin: Origin
    author_id: int | None
    author_name: str | None
    created_at: datetime
    tags: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    saved: bool = False


@dataclass(slots=True)
class AddResult:
    """``resource`` is None when the link is already waiting for approval as someone else's
    submission: its card stays private to its author and the moderators."""

    resource: ResourceView | None
    created: bool
    added_tags: list[str] = field(default_factory=list)
    preview_error: PreviewError | None = None


@dataclass(slots=True)
class SearchPage:
    items: list[ResourceView]
    page: int
    has_next: bool


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    merged: int = 0
    #: (line or item number, why): translated when the report is shown.
    skipped: list[tuple[int, UserError]] = field(default_factory=list)


def visible(status: str, author_id: int | None, viewer: int | None, moderator: bool) -> bool:
    """A resource under review is seen only by its author and the moderators."""
    return status == ResourceStatus.PUBLISHED or moderator or author_id == viewer


def not_found(resource_id: int) -> UserError:
    """The same answer for a missing resource and one the viewer may not see."""
    return UserError(
        "Aucune ressource n'a le numéro {id}. Cherchez-la avec resource find.",
        id=resource_id,
    )


def collection_name(name: str | None) -> tuple[str, str] | None:
    """``(key, label)`` of a collection name; None when empty. Keys compare like tags."""
    if name is None or not tidy(name):
        return None
    label = tidy(name)
    if len(label) > MAX_COLLECTION or not fold_key(label):
        raise UserError(
            "Le nom de collection doit compter de 1 à {max} caractères, lettres ou chiffres.",
            max=MAX_COLLECTION,
        )
    return fold_key(label), label


def clean_title(title: str | None) -> str:
    return tidy(title or "")[:MAX_TITLE]


def clean_summary(summary: str | None) -> str:
    return (summary or "").strip()[:MAX_SUMMARY]
