"""Pure functions: café domain objects → neutral replies, in the reader's language and zone.

The video link appears only in replies marked private and in DMs — never in a room post
(announcements, fallback mentions).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import Action, ActionStyle, Attachment, Field, Reply, Tone, Translator, UserError
from cogs.cafe import render_confirmation
from cogs.cafe.domain import (
    REGISTERED,
    WAITLISTED,
    Created,
    JoinResult,
    Occurrence,
    OccurrenceStats,
    Preference,
    Who,
)
from cogs.cafe.schedule import month_day


def _when(t: Translator, moment: datetime, now: datetime, tz: ZoneInfo | None = None) -> str:
    return t.datetime(moment, tz, now=now)


def places(t: Translator, occ: Occurrence) -> str:
    if occ.capacity is None:
        return t.n("{n} inscrit", "{n} inscrits", occ.registered)
    text = t.n(
        "{registered}/{n} place prise",
        "{registered}/{n} places prises",
        occ.capacity,
        registered=occ.registered,
    )
    if occ.waitlisted:
        text += ", " + t.n("{n} en attente", "{n} en attente", occ.waitlisted)
    return text


def label(t: Translator, occ: Occurrence) -> str:
    return f"{occ.title} — {occ.row.topic}" if occ.row.topic else occ.title


def join_action(t: Translator, occ: Occurrence) -> Action:
    return Action.invoke(
        "cafe join", label=t("Je m'inscris"), style=ActionStyle.PRIMARY, occurrence=occ.id
    )


def leave_action(t: Translator, occ_id: int) -> Action:
    return Action.invoke("cafe leave", label=t("Me désinscrire"), occurrence=occ_id)


def created(t: Translator, result: Created, now: datetime, delay: int = 0) -> Reply:
    zone = ZoneInfo(result.series.timezone)
    lines = [
        t(
            "Café « {title} » créé ({zone}). Prochaines dates :",
            title=result.series.title,
            zone=result.series.timezone,
        )
    ]
    lines += [f"- {t.datetime(d, zone, now=now)}" for d in result.dates]
    if result.series.rule is None:
        lines.append(t("Une seule date."))
    wall = datetime.fromisoformat(result.series.local_start).time()
    for d in result.dates if result.series.rule else []:
        local = d.astimezone(zone)
        if (local.hour, local.minute) != (wall.hour, wall.minute):
            # RFC 5545: an occurrence in the hour a DST night skips moves by the gap; say so.
            lines.append(
                t(
                    "Le {day}, {wall} n'existe pas (changement d'heure) : ce café-là commence "
                    "à {clock}.",
                    day=t.date(d, zone),
                    wall=t.clock(wall.hour, wall.minute),
                    clock=t.clock(local.hour, local.minute),
                )
            )
    if (day := month_day(result.series.rule)) is not None and day > 28:
        lines.append(
            t(
                "Les mois qui n'ont pas de {day} sont sautés (comme dans Google Agenda) ; pour "
                "finir chaque mois, écrivez « le dernier jour du mois 18h ».",
                day=day,
            )
        )
    if result.first is not None:
        lines.append("")
        lines.append(
            t(
                "Prochain : café n° {occurrence}. Réglez son sujet avec "
                "`cafe topic occurrence:{occurrence} topic:…`.",
                occurrence=result.first.id,
            )
        )
        if delay:
            lines.append(
                t(
                    "Il sera annoncé dans le salon dans {minutes} min : le temps de vérifier "
                    "les dates et de donner un sujet.",
                    minutes=delay,
                )
            )
    return Reply(text="\n".join(lines), tone=Tone.SUCCESS, private=True)


def listing(t: Translator, items: list[Occurrence], now: datetime) -> Reply:
    if not items:
        return Reply(text=t("Aucun café n'est prévu pour le moment."), private=True)
    lines = []
    for occ in sorted(items, key=lambda o: o.starts_at):
        number = t("n° {occurrence}", occurrence=occ.id)
        line = f"- **{number}** · {_when(t, occ.starts_at, now)} · {label(t, occ)}"
        if occ.cancelled:
            line += " · " + t("annulé")
        else:
            line += " · " + places(t, occ)
        if occ.my_status == REGISTERED:
            line += " · " + t("vous êtes inscrit")
        elif occ.my_status == WAITLISTED:
            line += " · " + t(
                "liste d'attente : {position}", position=t.ordinal(occ.my_position or 1)
            )
        lines.append(line)
    lines.append("")
    lines.append(t("Heures affichées pour le fuseau {zone}.", zone=str(t.tz)))
    return Reply(title=t("Cafés à venir"), text="\n".join(lines), private=True)


def details(t: Translator, occ: Occurrence, now: datetime) -> list[Field]:
    fields = [
        Field(
            t("Quand"),
            _when(t, occ.starts_at, now)
            + f" ({t.duration(timedelta(minutes=occ.row.duration_minutes))})",
        ),
    ]
    if occ.row.topic:
        fields.append(Field(t("Sujet"), occ.row.topic))
    if occ.row.host:
        fields.append(Field(t("Animation"), occ.row.host))
    if occ.row.description:
        fields.append(Field(t("Description"), occ.row.description))
    fields.append(Field(t("Places"), places(t, occ)))
    return fields


def info(t: Translator, occ: Occurrence, now: datetime) -> Reply:
    fields = details(t, occ, now)
    actions: list[Action] = []
    text = ""
    if occ.cancelled:
        text = t("Ce café est annulé.")
    elif occ.my_status == REGISTERED:
        text = t("Vous êtes inscrit.")
        if occ.link:
            fields.append(Field(t("Lien"), occ.link))
        state, confirm = render_confirmation.info_state(t, occ)
        text, actions = (f"{text} {state}" if state else text), [*confirm]
        actions.append(leave_action(t, occ.id))
    elif occ.my_status == WAITLISTED:
        text = t(
            "Vous êtes en liste d'attente ({position}).",
            position=t.ordinal(occ.my_position or 1),
        )
        actions.append(leave_action(t, occ.id))
    else:
        actions.append(join_action(t, occ))
    return Reply(
        title=t("Café n° {occurrence} : {title}", occurrence=occ.id, title=occ.title),
        text=text,
        fields=fields,
        actions=actions,
        private=True,
    )


def joined(t: Translator, result: JoinResult, now: datetime, ics: bytes | None) -> Reply:
    occ = result.occurrence
    when = _when(t, occ.starts_at, now)
    if result.status == WAITLISTED:
        text = t(
            "Le café n° {occurrence} est complet : vous êtes sur la liste d'attente, en "
            "position {position}. Je vous écris en privé si une place se libère.",
            occurrence=occ.id,
            position=result.position,
        )
        if result.already:
            text = t("Vous étiez déjà sur la liste d'attente.") + " " + text
        return Reply(text=text, tone=Tone.WARNING, private=True, actions=[leave_action(t, occ.id)])
    lines = [
        t("Vous étiez déjà inscrit : rien ne change.")
        if result.already
        else t("C'est noté, vous êtes inscrit au café « {title} ».", title=label(t, occ)),
        t("Quand : {when}.", when=when),
    ]
    if occ.link:
        lines.append(t("Lien de la visio (ne le partagez pas) : {link}", link=occ.link))
    lines.append(t("Le fichier joint l'ajoute à votre agenda."))
    return Reply(
        text="\n".join(lines),
        tone=Tone.SUCCESS,
        private=True,
        actions=[leave_action(t, occ.id)],
        attachments=[Attachment(f"cafe-{occ.id}.ics", ics, "text/calendar")] if ics else [],
    )


def left(t: Translator, occ: Occurrence) -> Reply:
    return Reply(
        text=t(
            "Vous êtes désinscrit du café n° {occurrence}. Merci de libérer la place !",
            occurrence=occ.id,
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def checkin_closed(t: Translator, minutes: int, next_start: datetime, now: datetime) -> UserError:
    return UserError(
        "Le pointage ouvre {delay} avant le début du café et ferme à la fin. "
        "Prochain café : {when}.",
        delay=t.duration(timedelta(minutes=minutes)),
        when=t.datetime(next_start, now=now),
    )


def calendar_file(t: Translator, title: str, name: str, data: bytes) -> Reply:
    return Reply(
        text=t("Ouvrez le fichier joint pour ajouter « {title} » à votre agenda.", title=title),
        attachments=[Attachment(name, data, "text/calendar")],
        private=True,
    )


def checked_in(t: Translator, occ: Occurrence, already: bool, seated: bool = False) -> Reply:
    if already:
        text = t("Vous avez déjà pointé pour le café n° {occurrence}.", occurrence=occ.id)
    elif seated:
        text = t(
            "Bienvenue ! Une place était libre : vous passez de la liste d'attente aux "
            "inscrits du café n° {occurrence}, et votre présence est notée.",
            occurrence=occ.id,
        )
    else:
        text = t(
            "Bienvenue ! Votre présence au café n° {occurrence} est notée.", occurrence=occ.id
        )
    if occ.my_status == REGISTERED and occ.link:
        text += "\n" + t("Lien de la visio : {link}", link=occ.link)
    return Reply(text=text, tone=Tone.SUCCESS, private=True)


def who(t: Translator, result: Who, now: datetime) -> Reply:
    occ, names = result.occurrence, result.names
    summary = render_confirmation.who_summary(t, result)
    lines = [summary, ""] if summary else []
    lines.append(t("**Inscrits** ({n}) :", n=len(result.registered)))
    for member, present in result.registered:
        mark = (" ✓" if present else "") + render_confirmation.who_mark(t, result, member)
        lines.append(f"- {names.get(member, '?')}{mark}")
    if result.waitlisted:
        lines.append(t("**Liste d'attente** ({n}) :", n=len(result.waitlisted)))
        lines += [f"{i}. {names.get(m, '?')}" for i, m in enumerate(result.waitlisted, 1)]
    if result.walkins:
        lines.append(t("**Venus sans inscription** ({n}) :", n=len(result.walkins)))
        lines += [f"- {names.get(m, '?')}" for m in result.walkins]
    lines.append("")
    lines.append(t("✓ : présence pointée. Cette liste n'est visible que par vous."))
    return Reply(
        title=t(
            "Café n° {occurrence} — {when}", occurrence=occ.id, when=_when(t, occ.starts_at, now)
        ),
        text="\n".join(lines),
        private=True,
    )


def stats(t: Translator, rows: list[OccurrenceStats], now: datetime) -> Reply:
    if not rows:
        return Reply(
            text=t("Aucun café n'a encore eu lieu : pas encore de chiffres."), private=True
        )
    lines = []
    total_reg = total_att = 0
    for st in rows:
        rate = t.percent(st.no_show_rate) if st.no_show_rate is not None else "—"
        lines.append(
            "- "
            + t(
                "n° {occurrence} · {when} : {counts}, absence {rate}",
                occurrence=st.occurrence.id,
                when=t.date(st.occurrence.starts_at),
                counts=attendance(t, st),
                rate=rate,
            )
            + render_confirmation.stats_part(t, st)
        )
        total_reg += st.registered
        total_att += st.attended
    overall = t.percent((total_reg - total_att) / total_reg) if total_reg else "—"
    lines.append("")
    lines.append(
        t.n(
            "Sur {n} café : {registered}, {attended}, taux d'absence {rate}.",
            "Sur {n} cafés : {registered}, {attended}, taux d'absence {rate}.",
            len(rows),
            registered=t.n("{n} inscription", "{n} inscriptions", total_reg),
            attended=t.n("{n} présence", "{n} présences", total_att),
            rate=overall,
        )
    )
    return Reply(title=t("Fréquentation des cafés"), text="\n".join(lines), private=True)


def changed(t: Translator, occurrence: int) -> Reply:
    return Reply(
        text=t(
            "Café n° {occurrence} modifié ; les inscrits sont prévenus en privé.",
            occurrence=occurrence,
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def cancelled(t: Translator, occurrence: int) -> Reply:
    return Reply(
        text=t(
            "Café n° {occurrence} annulé ; les inscrits et la liste d'attente sont "
            "prévenus en privé.",
            occurrence=occurrence,
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def series_ended(t: Translator, title: str, count: int) -> Reply:
    return Reply(
        text=t.n(
            "Série « {title} » arrêtée : {n} café à venir annulé, inscrits prévenus en privé.",
            "Série « {title} » arrêtée : {n} cafés à venir annulés, inscrits prévenus en privé.",
            count,
            title=title,
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def series_edited(t: Translator, title: str, count: int) -> Reply:
    return Reply(
        text=t.n(
            "Série « {title} » modifiée, ainsi que {n} café à venir ; les inscrits "
            "sont prévenus en privé.",
            "Série « {title} » modifiée, ainsi que {n} cafés à venir ; les inscrits "
            "sont prévenus en privé.",
            count,
            title=title,
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def preference(t: Translator, value: Preference) -> Reply:
    if value is None:
        text = t("C'est noté : vous ne recevrez plus de rappels de café.")
    elif isinstance(value, str):  # "default"
        text = t("C'est noté : vous recevrez les rappels prévus pour chaque café.")
    else:
        text = t(
            "C'est noté : vos rappels arriveront {offsets} avant chaque café.",
            offsets=t.join([t.duration(timedelta(seconds=s)) for s in value]),
        )
    return Reply(text=text, tone=Tone.SUCCESS, private=True)


def attendance(t: Translator, st: OccurrenceStats) -> str:
    """``1 inscrit, 0 en attente, 1 présent (+2 sans inscription)``: one plural per count."""
    counts = [
        t.n("{n} inscrit", "{n} inscrits", st.registered),
        t.n("{n} en attente", "{n} en attente", st.waitlisted),
        t.n("{n} présent", "{n} présents", st.attended),
    ]
    return ", ".join(counts) + " " + t("(+{n} sans inscription)", n=st.walkins)
