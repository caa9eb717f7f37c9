"""What a poll and a vote may contain: the option checks and parsers, pure (no I/O).

Every function raises ``UserError`` with a message that says how to do it right; the service
calls them before (or inside) its transaction, so a bad input never changes anything stored.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import NotADate, parse_when
from bot.core.durations import parse_duration
from bot.core.errors import UserError
from bot.core.i18n import role_name
from bot.core.refs import Role
from bot.core.text import fold_key, split_list, tidy
from cogs.poll.domain import CHOICE_KINDS, RATING_SCALE, TEXT_KINDS, PollView, Voter
from cogs.poll.kinds import PollKind, ResultsMode

MAX_QUESTION = 300
MAX_LABEL = 80
MAX_CHOICES = 25
MIN_CHOICES = 2
MAX_ANSWER = 500
MAX_IDEA = 200
MAX_WORD = 40
MAX_WORDS = 10
MAX_LIFETIME = timedelta(days=366)


# --- creating ---------------------------------------------------------------------------------


def check_question(raw: str) -> str:
    question = tidy(raw)
    if not question:
        raise UserError('La question est vide : écrivez-la, par exemple question:"Votre avis ?".')
    if len(question) > MAX_QUESTION:
        raise UserError(
            "La question est trop longue : {length} caractères (au plus {max}).",
            length=len(question),
            max=MAX_QUESTION,
        )
    return question


def check_results(value: str) -> ResultsMode:
    if value not in ("live", "hidden"):
        raise UserError("results accepte live ou hidden.")
    return ResultsMode(value)


def check_labels(raw: str, kind: PollKind) -> list[str]:
    labels = split_list(raw, "|")
    if kind not in CHOICE_KINDS:
        if labels:
            raise UserError(
                "Ce type de sondage n'a pas de choix : retirez choices (pour un tableau "
                "d'idées, utilisez categories)."
            )
        return []
    if len(labels) < MIN_CHOICES:
        raise UserError(
            'Il faut au moins 2 choix, séparés par | : choices:"Oui | Non | Peut-être".'
        )
    if len(labels) > MAX_CHOICES:
        raise UserError(
            "Trop de choix : {count} (au plus {max}). Regroupez-en ou faites deux sondages.",
            count=len(labels),
            max=MAX_CHOICES,
        )
    seen: dict[str, str] = {}
    for label in labels:
        if len(label) > MAX_LABEL:
            raise UserError(
                "Le choix « {label} » est trop long : {length} caractères (au plus {max}).",
                label=label[:30] + "…",
                length=len(label),
                max=MAX_LABEL,
            )
        key = fold_key(label) or label
        if key in seen:
            raise UserError(
                "Le choix « {label} » apparaît deux fois : chaque choix doit être différent.",
                label=label,
            )
        seen[key] = label
    return labels


def check_answers(raw: str, kind: PollKind) -> list[str]:
    answers = split_list(raw, "|")
    if kind is not PollKind.QUIZ:
        if answers:
            raise UserError("answer ne sert qu'aux quiz (kind:quiz).")
        return []
    if not answers:
        raise UserError(
            'Un quiz a besoin de sa bonne réponse : answer:"26/09/2022" (plusieurs '
            "réponses acceptées, séparées par |)."
        )
    for answer in answers:
        if len(answer) > MAX_LABEL:
            raise UserError(
                "La réponse « {label} » est trop longue : {length} caractères (au plus {max}).",
                label=answer[:30] + "…",
                length=len(answer),
                max=MAX_LABEL,
            )
    return answers


def check_categories(raw: str, kind: PollKind) -> list[str]:
    categories = split_list(raw, "|")
    if kind is not PollKind.BOARD:
        if categories:
            raise UserError("categories ne sert qu'aux tableaux d'idées (kind:board).")
        return []
    if len(categories) > MAX_CHOICES:
        raise UserError(
            "Trop de catégories : {count} (au plus {max}).", count=len(categories), max=MAX_CHOICES
        )
    keys = set()
    for name in categories:
        if len(name) > MAX_LABEL:
            raise UserError(
                "La catégorie « {label} » est trop longue : {length} caractères (au plus {max}).",
                label=name[:30] + "…",
                length=len(name),
                max=MAX_LABEL,
            )
        if fold_key(name) in keys:
            raise UserError("La catégorie « {label} » apparaît deux fois.", label=name)
        keys.add(fold_key(name))
    return categories


def check_max(value: int | None, kind: PollKind, choices: int) -> int | None:
    if value is None or value == 0:
        return None
    if kind is PollKind.MULTIPLE:
        if not 1 <= value <= choices:
            raise UserError(
                "max doit être compris entre 1 et le nombre de choix ({count}).", count=choices
            )
        return value
    if kind is PollKind.WORDCLOUD:
        if not 1 <= value <= MAX_WORDS:
            raise UserError(
                "max (mots par personne) doit être compris entre 1 et {max}.", max=MAX_WORDS
            )
        return value
    raise UserError(
        "max ne sert qu'aux choix multiples (nombre de choix) et aux nuages de mots "
        "(mots par personne)."
    )


def parse_closing(duration: str, closes: str, now: datetime, tz: Any) -> datetime | None:
    """``duration:30m`` or ``closes:"2027-01-05 18:00"`` (or ``18:00``, in the reader's zone)."""
    if duration and closes:
        raise UserError("Donnez duration ou closes, pas les deux.")
    if duration:
        delta = parse_duration(duration)
        moment = now + delta
    elif closes:
        moment = _parse_moment(closes.strip(), now, tz)
        if moment <= now:
            raise UserError("La date de clôture est déjà passée : choisissez une date à venir.")
    else:
        return None
    if moment - now > MAX_LIFETIME:
        raise UserError("Un sondage dure au plus un an : choisissez une clôture plus proche.")
    return moment


def _parse_moment(text: str, now: datetime, tz: Any) -> datetime:
    """``closes:`` as people type it (``bot.core.when``): ``jeudi 18h``, ``demain 18h``,
    ``4 mars 18h``, ``18:00`` (the next one), a date alone (its end: 23:59)."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo("UTC")
    try:
        return parse_when(text, now, zone, default_time=time(23, 59)).aware
    except NotADate:
        raise UserError(
            'Date de clôture illisible : « {value} ». Exemples : closes:"jeudi 18h", '
            'closes:"4 mars 18h", closes:"demain 12h", closes:18:00.',
            value=text[:40],
        ) from None


# --- voting -----------------------------------------------------------------------------------


def check_role(poll: PollView, voter: Voter) -> None:
    if not voter.has(Role(poll.role)):
        raise UserError(
            "Ce sondage est réservé à un autre rôle que le vôtre ({role}).",
            role=role_name(poll.role),
        )


def check_open(poll: PollView, now: datetime) -> None:
    if poll.is_closed(now):
        raise UserError(
            "Le sondage n° {poll} est clos : les votes ne sont plus possibles. "
            "Tapez « poll results poll:{poll} » pour voir les résultats.",
            poll=poll.id,
        )


def check_option_fit(kind: PollKind, choice: str, text: str, comment: str, category: str) -> None:
    if kind in CHOICE_KINDS or kind is PollKind.RATING:
        if text:
            raise UserError(
                "Pour ce sondage, votez avec choice: (un numéro ou un intitulé), pas text:."
            )
        if not choice.strip():
            raise UserError("Indiquez votre choix avec choice: (un numéro ou un intitulé).")
    elif kind in TEXT_KINDS:
        if choice:
            raise UserError('Pour ce sondage, répondez avec text:"votre réponse", pas choice:.')
        if not text.strip():
            raise UserError('Écrivez votre réponse avec text:"…".')
    elif kind is PollKind.BOARD and not (choice or text):
        raise UserError(
            'Sur un tableau d\'idées : text:"votre idée" (et category:) pour en proposer une, '
            "choice:N pour soutenir l'idée n° N."
        )
    elif kind is PollKind.BOARD and choice and text:
        raise UserError(
            "Une chose à la fois : text: pour proposer une idée, ou choice: pour en soutenir une."
        )
    if category and kind is not PollKind.BOARD:
        raise UserError("category ne sert qu'aux tableaux d'idées (kind:board).")


def check_text(text: str, limit: int, *, required: bool = True) -> str:
    value = tidy(text)
    if required and not value:
        raise UserError('Écrivez votre réponse avec text:"…".')
    if len(value) > limit:
        raise UserError(
            "Texte trop long : {length} caractères (au plus {max}). Raccourcissez-le.",
            length=len(value),
            max=limit,
        )
    return value


def _choice_list(poll: PollView) -> str:
    return ", ".join(f"{o.position}. {o.label}" for o in poll.options)[:900]


def parse_choices(raw: str, poll: PollView) -> list[int]:
    """Labels or numbers, ``|``-separated: ``"B"``, ``"2"``, ``"#2"``, ``"A | C"``.

    A number within 1..N is a position; other words are matched to labels ignoring case,
    accents and spaces. Repeats are dropped (keeping the first).
    """
    by_key = {fold_key(o.label): o.position for o in poll.options}
    items = split_list(raw, "|")
    if len(items) == 1 and fold_key(items[0]) not in by_key and "," in items[0]:
        items = split_list(raw, ",")
    positions: list[int] = []
    for item in items:
        number = item[1:] if item.startswith("#") else item
        if number.isdigit() and 1 <= int(number) <= len(poll.options):
            position = int(number)
        elif fold_key(item) in by_key:
            position = by_key[fold_key(item)]
        else:
            raise UserError(
                "« {choice} » ne fait pas partie des choix. Choix possibles : {choices}.",
                choice=item[:40],
                choices=_choice_list(poll),
            )
        if position not in positions:
            positions.append(position)
    if not positions:
        raise UserError("Indiquez votre choix avec choice: (un numéro ou un intitulé).")
    return positions


def check_selection(poll: PollView, positions: list[int]) -> None:
    if poll.kind is PollKind.SINGLE and len(positions) > 1:
        raise UserError("Un seul choix pour ce sondage : choisissez-en un.")
    if poll.kind is PollKind.MULTIPLE and poll.max_choices and len(positions) > poll.max_choices:
        raise UserError(
            "Au plus {max} choix pour ce sondage ; vous en avez donné {count}.",
            max=poll.max_choices,
            count=len(positions),
        )
    if poll.kind is PollKind.RANKING and len(positions) != len(poll.options):
        missing = [o.label for o in poll.options if o.position not in positions]
        raise UserError(
            "Classez tous les éléments, du premier au dernier, séparés par | ; il manque : "
            "{missing}.",
            missing=", ".join(missing)[:600],
        )


def parse_rating(raw: str) -> int:
    value = raw.strip().replace("★", "*")
    if value and set(value) == {"*"}:
        value = str(len(value))
    value = value.split("/")[0].strip()
    if not value.isdigit() or not 1 <= int(value) <= RATING_SCALE:
        raise UserError("Donnez une note de 1 à 5 : choice:4 (et comment: si vous voulez).")
    return int(value)


def parse_words(text: str, limit: int) -> list[str]:
    words = split_list(text, "|,;")
    if not words:
        raise UserError('Écrivez votre réponse avec text:"…".')
    for word in words:
        if len(word) > MAX_WORD:
            raise UserError(
                "« {word} » est trop long pour un nuage de mots (au plus {max} caractères).",
                word=word[:30] + "…",
                max=MAX_WORD,
            )
    unique: dict[str, str] = {}
    for word in words:
        unique.setdefault(fold_key(word), word)
    if len(unique) > limit:
        raise UserError(
            "Au plus {max} mot(s) par personne pour ce nuage ; vous en avez donné {count}.",
            max=limit,
            count=len(unique),
        )
    return list(unique.values())


def parse_category(raw: str, poll: PollView) -> int:
    if not poll.categories:
        if raw:
            raise UserError("Ce tableau n'a pas de catégories : retirez category.")
        return 0
    listing = ", ".join(f"{i}. {c}" for i, c in enumerate(poll.categories, start=1))
    if not raw:
        if len(poll.categories) == 1:
            return 0
        raise UserError(
            "Choisissez une catégorie avec category: parmi {categories}.", categories=listing
        )
    value = raw.strip()
    if value.isdigit() and 1 <= int(value) <= len(poll.categories):
        return int(value) - 1
    for i, name in enumerate(poll.categories):
        if fold_key(name) == fold_key(value):
            return i
    raise UserError(
        "Catégorie inconnue : « {category} ». Choisissez parmi {categories}.",
        category=value[:40],
        categories=listing,
    )


def parse_idea_number(raw: str) -> int:
    value = raw.strip().lstrip("#")
    if not value.isdigit():
        raise UserError(
            "Sur un tableau, choice: est le numéro de l'idée à soutenir, par exemple choice:3."
        )
    return int(value)
