"""The alt text of a results picture: what the picture shows, in words, for screen readers and
for anyone whose client does not load pictures ("Intense : 12 votes (60 %) ; Stimulante : 8
votes (40 %)"). Only what the results text may show: an anonymous poll names nobody."""

from __future__ import annotations

from bot.core import Translator
from cogs.poll.domain import Tally
from cogs.poll.kinds import PollKind

#: Discord's limit for an attachment's description; Matrix and the web accept it too.
MAX_ALT = 1024


def alt_text(tally: Tally, t: Translator) -> str:
    poll = tally.poll
    parts: list[str] = [poll.question]
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        parts += [
            t.n(
                "{label} : {n} vote ({percent})",
                "{label} : {n} votes ({percent})",
                count,
                label=label,
                percent=t.percent(count / tally.voters if tally.voters else 0.0),
            )
            for label, count in tally.counts
        ]
    elif poll.kind is PollKind.RANKING:
        parts += [
            t(
                "{rank}. {label} (rang moyen {mean})",
                rank=i,
                label=r.label,
                mean=t.number(r.mean_rank),
            )
            for i, r in enumerate(tally.ranking, start=1)
        ]
    elif poll.kind is PollKind.RATING:
        if tally.rating_mean:
            parts.append(t("Moyenne : {mean} / 5", mean=t.number(tally.rating_mean)))
        parts += [
            t.n("{stars} ★ : {n} note", "{stars} ★ : {n} notes", count, stars=stars)
            for stars, count in enumerate(tally.distribution, start=1)
        ]
    elif poll.kind is PollKind.WORDCLOUD:
        parts += [f"{word} ({count})" for word, count in tally.words[:30]]
    elif poll.kind is PollKind.OPEN:
        parts += [
            (t("{label} : {value}", label=name, value=t.quote(text)) if name else t.quote(text))
            for name, text in tally.answers[:20]
        ]
    elif poll.kind is PollKind.QUIZ and tally.quiz is not None:
        if tally.quiz.winner is not None:
            parts.append(t("Gagné par {name}", name=tally.quiz.winner))
        parts.append(t.n("{n} bonne réponse", "{n} bonnes réponses", tally.quiz.right))
    elif poll.kind is PollKind.BOARD:
        parts += [
            t.n("{label} : {n} soutien", "{label} : {n} soutiens", idea.votes, label=idea.label)
            for _, ideas in tally.board
            for idea in ideas[:10]
        ]
    parts.append(t.n("{n} participant", "{n} participants", tally.voters))
    text = " ; ".join(part for part in parts if part)
    return text if len(text) <= MAX_ALT else text[: MAX_ALT - 1].rstrip(" ;") + "…"
