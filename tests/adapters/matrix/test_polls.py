"""Native poll rules that need no homeserver: which answers of a response count, how a vote
becomes the poll's vote command, the end event type."""

from __future__ import annotations

from bot.adapters.matrix.polls import chosen_answers, end_event_type, vote_arguments
from bot.core.reply import Action, NativePoll


def poll(max_selections: int = 1) -> NativePoll:
    return NativePoll(
        key="poll:7",
        question="Quel jour ?",
        answers=(("a1", "Lundi"), ("a2", "Mardi"), ("a3", "Jeudi")),
        vote=Action.invoke("poll vote", label="Voter", poll=7),
        max_selections=max_selections,
    )


def test_only_offered_answers_count_up_to_the_maximum() -> None:
    assert chosen_answers(poll(), ["zz", "a2", "a3"]) == ["a2"]
    assert chosen_answers(poll(2), ["a1", "a2", "a3"]) == ["a1", "a2"]
    assert chosen_answers(poll(0), ["a3"]) == ["a3"]  # at least one
    assert chosen_answers(poll(), ["zz"]) == []


def test_a_vote_becomes_the_poll_s_vote_command_arguments() -> None:
    assert vote_arguments(poll(2), ["a1", "a3"]) == {"poll": 7, "choice": "a1|a3"}


def test_the_end_event_matches_the_start_type() -> None:
    assert end_event_type("m.poll.start") == "m.poll.end"
    assert end_event_type("org.matrix.msc3381.poll.start") == "org.matrix.msc3381.poll.end"
