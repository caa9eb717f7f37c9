"""The live challenge: a café session's quizzes add up to a leaderboard. Pure rules, no I/O.

Scoring follows Kahoot's published rule (PRODUCT.md), per quiz activity:

- a right answer earns ``round(1000 × (1 − (t / T) / 2))`` points, where ``t`` is the time from
  the activity's opening to the member's right answer and ``T`` the activity's ``seconds:``
  (``DEFAULT_SECONDS`` when it has no timer). So at least 500 for a right answer within ``T``
  (a later one, possible only when the host moves on by hand, still gets 500), and the full
  1,000 under half a second. Halves round up (917.5 → 918).
- a right answer found on a later attempt scores less: half on the 2nd attempt, a quarter on the
  3rd, and so on (``points / 2^(attempts − 1)``, rounded the same way).
- a streak of right answers in consecutive quizzes adds 100 per answer after the first, up to
  +500: the 2nd right answer in a row +100, the 3rd +200 … the 6th and later +500. The bonus is
  not halved by a second attempt (the answer is right), but a wrong or missing answer to a quiz
  of the session ends the streak.
- a wrong answer, or none, scores nothing. Anonymous quizzes keep neither names nor timing:
  they do not score and are not counted as questions of the challenge.

Ties are broken in this order, so a ranking never changes from one reading to the next: more
points, then more right answers, then less time in total on the right answers, then fewer
attempts, then the member who joined the community first (the lower member id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import floor

from bot.core.activities import QuizAnswer

FULL_POINTS = 1000
#: ``T`` of a quiz without ``seconds:`` (Kahoot's default is 20 s; the seed's Klaxoon quiz
#: gave 27 s: 30 s reads naturally and leaves time to type an answer).
DEFAULT_SECONDS = 30
#: Under this many seconds, a right answer gets the full points.
INSTANT = Fraction(1, 2)
STREAK_STEP = 100
STREAK_MAX = 500
QUIZ = "quiz"


def scored(kind: str, options: Mapping[str, object]) -> bool:
    """Whether an activity scores: a named quiz (an anonymous one keeps neither names nor
    timing, so it is not a question of the challenge)."""
    return kind == QUIZ and not options.get("anonymous", False)


def _round(value: Fraction) -> int:
    """Half up (Python's ``round`` would give 918 for 918.5 but 916 for 916.5)."""
    return floor(value + Fraction(1, 2))


def answer_points(seconds: float, limit: int | None, attempts: int = 1) -> int:
    """Points of one right answer given ``seconds`` after the opening, on attempt ``attempts``,
    for a quiz of ``limit`` seconds (None: ``DEFAULT_SECONDS``)."""
    limit = limit or DEFAULT_SECONDS
    # Fraction(str(…)): seconds are stored to the tenth; no float error in 1000 × (1 − t/2T).
    t = max(Fraction(0), Fraction(str(seconds)))
    if t < INSTANT:
        points = Fraction(FULL_POINTS)
    else:
        share = min(t / limit, Fraction(1))
        points = FULL_POINTS * (1 - share / 2)
    return _round(points / 2 ** (max(attempts, 1) - 1))


def streak_bonus(streak: int) -> int:
    """Bonus of the ``streak``-th right answer in a row (1: the first, no bonus)."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_MAX)


@dataclass(frozen=True, slots=True)
class QuizRound:
    """One scored quiz of the session: its place in the programme, its ``T``, the answers."""

    position: int
    seconds: int | None
    answers: Sequence[QuizAnswer]


@dataclass(frozen=True, slots=True)
class Score:
    """A member's tally over the rounds so far (``streak``: right answers in a row now)."""

    member_id: int
    points: int = 0
    right: int = 0
    attempts: int = 0
    seconds: float = 0.0
    streak: int = 0
    last_points: int = 0  # what the last round brought (the "+875" after a question)


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of the leaderboard, as shown and as the report uses it.

    ``name`` is the member's pseudonym for this café when they chose one (``pseudonym`` True),
    else their display name; ``seconds`` is the time spent on their right answers, in total."""

    rank: int
    member_id: int
    name: str
    points: int
    right: int
    attempts: int
    seconds: float
    pseudonym: bool = False
    streak: int = 0
    last_points: int = 0


def tally(rounds: Sequence[QuizRound]) -> list[Score]:
    """Every member who answered any round, scored over ``rounds`` in programme order."""
    scores: dict[int, Score] = {}
    for quiz in sorted(rounds, key=lambda r: r.position):
        answered = {a.member_id: a for a in quiz.answers}
        for member_id in answered.keys() | scores.keys():
            before = scores.get(member_id, Score(member_id))
            scores[member_id] = _play(before, answered.get(member_id), quiz.seconds)
    return list(scores.values())


def _play(score: Score, answer: QuizAnswer | None, limit: int | None) -> Score:
    if answer is None:
        return replace(score, streak=0, last_points=0)
    attempts = score.attempts + answer.attempts
    if not answer.correct or answer.seconds is None:
        return replace(score, attempts=attempts, streak=0, last_points=0)
    streak = score.streak + 1
    won = answer_points(answer.seconds, limit, answer.attempts) + streak_bonus(streak)
    return Score(
        score.member_id,
        points=score.points + won,
        right=score.right + 1,
        attempts=attempts,
        seconds=round(score.seconds + answer.seconds, 1),
        streak=streak,
        last_points=won,
    )


def tie_key(score: Score) -> tuple[int, int, float, int, int]:
    """The documented order: points, right answers, time, attempts, then member id."""
    return (-score.points, -score.right, score.seconds, score.attempts, score.member_id)


@dataclass(frozen=True, slots=True)
class Names:
    """How members appear: their pseudonym for the café, else their display name."""

    pseudonyms: Mapping[int, str] = field(default_factory=dict)
    display: Mapping[int, str] = field(default_factory=dict)

    def of(self, member_id: int) -> tuple[str, bool]:
        if member_id in self.pseudonyms:
            return self.pseudonyms[member_id], True
        return self.display.get(member_id, "?"), False


def rank(scores: Sequence[Score], names: Names) -> list[Standing]:
    """The leaderboard: ``scores`` in the documented order, ranked 1, 2, 3…"""
    standings: list[Standing] = []
    for place, score in enumerate(sorted(scores, key=tie_key), start=1):
        name, pseudonym = names.of(score.member_id)
        standings.append(
            Standing(
                rank=place,
                member_id=score.member_id,
                name=name,
                points=score.points,
                right=score.right,
                attempts=score.attempts,
                seconds=score.seconds,
                pseudonym=pseudonym,
                streak=score.streak,
                last_points=score.last_points,
            )
        )
    return standings
