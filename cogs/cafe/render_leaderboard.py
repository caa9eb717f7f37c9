"""Pure functions: the live challenge's leaderboards and pseudonym answers → neutral replies.

After each scored quiz the room reads the top five and how many are ranked; at the end, the
podium of three, the whole ranking one button away (``cafe score all:true``, privately); a
member's own rank is always private (``cafe score``).
"""

from __future__ import annotations

import re

from bot.core import Action, Reply, Translator
from cogs.cafe.leaderboard import Standing
from cogs.cafe.leaderboards import Board, PseudonymChange
from cogs.cafe.render import label

TOP = 5
PODIUM = ("🥇", "🥈", "🥉")
#: Display names are free text: no markup of theirs in a leaderboard (pseudonyms are checked
#: when chosen and never carry any).
_MARKUP = re.compile(r"[*_`~|\[\]<>\\]")


def _name(standing: Standing) -> str:
    return _MARKUP.sub("", standing.name) or "?"


def _line(t: Translator, s: Standing, *, gained: bool = False, streak: bool = True) -> str:
    # Ranks are ordinals ("1er", "2e" / "1st", "2nd"); ties share theirs.
    text = t.n(
        "{rank} **{name}** — {n} pt",
        "{rank} **{name}** — {n} pts",
        s.points,
        rank=t.ordinal(s.rank),
        name=_name(s),
    )
    if gained and s.last_points:
        text += f" (+{t.number(s.last_points)})"
    if streak and s.streak >= 2:
        text += " " + t("🔥 {n} d'affilée", n=s.streak)
    return text


def _detail(t: Translator, s: Standing) -> str:
    return (
        t.n("{n} bonne réponse", "{n} bonnes réponses", s.right)
        + ", "
        + t.n("{n} tentative", "{n} tentatives", s.attempts)
        + ", "
        + t("{seconds} s", seconds=t.number(s.seconds))
    )


def score_action(t: Translator, occurrence_id: int, *, everyone: bool = False) -> Action:
    if everyone:
        return Action.invoke(
            "cafe score",
            label=t("Classement complet"),
            occurrence=occurrence_id,
            all=True,
        )
    return Action.invoke("cafe score", label=t("Mon rang"), occurrence=occurrence_id)


def after_quiz(t: Translator, board: Board) -> Reply:
    """The room's leaderboard after a quiz: top five and how many are ranked."""
    title = t(
        "Classement après la question {question}/{questions}",
        question=board.question,
        questions=board.questions,
    )
    if not board.standings:
        text = t("Personne n'a encore trouvé de bonne réponse : tout reste à jouer !")
    else:
        lines = [_line(t, s, gained=True) for s in board.standings[:TOP]]
        lines.append(
            t.n(
                "{n} participant au classement.",
                "{n} participants au classement.",
                len(board.standings),
            )
        )
        text = "\n".join(lines)
    return Reply(
        title=title, text=text, actions=[score_action(t, board.occurrence_id)], private=False
    )


def podium(t: Translator, board: Board) -> Reply:
    """The end of the challenge: the podium of three, the whole ranking a click away."""
    if not board.standings:
        return Reply(
            title=t("Fin du défi"),
            text=t("Personne n'a répondu aux quiz du café : pas de podium cette fois."),
        )
    lines = [
        f"{PODIUM[s.rank - 1]} {_line(t, s, streak=False)} · {_detail(t, s)}"
        for s in board.standings[:3]
    ]
    lines.append(
        t.n(
            "{n} participant au classement.",
            "{n} participants au classement.",
            len(board.standings),
        )
    )
    return Reply(
        title=t.n(
            "Podium du défi ({n} question)", "Podium du défi ({n} questions)", board.question
        ),
        text="\n".join(lines),
        actions=[
            score_action(t, board.occurrence_id, everyone=True),
            score_action(t, board.occurrence_id),
        ],
    )


def my_score(t: Translator, board: Board, member_id: int, *, everyone: bool) -> Reply:
    """A member's own rank (private), with the whole ranking when asked."""
    mine = next((s for s in board.standings if s.member_id == member_id), None)
    if board.questions == 0:
        head = t(
            "Le café n° {occurrence} n'a aucun quiz nominatif au programme : pas de classement "
            "(les quiz anonymes ne comptent pas).",
            occurrence=board.occurrence_id,
        )
    elif board.question == 0:
        head = t(
            "Aucune question du défi n'est encore close au café n° {occurrence} : le "
            "classement commence après le premier quiz.",
            occurrence=board.occurrence_id,
        )
    elif mine is None:
        head = t(
            "Vous n'êtes pas encore au classement du café n° {occurrence} : répondez au "
            "prochain quiz !",
            occurrence=board.occurrence_id,
        )
    else:
        head = t.n(
            "Votre rang : {rank} sur {count}, avec {n} point ({detail}).",
            "Votre rang : {rank} sur {count}, avec {n} points ({detail}).",
            mine.points,
            rank=t.ordinal(mine.rank),
            count=len(board.standings),
            detail=_detail(t, mine),
        )
        if mine.pseudonym:
            head += " " + t("Votre pseudo : {name}.", name=mine.name)
    lines = [head]
    shown = board.standings if everyone else board.standings[:3]
    if shown:
        lines.append("")
        lines.extend(_line(t, s) for s in shown)
    title = (
        t(
            "Classement après la question {question}/{questions}",
            question=board.question,
            questions=board.questions,
        )
        if board.question
        else t("Défi quiz du café n° {occurrence}", occurrence=board.occurrence_id)
    )
    actions = (
        []
        if everyone or not board.standings
        else [score_action(t, board.occurrence_id, everyone=True)]
    )
    return Reply(title=title, text="\n".join(lines), actions=actions, private=True)


def pseudonym_changed(t: Translator, change: PseudonymChange) -> Reply:
    where = label(t, change.occurrence)
    if change.removed_by_host:
        text = t(
            "Pseudo « {name} » retiré du café « {title} » : ce membre y apparaît sous son nom.",
            name=change.previous,
            title=where,
        )
    elif change.name is None:
        if change.previous is None:
            text = t(
                "Vous n'aviez pas de pseudo au café « {title} » : votre nom s'affiche au "
                "classement.",
                title=where,
            )
        else:
            text = t(
                "Pseudo « {name} » retiré : votre nom s'affiche au classement du café "
                "« {title} ».",
                name=change.previous,
                title=where,
            )
    else:
        text = t(
            "Au classement du café « {title} », vous apparaîtrez sous le pseudo « {name} ». "
            "name:off le retire.",
            title=where,
            name=change.name,
        )
    return Reply(text=text, private=True)
