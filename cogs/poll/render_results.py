"""Results: as text (bars, ranks, stars, answers, words, quiz, board) and as a PNG picture.

Pure functions of a tally and a translator; the picture is drawn by charts.py.
"""

from __future__ import annotations

from datetime import datetime

from bot.core import Action, Attachment, Reply, Tone, Translator
from cogs.poll import charts
from cogs.poll.domain import ANONYMOUS_BATCH, RATING_SCALE, Tally
from cogs.poll.kinds import PollKind
from cogs.poll.render import (
    MAX_BUTTONS,
    categories,
    kind_name,
    native_poll,
    poll_actions,
)
from cogs.poll.render_alt import alt_text

TEXT_ROWS = 30


def participation(
    voters: int, population: int | None, t: Translator, *, present: bool = False
) -> str:
    """ "Participation : 37 / 840 (4 %)" against the room, "37 / 71 présents (52 %)" against
    the people present at the live café that runs the poll."""
    if population and present:
        return t.n(
            "Participation : {voters} / {n} présent ({percent})",
            "Participation : {voters} / {n} présents ({percent})",
            population,
            voters=voters,
            percent=t.percent(min(voters / population, 1.0)),
        )
    if population:
        return t(
            "Participation : {voters} / {population} ({percent})",
            voters=voters,
            population=population,
            percent=t.percent(min(voters / population, 1.0)),
        )
    return t.n("Participation : {n} personne", "Participation : {n} personnes", voters)


def _bar(ratio: float, width: int = 10) -> str:
    full = round(ratio * width)
    return "▓" * full + "░" * (width - full)


def results_reply(
    tally: Tally,
    t: Translator,
    population: int | None,
    *,
    withheld: bool,
    now: datetime,
    picture: bool = True,
    buttons: bool = True,
    batched: bool = False,
    present: bool = False,
) -> Reply:
    """Results as text (and a PNG): what the poll's rules let everyone see right now
    (``batched``: an open anonymous poll, shown as of its last batch of votes)."""
    poll = tally.poll
    closed = poll.is_closed(now)
    status = t("Clos") if closed else t("En cours")
    share = participation(tally.voters, population, t, present=present)
    head = f"*{kind_name(poll.kind, t)} · {status}* — {share}"
    lines = [head, ""]
    shown = True
    if withheld:
        lines.append(
            t("Résultats masqués : un sondage anonyme les montre à partir de 3 participations.")
        )
        shown = False
    elif poll.results == "hidden" and not closed:
        lines.append(t("Les résultats seront affichés à la clôture."))
        shown = False
    else:
        lines += result_lines(tally, t, closed)
    if batched:
        lines += [
            "",
            t.n(
                "_Sondage anonyme : résultats mis à jour à chaque vote._",
                "_Sondage anonyme : résultats mis à jour par paquets de {n} votes._",
                ANONYMOUS_BATCH,
            ),
        ]
    reply = Reply(
        title=(
            t("Résultats finaux #{poll} : {question}", poll=poll.id, question=poll.question)
            if closed
            else t("Résultats #{poll} : {question}", poll=poll.id, question=poll.question)
        ),
        text="\n".join(lines).strip(),
        tone=Tone.INFO,
    )
    if shown and picture:
        reply.attachments.append(
            Attachment(
                f"sondage-{poll.id}.png",
                picture_of(tally, t, population, closed, present=present),
                "image/png",
                description=alt_text(tally, t),
            )
        )
    if closed:
        native = native_poll(poll, t, closed=True)
        reply.poll = native
    else:
        reply.actions = [
            a for a in poll_actions(poll, t, buttons=buttons) if a.command == "poll vote"
        ]
        if poll.kind is PollKind.BOARD and shown and (buttons or not poll.anonymous):
            ideas = [i for _, rows in tally.board for i in rows]
            reply.actions += [
                Action.invoke(
                    "poll vote",
                    label=t("Soutenir n° {number}", number=i.number),
                    poll=poll.id,
                    choice=str(i.number),
                )
                for i in ideas[: MAX_BUTTONS - len(reply.actions)]
            ]
    return reply


def _pct(count: int, total: int, t: Translator) -> str:
    return t.percent(count / total) if total else t.percent(0)


def result_lines(tally: Tally, t: Translator, closed: bool) -> list[str]:
    poll = tally.poll
    lines: list[str] = []
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        for label, count in tally.counts:
            ratio = count / tally.voters if tally.voters else 0
            lines.append(
                f"- {_bar(ratio)} **{label}** — "
                + t.n("{n} vote", "{n} votes", count)
                + f" ({_pct(count, tally.voters, t)})"
            )
    elif poll.kind is PollKind.RANKING:
        lines.append(t("Classement par points (méthode de Borda) :"))
        for i, row in enumerate(tally.ranking, start=1):
            lines.append(
                f"{i}. **{row.label}** — "
                + t.n(
                    "{n} point, rang moyen {rank}",
                    "{n} points, rang moyen {rank}",
                    row.points,
                    rank=t.number(row.mean_rank),
                )
            )
    elif poll.kind is PollKind.RATING:
        if tally.rating_mean is not None:
            lines.append(t("Moyenne du groupe : **{mean} / 5**", mean=t.number(tally.rating_mean)))
        for value in range(RATING_SCALE, 0, -1):
            count = tally.distribution[value - 1]
            stars = "★" * value + "☆" * (RATING_SCALE - value)
            lines.append("- " + t("{stars} : {count}", stars=stars, count=count))
        if tally.comments:
            lines += ["", t("Commentaires :")]
            for name, value, comment in tally.comments[:TEXT_ROWS]:
                lines.append(f"- {value}/5 {t.quote(comment)}" + (f" — {name}" if name else ""))
    elif poll.kind is PollKind.OPEN:
        for name, text in tally.answers[:TEXT_ROWS]:
            lines.append(f"- {t.quote(text)}" + (f" — **{name}**" if name else ""))
        if len(tally.answers) > TEXT_ROWS:
            lines.append(
                t.n(
                    "… et {n} autre réponse (voir l'export).",
                    "… et {n} autres réponses (voir l'export).",
                    len(tally.answers) - TEXT_ROWS,
                )
            )
    elif poll.kind is PollKind.WORDCLOUD:
        lines.append(", ".join(f"**{w}** ({c})" if c > 1 else w for w, c in tally.words[:60]))
    elif poll.kind is PollKind.QUIZ and tally.quiz is not None:
        quiz = tally.quiz
        if closed:
            lines.append(t("Réponse : « {answer} »", answer=" | ".join(poll.answers)))
        if quiz.right == 0:
            lines.append(t("Personne n'a encore trouvé la bonne réponse."))
        elif quiz.winner is not None:  # anonymous quizzes have no winner: no timing is kept
            lines.append(
                t("Gagné par **{name}**", name=quiz.winner)
                + " — "
                + t.n("{n} tentative", "{n} tentatives", quiz.winner_attempts)
                + ", "
                + t.n("{n} seconde", "{n} secondes", round(quiz.winner_seconds or 0))
            )
        lines.append(
            t.n("{n} bonne réponse", "{n} bonnes réponses", quiz.right)
            + " · "
            + t.n("{n} tentative en tout", "{n} tentatives en tout", quiz.attempts)
        )
    elif poll.kind is PollKind.BOARD:
        names = categories(poll, t)
        for index, ideas in tally.board:
            lines.append(f"**{names[index]}** ({len(ideas)})")
            for idea in ideas[:TEXT_ROWS]:
                lines.append(
                    f"- {t('n° {number}', number=idea.number)} {idea.label} — "
                    + t.n("{n} soutien", "{n} soutiens", idea.votes)
                    + (f" ({idea.author})" if idea.author else "")
                )
            lines.append("")
    return lines


def picture_of(
    tally: Tally, t: Translator, population: int | None, closed: bool, *, present: bool = False
) -> bytes:
    poll = tally.poll
    heading = poll.question
    share = participation(tally.voters, population, t, present=present)
    sub = f"{kind_name(poll.kind, t)} · {share}"
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        rows = [
            (label, float(count), f"{count} ({_pct(count, tally.voters, t)})")
            for label, count in tally.counts
        ]
        return charts.bars(heading, sub, rows, numbered=True)
    if poll.kind is PollKind.RANKING:
        rows = [
            (f"{i}. {r.label}", float(r.points), t("rang {rank}", rank=t.number(r.mean_rank)))
            for i, r in enumerate(tally.ranking, start=1)
        ]
        return charts.bars(heading, sub, rows, highlight_first=True)
    if poll.kind is PollKind.RATING:
        mean = (
            t("Moyenne : {mean} / 5", mean=t.number(tally.rating_mean))
            if tally.rating_mean
            else t("Aucune note")
        )
        return charts.histogram(
            heading, sub, tally.distribution, [f"{n} ★" for n in range(1, 6)], mean
        )
    if poll.kind is PollKind.WORDCLOUD:
        return charts.word_cloud(heading, sub, tally.words, t("Aucun mot pour l'instant."))
    lines: list[tuple[str, bool]] = []
    if poll.kind is PollKind.OPEN:
        # The author first: a long answer wraps and may be cut at its end, never its author.
        lines = [
            ((f"{name} — {t.quote(text)}" if name else t.quote(text)), False)
            for name, text in tally.answers[:20]
        ]
    elif poll.kind is PollKind.QUIZ and tally.quiz:
        quiz = tally.quiz
        if closed:
            lines.append((t("Réponse : « {answer} »", answer=" | ".join(poll.answers)), True))
        if quiz.winner is not None:
            lines.append((t("Gagné par {name}", name=quiz.winner), True))
            lines.append(
                (
                    t.n("{n} tentative", "{n} tentatives", quiz.winner_attempts)
                    + " · "
                    + t.n("{n} seconde", "{n} secondes", round(quiz.winner_seconds or 0)),
                    False,
                )
            )
        elif quiz.right == 0:
            lines.append((t("Personne n'a encore trouvé la bonne réponse."), True))
        lines.append((t.n("{n} bonne réponse", "{n} bonnes réponses", quiz.right), False))
    elif poll.kind is PollKind.BOARD:
        names = categories(poll, t)
        for index, ideas in tally.board:
            lines.append((names[index], True))
            lines += [
                (f"{i.votes:>3} ★  {t('n° {number}', number=i.number)} {i.label}", False)
                for i in ideas[:10]
            ]
    return charts.card(heading, sub, lines)
