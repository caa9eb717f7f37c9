"""The facade cogs import from. Cogs use only these names (and their own package)."""

from bot.core.activities import ActivityDraft, ActivityProvider, ActivityReport, QuizAnswer
from bot.core.cog import Cog
from bot.core.commands import CommandSpec, Opt, OptionSpec, command
from bot.core.core import Core
from bot.core.durations import format_duration_short, parse_duration, parse_offsets
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.events import (
    Event,
    LinksShared,
    MemberJoined,
    MemberLeft,
    MembersMerged,
    ReminderPreferenceChanged,
    listener,
)
from bot.core.i18n import N_, Deferred, Translator
from bot.core.invocation import Invocation
from bot.core.library import LibraryEntry
from bot.core.members import MemberInfo, check_zone
from bot.core.outbox import Delivery
from bot.core.refs import Actor, MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Action, ActionStyle, Attachment, Field, NativePoll, Reply, Tone
from bot.core.when import Moment, NotADate, parse_when

__all__ = [
    "N_",
    "Action",
    "ActionStyle",
    "ActivityDraft",
    "ActivityProvider",
    "ActivityReport",
    "Actor",
    "Attachment",
    "Cog",
    "CommandSpec",
    "Core",
    "Deferred",
    "Delivery",
    "Event",
    "Field",
    "Invocation",
    "LibraryEntry",
    "LinksShared",
    "MemberInfo",
    "MemberJoined",
    "MemberLeft",
    "MemberRef",
    "MembersMerged",
    "MessageRef",
    "Moment",
    "NativePoll",
    "NotADate",
    "Opt",
    "OptionSpec",
    "PermissionDenied",
    "QuizAnswer",
    "ReminderPreferenceChanged",
    "Reply",
    "Role",
    "RoomRef",
    "Tone",
    "Translator",
    "UsageError",
    "UserError",
    "check_zone",
    "command",
    "format_duration_short",
    "listener",
    "parse_duration",
    "parse_offsets",
    "parse_when",
]
