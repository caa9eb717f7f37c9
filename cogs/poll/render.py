"""Replies: the poll itself, vote confirmations, results as text and as a picture, the list.

Pure functions of domain objects and a translator.
"""

from __future__ import annotations

from datetime import datetime

from bot.core import N_, Action, ActionStyle, Attachment, NativePoll, Reply, Tone, Translator
from cogs.poll import charts
from cogs.poll.domain import CHOICE_KINDS, RATING_SCALE, PollKind, PollView, Tally
from cogs.poll.service import VoteOutcome

KIND_NAMES = {
    PollKind.SINGLE: N_("choix unique"),
    PollKind.MULTIPLE: N_("choix multiples"),
    PollKind.RANKING: N_("classement"),
    PollKind.RATING: N_("note de 1 à 5"),
    PollKind.OPEN: N_("question ouverte"),
    PollKind.WORDCLOUD: N_("nuage de mots"),
    PollKind.QUIZ: N_("quiz"),
    PollKind.BOARD: N_("tableau d'idées"),
}
DEFAULT_CATEGORY = N_("Idées")
MAX_BUTTONS = 25
TEXT_ROWS = 30
# Open anonymous polls refresh their results once per this many votes (see cog.py).
ANONYMOUS_BATCH = 5


def kind_name(kind: PollKind, t: Translator) -> str:
    return t(KIND_NAMES[kind])


def title(poll: PollView, t: Translator) -> str:
    return t("Sondage #{poll} : {question}", poll=poll.id, question=poll.question)


def categories(poll: PollView, t: Translator) -> list[str]:
    return list(poll.categories) or [t(DEFAULT_CATEGORY)]


def how_to_vote(poll: PollView, t: Translator, prefix: str) -> str:
    cmd = f"`{prefix}poll vote poll:{poll.id}"
    if poll.kind is PollKind.SINGLE:
        return t("Votez : {cmd} choice:2` (numéro ou intitulé).", cmd=cmd)
    if poll.kind is PollKind.MULTIPLE:
        return t('Votez : {cmd} choice:"1 | 3"` (plusieurs choix séparés par |).', cmd=cmd)
    if poll.kind is PollKind.RANKING:
        order = " | ".join(str(o.position) for o in poll.options)
        return t(
            'Classez tout, du premier au dernier : {cmd} choice:"{order}"`.', cmd=cmd, order=order
        )
    if poll.kind is PollKind.RATING:
        return t('Notez de 1 à 5 : {cmd} choice:4 comment:"…"` (commentaire facultatif).', cmd=cmd)
    if poll.kind is PollKind.WORDCLOUD:
        return t.n(
            'Répondez en un mot : {cmd} text:"…"`.',
            'Répondez en {n} mots au plus, séparés par | : {cmd} text:"…"`.',
            poll.max_choices or 1,
            cmd=cmd,
        )
    if poll.kind is PollKind.BOARD:
        return t(
            'Proposez une idée : {cmd} text:"…" category:1` ; soutenez l\'idée n° 3 : '
            "{cmd} choice:3`.",
            cmd=cmd,
        )
    return t('Répondez : {cmd} text:"…"`.', cmd=cmd)


def private_vote_line(poll: PollView, prefix: str) -> str:
    """The exact line to type in a DM with the bot to vote on ``poll``."""
    choosing = poll.kind in CHOICE_KINDS or poll.kind is PollKind.RATING
    what = "choice:…" if choosing else 'text:"…"'
    return f"`{prefix}poll vote poll:{poll.id} {what}`"


def typed_vote_refused(poll: PollView, t: Translator, prefix: str) -> str:
    return t(
        "Le sondage n° {poll} est anonyme : votez en message privé avec le bot, jamais dans "
        "le salon où tout le monde lit votre message. Rien n'a été enregistré, et le bot "
        "retire votre message du salon s'il en a le droit. En privé, tapez : {line}",
        poll=poll.id,
        line=private_vote_line(poll, prefix),
    )


def poll_reply(
    poll: PollView, t: Translator, prefix: str, now: datetime, *, buttons: bool = True
) -> Reply:
    """The poll as posted when it opens: question, kind, rules, and how to take part."""
    lines = [f"*{kind_name(poll.kind, t)}*"]
    if poll.kind in CHOICE_KINDS:
        lines += [f"{o.position}. {o.label}" for o in poll.options]
    if poll.kind is PollKind.BOARD:
        lines.append(
            t("Catégories :")
            + " "
            + ", ".join(f"{i}. {c}" for i, c in enumerate(categories(poll, t), start=1))
        )
    lines.append("")
    if poll.anonymous:
        lines.append(
            t(
                "🔒 Sondage anonyme : personne, ni les modérateurs ni la base de données, "
                "ne peut savoir qui a voté quoi. Les résultats n'apparaissent qu'à partir "
                "de 3 participations."
            )
        )
        lines.append(
            t(
                "Votez en message privé avec le bot, pas dans le salon : un vote tapé dans le "
                "salon est refusé et retiré. En privé, tapez : {line}",
                line=private_vote_line(poll, prefix),
            )
        )
        lines.append(
            t(
                "Les résultats se mettent à jour par paquets de {n} votes, pour que personne ne "
                "puisse deviner un vote en les regardant.",
                n=ANONYMOUS_BATCH,
            )
        )
    if poll.results == "hidden":
        lines.append(
            t(
                "Les résultats restent cachés jusqu'à la clôture ; seul le nombre de "
                "participations s'affiche."
            )
        )
    if poll.closes_at:
        lines.append(t("Clôture : {when}.", when=t.datetime(poll.closes_at, now=now)))
    if poll.role in ("moderator", "admin"):
        lines.append(t("Réservé aux modérateurs."))
    lines.append(how_to_vote(poll, t, prefix))
    lines.append(t("Un seul vote par personne : voter à nouveau remplace votre vote."))
    return Reply(
        title=title(poll, t),
        text="\n".join(lines),
        actions=poll_actions(poll, t, buttons=buttons),
        poll=native_poll(poll, t),
        tone=Tone.INFO,
    )


def poll_actions(poll: PollView, t: Translator, *, buttons: bool = True) -> list[Action]:
    """Vote buttons and a results button. Without buttons, actions are typed hints shown in the
    room: an anonymous poll then offers none for voting (votes go to the DM)."""
    if poll.anonymous and not buttons:
        return [Action.invoke("poll results", label=t("Résultats"), poll=poll.id)]
    actions: list[Action] = []
    if poll.kind is PollKind.SINGLE and len(poll.options) <= MAX_BUTTONS - 1:
        actions = [
            Action.invoke("poll vote", label=o.label[:80], poll=poll.id, choice=str(o.position))
            for o in poll.options
        ]
    elif poll.kind in (PollKind.MULTIPLE, PollKind.RANKING, PollKind.SINGLE):
        actions = [
            Action.invoke(
                "poll vote",
                label=t("Voter"),
                poll=poll.id,
                prompt="choice",
                style=ActionStyle.PRIMARY,
            )
        ]
    elif poll.kind is PollKind.RATING:
        actions = [
            Action.invoke("poll vote", label="★" * n, poll=poll.id, choice=str(n))
            for n in range(1, RATING_SCALE + 1)
        ]
    elif poll.kind is PollKind.BOARD:
        actions = [
            Action.invoke(
                "poll vote",
                label=t("Proposer une idée : {category}", category=name)[:80],
                poll=poll.id,
                category=str(i),
                prompt="text",
                style=ActionStyle.PRIMARY,
            )
            for i, name in enumerate(categories(poll, t), start=1)
        ][: MAX_BUTTONS - 1]
        if not poll.categories:
            actions = [
                Action.invoke(
                    "poll vote",
                    label=t("Proposer une idée"),
                    poll=poll.id,
                    prompt="text",
                    style=ActionStyle.PRIMARY,
                )
            ]
    else:
        actions = [
            Action.invoke(
                "poll vote",
                label=t("Répondre"),
                poll=poll.id,
                prompt="text",
                style=ActionStyle.PRIMARY,
            )
        ]
    actions.append(Action.invoke("poll results", label=t("Résultats"), poll=poll.id))
    return actions


def native_poll(poll: PollView, t: Translator, *, closed: bool = False) -> NativePoll | None:
    """Single and multiple choice, named polls with live results only: native polls show who
    voted, and their clients show the tally to voters."""
    if poll.anonymous or poll.results == "hidden":
        return None
    if poll.kind not in (PollKind.SINGLE, PollKind.MULTIPLE):
        return None
    return NativePoll(
        key=f"poll:{poll.id}",
        question=poll.question,
        answers=tuple((str(o.position), o.label) for o in poll.options),
        vote=Action.invoke("poll vote", label=t("Voter"), poll=poll.id),
        option="choice",
        max_selections=1
        if poll.kind is PollKind.SINGLE
        else (poll.max_choices or len(poll.options)),
        closed=closed,
    )


def vote_reply(outcome: VoteOutcome, t: Translator) -> Reply:
    poll = outcome.poll
    if poll.anonymous and poll.kind is not PollKind.QUIZ:
        return Reply(text=anonymous_vote_text(outcome, t), tone=Tone.SUCCESS, private=True)
    what = " | ".join(outcome.recorded)
    if poll.kind is PollKind.QUIZ:
        if outcome.correct:
            text = t.n(
                "✅ Bonne réponse, trouvée en {n} tentative !",
                "✅ Bonne réponse, trouvée en {n} tentatives !",
                outcome.attempts,
            )
            return Reply(text=text, tone=Tone.SUCCESS, private=True)
        text = t.n(
            "❌ Ce n'est pas la bonne réponse ({n} tentative). Réessayez !",
            "❌ Ce n'est pas la bonne réponse ({n} tentatives). Réessayez !",
            outcome.attempts,
        )
        return Reply(text=text, tone=Tone.WARNING, private=True)
    if poll.kind is PollKind.BOARD:
        if outcome.already:
            text = t(
                "Vous soutenez déjà l'idée n° {number} : votre voix n'est comptée qu'une fois.",
                number=outcome.idea,
            )
        elif outcome.posted:
            text = t(
                "Idée n° {number} ajoutée au tableau : « {idea} ».", number=outcome.idea, idea=what
            )
        else:
            text = t(
                "Vous soutenez l'idée n° {number} : « {idea} ».", number=outcome.idea, idea=what
            )
        return Reply(text=text, tone=Tone.SUCCESS, private=True)
    if outcome.replaced:
        text = t(
            "Vote mis à jour pour le sondage #{poll} : {choice}. Votre ancien vote est remplacé, "
            "il ne compte qu'une fois.",
            poll=poll.id,
            choice=what,
        )
    else:
        text = t("Vote enregistré pour le sondage #{poll} : {choice}.", poll=poll.id, choice=what)
    return Reply(text=text, tone=Tone.SUCCESS, private=True)


def anonymous_vote_text(outcome: VoteOutcome, t: Translator) -> str:
    """The confirmation of an anonymous vote never repeats what was voted (nor which idea):
    wherever a private reply might be kept next to the member, it says nothing of the vote."""
    poll = outcome.poll
    if poll.kind is PollKind.BOARD:
        if outcome.already:
            return t("Ce soutien était déjà compté : votre voix ne compte qu'une fois.")
        if outcome.posted:
            return t(
                "Votre idée est ajoutée au tableau du sondage #{poll} (anonyme).", poll=poll.id
            )
        return t("Votre soutien est enregistré au sondage #{poll} (anonyme).", poll=poll.id)
    if outcome.replaced:
        text = t(
            "Vote mis à jour pour le sondage #{poll} (anonyme). Votre ancien vote est "
            "remplacé, il ne compte qu'une fois.",
            poll=poll.id,
        )
    else:
        text = t("Vote enregistré pour le sondage #{poll} (anonyme).", poll=poll.id)
    return text + " " + t("Par discrétion, votre choix n'est pas répété ici.")


def participation(voters: int, population: int | None, t: Translator) -> str:
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
) -> Reply:
    """Results as text (and a PNG): what the poll's rules let everyone see right now
    (``batched``: an open anonymous poll, shown as of its last batch of votes)."""
    poll = tally.poll
    closed = poll.is_closed(now)
    status = t("Clos") if closed else t("En cours")
    head = f"*{kind_name(poll.kind, t)} · {status}* — {participation(tally.voters, population, t)}"
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
            t(
                "_Sondage anonyme : résultats mis à jour par paquets de {n} votes._",
                n=ANONYMOUS_BATCH,
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
                picture_of(tally, t, population, closed),
                "image/png",
                description=t("Résultats du sondage #{poll}", poll=poll.id),
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
            lines.append(f"- {'★' * value}{'☆' * (RATING_SCALE - value)} : {count}")
        if tally.comments:
            lines += ["", t("Commentaires :")]
            for name, value, comment in tally.comments[:TEXT_ROWS]:
                lines.append(f"- {value}/5 « {comment} »" + (f" — {name}" if name else ""))
    elif poll.kind is PollKind.OPEN:
        for name, text in tally.answers[:TEXT_ROWS]:
            lines.append(f"- « {text} »" + (f" — **{name}**" if name else ""))
        if len(tally.answers) > TEXT_ROWS:
            lines.append(
                t("… et {n} autres réponses (voir l'export).", n=len(tally.answers) - TEXT_ROWS)
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
                    f"- n° {idea.number} {idea.label} — "
                    + t.n("{n} soutien", "{n} soutiens", idea.votes)
                    + (f" ({idea.author})" if idea.author else "")
                )
            lines.append("")
    return lines


def picture_of(tally: Tally, t: Translator, population: int | None, closed: bool) -> bytes:
    poll = tally.poll
    heading = poll.question
    sub = f"{kind_name(poll.kind, t)} · {participation(tally.voters, population, t)}"
    if poll.kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        rows = [
            (label, float(count), f"{count} ({_pct(count, tally.voters, t)})")
            for label, count in tally.counts
        ]
        return charts.bars(heading, sub, rows)
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
        lines = [
            (f"« {text} »" + (f" — {name}" if name else ""), False)
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
            lines += [(f"{i.votes:>3} ★  n° {i.number} {i.label}", False) for i in ideas[:10]]
    return charts.card(heading, sub, lines)


def list_reply(
    open_polls: list[PollView], closed: list[PollView], t: Translator, now: datetime
) -> Reply:
    if not open_polls and not closed:
        return Reply(
            text=t(
                "Aucun sondage dans ce salon pour l'instant. Créez-en un avec « poll create »."
            ),
            private=True,
        )
    lines = [t("**Sondages ouverts**") if open_polls else t("Aucun sondage ouvert.")]
    for poll in open_polls:
        extra = (
            f" — {t('clôture')} {t.datetime(poll.closes_at, now=now)}" if poll.closes_at else ""
        )
        lines.append(f"- #{poll.id} {poll.question} ({kind_name(poll.kind, t)}){extra}")
    if closed:
        lines += ["", t("**Derniers sondages clos**")]
        lines += [f"- #{p.id} {p.question} ({kind_name(p.kind, t)})" for p in closed]
    return Reply(text="\n".join(lines), private=True)


def closed_reply(poll: PollView, t: Translator) -> Reply:
    return Reply(
        text=t("Le sondage #{poll} était déjà clos.", poll=poll.id),
        private=True,
        tone=Tone.WARNING,
    )


def retracted_reply(poll: PollView, t: Translator) -> Reply:
    return Reply(
        text=t("Votre vote au sondage #{poll} est retiré.", poll=poll.id),
        tone=Tone.SUCCESS,
        private=True,
    )


def export_reply(poll: PollView, data: bytes, t: Translator) -> Reply:
    note = (
        t(" Sondage anonyme : aucune identité ni heure dans le fichier.") if poll.anonymous else ""
    )
    return Reply(
        text=t("Export des votes du sondage #{poll} (CSV).", poll=poll.id) + note,
        attachments=[Attachment(f"sondage-{poll.id}.csv", data, "text/csv")],
        private=True,
    )
