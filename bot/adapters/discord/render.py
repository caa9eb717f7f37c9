"""Neutral ``Reply`` → Discord message parts: content or embed, files, buttons and selects."""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from typing import Any

import discord

from bot.adapters.discord import custom_ids
from bot.core.reply import Action, ActionStyle, Reply, Tone

log = logging.getLogger(__name__)

MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_TITLE = 256
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_LABEL = 80
MAX_BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_SELECT_OPTIONS = 25
MAX_FILES = 10

_COLOURS = {
    Tone.INFO: discord.Colour(0x5865F2),
    Tone.SUCCESS: discord.Colour(0x2D7D46),
    Tone.WARNING: discord.Colour(0xE0A800),
    Tone.ERROR: discord.Colour(0xD83C3E),
}
_STYLES = {
    ActionStyle.PRIMARY: discord.ButtonStyle.primary,
    ActionStyle.SECONDARY: discord.ButtonStyle.secondary,
    ActionStyle.SUCCESS: discord.ButtonStyle.success,
    ActionStyle.DANGER: discord.ButtonStyle.danger,
}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class StaticView(discord.ui.View):
    """Components only: never stored in discord.py's view store.

    Clicks are handled by the adapter's ``on_interaction`` from the custom_id alone, so a
    button works the same before and after a restart (and no view ever times out).
    """

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False


def build_view(actions: list[Action]) -> discord.ui.View | None:
    """Buttons for actions; a command with more than 5 actions (or too many buttons overall)
    becomes a select menu whose option values carry each action's arguments."""
    if not actions:
        return None
    groups: OrderedDict[str, list[Action]] = OrderedDict()
    for action in actions:
        groups.setdefault(action.command, []).append(action)
    total_buttons = len(actions)
    view = StaticView()
    row = 0
    used_in_row = 0
    selects: list[tuple[str, list[Action]]] = []
    buttons: list[Action] = []
    for command, group in groups.items():
        plain = [a for a in group if not a.prompt]
        if len(plain) > MAX_BUTTONS_PER_ROW or total_buttons > MAX_BUTTONS_PER_ROW * MAX_ROWS:
            selects.append((command, plain))
            buttons.extend(a for a in group if a.prompt)
            total_buttons -= len(plain)
        else:
            buttons.extend(group)
    rows_for_buttons = MAX_ROWS - len(selects)
    for action in buttons:
        custom_id = custom_ids.encode(action)
        if custom_id is None:
            log.warning("Action %s does not fit in a custom_id; not shown", action.command)
            continue
        if used_in_row == MAX_BUTTONS_PER_ROW:
            row, used_in_row = row + 1, 0
        if row >= rows_for_buttons:
            log.warning("Too many actions on one message; some are not shown")
            break
        view.add_item(
            discord.ui.Button(
                label=clip(action.label, MAX_LABEL) or "…",
                style=_STYLES.get(action.style, discord.ButtonStyle.secondary),
                custom_id=custom_id,
                row=row,
            )
        )
        used_in_row += 1
    next_row = row + 1 if used_in_row else row
    for command, group in selects:
        select_id = custom_ids.encode_select(command)
        if select_id is None or next_row >= MAX_ROWS:
            continue
        options: list[discord.SelectOption] = []
        for action in group[:MAX_SELECT_OPTIONS]:
            value = custom_ids.encode_args(action.args)
            if len(value) > custom_ids.MAX_VALUE or any(o.value == value for o in options):
                continue
            options.append(discord.SelectOption(label=clip(action.label, 100) or "…", value=value))
        if not options:
            continue
        view.add_item(
            discord.ui.Select(
                custom_id=select_id,
                options=options,
                placeholder=clip(group[0].label, 150) if len(options) == 1 else None,
                row=next_row,
            )
        )
        next_row += 1
    return view if view.children else None


def build_embed(reply: Reply) -> discord.Embed | None:
    if not reply.title and not reply.fields:
        return None
    embed = discord.Embed(
        title=clip(reply.title, MAX_EMBED_TITLE) if reply.title else None,
        description=clip(reply.text, MAX_EMBED_DESCRIPTION) if reply.text else None,
        colour=_COLOURS.get(reply.tone),
    )
    for item in reply.fields[:MAX_FIELDS]:
        embed.add_field(
            name=clip(item.name, MAX_FIELD_NAME) or "\u200b",
            value=clip(item.value, MAX_FIELD_VALUE) or "\u200b",
            inline=item.inline,
        )
    image = next((a for a in reply.attachments if a.is_image), None)
    if image is not None:
        embed.set_image(url=f"attachment://{image.filename}")
    return embed


def build_files(reply: Reply) -> list[discord.File]:
    return [
        discord.File(io.BytesIO(a.data), filename=a.filename, description=a.description or None)
        for a in reply.attachments[:MAX_FILES]
    ]


def message_kwargs(reply: Reply, *, edit: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``send``/``edit``/interaction responses (``edit``: replace all)."""
    embed = build_embed(reply)
    content = None if embed is not None else (clip(reply.text, MAX_CONTENT) or "\u200b")
    kwargs: dict[str, Any] = {"content": content}
    view = build_view(reply.actions)
    if edit:
        kwargs["embeds"] = [embed] if embed else []
        kwargs["view"] = view
        if reply.attachments:
            kwargs["attachments"] = build_files(reply)
    else:
        if embed is not None:
            kwargs["embed"] = embed
        if view is not None:
            kwargs["view"] = view
        if reply.attachments:
            kwargs["files"] = build_files(reply)
    kwargs["allowed_mentions"] = allowed_mentions(reply)
    return kwargs


def no_mentions() -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=False)


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    """Ping only the members the bot itself mentioned (``Reply.mentions``): a ``<@id>``,
    ``@everyone`` or ``<@&role>`` typed by a member and echoed in a reply pings nobody."""
    users = [discord.Object(int(i)) for i in dict.fromkeys(reply.mentions) if i.isdecimal()]
    return discord.AllowedMentions(everyone=False, users=users, roles=False, replied_user=False)
