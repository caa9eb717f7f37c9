"""Poll kinds and statuses, read-only views of a poll, votes as values, outbox keys, and the
tally: pure computation, no I/O."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.refs import ROLE_RANK, Role, RoomRef
from bot.core.text import fold_key, tidy
from cogs.poll.kinds import CloseReason, PollKind, ResultsMode
from cogs.poll.models import Poll, PollBallot, PollOption

CHOICE_KINDS = frozenset({PollKind.SINGLE, PollKind.MULTIPLE, PollKind.RANKING})
TEXT_KINDS = frozenset({PollKind.OPEN, PollKind.WORDCLOUD, PollKind.QUIZ})
# Kinds whose results show who said what (when not anonymous).
NAMED_KINDS = frozenset({PollKind.RATING, PollKind.OPEN, PollKind.QUIZ, PollKind.BOARD})
RATING_SCALE = 5
# Open anonymous polls refresh their results once per this many votes (see live.py).
ANONYMOUS_BATCH = 5

# Outbox message kinds (their renderers live in cog.py) and keys: one place for their formats.
CLOSE_KIND = "poll.close"
REDACT_NOTE_KIND = "poll.redact_note"


def close_key(poll_id: int) -> str:
    """The timer that closes a poll at its ``closes_at``."""
    return f"poll:{poll_id}:close"


def final_key(poll_id: int) -> str:
    """The final results posted in the poll's room when it is closed from another room."""
    return f"poll:{poll_id}:final"


def redact_note_key(poll_id: int) -> str:
    """The creator's private note that typed votes cannot be removed from the room."""
    return f"poll:{poll_id}:redact-note"


def live_key(poll_id: int) -> str:
    """The live results message of a poll."""
    return f"poll:{poll_id}:live"


@dataclass(frozen=True, slots=True)
class Voter:
    member_id: int
    roles: frozenset[Role] = frozenset({Role.MEMBER})

    def has(self, role: Role) -> bool:
        return max((ROLE_RANK[r] for r in self.roles), default=0) >= ROLE_RANK[role]


@dataclass(frozen=True, slots=True)
class PollDraft:
    """A poll as asked for by ``poll create``, before any check."""

    question: str
    kind: PollKind = PollKind.SINGLE
    choices: str = ""
    anonymous: bool = False
    results: str = "live"
    duration: str = ""
    closes: str = ""
    max: int | None = None
    answer: str = ""
    categories: str = ""
    role: Role = Role.MEMBER


@dataclass(frozen=True, slots=True)
class OptionView:
    position: int
    label: str
    category: int | None = None
    member_id: int | None = None
    voter: str | None = None


@dataclass(frozen=True, slots=True)
class PollView:
    id: int
    question: str
    kind: PollKind
    author_id: int | None
    room: RoomRef
    anonymous: bool
    results: ResultsMode
    max_choices: int | None
    role: str
    answers: tuple[str, ...]
    categories: tuple[str, ...]
    created_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    closed_reason: CloseReason | None
    options: tuple[OptionView, ...] = ()

    @classmethod
    def of(cls, poll: Poll, options: list[PollOption] | tuple[OptionView, ...] = ()) -> PollView:
        assert poll.id is not None
        views = tuple(
            o
            if isinstance(o, OptionView)
            else OptionView(o.position, o.label, o.category, o.member_id, o.voter)
            for o in options
        )
        return cls(
            id=poll.id,
            question=poll.question,
            kind=PollKind(poll.kind),
            author_id=poll.author_id,
            room=RoomRef.decode(poll.room),
            anonymous=poll.anonymous,
            results=ResultsMode(poll.results),
            max_choices=poll.max_choices,
            role=poll.role,
            answers=tuple(json.loads(poll.answers)),
            categories=tuple(json.loads(poll.categories)),
            created_at=poll.created_at,
            closes_at=poll.closes_at,
            closed_at=poll.closed_at,
            closed_reason=CloseReason(poll.closed_reason) if poll.closed_reason else None,
            options=tuple(sorted(views, key=lambda o: o.position)),
        )

    def is_closed(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.closes_at is not None and self.closes_at <= now)

    def label(self, position: int) -> str:
        return next((o.label for o in self.options if o.position == position), "?")


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    poll: PollView
    replaced: bool = False
    recorded: tuple[str, ...] = ()  # what was recorded, as labels or words
    correct: bool | None = None  # quiz
    attempts: int = 0  # quiz
    idea: int | None = None  # board: the idea posted or up-voted
    already: bool = False  # board: that idea already had this member's vote
    posted: bool = False  # board: a new idea was posted


@dataclass(frozen=True, slots=True)
class RankRow:
    label: str
    points: int
    mean_rank: float


@dataclass(frozen=True, slots=True)
class IdeaRow:
    number: int
    label: str
    votes: int
    author: str | None


@dataclass(frozen=True, slots=True)
class QuizResult:
    winner: str | None  # a name; None when nobody found, and always for anonymous quizzes
    winner_attempts: int
    winner_seconds: float | None
    right: int
    attempts: int


@dataclass(slots=True)
class Tally:
    poll: PollView
    voters: int
    counts: list[tuple[str, int]] = field(default_factory=list)
    ranking: list[RankRow] = field(default_factory=list)
    rating_mean: float | None = None
    distribution: list[int] = field(default_factory=list)
    comments: list[tuple[str | None, int, str]] = field(default_factory=list)
    answers: list[tuple[str | None, str]] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)
    quiz: QuizResult | None = None
    board: list[tuple[int, list[IdeaRow]]] = field(default_factory=list)


def ballot_choices(ballot: PollBallot) -> list[Any]:
    return list(json.loads(ballot.choices or "[]"))


def compute_tally(poll: PollView, ballots: list[PollBallot], names: dict[int, str]) -> Tally:
    """Everything the results show, from the ballots (names: member id → display name)."""

    def author(member_id: int | None) -> str | None:
        if poll.anonymous or member_id is None:
            return None
        return names.get(member_id, "?")

    tally = Tally(poll, voters=len(ballots))
    kind = poll.kind
    if kind in (PollKind.SINGLE, PollKind.MULTIPLE):
        counter: Counter[int] = Counter()
        for b in ballots:
            counter.update(set(ballot_choices(b)))
        tally.counts = [(o.label, counter[o.position]) for o in poll.options]
    elif kind is PollKind.RANKING:
        n = len(poll.options)
        points: Counter[int] = Counter()
        ranks: dict[int, list[int]] = {o.position: [] for o in poll.options}
        for b in ballots:
            for rank, position in enumerate(ballot_choices(b), start=1):
                if position in ranks:
                    points[position] += n - rank
                    ranks[position].append(rank)
        rows = [
            RankRow(
                o.label,
                points[o.position],
                sum(ranks[o.position]) / len(ranks[o.position]) if ranks[o.position] else 0.0,
            )
            for o in poll.options
        ]
        tally.ranking = sorted(rows, key=lambda r: (-r.points, r.mean_rank))
    elif kind is PollKind.RATING:
        dist = [0] * RATING_SCALE
        for b in ballots:
            values = ballot_choices(b)
            if values and 1 <= values[0] <= RATING_SCALE:
                dist[values[0] - 1] += 1
                if b.comment:
                    tally.comments.append((author(b.member_id), values[0], b.comment))
        if poll.anonymous:  # an order that does not follow voting order
            tally.comments.sort(key=lambda c: (-c[1], fold_key(c[2]), c[2]))
        tally.distribution = dist
        total = sum(dist)
        tally.rating_mean = sum((i + 1) * c for i, c in enumerate(dist)) / total if total else None
    elif kind is PollKind.OPEN:
        tally.answers = [(author(b.member_id), b.text or "") for b in ballots if b.text]
        if poll.anonymous:  # by text: the listing must not replay the order of the votes
            tally.answers.sort(key=lambda a: (fold_key(a[1]), a[1]))
    elif kind is PollKind.WORDCLOUD:
        tally.words = count_words(w for b in ballots for w in ballot_choices(b))
    elif kind is PollKind.QUIZ:
        right = [b for b in ballots if b.correct]
        # Anonymous quizzes keep no timing, so they have no winner: only counts.
        timed = [] if poll.anonymous else [b for b in right if b.seconds is not None]
        first = min(
            timed,
            key=lambda b: (b.seconds, b.updated_at is None, b.updated_at or poll.created_at),
            default=None,
        )
        tally.quiz = QuizResult(
            winner=None if first is None else (author(first.member_id) or "?"),
            winner_attempts=first.attempts if first else 0,
            winner_seconds=first.seconds if first else None,
            right=len(right),
            attempts=sum(b.attempts for b in ballots),
        )
    elif kind is PollKind.BOARD:
        tally.board = board_rows(poll, ballots, author)
        ideas_by = {o.voter for o in poll.options if o.voter}
        tally.voters = len(ideas_by | {b.voter for b in ballots})
    return tally


def count_words(words: Iterable[object]) -> list[tuple[str, int]]:
    """Group words by their folded form; show each group by its most frequent spelling."""
    groups: dict[str, Counter[str]] = {}
    for word in words:
        shown = tidy(str(word))
        key = fold_key(shown)
        if key:
            groups.setdefault(key, Counter())[shown] += 1
    rows = [(_spelling(spellings), sum(spellings.values())) for spellings in groups.values()]
    return sorted(rows, key=lambda r: (-r[1], fold_key(r[0])))


def _spelling(spellings: Counter[str]) -> str:
    """The most frequent spelling; on a tie the most careful one (capital, accents), then the
    first in text order: never the first one typed, which would follow voting order."""
    return max(
        spellings,
        key=lambda w: (spellings[w], w != w.lower(), not w.isascii(), [-ord(c) for c in w]),
    )


def board_rows(
    poll: PollView, ballots: list[PollBallot], author: Callable[[int | None], str | None]
) -> list[tuple[int, list[IdeaRow]]]:
    votes: Counter[int] = Counter()
    for b in ballots:
        votes.update(set(ballot_choices(b)))
    count = max(len(poll.categories), 1)
    by_category: list[tuple[int, list[IdeaRow]]] = []
    for index in range(count):
        ideas = [
            IdeaRow(o.position, o.label, votes[o.position], author(o.member_id))
            for o in poll.options
            if (o.category or 0) == index
        ]
        if poll.anonymous:  # numbers follow posting order: list by support, then text
            ideas.sort(key=lambda i: (-i.votes, fold_key(i.label), i.number))
        else:
            ideas.sort(key=lambda i: (-i.votes, i.number))
        by_category.append((index, ideas))
    return by_category
