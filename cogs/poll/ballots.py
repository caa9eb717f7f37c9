"""Per-kind ballot rules: what one vote records on each kind of poll.

Simple kinds (single, multiple, ranking, rating, open, word cloud) turn a vote into one ballot
row, checked without I/O, which replaces the member's previous one. A quiz counts attempts on the
member's locked ballot; a board either posts an idea or adds a support to one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.text import fold_key
from bot.scheduling import Clock
from bot.storage.db import Database
from cogs.poll import queries
from cogs.poll.domain import CHOICE_KINDS, PollView, VoteOutcome, Voter, ballot_choices
from cogs.poll.kinds import PollKind
from cogs.poll.models import PollAttempt, PollOption, new_ballot_id
from cogs.poll.validate import (
    MAX_ANSWER,
    MAX_IDEA,
    MAX_LABEL,
    check_option_fit,
    check_role,
    check_selection,
    check_text,
    parse_category,
    parse_choices,
    parse_idea_number,
    parse_rating,
    parse_words,
)


def simple_ballot(
    poll: PollView,
    voter: Voter,
    choice: str,
    text: str,
    comment: str,
    category: str,
    now: datetime,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The ballot row for a vote on a simple kind, and what it records (labels or words).

    Checks only, no I/O; the row lacks its ``voter`` key, which the caller adds once every
    check has passed (an anonymous key needs the ballot secret)."""
    check_role(poll, voter)
    kind = poll.kind
    check_option_fit(kind, choice, text, comment, category)
    ballot_text: str | None = None
    recorded: tuple[str, ...]
    if kind in CHOICE_KINDS:
        positions = parse_choices(choice, poll)
        check_selection(poll, positions)
        values: list[Any] = positions
        recorded = tuple(poll.label(p) for p in positions)
    elif kind is PollKind.RATING:
        values = [parse_rating(choice)]
        recorded = (str(values[0]),)
    elif kind is PollKind.OPEN:
        ballot_text = check_text(text, MAX_ANSWER)
        values, recorded = [], (ballot_text,)
    else:  # wordcloud
        values = parse_words(text, poll.max_choices or 1)
        recorded = tuple(values)
    if comment and kind is not PollKind.RATING:
        raise UserError("comment ne sert qu'aux sondages de type note (rating).")
    stamp = None if poll.anonymous else now
    row = dict(
        id=new_ballot_id(),
        poll_id=poll.id,
        member_id=None if poll.anonymous else voter.member_id,
        choices=json.dumps(values, ensure_ascii=False),
        text=ballot_text,
        comment=check_text(comment, MAX_ANSWER, required=False) or None,
        revision=1,
        created_at=stamp,
        updated_at=stamp,
    )
    return row, recorded


async def answer_quiz(
    session: AsyncSession,
    db: Database,
    poll: PollView,
    key: str,
    member_id: int | None,
    text: str,
    now: datetime,
) -> VoteOutcome:
    """One more attempt at the quiz; right once, the member's ballot takes no more."""
    answer = check_text(text, MAX_LABEL * 2)
    stamp = None if poll.anonymous else now
    ballot = await queries.locked_ballot(session, db, poll.id, key, member_id, stamp)
    if ballot.correct:
        raise UserError("Vous avez déjà trouvé la bonne réponse : bravo !")
    correct = fold_key(answer) in {fold_key(a) for a in poll.answers}
    # Anonymous: no seconds on the ballot and no attempt rows (their ids and times would
    # give the order of answers, hence who answered what).
    seconds = None if poll.anonymous else round((now - poll.created_at).total_seconds(), 1)
    ballot.attempts += 1
    ballot.revision += 1
    ballot.text = answer
    ballot.updated_at = stamp
    if correct:
        ballot.correct = True
        ballot.seconds = seconds
    session.add(ballot)
    if seconds is not None:
        session.add(
            PollAttempt(
                poll_id=poll.id,
                voter=key,
                member_id=member_id,
                text=answer,
                correct=correct,
                seconds=seconds,
                created_at=stamp,
            )
        )
    return VoteOutcome(poll, recorded=(answer,), correct=correct, attempts=ballot.attempts)


async def board_vote(
    session: AsyncSession,
    db: Database,
    clock: Clock,
    poll: PollView,
    key: str,
    member_id: int | None,
    choice: str,
    text: str,
    category: str,
) -> VoteOutcome:
    """``text``: post an idea (in ``category``); ``choice``: support idea number N."""
    if text:
        idea = check_text(text, MAX_IDEA)
        index = parse_category(category, poll)
        for o in poll.options:
            if (o.category or 0) == index and fold_key(o.label) == fold_key(idea):
                raise UserError(
                    "Cette idée est déjà au tableau (n° {number}) : soutenez-la avec "
                    "choice:{number}.",
                    number=o.position,
                )
        position = await queries.next_idea_number(session, poll.id)
        session.add(
            PollOption(
                poll_id=poll.id,
                position=position,
                label=idea,
                category=index,
                voter=key,
                member_id=member_id,
            )
        )
        await session.flush()
        return VoteOutcome(poll, recorded=(idea,), idea=position, posted=True)
    if category:
        raise UserError("category sert à poster une idée avec text:.")
    number = parse_idea_number(choice)
    idea_row = next((o for o in poll.options if o.position == number), None)
    if idea_row is None:
        raise UserError(
            "Aucune idée n° {number} sur ce tableau. Tapez « poll results » pour les voir.",
            number=choice[:20],
        )
    if idea_row.voter == key:
        raise UserError("C'est votre idée : ce sont les autres qui la soutiennent.")
    stamp = None if poll.anonymous else clock.now()
    ballot = await queries.locked_ballot(session, db, poll.id, key, member_id, stamp)
    chosen = ballot_choices(ballot)
    if number in chosen:
        return VoteOutcome(poll, idea=number, already=True, recorded=(idea_row.label,))
    ballot.choices = json.dumps([*chosen, number])
    ballot.revision += 1
    ballot.updated_at = stamp
    session.add(ballot)
    return VoteOutcome(poll, idea=number, recorded=(idea_row.label,))
