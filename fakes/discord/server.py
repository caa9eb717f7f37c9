"""The fake Discord server: its state, gateway, user actions and REST API on one aiohttp app."""

from __future__ import annotations

from aiohttp import web

from fakes.discord.gateway import Gateway
from fakes.discord.guilds import GuildRest
from fakes.discord.interactions import Users
from fakes.discord.model import API
from fakes.discord.rest import Rest


class FakeDiscord(Rest, GuildRest, Users, Gateway):
    """Start it, point discord.py at ``api_base`` and ``gateway_url``, act as users, read."""

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get(f"{API}/gateway", self._get_gateway)
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        r.add_put(f"{API}/applications/{{app}}/commands", self._sync)
        r.add_put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        r.add_get(f"{API}/applications/{{app}}/commands", self._list_commands)
        r.add_get(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self._list_commands)
        r.add_post(f"{API}/interactions/{{iid}}/{{token}}/callback", self._callback)
        r.add_post(f"{API}/webhooks/{{app}}/{{token}}", self._followup)
        r.add_patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_edit)
        r.add_delete(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_delete)
        r.add_get(f"{API}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._webhook_get)
        r.add_post(f"{API}/users/@me/channels", self._create_dm)
        r.add_post(f"{API}/channels/{{cid}}/messages", self._post_message)
        r.add_patch(f"{API}/channels/{{cid}}/messages/{{mid}}", self._edit_message)
        r.add_put(f"{API}/guilds/{{gid}}/members/{{uid}}/roles/{{rid}}", self._add_role)
        r.add_get(f"{API}/guilds/{{gid}}", self._get_guild)
        r.add_get(f"{API}/guilds/{{gid}}/members/{{uid}}", self._get_member)
        r.add_delete(f"{API}/users/@me/guilds/{{gid}}", self._leave_guild)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        self.site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await self.site.start()
        self.port = self.site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def go_away(self) -> None:
        """An outage: the gateway sessions drop (1001, going away) and every new connection,
        gateway or REST, is refused until ``come_back``."""
        self.identified.clear()
        self.away = True
        if self.site is not None:
            await self.site.stop()
            self.site = None
        for ws in list(self._sockets):
            await ws.close(code=1001)
        self._sockets.clear()

    async def come_back(self) -> None:
        """The end of the outage: listening again on the same port."""
        assert self.runner is not None and self.site is None
        self.away = False
        self.site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await self.site.start()

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()
