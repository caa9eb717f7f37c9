"""Pure functions: a café's programme → neutral replies. Always private: a programme holds the
quiz answers, which the room must not read before the café."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core import Reply, Translator
from cogs.cafe.domain import Occurrence
from cogs.cafe.programme import Activity
from cogs.cafe.render import label

#: The kind in the reader's words (``core.activities.kind_name`` bound to the translator).
KindName = Callable[[str], str]


def _title(t: Translator, occ: Occurrence, now: datetime) -> str:
    return t(
        "Programme du café n° {occurrence} : {label} ({when})",
        occurrence=occ.id,
        label=label(t, occ),
        when=t.datetime(occ.starts_at, occ.zone, now=now),
    )


def activity_line(t: Translator, activity: Activity, kind_name: KindName) -> str:
    """``3. quiz — « La question ? » (30 s)``, then its choices, answer or categories."""
    line = f"{activity.position}. {kind_name(activity.kind)} — {t.quote(activity.question)}"
    if activity.seconds:
        line += " " + t("({seconds} s)", seconds=activity.seconds)
    details: list[str] = []
    options = activity.options
    if options.get("choices"):
        details.append(t("choix : {items}", items=" | ".join(options["choices"])))
    if options.get("answer"):
        details.append(t("réponse : {items}", items=" | ".join(options["answer"])))
    if options.get("categories"):
        details.append(t("catégories : {items}", items=" | ".join(options["categories"])))
    if options.get("max"):
        details.append(t("au plus {max}", max=options["max"]))
    if options.get("anonymous"):
        details.append(t("anonyme"))
    if options.get("results") == "hidden":
        details.append(t("résultats à la clôture"))
    if details:
        line += "\n   " + " ; ".join(details)
    return line


def programme(
    t: Translator,
    occ: Occurrence,
    activities: list[Activity],
    kind_name: KindName,
    now: datetime,
    *,
    intro: str = "",
) -> Reply:
    if not activities:
        text = t(
            "Aucune activité pour l'instant. Ajoutez-en avec "
            "`cafe programme add occurrence:{occurrence} kind:… question:…`.",
            occurrence=occ.id,
        )
    else:
        text = "\n".join(activity_line(t, a, kind_name) for a in activities)
        total = sum(a.seconds or 0 for a in activities)
        footer = t.n("{n} activité", "{n} activités", len(activities))
        if total:
            minutes, seconds = divmod(total, 60)
            footer += " — " + t(
                "{minutes} min {seconds} s chronométrées", minutes=minutes, seconds=seconds
            )
        text += "\n\n" + footer
    if intro:
        text = intro + "\n\n" + text
    return Reply(title=_title(t, occ, now), text=text, private=True)


def added(t: Translator, occ: Occurrence, activity: Activity, kind_name: KindName) -> Reply:
    return Reply(
        text=t(
            "Activité n° {activity} ajoutée au programme du café n° {occurrence} :",
            activity=activity.position,
            occurrence=occ.id,
        )
        + "\n"
        + activity_line(t, activity, kind_name),
        private=True,
    )


def removed(t: Translator, occ: Occurrence, activity: Activity, kind_name: KindName) -> Reply:
    return Reply(
        text=t(
            "Activité retirée du programme du café n° {occurrence} : {kind} — « {question} ». "
            "Les suivantes remontent d'une place.",
            occurrence=occ.id,
            kind=kind_name(activity.kind),
            question=activity.question,
        ),
        private=True,
    )


def moved_intro(t: Translator, position: int, to: int) -> str:
    return t(
        "L'activité n° {activity} passe en place {to}. Nouvel ordre :", activity=position, to=to
    )


def copied_intro(t: Translator, source: int, count: int) -> str:
    return t.n(
        "{n} activité copiée depuis le café n° {source}.",
        "{n} activités copiées depuis le café n° {source}.",
        count,
        source=source,
    )
