"""Pure functions: questions from the floor → neutral replies.

A question is a member's text shown in a shared room: it is kept on one line and its markup
is neutralised (no link, bold or code of its own), so it cannot pass for the bot's words.
Mentions in it ping nobody: adapters notify only ``Reply.mentions``, and these carry none.
An anonymous question shows no name, in the room and in the host's queue alike.
"""

from __future__ import annotations

from bot.core import Action, ActionStyle, Reply, Translator
from cogs.cafe.domain import Occurrence
from cogs.cafe.questions import Asked, Queue, Supported
from cogs.cafe.questions_queries import HIDDEN, REVIEW, FloorQuestion
from cogs.cafe.render import label

#: The host's queue lists this many questions (the rest is counted): one screen, one embed.
QUEUE_LINES = 15
QUEUE_TEXT = 160
# Characters of the reply subset (and Discord's markdown) that would make member text markup.
_NEUTRAL = str.maketrans(
    {"[": "(", "]": ")", "`": "'", "*": "∗", "<": "‹", ">": "›", "|": "¦", "~": "∼"}
)


def safe(text: str) -> str:
    """Member text, shown as typed but unable to format, link or break the layout."""
    return " ".join(text.translate(_NEUTRAL).split())


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def support_action(t: Translator, occurrence_id: int, number: int) -> Action:
    return Action.invoke(
        "cafe ask",
        label=t("Je soutiens la n° {number}", number=number),
        style=ActionStyle.PRIMARY,
        support=number,
        occurrence=occurrence_id,
    )


def _by(t: Translator, question: FloorQuestion) -> str:
    return safe(question.author) if question.author else t("Anonyme")


# --- room posts ------------------------------------------------------------------------------


def posted(t: Translator, occurrence_id: int, question: FloorQuestion) -> Reply:
    """The question in the café's room, with its support count and button; once answered, no
    button; once hidden by the host, neither its text nor its author."""
    title = t("Question n° {number}", number=question.number)
    if question.status == HIDDEN:
        return Reply(title=title, text=t("(retirée par l'animateur)"))
    count = t.n("{n} soutien", "{n} soutiens", question.supports)
    text = f"{t.quote(safe(question.text))}\n— {_by(t, question)} · {count}"
    if question.answered:
        return Reply(title=t("{title} — répondue", title=title), text=text)
    return Reply(
        title=title, text=text, actions=[support_action(t, occurrence_id, question.number)]
    )


def answering_post(t: Translator, question: FloorQuestion) -> Reply:
    """The host highlights the question being answered."""
    return Reply(
        title=t("En cours : question n° {number}", number=question.number),
        text=f"{t.quote(safe(question.text))}\n— {_by(t, question)}",
    )


# --- acknowledgements (private) ----------------------------------------------------------------


def asked(t: Translator, done: Asked) -> Reply:
    number = done.question.number
    if done.review:
        text = t(
            "Question n° {number} envoyée : elle s'affichera quand l'animateur l'aura validée.",
            number=number,
        )
    else:
        text = t("Question n° {number} posée : elle s'affiche dans le salon.", number=number)
    if done.question.author is None:
        text += " " + t("Votre nom n'apparaît nulle part.")
    # An anonymous question typed in a shared room would name its author: remove the command
    # where the platform can.
    return Reply(text=text, private=True, redact_source=done.question.author is None)


def supported(t: Translator, done: Supported) -> Reply:
    count = t.n("{n} soutien", "{n} soutiens", done.supports)
    if done.added:
        text = t(
            "Vous soutenez la question n° {number} ({count}). Recommencez pour retirer votre "
            "soutien.",
            number=done.number,
            count=count,
        )
    else:
        text = t(
            "Soutien retiré de la question n° {number} ({count}).",
            number=done.number,
            count=count,
        )
    return Reply(text=text, private=True)


def moderated(t: Translator, question: FloorQuestion, action: str) -> Reply:
    number = question.number
    if action == "approve":
        text = t("Question n° {number} publiée dans le salon.", number=number)
    elif action == "hide":
        text = t("Question n° {number} masquée : elle ne peut plus être soutenue.", number=number)
    elif action == "answering":
        text = t("Question n° {number} annoncée comme en cours.", number=number)
    else:
        text = t("Question n° {number} marquée comme répondue.", number=number)
    return Reply(text=text, private=True)


# --- the host's queue (private) -----------------------------------------------------------------


def queue(t: Translator, done: Queue) -> Reply:
    occ = done.occurrence
    items = done.questions
    title = t("Questions du café « {title} »", title=label(t, occ))
    if not items:
        return Reply(
            title=title,
            text=t("Aucune question pour l'instant : les membres posent les leurs avec cafe ask."),
            private=True,
        )
    by = t("par soutiens") if done.sort == "support" else t("par ordre d'arrivée")
    waiting = [x for x in items if x.status != HIDDEN and not x.answered]
    lines = [
        t.n(
            "{n} question en attente ({by}).",
            "{n} questions en attente ({by}).",
            len(waiting),
            by=by,
        )
    ]
    lines += [_line(t, occ, x) for x in items[:QUEUE_LINES]]
    if len(items) > QUEUE_LINES:
        lines.append(t("… et {count} de plus.", count=len(items) - QUEUE_LINES))
    return Reply(title=title, text="\n".join(lines), actions=_actions(t, occ, items), private=True)


def _line(t: Translator, occ: Occurrence, x: FloorQuestion) -> str:
    marks = {
        REVIEW: t("à valider"),
        HIDDEN: t("masquée"),
    }
    state = marks.get(x.status) or (
        t("répondue") if x.answered else t("EN COURS") if x.answering else ""
    )
    when = x.asked_at.astimezone(occ.zone).strftime("%H:%M")
    count = t.n("{n} soutien", "{n} soutiens", x.supports)
    head = f"**{x.number}.** {count} · {when} · {_by(t, x)}"
    if state:
        head += f" · **{state}**"
    return f"- {head} — {t.quote(clip(safe(x.text), QUEUE_TEXT))}"


def _actions(t: Translator, occ: Occurrence, items: list[FloorQuestion]) -> list[Action]:
    """Buttons for the first question to review and the top of the open queue."""
    actions: list[Action] = []
    pending = next((x for x in items if x.status == REVIEW), None)
    if pending is not None:
        n = pending.number
        actions += [
            _host(t("Publier la n° {number}", number=n), "cafe questions", occ, approve=n),
            _host(t("Masquer la n° {number}", number=n), "cafe questions", occ, hide=n),
        ]
    top = next((x for x in items if x.status not in (REVIEW, HIDDEN) and not x.answered), None)
    if top is not None:
        n = top.number
        if not top.answering:
            actions.append(
                _host(t("En cours : n° {number}", number=n), "cafe questions", occ, answering=n)
            )
        answered = t("Répondue : n° {number}", number=n)
        actions.append(_host(answered, "cafe questions", occ, answered=n))
    return actions


def _host(text: str, command: str, occ: Occurrence, **args: int) -> Action:
    return Action(command, text, (*args.items(), ("occurrence", occ.id)))
