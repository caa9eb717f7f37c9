"""A fake Discord on 127.0.0.1: gateway and REST (API v10) for the unmodified discord.py client.

Just enough of Discord for end-to-end tests and benchmarks: HELLO / IDENTIFY / READY /
GUILD_CREATE / heartbeats; INTERACTION_CREATE (slash commands, components, modal submits);
GUILD_MEMBER_ADD / UPDATE / REMOVE; REST for users/@me, the application, command sync, servers,
interaction callbacks, webhook follow-ups and ``@original`` edits, DM channels, channel
messages (with ``nonce`` + ``enforce_nonce``), roles, member look-up, leaving a server; 429
answers with ``retry_after``.

Besides the community server (``guild_id``) it can hold *other* servers the bot was added to
(``add_other_guild`` before start, ``join_other_guild`` after), each with an administrator
role, so tests can act from a server where a member is administrator. Every message records
its ``allowed_mentions``; ``pings`` says whom Discord would notify.

Sharding, as Discord does it: an IDENTIFY with ``shard: [id, count]`` gets a READY echoing it
and listing only the servers with ``(guild_id >> 22) % count == id``; from then on that socket
receives only those servers' events, and direct-message interactions go to shard 0's socket.
``shards_identified`` records every IDENTIFY's shard; ``add_other_guild(shard=(id, count))``
picks a server id on a given shard. Without the shard field nothing changes.

Pitfalls it reproduces or respects (see docs/discord.md):
- JSON bodies carry exactly ``Content-Type: application/json`` (discord.py mis-parses a
  charset suffix);
- ``?with_response=1`` callbacks answer 200 with a JSON body (discord.py ≥ 2.5 raises on 204);
- a 429 must carry a ``Via`` header, or discord.py takes it for a Cloudflare ban;
- command payloads are validated against Discord's limits, and a bad one gets a 400 like
  Discord's (``code`` 50035).
"""

from fakes.discord.model import (
    Answer,
    InteractionRecord,
    OtherGuild,
    Pings,
    message_text,
    pings,
)
from fakes.discord.server import FakeDiscord
from fakes.discord.validate import validate_commands

__all__ = [
    "Answer",
    "FakeDiscord",
    "InteractionRecord",
    "OtherGuild",
    "Pings",
    "message_text",
    "pings",
    "validate_commands",
]
