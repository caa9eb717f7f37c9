"""Monthly cafés: recurring online meetings, registration, reminder DMs, check-in, calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import Cog, Core


def setup(core: Core) -> Cog:
    """Read ``[cogs.cafe]``, build the service on the core's database, clock, outbox and
    members, the programme on the core's activity providers, and the cog on top of them."""
    from cogs.cafe.cog import Cafe
    from cogs.cafe.programme import Programme
    from cogs.cafe.service import CafeService
    from cogs.cafe.settings import CafeSettings

    settings = core.cog_settings("cafe", CafeSettings)
    service = CafeService(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        members=core.members,
        settings=settings,
    )
    programme = Programme(
        db=core.db,
        clock=core.clock,
        activities=core.activities,
        occurrences=service.occurrences,
    )
    from cogs.cafe.live import LiveSessions

    live = LiveSessions(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        activities=core.activities,
        programme=programme,
        settings=settings,
    )
    from cogs.cafe.followup import FollowUps
    from cogs.cafe.report import Reports
    from cogs.cafe.report_data import ReportData

    data = ReportData(db=core.db, members=core.members, live=live)
    reports = Reports(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        data=data,
        live=live,
        occurrences=service.occurrences,
        library=core.library,
        web=core.web,
        i18n=core.i18n,
    )
    followups = FollowUps(
        db=core.db,
        clock=core.clock,
        outbox=core.outbox,
        occurrences=service.occurrences,
        data=data,
        library=core.library,
    )
    cog = Cafe(
        core,
        settings=settings,
        service=service,
        programme=programme,
        live=live,
        reports=reports,
        followups=followups,
    )
    from cogs.cafe.audience import SessionAudience

    core.activities.provide_audience(SessionAudience(core.db, live))
    # The live challenge (quiz leaderboard, pseudonyms): its own service.
    from cogs.cafe.leaderboards import Leaderboards

    cog.leaderboards = Leaderboards(
        db=core.db,
        clock=core.clock,
        activities=core.activities,
        programme=programme,
        members=core.members,
        live=live,
    )
    # Questions from the floor during a live session (`cafe ask`, `cafe questions`).
    from cogs.cafe.questions import FloorQuestions

    cog.register_questions(
        FloorQuestions(
            db=core.db,
            clock=core.clock,
            outbox=core.outbox,
            occurrences=service.occurrences,
            running=live.running,
            settings=settings,
        )
    )
    # Calendar feeds (`me calendar`, /feeds/… on the web server): their own service.
    from cogs.cafe.feeds import CafeFeeds

    cog.feeds = CafeFeeds(
        db=core.db,
        clock=core.clock,
        members=core.members,
        web=core.web,
        translator=core.i18n.translator,
    )
    core.web.provide_calendar(cog.feeds)
    from bot.core.dashboard_pages import CAFES
    from cogs.cafe.dashboard import CafeDashboard
    from cogs.cafe.dashboard_page import CafeBoard

    board = CafeDashboard(core.db, service)
    core.web.provide("overview:cafe", board)
    core.web.provide("me:cafe", board)
    core.web.provide(CAFES, CafeBoard(db=core.db, clock=core.clock, attendance=service.attendance))
    # The report's sections from the other parts of the café (report.py, the hook).
    from cogs.cafe.report_sections import leaderboard_section, questions_section

    reports.sections.append(leaderboard_section(cog.leaderboards))
    reports.sections.append(questions_section(core.db))
    from cogs.cafe.digest import CafeDigest

    core.digest.register(CafeDigest(core.db, core.web))  # the digest's next cafés, last report
    return cog
