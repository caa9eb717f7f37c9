"""Every discord.py internal the adapter relies on, in one place.

discord.py is pinned to the minor version these were checked against (``discord.py>=2.7.1,<2.8``
in pyproject.toml). Two of them are wraps of private machinery:

- the gateway parsers (``ConnectionState.parsers``: event name → ``parse_<event>(data)``): a
  parser's exception ends ``Client.connect()``, so the adapter wraps a few of them;
- ``CommandTree._call``, the coroutine that reads a slash command's payload and runs it:
  discord.py routes only ``AppCommandError`` to ``on_error``, anything else would end as an
  unretrieved task exception.

Reconnecting after the gateway was lost is discord.py's ``Client.connect`` loop: its
``ExponentialBackoff`` grows to minutes (a random delay up to 2, 4, 8… 1024 s) and each attempt
logs a full traceback. ``calm_reconnects`` caps the delay at ``RECONNECT_MAX_S`` (a member is
answered within seconds of Discord's return, not after a minute) and turns each attempt's log
record into one warning line.

The others are undocumented but plain: ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``
(pointing the client at another server, e.g. the fake Discord of the tests) and two
``HTTPClient`` calls. ``problems()`` checks all of them against the installed discord.py;
tests/adapters/discord/test_compat.py fails with its findings when an upgrade changes them.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any

import discord
import discord.backoff
import discord.client
import yarl
from discord import app_commands

log = logging.getLogger(__name__)

SUPPORTED = (2, 7)  # the discord.py minor version everything below was checked against

Parser = Callable[[Any], None]


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway connection somewhere else than discord.com."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


#: The longest wait between two attempts to reach the gateway again (the Matrix sync's too).
RECONNECT_MAX_S = 4.0
RECONNECT_LOG = "Attempting a reconnect in %.2fs"  # discord.py's own message (Client.connect)


class CappedBackoff(discord.backoff.ExponentialBackoff[bool]):
    """discord.py's backoff, never longer than ``RECONNECT_MAX_S``."""

    def delay(self) -> float:
        return min(float(super().delay()), RECONNECT_MAX_S)


class OneLineReconnects(logging.Filter):
    """discord.py logs each reconnect attempt with ``log.exception``: one warning line
    saying why and when instead of a traceback (the traceback stays at DEBUG, below)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != RECONNECT_LOG or not record.exc_info:
            return True
        error = record.exc_info[1]
        log.debug("Discord: reconnect attempt failed", exc_info=record.exc_info)
        record.msg = "Discord: the gateway is unreachable (%s: %s); trying again in %.1f s"
        record.args = (type(error).__name__, error, *(record.args or ()))
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


def calm_reconnects() -> None:
    """Cap the reconnect delay and log each attempt as one line (idempotent)."""
    setattr(discord.client, "ExponentialBackoff", CappedBackoff)  # noqa: B010 (a module global)
    logger = logging.getLogger(discord.client.__name__)
    if not any(isinstance(f, OneLineReconnects) for f in logger.filters):
        logger.addFilter(OneLineReconnects())


def wrap_parsers(
    client: discord.Client, events: Iterable[str], wrap: Callable[[str, Parser], Parser]
) -> None:
    """Replace the gateway parsers of ``events`` by ``wrap(event, parser)``.

    Before ``connect()``: the websocket reads this very dict (``_discord_parsers``)."""
    parsers: dict[str, Parser] = client._connection.parsers
    for event in events:
        if event in parsers:
            parsers[event] = wrap(event, parsers[event])


class GuardedCommandTree(app_commands.CommandTree):
    """A command tree whose dispatch never lets anything but ``AppCommandError`` escape:
    an unreadable payload calls ``on_unreadable`` instead."""

    async def _call(self, interaction: discord.Interaction) -> None:
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise
        except Exception:
            log.warning("Discord: unreadable application command payload")
            log.debug("Unreadable payload", exc_info=True)
            await self.on_unreadable(interaction)

    async def on_unreadable(self, interaction: discord.Interaction) -> None:
        """Answer an application command discord.py could not read."""


async def interaction_callback(
    client: discord.Client, interaction_id: str | int, token: str, payload: dict[str, Any]
) -> None:
    """POST an interaction callback over plain HTTP (for payloads discord.py cannot parse)."""
    route = discord.http.Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=interaction_id,
        interaction_token=token,
    )
    await client.http.request(route, json=payload)


async def add_role(client: discord.Client, guild_id: int, user_id: int, role_id: int) -> None:
    """Add a role by ids alone (no member object needed, cached or not)."""
    await client.http.add_role(guild_id, user_id, role_id, reason="Passerelle")


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def problems() -> list[str]:
    """What the installed discord.py changed among the internals above (empty: all is well)."""
    from discord import gateway, http, state

    found: list[str] = []
    if discord.version_info[:2] != SUPPORTED:
        checked = ".".join(map(str, SUPPORTED))
        found.append(f"version {discord.__version__}, but compat.py was checked against {checked}")

    # The gateway parsers: built from parse_* methods, read by the websocket from the state.
    init = inspect.getsource(state.ConnectionState.__init__)
    if "self.parsers" not in init or "parse_" not in init:
        found.append("ConnectionState.__init__ no longer builds self.parsers from parse_* methods")
    for event in ("INTERACTION_CREATE", "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"):
        parse = getattr(state.ConnectionState, f"parse_{event.lower()}", None)
        if parse is None or _parameters(parse) != ["self", "data"]:
            found.append(f"ConnectionState.parse_{event.lower()}(self, data) is gone or changed")
    if "_connection.parsers" not in inspect.getsource(gateway.DiscordWebSocket.from_client):
        found.append("DiscordWebSocket.from_client no longer reads client._connection.parsers")

    # CommandTree._call: the coroutine _from_interaction runs for every slash command.
    call = getattr(app_commands.CommandTree, "_call", None)
    if call is None or not inspect.iscoroutinefunction(call):
        found.append("CommandTree._call is gone or no longer a coroutine function")
    elif _parameters(call) != ["self", "interaction"]:
        found.append(f"CommandTree._call{inspect.signature(call)} changed its parameters")
    if "self._call(" not in inspect.getsource(app_commands.CommandTree._from_interaction):
        found.append("CommandTree._from_interaction no longer dispatches through self._call")

    # The reconnect loop: its backoff (a module global) and its log line.
    connect = inspect.getsource(discord.Client.connect)
    if "ExponentialBackoff()" not in connect or "backoff.delay()" not in connect:
        found.append("Client.connect no longer builds an ExponentialBackoff and asks its delay")
    if f"_log.exception('{RECONNECT_LOG}'" not in connect:
        found.append("Client.connect no longer logs its reconnect attempts as before")
    if getattr(discord.backoff.ExponentialBackoff, "delay", None) is None:
        found.append("ExponentialBackoff.delay is gone")

    # Endpoints and the two raw HTTP calls.
    if not isinstance(getattr(http.Route, "BASE", None), str):
        found.append("Route.BASE is gone")
    if not hasattr(gateway.DiscordWebSocket, "DEFAULT_GATEWAY"):
        found.append("DiscordWebSocket.DEFAULT_GATEWAY is gone")
    if _parameters(http.Route.__init__)[:3] != ["self", "method", "path"]:
        found.append(f"Route{inspect.signature(http.Route.__init__)} changed")
    if _parameters(http.HTTPClient.request)[:2] != ["self", "route"]:
        found.append(f"HTTPClient.request{inspect.signature(http.HTTPClient.request)} changed")
    add = _parameters(http.HTTPClient.add_role)
    if add[:4] != ["self", "guild_id", "user_id", "role_id"] or "reason" not in add:
        found.append(f"HTTPClient.add_role{inspect.signature(http.HTTPClient.add_role)} changed")
    return found
