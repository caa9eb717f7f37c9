"""The bot's Matrix session: the nio client, the login (token or password), its device and the
store directory (nio's keys and the adapter's state file)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse
from nio.crypto import ENCRYPTION_ENABLED

from bot.adapters.matrix.state import AdapterState, SavedState, StateFile

if TYPE_CHECKING:
    from bot.config import MatrixSection

log = logging.getLogger(__name__)


def encryption_wanted(settings: MatrixSection) -> bool:
    """Whether end-to-end encryption is on: asked for (or left to the default: on when the
    e2e extra is installed) and possible."""
    wanted = settings.encryption if settings.encryption is not None else ENCRYPTION_ENABLED
    if wanted and not ENCRYPTION_ENABLED:
        log.error(
            "Matrix encryption was asked for but the e2e extra is not installed "
            "(pip install 'passerelle[e2e]'): encrypted rooms will stay unreadable."
        )
    return bool(wanted and ENCRYPTION_ENABLED)


class Session:
    """Who the bot is on Matrix and with which client; what it keeps across restarts."""

    def __init__(self, settings: MatrixSection) -> None:
        self.settings = settings
        self.store_dir = Path(settings.store_path)
        self.statefile = StateFile(self.store_dir)
        #: The state in the database (under a core); without it, the state file.
        self.saved: SavedState | None = None
        self.client: AsyncClient | None = None
        self.user_id = settings.user_id
        self.encryption = False

    @property
    def state(self) -> AdapterState:
        return self.statefile.state

    @property
    def c(self) -> AsyncClient:
        """The client; only once the adapter is started."""
        assert self.client is not None, "the Matrix adapter is not started"
        return self.client

    def save(self) -> None:
        if self.saved is not None:
            self.saved.touch()
        else:
            self.statefile.save()

    def open(self) -> AsyncClient:
        """Build the client (not logged in yet) from the state loaded before (the database's,
        else the state file)."""
        s = self.settings
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.saved is None:
            self.statefile.load()
        self.encryption = encryption_wanted(s)
        config = AsyncClientConfig(
            encryption_enabled=self.encryption,
            store_sync_tokens=False,
            max_limit_exceeded=0,  # rate limits are handled here, so nothing waits blindly
            max_timeouts=3,
            request_timeout=s.sync_timeout.total_seconds() + 30,
        )
        self.client = AsyncClient(
            s.homeserver.rstrip("/"),
            s.user_id,
            device_id=s.device_id or self.saved_device() or None,
            store_path=str(self.store_dir),
            config=config,
        )
        return self.client

    def saved_device(self) -> str:
        """The device id of the saved login, if it was made for the configured user."""
        return self.state.device_id if self.state.user_id == self.settings.user_id else ""

    async def login(self) -> None:
        """With the access token (device asked from ``whoami`` when not configured), else with
        the saved session, else with the password (the device id is kept across logins)."""
        client, s, state = self.c, self.settings, self.state
        if s.access_token:
            device_id = s.device_id or self.saved_device()
            user_id = s.user_id
            if not device_id or not user_id:
                client.access_token = s.access_token
                who = await client.whoami()
                if not isinstance(who, WhoamiResponse):
                    raise RuntimeError(f"Matrix access token refused: {who}")
                device_id = device_id or who.device_id or ""
                user_id = user_id or who.user_id
            client.restore_login(user_id, device_id, s.access_token)
        elif s.password:
            if state.access_token and state.user_id == s.user_id and state.device_id:
                client.restore_login(state.user_id, state.device_id, state.access_token)
                who = await client.whoami()
                if isinstance(who, WhoamiResponse):
                    self.user_id = client.user_id
                    return
                log.info("Matrix: the saved session is no longer valid; logging in again")
            # The device id given to AsyncClient (config, then the saved one) is reused.
            resp = await client.login(s.password, device_name=s.device_name)
            if not isinstance(resp, LoginResponse):
                raise RuntimeError(f"Matrix login failed for {s.user_id}: {resp}")
            state.access_token = resp.access_token
        else:
            raise RuntimeError("[matrix] needs access_token or password")
        state.user_id = client.user_id
        state.device_id = client.device_id
        self.user_id = client.user_id
        self.save()

    async def close(self, *, save: bool = True) -> None:
        """Close the client; ``save``: write the state first (not when the lease is lost:
        the new owner's state must not be overwritten, and the write would be refused)."""
        if self.saved is not None:
            if save:
                await self.saved.flush()
            await self.saved.close()
        elif save:
            self.statefile.save()
        if self.client is not None:
            await self.client.close()
