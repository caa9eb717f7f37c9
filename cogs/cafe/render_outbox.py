"""Pure functions for what the café queues in the outbox: reminder and notice DMs, the
announcement and the start post — rendered at send time in the recipient's language and zone.

The video link appears only in DMs — never in a room post (announcements, fallback mentions).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import Action, ActionStyle, Delivery, Field, Reply, Translator
from cogs.cafe.domain import Change, Occurrence
from cogs.cafe.render import join_action, label, leave_action, places


def reminder(d: Delivery) -> Reply:
    t, data = d.t, d.data
    start = datetime.fromisoformat(data["starts_at"])
    title = f"{data['title']} — {data['topic']}" if data.get("topic") else data["title"]
    when = t.datetime(start, now=d.now)
    duration = t.duration(timedelta(minutes=data.get("minutes", 60)))
    if d.fallback:
        # A room post: never the link.
        return Reply(
            text=t(
                "{mention}, rappel : le café « {title} » {starts} ({when}). Je ne peux pas "
                "vous écrire en privé ; autorisez les messages privés pour recevoir le lien.",
                mention=d.mention,
                title=title,
                starts=_starts(t, start, d.now),
                when=when,
            )
        )
    lines = [
        t(
            "Rappel : le café « {title} » {starts} ({when}, durée {duration}).",
            title=title,
            starts=_starts(t, start, d.now),
            when=when,
            duration=duration,
        )
    ]
    if data.get("host"):
        lines.append(t("Animation : {host}", host=data["host"]))
    if data.get("link"):
        lines.append(t("Lien de la visio : {link}", link=data["link"]))
    lines.append(t("Vous ne pouvez plus venir ? Libérez votre place."))
    return Reply(
        title=t("Café n° {occurrence}", occurrence=data["occurrence"]),
        text="\n".join(lines),
        actions=[leave_action(t, data["occurrence"])],
    )


def _starts(t: Translator, start: datetime, now: datetime) -> str:
    """``commence dans 15 min`` — how long until, as a person says it (the date follows in
    brackets, so the two are never confused); ``a commencé`` when sent late."""
    left = start - now
    if left < timedelta(seconds=30):
        return t("a commencé")
    return t("commence dans {delay}", delay=t.duration(left))


def notice(d: Delivery) -> Reply:
    t, data = d.t, d.data
    start = datetime.fromisoformat(data["starts_at"])
    title = f"{data['title']} — {data['topic']}" if data.get("topic") else data["title"]
    when = t.datetime(start, now=d.now)
    change = data["change"]
    if change == Change.CANCELLED:
        text = t("Le café « {title} » du {when} est annulé. Désolé !", title=title, when=when)
    elif change == Change.MOVED:
        text = t(
            "Le café « {title} » est déplacé : il aura lieu {when} (au lieu de {old}).",
            title=title,
            when=when,
            old=t.datetime(datetime.fromisoformat(data["old"]), now=d.now),
        )
    elif change == Change.PROMOTED:
        text = t(
            "Bonne nouvelle : une place s'est libérée, vous êtes inscrit au café « {title} » "
            "({when}).",
            title=title,
            when=when,
        )
    else:
        text = t("Le café « {title} » ({when}) a été modifié.", title=title, when=when)
    if d.fallback:
        return Reply(text=f"{d.mention} " + text)
    lines = [text]
    if change != Change.CANCELLED:
        if data.get("topic"):
            lines.append(t("Sujet : {topic}", topic=data["topic"]))
        if data.get("waitlisted"):
            # No seat, no link: it comes with the "a place freed up" message.
            lines.append(
                t(
                    "Vous êtes sur la liste d'attente : je vous enverrai le lien de la visio "
                    "si une place se libère."
                )
            )
        elif data.get("link"):
            lines.append(t("Lien de la visio : {link}", link=data["link"]))
    actions = [] if change == Change.CANCELLED else [leave_action(t, data["occurrence"])]
    return Reply(text="\n".join(lines), actions=actions)


def announce(t: Translator, occ: Occurrence, now: datetime) -> Reply:
    return Reply(
        title=t("Nouveau café : {title}", title=label(t, occ)),
        text=t(
            "Le café n° {occurrence} aura lieu {when}, durée {duration}.",
            occurrence=occ.id,
            when=t.datetime(occ.starts_at, occ.zone, now=now, zone=True),
            duration=t.duration(timedelta(minutes=occ.row.duration_minutes)),
        )
        + ("\n" + t("Réservé aux membres.") if occ.series.members_only else ""),
        fields=[Field(t("Places"), places(t, occ))],
        actions=[join_action(t, occ)],
    )


def started(t: Translator, occ: Occurrence, now: datetime) -> Reply:
    return Reply(
        text=t(
            "Le café « {title} » commence ! Inscrits : le lien est dans vos messages privés. "
            "Pointez votre présence avec `cafe here`.",
            title=label(t, occ),
        ),
        actions=[Action.invoke("cafe here", label=t("Je suis là"), style=ActionStyle.SUCCESS)],
    )
