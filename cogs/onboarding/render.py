"""Pure functions: onboarding state → Reply (text, fields, actions)."""

from __future__ import annotations

from bot.core import Action, ActionStyle, Field, Reply, Tone, Translator
from bot.core.i18n import in_language
from cogs.onboarding.domain import STEP_LABELS, Card, FlowView, Funnel, FunnelCounts, PendingRow
from cogs.onboarding.render_edit import edit_actions
from cogs.onboarding.settings import OnboardingSettings
from cogs.onboarding.steps import Step

MAX_CHOICE_BUTTONS = 20
ANSWER = "onboarding answer"


def _answer(
    step: Step, value: str, label: str, style: ActionStyle = ActionStyle.SECONDARY
) -> Action:
    return Action.invoke(ANSWER, label=label, style=style, step=step.value, value=value)


def _typed(step: Step, label: str) -> Action:
    return Action.invoke(ANSWER, label=label, prompt="value", step=step.value)


def _skip(t: Translator, step: Step) -> Action:
    return Action.invoke("onboarding skip", label=t("Plus tard"), step=step.value)


def step_label(t: Translator, step: Step | None) -> str:
    return t(STEP_LABELS[step]) if step else t("terminé")


def step_reply(
    t: Translator, view: FlowView, settings: OnboardingSettings, intro: str = ""
) -> Reply:
    """The current step as a question with its buttons (or the end of the flow)."""
    step = view.current
    if step is None:
        return done_reply(t, view)
    actions: list[Action] = []
    lines: list[str] = [intro] if intro else []
    header = t(
        "**Étape {n}/{total} : {label}**",
        n=view.position(step),
        total=len(view.steps),
        label=step_label(t, step),
    )
    lines.append(header)
    if step is Step.LANGUAGE:
        lines.append(t("Dans quelle langue préférez-vous que je vous écrive ?"))
        actions += [
            _answer(step, "fr", "Français", ActionStyle.PRIMARY),
            _answer(step, "en", "English", ActionStyle.PRIMARY),
        ]
    elif step is Step.COC:
        lines.append(t("Voici notre code de conduite :"))
        lines.append(in_language(settings.code_of_conduct, t.locale))
        if url := in_language(settings.code_of_conduct_url, t.locale):
            lines.append(t("Le texte complet : {url}", url=url))
        if settings.required:
            lines.append(t("Il faut l'accepter pour rejoindre la communauté."))
        actions.append(
            Action.invoke("onboarding accept", label=t("J'accepte"), style=ActionStyle.SUCCESS)
        )
    elif step is Step.NAME:
        lines.append(
            t(
                "Quel nom voulez-vous afficher ? Actuellement : « {name} ».",
                name=view.member.display_name,
            )
        )
        name = view.member.display_name
        # A button carries its arguments (Discord: 100-character custom_id): long names skip.
        keep = (
            _answer(step, name, t("Garder ce nom"), ActionStyle.PRIMARY)
            if len(name) <= 40
            else Action.invoke("onboarding skip", label=t("Garder ce nom"), step=step.value)
        )
        actions += [keep, _typed(step, t("Changer de nom"))]
    elif step is Step.ORGANISATION:
        lines.append(
            t("Dans quelle structure travaillez-vous (théâtre, festival, médiathèque…) ?")
        )
        actions.append(_typed(step, t("Saisir ma structure")))
    elif step is Step.METIER:
        lines.append(t("Quel est votre métier ?"))
        actions += [_answer(step, m, m) for m in settings.metiers[:MAX_CHOICE_BUTTONS]]
        if settings.metier_free:
            actions.append(_typed(step, t("Autre métier")))
    elif step is Step.REGION:
        lines.append(t("Où êtes-vous ?"))
        actions += [_answer(step, r, r) for r in settings.regions[:MAX_CHOICE_BUTTONS]]
        if settings.region_free:
            actions.append(_typed(step, t("Autre région")))
    elif step is Step.INTERESTS:
        lines.append(
            t(
                "Quels sont vos centres d'intérêt ? Séparez-les par des virgules "
                "(ex. médiation, jeune public, numérique)."
            )
        )
        actions.append(_typed(step, t("Saisir mes centres d'intérêt")))
    elif step is Step.NEEDS:
        lines.append(
            t(
                "Que cherchez-vous ? Séparez par des virgules (ex. financement, mécénat, "
                "diffusion). Je vous présenterai des membres qui peuvent aider."
            )
        )
        actions.append(_typed(step, t("Saisir ce que je cherche")))
    elif step is Step.OFFERS:
        lines.append(
            t(
                "Que pouvez-vous apporter aux autres ? Séparez par des virgules "
                "(ex. mécénat, accueil en résidence, prêt de matériel)."
            )
        )
        actions.append(_typed(step, t("Saisir ce que je peux apporter")))
    elif step is Step.TIMEZONE:
        lines.append(t("Votre fuseau horaire, pour que les heures des cafés soient les vôtres :"))
        actions += [_answer(step, z, z) for z in settings.timezones[:MAX_CHOICE_BUTTONS]]
        actions.append(_typed(step, t("Autre fuseau")))
    elif step is Step.NOTIFICATIONS:
        lines.append(
            t("Quand voulez-vous un rappel avant chaque café auquel vous êtes inscrit·e ?")
        )
        actions += [
            _answer(step, c, t("{offsets} avant", offsets=c))
            for c in settings.reminder_choices[:MAX_CHOICE_BUTTONS]
        ]
        actions.append(_answer(step, "off", t("Pas de rappel")))
    elif step is Step.DIRECTORY:
        lines.append(
            t(
                "Voulez-vous apparaître dans l'annuaire des membres (nom, structure, métier, "
                "région, centres d'intérêt) ? Seuls les membres le voient."
            )
        )
        actions += [
            _answer(step, "visible", t("Oui, visible"), ActionStyle.PRIMARY),
            _answer(step, "hidden", t("Non, masqué")),
        ]
    elif step is Step.WELCOME:
        lines.append(t("Puis-je annoncer votre arrivée dans le salon d'accueil ?"))
        actions += [
            _answer(step, "oui", t("Oui"), ActionStyle.PRIMARY),
            _answer(step, "non", t("Non")),
        ]
    if step is not Step.COC or not settings.required:
        actions.append(_skip(t, step))
    return Reply(text="\n\n".join(lines), actions=actions, private=True)


def done_reply(t: Translator, view: FlowView) -> Reply:
    text = t("Votre accueil est terminé : bienvenue dans la communauté !")
    if view.skipped:
        text += "\n" + t(
            "Étapes passées, à compléter quand vous voulez : {steps}.",
            steps=", ".join(step_label(t, Step(s)) for s in sorted(view.skipped)),
        )
    return Reply(
        text=text,
        tone=Tone.SUCCESS,
        private=True,
        actions=[
            Action.invoke("me profile", label=t("Voir mon profil")),
            Action.invoke("members find", label=t("Chercher des membres"), prompt="query"),
        ],
    )


def after_answer(t: Translator, view: FlowView, settings: OnboardingSettings, saved: str) -> Reply:
    if view.just_completed:
        reply = done_reply(t, view)
        reply.text = saved + "\n\n" + reply.text if saved else reply.text
        return reply
    return step_reply(t, view, settings, intro=saved)


def step_dm(t: Translator, view: FlowView, settings: OnboardingSettings, reason: str) -> Reply:
    if reason == "nudge":
        intro = t(
            "Petit rappel : votre accueil n'est pas terminé. Il ne reste que quelques "
            "questions, on continue ?"
        )
    elif reason == "resend":
        intro = t("Reprenons votre accueil là où vous en étiez.")
    else:
        intro = t(
            "Bienvenue, {name} ! Quelques questions rapides pour faire connaissance "
            "(chacune peut être passée, sauf le code de conduite).",
            name=view.member.display_name,
        )
    return step_reply(t, view, settings, intro=intro)


def fallback_notice(t: Translator, mention: str, prefix: str) -> Reply:
    return Reply(
        text=t(
            "{mention}, bienvenue ! Je ne peux pas vous écrire en privé : ouvrez vos messages "
            "privés, ou tapez {command} ici pour commencer.",
            mention=mention,
            command=f"`{prefix}onboarding start`",
        )
    )


def welcome_post(t: Translator, mention: str, card: Card | None) -> Reply:
    text = t("Bienvenue à {mention} dans la communauté !", mention=mention)
    if card is not None:
        facts = [x for x in (card.organisation, card.metier, card.region) if x]
        if facts:
            text += " (" + " · ".join(facts) + ")"
    return Reply(text=text, tone=Tone.SUCCESS)


def _yes_no(t: Translator, value: bool) -> str:
    return t("oui") if value else t("non")


def notifications_text(t: Translator, value: str | None) -> str:
    if value is None or value == "default":
        return t("réglage par défaut")
    if value == "off":
        return t("aucun rappel")
    return t("{offsets} avant", offsets=value)


def profile_reply(t: Translator, view: FlowView, locale: str) -> Reply:
    p = view.profile
    dash = "—"
    fields = [
        Field(t("Structure"), (p.organisation if p else None) or dash, True),
        Field(t("Métier"), (p.metier if p else None) or dash, True),
        Field(t("Région"), (p.region if p else None) or dash, True),
        Field(t("Centres d'intérêt"), ", ".join(view.interests) or dash),
        Field(t("Je cherche"), ", ".join(view.needs) or dash),
        Field(t("Je peux apporter"), ", ".join(view.offers) or dash),
        Field(t("Fuseau horaire"), view.member.timezone or dash, True),
        Field(t("Langue"), view.member.locale or locale, True),
        Field(t("Rappels des cafés"), notifications_text(t, p.notifications if p else None), True),
        Field(
            t("Annuaire"),
            t("visible par les membres") if p and p.visible else t("masqué"),
            True,
        ),
    ]
    actions = edit_actions(t)
    text = ""
    if not view.completed:
        text = t(
            "Votre accueil n'est pas terminé (étape : {step}).", step=step_label(t, view.current)
        )
        actions.insert(
            0, Action.invoke("onboarding start", label=t("Continuer"), style=ActionStyle.PRIMARY)
        )
    elif view.skipped:
        text = t(
            "Étapes passées, à compléter quand vous voulez : {steps}.",
            steps=", ".join(step_label(t, Step(s)) for s in sorted(view.skipped)),
        )
    return Reply(
        title=view.member.display_name, text=text, fields=fields, actions=actions, private=True
    )


def card_line(card: Card) -> str:
    facts = [x for x in (card.organisation, card.metier, card.region) if x]
    line = f"- **{card.name}**"
    if facts:
        line += " — " + " · ".join(facts)
    if card.interests:
        line += " — " + ", ".join(f"#{i}" for i in card.interests)
    return line


def reach_lines(t: Translator, card: Card) -> str:
    """A card's needs and offers, one line each (empty when it has neither)."""
    lines = []
    if card.needs:
        lines.append(t("cherche : {tags}", tags=", ".join(card.needs)))
    if card.offers:
        lines.append(t("propose : {tags}", tags=", ".join(card.offers)))
    return "\n".join(f"  {line}" for line in lines)


def find_reply(t: Translator, total: int, cards: list[Card]) -> Reply:
    if not cards:
        return Reply(
            text=t("Personne dans l'annuaire ne correspond. Essayez avec moins de filtres."),
            private=True,
        )
    text = t.n("{n} membre trouvé :", "{n} membres trouvés :", total, n=total)
    text += "\n" + "\n".join(
        "\n".join(x for x in (card_line(c), reach_lines(t, c)) if x) for c in cards
    )
    if total > len(cards):
        text += "\n" + t("… et {n} de plus : affinez la recherche.", n=total - len(cards))
    return Reply(text=text, private=True)


def show_reply(t: Translator, cards: list[Card], name: str) -> Reply:
    if not cards:
        return Reply(
            text=t(
                "Personne de ce nom dans l'annuaire (« {name} »). Seuls les membres qui ont "
                "choisi d'y apparaître sont montrés.",
                name=name[:60],
            ),
            private=True,
        )
    replies = []
    for card in cards[:5]:
        fields = [
            Field(t("Structure"), card.organisation or "—", True),
            Field(t("Métier"), card.metier or "—", True),
            Field(t("Région"), card.region or "—", True),
            Field(t("Centres d'intérêt"), ", ".join(card.interests) or "—"),
            Field(t("Je cherche"), ", ".join(card.needs) or "—"),
            Field(t("Je peux apporter"), ", ".join(card.offers) or "—"),
        ]
        replies.append((card.name, fields))
    title, fields = replies[0]
    text = ""
    if len(cards) > 1:
        text = t(
            "Autres membres de ce nom : {names}.", names=", ".join(c.name for c in cards[1:5])
        )
    return Reply(title=title, text=text, fields=fields, private=True)


def _funnel_text(t: Translator, c: FunnelCounts) -> str:
    def pct(n: int) -> str:
        return t.percent(n / c.joined) if c.joined else "—"

    return "\n".join(
        [
            t("Arrivés : {n}", n=c.joined),
            t("Commencé : {n} ({pct})", n=c.started, pct=pct(c.started)),
            t("Code accepté : {n} ({pct})", n=c.coc, pct=pct(c.coc)),
            t("Profil rempli : {n} ({pct})", n=c.profile, pct=pct(c.profile)),
            t("Terminé : {n} ({pct})", n=c.completed, pct=pct(c.completed)),
        ]
    )


def funnel_reply(t: Translator, funnel: Funnel) -> Reply:
    weeks = "\n".join(
        t(
            "- semaine du {date} : {joined}, {completed}",
            date=t.date(start),
            joined=t.n("{n} arrivé", "{n} arrivés", joined),
            completed=t.n("{n} terminé", "{n} terminés", completed),
        )
        for start, joined, completed in funnel.weeks
    )
    return Reply(
        title=t("Accueil des nouveaux membres"),
        fields=[
            Field(t("7 derniers jours"), _funnel_text(t, funnel.week), True),
            Field(t("Depuis le début"), _funnel_text(t, funnel.total), True),
            Field(t("Semaine par semaine"), weeks or "—"),
        ],
        private=True,
    )


def pending_reply(t: Translator, total: int, rows: list[PendingRow]) -> Reply:
    if not rows:
        return Reply(
            text=t("Personne n'est bloqué : tous les accueils sont terminés."), private=True
        )
    lines = [t.n("{n} accueil en cours :", "{n} accueils en cours :", total, n=total)]
    lines += [
        t(
            "- **{name}** : étape {step}, depuis {since}",
            name=r.name,
            step=step_label(t, r.step),
            since=t.datetime(r.since),
        )
        for r in rows
    ]
    if total > len(rows):
        lines.append(t("… et {n} de plus.", n=total - len(rows)))
    return Reply(text="\n".join(lines), private=True)
