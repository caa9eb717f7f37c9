"""The live challenge's pure rules: Kahoot's scoring with its exact numbers, streaks, later
attempts, the documented tie order, and what a pseudonym may be."""

from __future__ import annotations

from pathlib import Path

import pytest

import cogs.cafe
from bot.core import UserError
from bot.core.activities import QuizAnswer
from bot.core.i18n import I18n
from cogs.cafe.leaderboard import (
    DEFAULT_SECONDS,
    Names,
    QuizRound,
    Score,
    Standing,
    answer_points,
    rank,
    scored,
    streak_bonus,
    tally,
)
from cogs.cafe.leaderboards import Board
from cogs.cafe.pseudonym import check_pseudonym, is_off, pseudonym_key
from cogs.cafe.render_leaderboard import after_quiz, my_score, podium


@pytest.mark.parametrize(
    ("seconds", "limit", "points"),
    [
        (0.0, 20, 1000),
        (0.4, 20, 1000),  # under half a second: full points
        (0.5, 20, 988),  # 1000 × (1 − 0.025 / 2) = 987.5, half up
        (5, 20, 875),
        (10, 20, 750),
        (20, 20, 500),  # at the timer's end: half
        (27, 30, 550),  # the seed's Klaxoon quiz: 27 s of 30
        (3.3, 20, 918),  # 917.5 → 918
        (45, 30, 500),  # later than T (the host moved on by hand): never below 500
        (5, None, 917),  # no timer: T = 30 s, 1000 × (1 − 5/60) = 916.67
    ],
)
def test_kahoot_points(seconds: float, limit: int | None, points: int) -> None:
    assert answer_points(seconds, limit) == points


def test_default_timer_is_documented() -> None:
    assert DEFAULT_SECONDS == 30
    assert answer_points(15, None) == answer_points(15, 30) == 750


def test_later_attempts_score_less() -> None:
    assert answer_points(5, 20, attempts=1) == 875
    assert answer_points(5, 20, attempts=2) == 438  # 437.5, half up
    assert answer_points(5, 20, attempts=3) == 219  # 218.75
    assert answer_points(0.2, 20, attempts=2) == 500


def test_streak_bonus() -> None:
    assert [streak_bonus(n) for n in range(1, 9)] == [0, 100, 200, 300, 400, 500, 500, 500]


def _round(position: int, seconds: int | None, *answers: QuizAnswer) -> QuizRound:
    return QuizRound(position, seconds, answers)


def right(member: int, seconds: float, attempts: int = 1) -> QuizAnswer:
    return QuizAnswer(member, True, attempts, seconds)


def wrong(member: int, attempts: int = 1) -> QuizAnswer:
    return QuizAnswer(member, False, attempts, None)


def test_three_questions_streaks_attempts_and_absences() -> None:
    rounds = [
        _round(1, 20, right(1, 2), right(2, 1)),
        _round(3, 20, right(1, 4), wrong(2, 2), right(3, 8, attempts=2)),
        _round(5, 20, right(1, 6), right(2, 10), right(3, 0.4)),
    ]
    board = {s.member_id: s for s in tally(rounds)}
    # 1: 950, then 900 + 100 (2 in a row), then 850 + 200 (3 in a row).
    assert board[1].points == 3000 and board[1].streak == 3 and board[1].last_points == 1050
    # 2: 975; a wrong answer ends the streak; 750 with no bonus.
    assert board[2].points == 1725 and board[2].right == 2 and board[2].attempts == 4
    # 3: absent from the first (no points, no streak); 800 halved on the 2nd attempt = 400;
    # then 1000 under half a second + 100 (2 in a row).
    assert board[3].points == 1500 and board[3].attempts == 3
    assert board[3].seconds == 8.4
    standings = rank(list(board.values()), Names({3: "Renard"}, {1: "ana", 2: "bob"}))
    assert [(s.rank, s.name, s.points) for s in standings] == [
        (1, "ana", 3000),
        (2, "bob", 1725),
        (3, "Renard", 1500),
    ]
    assert standings[2].pseudonym and not standings[0].pseudonym


def test_the_order_of_rounds_is_the_programme_order() -> None:
    late_first = [_round(4, 20, right(1, 2)), _round(2, 20, wrong(1))]
    assert tally(late_first)[0].streak == 1  # position 2 (wrong) came before position 4


def test_a_missing_answer_ends_the_streak() -> None:
    rounds = [_round(1, 20, right(1, 1)), _round(2, 20), _round(3, 20, right(1, 1))]
    (score,) = tally(rounds)
    assert score.points == 975 * 2 and score.streak == 1


def test_ties_are_broken_in_the_documented_order() -> None:
    scores = [
        Score(7, points=1000, right=1, attempts=1, seconds=5.0),
        Score(3, points=1000, right=1, attempts=1, seconds=5.0),  # all equal: lower id first
        Score(5, points=1000, right=2, attempts=4, seconds=30.0),  # more right answers
        Score(9, points=1000, right=1, attempts=1, seconds=4.0),  # faster
        Score(4, points=1000, right=1, attempts=2, seconds=5.0),  # more attempts
        Score(8, points=1200, right=1, attempts=3, seconds=20.0),  # more points
    ]
    order = [s.member_id for s in rank(scores, Names())]
    assert order == [8, 5, 9, 3, 7, 4]
    assert order == [s.member_id for s in rank(list(reversed(scores)), Names())]


def test_anonymous_quizzes_do_not_score() -> None:
    assert scored("quiz", {"answer": ["Paris"]})
    assert not scored("quiz", {"answer": ["Paris"], "anonymous": True})
    assert not scored("single", {"choices": ["A", "B"]})


# --- pseudonyms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Zoé", "Renard 🦊", "Le  Chat\tBotté", "R2-D2", "l'Ours", "❤️‍🔥 Lou", "Élan!"]
)
def test_good_pseudonyms(name: str) -> None:
    assert check_pseudonym(name) == " ".join(name.split())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Z", "de 2 à 24 caractères"),
        ("x" * 25, "de 2 à 24 caractères"),
        ("<@123456>", "retirez « < »"),
        ("@everyone", "retirez « @ »"),
        ("@alice:example.org", "retirez « @ »"),
        ("**gras**", "retirez « * »"),
        ("[clic](x)", "retirez « [ »"),
        ("`code`", "retirez « ` »"),
        ("a_b", "retirez « _ »"),
        ("Zo\u200be", "U+200B"),  # zero-width space: two names that look the same
        ("exemple.fr/x", "retirez « / »"),
        ("www.exemple.fr", "lien"),
        ("!!!", "au moins une lettre"),
        ("off", "retire le pseudo"),
    ],
)
def test_bad_pseudonyms_say_what_to_do(name: str, message: str) -> None:
    with pytest.raises(UserError) as error:
        check_pseudonym(name)
    text = error.value.msgid.format(**error.value.params)
    assert message in text, text


def test_off_and_keys() -> None:
    assert is_off(" OFF ") and is_off("aucun") and not is_off("offre")
    assert pseudonym_key("Zoé !") == pseudonym_key("zoe") == "zoe"
    assert pseudonym_key("Renard 🦊") != pseudonym_key("Renard 🐱")


def _board() -> Board:
    standings = [
        Standing(1, 7, "Zoé", 1950, right=2, attempts=2, seconds=3.0, streak=2),
        Standing(2, 8, "Jo", 1, right=1, attempts=3, seconds=9.0),
        Standing(3, 9, "Ana", 0, right=0, attempts=1, seconds=0.0),
    ]
    return Board(occurrence_id=4, standings=standings, question=2, questions=2)


def test_ranks_and_podium_read_as_ordinals_in_each_language() -> None:
    i18n = I18n("fr", [Path(cogs.cafe.__file__).parent / "locales"])
    fr, en = i18n.translator("fr"), i18n.translator("en")
    board = _board()
    assert "1re" not in after_quiz(fr, board).text  # a rank: masculine "1er"
    assert "1er **Zoé** — 1\u202f950 pts" in after_quiz(fr, board).text
    assert "2e **Jo** — 1 pt\n" in after_quiz(fr, board).text
    assert "1st **Zoé** — 1,950 pts" in after_quiz(en, board).text
    assert "2nd **Jo** — 1 pt\n" in after_quiz(en, board).text
    assert "🥉 3rd **Ana** — 0 pts" in podium(en, board).text
    assert "🥉 3e **Ana** — 0 pt" in podium(fr, board).text
    mine = my_score(en, board, 8, everyone=False).text
    assert mine.startswith("Your rank: 2nd of 3, with 1 point (")
    assert my_score(fr, board, 7, everyone=False).text.startswith(
        "Votre rang\u202f: 1er sur 3, avec 1\u202f950 points ("
    )
