"""Replies: the poll itself, its buttons, vote confirmations, the list and short notices.

Pure functions of domain objects and a translator. Results (text and picture) are in
render_results.py.
"""

from __future__ import annotations

from datetime import datetime

from bot.core import N_, Action, ActionStyle, Attachment, NativePoll, Reply, Tone, Translator
from cogs.poll.domain import ANONYMOUS_BATCH, CHOICE_KINDS, RATING_SCALE, PollView, VoteOutcome
from cogs.poll.kinds import PollKind

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
            t.n(
                "Les résultats se mettent à jour à chaque vote.",
                "Les résultats se mettent à jour par paquets de {n} votes, pour que personne ne "
                "puisse deviner un vote en les regardant.",
                ANONYMOUS_BATCH,
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


def redact_note_reply(poll_id: object, t: Translator) -> Reply:
    """To an anonymous poll's creator, privately: typed votes cannot be removed here."""
    return Reply(
        text=t(
            "Sondage anonyme n° {poll} : le bot n'a pas le droit de supprimer les messages "
            "de ce salon, donc un vote tapé dans le salon par erreur y resterait visible "
            "(il est refusé, mais pas effacé). Donnez au bot le droit de supprimer des "
            "messages (Matrix : niveau de pouvoir « redact »), ou demandez-le à un "
            "modérateur.",
            poll=poll_id,
        ),
        tone=Tone.WARNING,
        private=True,
    )


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
