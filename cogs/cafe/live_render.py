"""Pure functions: a live café's posts and acknowledgements → neutral replies. The welcome post
lists the programme without its answers or choices (the room reads it); session posts carry
the host's *next* action (the command refuses anyone else)."""

from __future__ import annotations

from dataclasses import replace

from bot.core import Action, ActionStyle, Reply, Translator
from cogs.cafe.domain import Occurrence
from cogs.cafe.live import Step
from cogs.cafe.programme import Activity
from cogs.cafe.programme_render import KindName
from cogs.cafe.render import label


def next_action(t: Translator, occurrence_id: int) -> Action:
    return Action.invoke(
        "cafe next",
        label=t("Activité suivante"),
        style=ActionStyle.PRIMARY,
        occurrence=occurrence_id,
    )


def welcome(
    t: Translator, occ: Occurrence, activities: list[Activity], kind_name: KindName
) -> Reply:
    lines = [t("Bienvenue au café « {title} » !", title=label(t, occ))]
    if occ.row.host:
        lines.append(t("Animation : {host}", host=occ.row.host))
    if activities:
        lines.append(
            t.n("Au programme ({n} activité) :", "Au programme ({n} activités) :", len(activities))
        )
        for a in activities:
            line = f"{a.position}. {kind_name(a.kind)} — {t.quote(a.question)}"
            if a.seconds:
                line += " " + t("({seconds} s)", seconds=a.seconds)
            lines.append(line)
    lines.append(t("Pointez votre présence avec `cafe here`."))
    return Reply(
        text="\n".join(lines),
        actions=[
            Action.invoke("cafe here", label=t("Je suis là"), style=ActionStyle.SUCCESS),
            next_action(t, occ.id),
        ],
    )


def opened(t: Translator, occurrence_id: int, position: int, total: int, poll: Reply) -> Reply:
    """The activity exactly as ``poll create`` posts it, headed by its place in the session."""
    head = t("Activité {position} / {total}", position=position, total=total)
    return replace(
        poll,
        title=f"{head} — {poll.title}" if poll.title else head,
        actions=[*poll.actions, next_action(t, occurrence_id)],
    )


def results(reply: Reply) -> Reply:
    """Results as ``poll results`` shows them (participation against those present), for
    the room."""
    return replace(reply, private=False)


def ended(t: Translator, occ: Occurrence, present: int) -> Reply:
    if not present:
        return Reply(text=t("Le café « {title} » est terminé.", title=label(t, occ)))
    return Reply(
        text=t.n(
            "Le café « {title} » est terminé : merci à son participant !",
            "Le café « {title} » est terminé : merci aux {n} participants !",
            present,
            title=label(t, occ),
        )
    )


# --- acknowledgements (private, to the host) -------------------------------------------------


def started_ack(t: Translator, occ: Occurrence, total: int) -> Reply:
    if not total:
        text = t(
            "Café n° {occurrence} lancé : le message d'accueil est publié et les présences "
            "sont ouvertes. Aucune activité au programme : cafe end clôt le café.",
            occurrence=occ.id,
        )
        return Reply(text=text, private=True)
    text = t.n(
        "Café n° {occurrence} lancé : le message d'accueil est publié et les présences sont "
        "ouvertes. {n} activité au programme : cafe next l'ouvre.",
        "Café n° {occurrence} lancé : le message d'accueil est publié et les présences sont "
        "ouvertes. {n} activités au programme : cafe next ouvre la première.",
        total,
        occurrence=occ.id,
    )
    return Reply(text=text, private=True)


def step_ack(t: Translator, step: Step) -> Reply:
    parts: list[str] = []
    if step.closed is not None:
        parts.append(t("Activité {position} close : résultats publiés.", position=step.closed))
    if step.opened is not None:
        parts.append(
            t("Activité {position} / {total} ouverte.", position=step.opened, total=step.total)
        )
    elif not step.ended:
        parts.append(
            t(
                "C'était la dernière activité du programme : cafe end clôt le café.",
            )
        )
    if step.ended:
        parts.append(t("Café n° {occurrence} terminé.", occurrence=step.occurrence.id))
    return Reply(text=" ".join(parts), private=True)
