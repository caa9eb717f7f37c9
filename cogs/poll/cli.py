"""The poll cog's part in ``passerelle db backup``: where the anonymous-ballot secret lives.

Found by ``bot.cli`` by name (``cogs.<name>.cli``) for enabled cogs, never imported statically.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.config import Settings
from cogs.poll.settings import PollSettings


def backup_secret(settings: Settings) -> Path | None:
    """The secret file to copy beside a backup, or None when the secret comes from the
    configuration or the environment (nothing to copy then)."""
    poll = PollSettings.model_validate(settings.cogs.section("poll"))
    if poll.ballot_secret or os.environ.get("PASSERELLE_COGS__POLL__BALLOT_SECRET"):
        return None
    return Path(poll.ballot_secret_file).expanduser()
