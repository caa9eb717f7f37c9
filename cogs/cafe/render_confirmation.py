"""Pure functions for attendance confirmation: the "Toujours là ?" DM, the "your seat went to
the waitlist" DM, the answers to ``cafe confirm`` / ``cafe release``, and the confirmed counts
that ``cafe who``, ``cafe stats`` and ``cafe info`` show."""

from __future__ import annotations

from datetime import datetime

from bot.core import Action, ActionStyle, Delivery, Reply, Tone, Translator
from cogs.cafe.domain import REGISTERED, Occurrence, OccurrenceStats, Who


def _title(occ: Occurrence) -> str:
    return f"{occ.title} — {occ.row.topic}" if occ.row.topic else occ.title


def confirm_action(t: Translator, occurrence: int) -> Action:
    return Action.invoke(
        "cafe confirm", label=t("Oui"), style=ActionStyle.SUCCESS, occurrence=occurrence
    )


def release_action(t: Translator, occurrence: int) -> Action:
    return Action.invoke("cafe release", label=t("Je libère ma place"), occurrence=occurrence)


def request(d: Delivery, occ: Occurrence, deadline: datetime | None) -> Reply:
    """The question, at ``confirm`` before the start, in the member's language and zone."""
    t = d.t
    when = t.datetime(occ.starts_at, now=d.now)
    if d.fallback:
        # A room post: no link, and commands rather than buttons anyone could press.
        return Reply(
            text=t(
                "{mention}, toujours là pour le café « {title} » ({when}) ? Répondez "
                "`cafe confirm {occurrence}`, ou `cafe release {occurrence}` pour libérer "
                "votre place.",
                mention=d.mention,
                title=_title(occ),
                when=when,
                occurrence=occ.id,
            )
        )
    lines = [
        t(
            "Toujours là ? Vous êtes inscrit au café « {title} », {when}.",
            title=_title(occ),
            when=when,
        ),
        t("Confirmez votre venue, ou libérez votre place pour quelqu'un d'autre."),
    ]
    if deadline is not None:
        lines.append(
            t(
                "Sans réponse avant {deadline}, votre place pourra être donnée à une personne "
                "en liste d'attente.",
                deadline=t.datetime(deadline, now=d.now),
            )
        )
    return Reply(
        title=t("Café n° {occurrence}", occurrence=occ.id),
        text="\n".join(lines),
        actions=[confirm_action(t, occ.id), release_action(t, occ.id)],
    )


def released(d: Delivery, occ: Occurrence) -> Reply:
    """To a member whose unconfirmed seat went to the waitlist: with a way back onto it."""
    t = d.t
    text = t(
        "Sans confirmation de votre part, votre place au café « {title} » ({when}) a été "
        "donnée à une personne en liste d'attente.",
        title=_title(occ),
        when=t.datetime(occ.starts_at, now=d.now),
    )
    if d.fallback:
        return Reply(text=f"{d.mention} " + text)
    text += "\n" + t(
        "Vous pouvez encore venir si une place se libère : rejoignez la liste d'attente."
    )
    return Reply(
        text=text,
        actions=[
            Action.invoke(
                "cafe join",
                label=t("Rejoindre la liste d'attente"),
                style=ActionStyle.PRIMARY,
                occurrence=occ.id,
            )
        ],
    )


def confirmed(t: Translator, occ: Occurrence, already: bool, now: datetime) -> Reply:
    if already:
        text = t(
            "Vous aviez déjà confirmé votre venue au café n° {occurrence} : rien ne change.",
            occurrence=occ.id,
        )
    else:
        text = t(
            "Merci ! Votre venue au café n° {occurrence} ({when}) est confirmée.",
            occurrence=occ.id,
            when=t.datetime(occ.starts_at, now=now),
        )
    return Reply(
        text=text,
        tone=Tone.SUCCESS,
        private=True,
        actions=[release_action(t, occ.id)],
    )


def released_reply(t: Translator, occ: Occurrence, had_seat: bool) -> Reply:
    if had_seat:
        text = t(
            "Votre place au café n° {occurrence} est libérée : la première personne en liste "
            "d'attente la reçoit. Merci de l'avoir dit !",
            occurrence=occ.id,
        )
    else:
        text = t("Vous avez quitté la liste d'attente du café n° {occurrence}.", occurrence=occ.id)
    return Reply(text=text, tone=Tone.SUCCESS, private=True)


# --- what who, stats and info add -----------------------------------------------------------


def asks(occ: Occurrence) -> bool:
    """Show confirmation figures: the series asks, or someone confirmed anyway."""
    return occ.series.confirm_before is not None or occ.confirmed > 0


def who_summary(t: Translator, result: Who) -> str | None:
    occ = result.occurrence
    if not asks(occ):
        return None
    return t(
        "{registered}, dont {confirmed} ; {waitlisted}.",
        registered=t.n("{n} inscrit", "{n} inscrits", len(result.registered)),
        confirmed=t.n("{n} confirmé", "{n} confirmés", len(result.confirmed)),
        waitlisted=t.n("{n} en attente", "{n} en attente", len(result.waitlisted)),
    )


def who_mark(t: Translator, result: Who, member: int) -> str:
    return " · " + t("confirmé") if member in result.confirmed else ""


def stats_part(t: Translator, st: OccurrenceStats) -> str:
    occ = st.occurrence
    if not asks(occ):
        return ""
    return " · " + t.n("{n} confirmé", "{n} confirmés", occ.confirmed)


def info_state(t: Translator, occ: Occurrence) -> tuple[str, list[Action]]:
    """A registered member's own confirmation state, with the button when unanswered."""
    if occ.my_status != REGISTERED or not asks(occ):
        return "", []
    if occ.my_confirmed:
        return t("Votre venue est confirmée."), []
    return (
        t("Votre venue n'est pas encore confirmée."),
        [confirm_action(t, occ.id)],
    )
