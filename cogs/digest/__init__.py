"""The monthly digest: each member who opted in (``me digest on``) gets, on a schedule, the
next cafés, new resources matching their interests, the last café's report and new members
offering what they need — sections the other cogs contribute through ``core.digest``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core import Cog, Core


def setup(core: Core) -> Cog:
    """Read ``[cogs.digest]``; the schedule is read in the community's zone (``[bot]
    timezone``), and an unreadable one stops the start with what to write instead."""
    from bot.core.members import parse_zone
    from cogs.digest.cog import DigestCog
    from cogs.digest.privacy import DigestPrivacy
    from cogs.digest.schedule import BadSchedule, parse_schedule
    from cogs.digest.service import DigestService
    from cogs.digest.settings import DigestSettings

    settings = core.cog_settings("digest", DigestSettings)
    zone = parse_zone(core.settings.bot.timezone) or ZoneInfo("UTC")
    try:
        schedule = parse_schedule(settings.schedule, zone)
    except BadSchedule as bad:  # the settings model checks it too (config check)
        raise ValueError(f"[cogs.digest] schedule: {bad}") from None
    service = DigestService(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        digest=core.digest,
        schedule=schedule,
        settings=settings,
        grace=core.settings.outbox.grace,
    )
    cog = DigestCog(core, service)
    cog.privacy = DigestPrivacy(core.db)
    return cog
