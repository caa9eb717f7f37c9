"""Pure functions: matches, introductions and freshness reminders → Reply."""

from __future__ import annotations

from datetime import datetime

from bot.core import Action, ActionStyle, Reply, Tone, Translator
from cogs.onboarding.domain import Card
from cogs.onboarding.introductions import ACCEPTED, DECLINED, EXPIRED, IntroView
from cogs.onboarding.matching import INTERESTS, NEEDS, OFFERS, REGION, MatchResult
from cogs.onboarding.models import OnboardingIntroduction
from cogs.onboarding.render import card_line, reach_lines
from cogs.onboarding.render_edit import edit_actions

#: A button carries its arguments (Discord: 100-character custom_id): long names get none.
MAX_NAME_IN_BUTTON = 40
JOIN_DIRECTORY = "me edit field:directory value:visible"


def summary(t: Translator, card: Card | None, name: str) -> str:
    """A profile in a few lines (the name alone when there is no profile)."""
    if card is None:
        return f"- **{name}**"
    return "\n".join(x for x in (card_line(card), reach_lines(t, card)) if x)


def _reason(t: Translator, kind: str, labels: list[str]) -> str:
    tags = ", ".join(labels)
    if kind == OFFERS:
        return t("propose : {tags}", tags=tags)
    if kind == NEEDS:
        return t("cherche : {tags}", tags=tags)
    if kind == REGION:
        return t("même région : {region}", region=tags)
    assert kind == INTERESTS
    return t("intérêts communs : {tags}", tags=tags)


def match_reply(t: Translator, result: MatchResult) -> Reply:
    actions: list[Action] = []
    if not result.has_material:
        lines = [
            t(
                "Pour trouver des membres, dites ce que vous cherchez et ce que vous pouvez "
                'apporter : me edit field:needs value:"financement, mécénat" et me edit '
                'field:offers value:"diffusion" (ou votre région et vos centres d\'intérêt).'
            )
        ]
        actions.append(
            Action.invoke("me edit", label=t("Je cherche…"), field="needs", prompt="value")
        )
        actions.append(
            Action.invoke("me edit", label=t("Je peux apporter…"), field="offers", prompt="value")
        )
    elif not result.matches:
        lines = [
            t(
                "Personne dans l'annuaire ne correspond pour l'instant. Revenez plus tard, ou "
                "élargissez ce que vous cherchez et proposez (me edit field:needs …)."
            )
        ]
    else:
        lines = [t("Membres de l'annuaire qui pourraient vous intéresser :")]
        for m in result.matches:
            lines.append(summary(t, m.card, m.card.name))
            lines.append("  → " + " · ".join(_reason(t, k, v) for k, v in m.reasons))
            if len(m.card.name) <= MAX_NAME_IN_BUTTON:
                actions.append(
                    Action.invoke(
                        "members introduce",
                        label=t("Rencontrer {name}", name=m.card.name),
                        name=m.card.name,
                    )
                )
    if not result.visible:
        lines.append(
            t(
                "Vous n'êtes pas dans l'annuaire : vous voyez des suggestions, mais personne ne "
                "vous voit dans les siennes. Pour y apparaître : {command}.",
                command=JOIN_DIRECTORY,
            )
        )
        actions.append(
            Action.invoke(
                "me edit",
                label=t("Apparaître dans l'annuaire"),
                field="directory",
                value="visible",
            )
        )
    return Reply(text="\n".join(lines), actions=actions, private=True)


def introduce_reply(t: Translator, card: Card, intro: OnboardingIntroduction) -> Reply:
    return Reply(
        text=t(
            "Demande envoyée à {name}. Je vous préviens dès sa réponse ; sans réponse, elle "
            "expire le {date}.",
            name=card.name,
            date=t.date(intro.expires_at),
        ),
        tone=Tone.SUCCESS,
        private=True,
    )


def _answer_actions(t: Translator, intro_id: int) -> list[Action]:
    return [
        Action.invoke(
            "members introductions",
            label=t("Accepter"),
            style=ActionStyle.SUCCESS,
            accept=intro_id,
        ),
        Action.invoke("members introductions", label=t("Décliner"), decline=intro_id),
    ]


def ask_dm(t: Translator, intro: OnboardingIntroduction, asker: Card | None, name: str) -> Reply:
    assert intro.id is not None
    text = "\n".join(
        [
            t("{name} aimerait entrer en contact avec vous.", name=name),
            summary(t, asker, name),
            t(
                "Si vous acceptez, chacun reçoit le contact de l'autre. Si vous déclinez, "
                "{name} en est informé·e poliment, sans raison. Sans réponse, la demande "
                "expire le {date}.",
                name=name,
                date=t.date(intro.expires_at),
            ),
        ]
    )
    return Reply(
        title=t("Demande de mise en relation n° {id}", id=intro.id),
        text=text,
        actions=_answer_actions(t, intro.id),
    )


def sent_dm(t: Translator, name: str) -> Reply:
    return Reply(
        text=t(
            "Votre demande de mise en relation avec {name} est envoyée. Vous aurez sa réponse "
            "ici.",
            name=name,
        )
    )


def shared_dm(t: Translator, other: Card | None, name: str, mention: str) -> Reply:
    text = "\n".join(
        [
            t(
                "Mise en relation acceptée : voici le contact de {name} : {mention}",
                name=name,
                mention=mention,
            ),
            summary(t, other, name),
            t("Écrivez-lui directement. Belle rencontre !"),
        ]
    )
    return Reply(text=text, tone=Tone.SUCCESS)


def declined_dm(t: Translator, name: str) -> Reply:
    return Reply(
        text=t(
            "{name} ne peut pas donner suite à votre demande de mise en relation pour le "
            "moment. Merci de votre compréhension ; d'autres membres pourraient vous aider "
            "(members match).",
            name=name,
        )
    )


def expired_dm(t: Translator, name: str) -> Reply:
    return Reply(
        text=t(
            "Votre demande de mise en relation avec {name} est restée sans réponse et a "
            "expiré. Vous pourrez la refaire plus tard, ou chercher d'autres membres "
            "(members match).",
            name=name,
        )
    )


def answered_reply(t: Translator, view: IntroView) -> Reply:
    if view.intro.status == ACCEPTED:
        text = t(
            "C'est fait : {name} et vous recevez le contact l'un de l'autre en message privé.",
            name=view.other_name,
        )
        return Reply(text=text, tone=Tone.SUCCESS, private=True)
    return Reply(
        text=t("Demande déclinée. {name} en sera informé·e, sans raison.", name=view.other_name),
        private=True,
    )


def _status(t: Translator, status: str) -> str:
    if status == ACCEPTED:
        return t("acceptée")
    if status == DECLINED:
        return t("sans suite")  # the asker is never told more than that
    if status == EXPIRED:
        return t("expirée")
    return t("en attente")


def listing_reply(
    t: Translator, incoming: list[IntroView], outgoing: list[IntroView], prefix: str
) -> Reply:
    if not incoming and not outgoing:
        return Reply(
            text=t(
                "Aucune demande de mise en relation. Trouvez des membres avec members match, "
                "puis members introduce name:…"
            ),
            private=True,
        )
    lines: list[str] = []
    actions: list[Action] = []
    if incoming:
        lines.append(t("**Demandes qui attendent votre réponse :**"))
        for v in incoming:
            assert v.intro.id is not None
            lines.append(
                t(
                    "- n° {id} : {name} ({accept} ou {decline})",
                    id=v.intro.id,
                    name=v.other_name,
                    accept=f"{prefix}members introductions accept:{v.intro.id}",
                    decline=f"decline:{v.intro.id}",
                )
            )
            actions += _answer_actions(t, v.intro.id)
    if outgoing:
        lines.append(t("**Vos demandes :**"))
        lines += [
            t("- {name} : {status}", name=v.other_name, status=_status(t, v.intro.status))
            for v in outgoing
        ]
    return Reply(text="\n".join(lines), actions=actions[:10], private=True)


def refresh_dm(t: Translator, name: str, since: datetime, card: Card | None) -> Reply:
    text = "\n".join(
        [
            t(
                "Bonjour {name} ! Votre profil n'a pas changé depuis le {date}. Est-il "
                "toujours juste ?",
                name=name,
                date=t.date(since),
            ),
            summary(t, card, name),
            t(
                "Si oui, un clic suffit. Sinon, modifiez un champ avec me edit "
                'field:… value:… (ex. me edit field:needs value:"diffusion").'
            ),
        ]
    )
    return Reply(
        text=text,
        actions=[
            Action.invoke("me uptodate", label=t("Toujours juste"), style=ActionStyle.SUCCESS),
            *edit_actions(t),
            Action.invoke("me profile", label=t("Voir mon profil")),
        ],
    )


def uptodate_reply(t: Translator, next_due: datetime | None) -> Reply:
    text = t("Merci ! Votre profil est confirmé.")
    if next_due is not None:
        text += " " + t("Prochain petit rappel vers le {date}.", date=t.date(next_due))
    return Reply(text=text, tone=Tone.SUCCESS, private=True)
