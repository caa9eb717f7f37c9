"""Polls: eight kinds, one ballot per member, anonymous or named, results as text and PNG."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Core
    from cogs.poll.cog import Polls


def setup(core: Core) -> Polls:
    """Read ``[cogs.poll]``, build the service and privacy hooks on the ballot secret, and the
    cog on top of them; register every poll kind as an activity a café can prepare."""
    # Imported here, not at the top: the package stays light to import (cogs.poll.kinds).
    from bot.core.dashboard_pages import POLLS
    from cogs.poll.activities import PollActivities
    from cogs.poll.cog import Polls
    from cogs.poll.dashboard_page import PollBoard
    from cogs.poll.privacy import PollPrivacy
    from cogs.poll.secret import BallotSecret
    from cogs.poll.service import PollService
    from cogs.poll.settings import PollSettings

    settings = core.cog_settings("poll", PollSettings)
    secret = BallotSecret(settings.ballot_secret, settings.ballot_secret_file)
    service = PollService(core.db, core.clock, core.outbox, core.members, settings, secret)
    privacy = PollPrivacy(core.db, secret, service.forget_cached)
    cog = Polls(core, service, privacy)
    activities = PollActivities(core, service)
    activities.render_results = cog.results_reply
    activities.closed = cog.live.closed
    core.activities.register(activities)
    from cogs.poll.dashboard import PollDashboard

    core.web.provide("overview:poll", PollDashboard(core.db))
    core.web.provide(
        POLLS,
        PollBoard(
            service=service, live=cog.live, clock=core.clock, population=core.room_population
        ),
    )
    return cog
