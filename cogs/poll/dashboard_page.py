"""The polls' page of the web dashboard (``bot.core.dashboard.PollDashboard``): every poll's
results as a data table and a picture, and its ballots as CSV.

The same rules as in the chat hold: an anonymous poll shows nothing under the minimum number
of ballots and, while open, its results by batches; "hidden until closed" stays hidden; the
export is ``poll export``'s (anonymous: no identity, no time). Nothing here draws or counts
anew: it calls the service, the live results and ``render_results``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core import N_, Role, RoomRef
from bot.core.dashboard_pages import Download, Picture, PollSummary, ResultRow
from cogs.poll import render_results
from cogs.poll.domain import RATING_SCALE, PollView, Tally, Voter
from cogs.poll.kinds import PollKind, ResultsMode
from cogs.poll.models import Poll
from cogs.poll.render import categories, kind_name

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.scheduling import Clock
    from cogs.poll.live import LiveResults
    from cogs.poll.service import PollService

TABLE_ROWS = 50
ALT_LIMIT = 600

# The chat's words (render_results), so both say the same.
WITHHELD = N_("Résultats masqués : un sondage anonyme les montre à partir de 3 participations.")

Population = Callable[[RoomRef], Awaitable[int | None]]


class PollBoard:
    def __init__(
        self, *, service: PollService, live: LiveResults, clock: Clock, population: Population
    ) -> None:
        self.service = service
        self.live = live
        self.clock = clock
        self.population = population

    async def polls(self, t: Translator, limit: int = 50) -> list[PollSummary]:
        """The latest polls of every room, newest first."""
        async with self.service.db.session() as s:
            ids = (await s.exec(select(Poll.id).order_by(col(Poll.id).desc()).limit(limit))).all()
        # Through the service: a view with its options (cached for choice polls).
        return [await self._summary(await self.service.get(i), t) for i in ids if i is not None]

    async def poll(self, poll_id: int, t: Translator) -> PollSummary:
        return await self._summary(await self.service.get(poll_id), t)

    async def picture(self, poll_id: int, t: Translator) -> Picture | None:
        view = await self.service.get(poll_id)
        tally, shown, _ = await self._shown(view, t)
        if not shown:
            return None
        closed = view.is_closed(self.clock.now())
        png = render_results.picture_of(tally, t, await self.population(view.room), closed)
        return Picture(png, (await self._summary(view, t)).alt)

    async def export(self, poll_id: int, member_id: int, *, moderator: bool) -> Download:
        view = await self.service.get(poll_id)
        roles = frozenset({Role.MEMBER, Role.MODERATOR} if moderator else {Role.MEMBER})
        body = await self.service.export_csv(view, Voter(member_id, roles))
        return Download(f"sondage-{poll_id}.csv", "text/csv; charset=utf-8", body)

    # --- helpers -----------------------------------------------------------------------------

    async def _shown(self, view: PollView, t: Translator) -> tuple[Tally, bool, str]:
        """The tally as everyone may see it now, whether its results show, and why not."""
        closed = view.is_closed(self.clock.now())
        batched = view.anonymous and not closed
        tally = await self.live.shown_tally(view) if batched else await self.service.tally(view)
        if self.service.withheld(tally):
            return tally, False, t(WITHHELD)
        if view.results == ResultsMode.HIDDEN and not closed:
            return tally, False, t("Les résultats seront affichés à la clôture.")
        return tally, True, ""

    async def _summary(self, view: PollView, t: Translator) -> PollSummary:
        tally, shown, note = await self._shown(view, t)
        summary = PollSummary(
            id=view.id,
            question=view.question,
            kind=kind_name(view.kind, t),
            anonymous=view.anonymous,
            closed=view.is_closed(self.clock.now()),
            created_at=view.created_at,
            voters=tally.voters,
            shown=shown,
            note=note,
            rows=table(tally, t) if shown else [],
        )
        if shown:
            summary.alt = _alt(summary, t)
        return summary


def table(tally: Tally, t: Translator) -> list[ResultRow]:
    """The data table beside the picture: one row per answer, figure written for the reader."""
    poll = tally.poll
    rows: list[ResultRow] = []

    def pct(count: int) -> str:
        return t.percent(count / tally.voters) if tally.voters else t.percent(0)

    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        rows = [
            ResultRow(label, t.n("{n} vote", "{n} votes", count) + f" ({pct(count)})")
            for label, count in tally.counts
        ]
    elif poll.kind is PollKind.RANKING:
        rows = [
            ResultRow(
                f"{i}. {r.label}",
                t.n(
                    "{n} point, rang moyen {rank}",
                    "{n} points, rang moyen {rank}",
                    r.points,
                    rank=t.number(r.mean_rank),
                ),
            )
            for i, r in enumerate(tally.ranking, start=1)
        ]
    elif poll.kind is PollKind.RATING:
        if tally.rating_mean is not None:
            rows.append(ResultRow(t("Moyenne"), f"{t.number(tally.rating_mean)} / 5"))
        rows += [
            ResultRow(f"{value} ★", t.n("{n} vote", "{n} votes", tally.distribution[value - 1]))
            for value in range(RATING_SCALE, 0, -1)
        ]
    elif poll.kind is PollKind.OPEN:
        rows = [ResultRow(name or "—", text) for name, text in tally.answers]
    elif poll.kind is PollKind.WORDCLOUD:
        rows = [ResultRow(word, str(count)) for word, count in tally.words]
    elif poll.kind is PollKind.QUIZ and tally.quiz is not None:
        quiz = tally.quiz
        rows = [
            ResultRow(t("Bonnes réponses"), str(quiz.right)),
            ResultRow(t("Tentatives"), str(quiz.attempts)),
        ]
        if quiz.winner is not None:
            rows.append(ResultRow(t("Gagné par"), quiz.winner))
    elif poll.kind is PollKind.BOARD:
        names = categories(poll, t)
        for index, ideas in tally.board:
            rows += [
                ResultRow(
                    f"{names[index]} · {t('n° {number}', number=i.number)} {i.label}",
                    t.n("{n} soutien", "{n} soutiens", i.votes),
                )
                for i in ideas
            ]
    return rows[:TABLE_ROWS]


def _alt(summary: PollSummary, t: Translator) -> str:
    """The picture in words: the question, the participation and the first rows."""
    text = t(
        "Résultats du sondage « {question} » ({kind}), {voters} :",
        question=summary.question,
        kind=summary.kind,
        voters=t.n("{n} participation", "{n} participations", summary.voters),
    )
    parts = [t("{label} : {value}", label=row.label, value=row.value) for row in summary.rows]
    body = "; ".join(parts) if parts else t("aucune réponse pour l'instant")
    alt = f"{text} {body}."
    return alt if len(alt) <= ALT_LIMIT else alt[: ALT_LIMIT - 1] + "…"
