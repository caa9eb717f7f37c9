"""The core's counters: commands, their latency, the outbox's outcomes, adapter reconnects.

Plain Python numbers kept in the process (a dictionary increment per command), so the core
counts whether or not anything reads them and never imports a metrics library. The web layer
(``bot/web/metrics.py``) registers a prometheus-client collector that reads a
:meth:`Metrics.snapshot` at each scrape of ``/metrics``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

#: Upper bounds (seconds) of the command latency histogram: a command answers in milliseconds,
#: a slow one (a picture, a page fetch) in a second or more.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class Outcome(StrEnum):
    """How a command ended (the ``outcome`` label)."""

    OK = "ok"
    USER_ERROR = "user_error"  # bad input: a translated message with what to do
    DENIED = "denied"  # the member lacks the command's role
    ERROR = "error"  # a bug or an outage: logged, the member got an apology


class OutboxOutcome(StrEnum):
    SENT = "sent"
    LATE = "late"  # sent after a restart, saying so (also counted as sent)
    FAILED = "failed"
    SKIPPED = "skipped"  # too late to send (beyond the grace window)


@dataclass(slots=True)
class Histogram:
    """Cumulative-free bucket counts (one per bound, plus +Inf), their sum and count."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations ≤ bound)`` pairs, +Inf last (Prometheus' shape)."""
        running, out = 0, []
        for bound, count in zip((*LATENCY_BUCKETS, float("inf")), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass(frozen=True, slots=True)
class Snapshot:
    commands: dict[tuple[str, str], int]
    latency: dict[str, Histogram]
    outbox: dict[str, int]
    reconnects: dict[str, int]


class Metrics:
    """What the core counts. ``core.metrics``; adapters call :meth:`reconnected`."""

    def __init__(self) -> None:
        self.commands: Counter[tuple[str, str]] = Counter()
        self.latency: dict[str, Histogram] = {}
        self.outbox: Counter[str] = Counter()
        self.reconnects: Counter[str] = Counter()

    def command(self, path: str, outcome: Outcome, seconds: float) -> None:
        self.commands[(path, outcome.value)] += 1
        histogram = self.latency.get(path)
        if histogram is None:
            histogram = self.latency[path] = Histogram()
        histogram.observe(seconds)

    def outboxed(self, outcome: OutboxOutcome, count: int = 1) -> None:
        if count:
            self.outbox[outcome.value] += count

    def reconnected(self, platform: str) -> None:
        """An adapter lost its connection to the platform and got it back."""
        self.reconnects[platform] += 1

    def snapshot(self) -> Snapshot:
        """A copy to read outside the event loop's current step (a scrape)."""
        return Snapshot(
            commands=dict(self.commands),
            latency={
                path: Histogram(list(h.counts), h.total, h.count)
                for path, h in self.latency.items()
            },
            outbox=dict(self.outbox),
            reconnects=dict(self.reconnects),
        )
