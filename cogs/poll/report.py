"""A poll's final results as an ``ActivityReport`` (the café's report after the session).

Pure functions of a tally: the same summary lines ``poll results`` shows, a table per kind for
the CSV file (aggregates, never ballots: nothing there can replay who voted what), the picture
``poll results`` draws and an alt text that states the results in words. Names appear only
where the poll is not anonymous (the tally already carries none otherwise); a withheld
anonymous poll gives its count and nothing else.
"""

from __future__ import annotations

from bot.core import ActivityReport, Translator
from bot.core.activities import Cell
from cogs.poll.domain import RATING_SCALE, Tally
from cogs.poll.kinds import PollKind
from cogs.poll.render import categories, kind_name
from cogs.poll.render_results import participation, picture_of, result_lines

#: How many items an alt text names before "…" (a screen reader reads it all at once).
ALT_ITEMS = 12

Table = tuple[tuple[str, ...], list[tuple[Cell, ...]]]


def activity_report(
    tally: Tally, t: Translator, present: int, *, withheld: bool
) -> ActivityReport:
    poll = tally.poll
    label = kind_name(poll.kind, t)
    base = max(present, tally.voters)
    head = participation(tally.voters, base or None, t)
    if withheld:
        note = t("Résultats masqués : un sondage anonyme les montre à partir de 3 participations.")
        return ActivityReport(
            poll.id, poll.kind.value, label, poll.question, tally.voters, poll.anonymous, True,
            "", (head, note), (), (), None, "",
        )  # fmt: skip
    header, rows = table(tally, t)
    picture = picture_of(tally, t, base or None, True)
    return ActivityReport(
        activity_id=poll.id,
        kind=poll.kind.value,
        kind_label=label,
        title=poll.question,
        answered=tally.voters,
        anonymous=poll.anonymous,
        withheld=False,
        highlight=highlight(tally, t),
        summary=(head, *summary_lines(tally, t)),
        header=header,
        rows=tuple(rows),
        picture=picture,
        alt=f"{poll.question} — {head}. {alt_text(tally, t)}",
    )


def summary_lines(tally: Tally, t: Translator) -> list[str]:
    """``poll results``' lines; a rating's comments come before its stars (the picture
    shows the stars; a short summary should keep what people said)."""
    lines = result_lines(tally, t, True)
    if tally.poll.kind is PollKind.RATING and tally.comments:
        split = lines.index("")  # mean + stars, blank, "Commentaires :" + comments
        lines = [lines[0], *lines[split + 1 :], "", *lines[1:split]]
    return lines


def highlight(tally: Tally, t: Translator) -> str:
    """The one line a summary leads with: the winner, the mean, the top answer…"""
    poll = tally.poll
    if poll.kind is PollKind.QUIZ and tally.quiz is not None:
        if tally.quiz.winner:
            return t("Gagné par {name}", name=tally.quiz.winner)
        return t.n("{n} bonne réponse", "{n} bonnes réponses", tally.quiz.right)
    if poll.kind is PollKind.RATING and tally.rating_mean is not None:
        return t("Moyenne : {mean} / 5", mean=t.number(tally.rating_mean))
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE) and tally.counts and tally.voters:
        label, count = max(tally.counts, key=lambda c: c[1])
        return t("En tête : {label} ({count})", label=label, count=count)
    if poll.kind is PollKind.RANKING and tally.ranking:
        return t(
            "En tête : {label} ({count})",
            label=tally.ranking[0].label,
            count=tally.ranking[0].points,
        )
    if poll.kind is PollKind.WORDCLOUD:
        return t.n("{n} mot", "{n} mots", len(tally.words))
    if poll.kind is PollKind.BOARD:
        return t.n("{n} idée", "{n} idées", sum(len(ideas) for _, ideas in tally.board))
    if poll.kind is PollKind.OPEN:
        return t.n("{n} réponse", "{n} réponses", len(tally.answers))
    return ""


def table(tally: Tally, t: Translator) -> Table:
    """The CSV table of one poll's results (column names in the reader's language)."""
    poll = tally.poll
    named = not poll.anonymous
    who = (t("membre"),) if named else ()
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        return (t("choix"), t("votes")), [(label, count) for label, count in tally.counts]
    if poll.kind is PollKind.RANKING:
        rows: list[tuple[Cell, ...]] = [
            (i, r.label, r.points, round(r.mean_rank, 2))
            for i, r in enumerate(tally.ranking, start=1)
        ]
        return (t("rang"), t("choix"), t("points"), t("rang moyen")), rows
    if poll.kind is PollKind.RATING:
        rows = [(f"{v}/5", tally.distribution[v - 1], "") for v in range(RATING_SCALE, 0, -1)]
        rows += [
            (f"{value}/5", "", comment, *((name or "",) if named else ()))
            for name, value, comment in tally.comments
        ]
        return (t("note"), t("votes"), t("commentaire"), *who), rows
    if poll.kind is PollKind.OPEN:
        return (t("réponse"), *who), [
            (text, *((name or "",) if named else ())) for name, text in tally.answers
        ]
    if poll.kind is PollKind.WORDCLOUD:
        return (t("mot"), t("occurrences")), [(w, c) for w, c in tally.words]
    if poll.kind is PollKind.QUIZ and tally.quiz is not None:
        quiz = tally.quiz
        row: tuple[Cell, ...] = (" | ".join(poll.answers), quiz.right, quiz.attempts)
        if named:
            row += (quiz.winner or "", round(quiz.winner_seconds or 0, 1) if quiz.winner else "")
        extra = (t("gagnant"), t("secondes")) if named else ()
        return (t("réponse"), t("bonnes réponses"), t("tentatives"), *extra), [row]
    if poll.kind is PollKind.BOARD:
        names = categories(poll, t)
        rows = [
            (
                names[index],
                idea.number,
                idea.label,
                idea.votes,
                *((idea.author or "",) if named else ()),
            )
            for index, ideas in tally.board
            for idea in ideas
        ]
        return (t("catégorie"), t("n°"), t("idée"), t("soutiens"), *who), rows
    return (), []


def alt_text(tally: Tally, t: Translator) -> str:
    """The picture's results in words: what a screen reader says instead of the chart."""
    poll = tally.poll
    items: list[str] = []
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        items = [
            t("{label} : {value}", label=label, value=t.n("{n} vote", "{n} votes", c))
            for label, c in tally.counts
        ]
    elif poll.kind is PollKind.RANKING:
        items = [
            f"{i}. {r.label} ({t.n('{n} point', '{n} points', r.points)})"
            for i, r in enumerate(tally.ranking, start=1)
        ]
    elif poll.kind is PollKind.RATING:
        items = [highlight(tally, t)] + [
            t("{label} : {value}", label=f"{v}/5", value=tally.distribution[v - 1])
            for v in range(RATING_SCALE, 0, -1)
        ]
    elif poll.kind is PollKind.WORDCLOUD:
        items = [f"{w} ({c})" for w, c in tally.words]
    elif poll.kind is PollKind.BOARD:
        names = categories(poll, t)
        items = [
            t.n("{name} : {n} idée", "{name} : {n} idées", len(ideas), name=names[index])
            + (f" — {ideas[0].label} ({ideas[0].votes})" if ideas else "")
            for index, ideas in tally.board
        ]
    elif poll.kind is PollKind.OPEN:
        items = [t.quote(text) for _, text in tally.answers]
    elif poll.kind is PollKind.QUIZ:
        items = [highlight(tally, t), t("Réponse : « {answer} »", answer=" | ".join(poll.answers))]
    shown = items[:ALT_ITEMS]
    more = "…" if len(items) > ALT_ITEMS else ""
    return "; ".join(shown) + more
