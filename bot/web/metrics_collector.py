"""The Prometheus side of ``/metrics`` (``bot/web/metrics.py``): a collector that turns the
core's snapshot into metric families at each scrape. Imported at the first scrape only, so a
bot nobody scrapes never loads prometheus-client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from bot.core.metrics import OutboxOutcome

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from bot.core.core import Core


class CoreCollector(Collector):
    def __init__(self, core: Core) -> None:
        self.core = core

    def collect(self) -> Iterator[Metric]:
        snap = self.core.metrics.snapshot()
        commands = CounterMetricFamily(
            "passerelle_commands",
            "Commands dispatched, by command and outcome.",
            labels=["command", "outcome"],
        )
        for (path, outcome), count in sorted(snap.commands.items()):
            commands.add_metric([path, outcome], count)
        yield commands
        latency = HistogramMetricFamily(
            "passerelle_command_duration_seconds",
            "Time from dispatch to reply, by command.",
            labels=["command"],
        )
        for path, histogram in sorted(snap.latency.items()):
            buckets = [
                ("+Inf" if bound == float("inf") else repr(bound), float(count))
                for bound, count in histogram.cumulative()
            ]
            latency.add_metric([path], buckets, histogram.total)
        yield latency
        outbox = CounterMetricFamily(
            "passerelle_outbox_messages",
            "Scheduled messages by outcome (late ones are also counted as sent).",
            labels=["outcome"],
        )
        for outcome in OutboxOutcome:
            outbox.add_metric([outcome.value], snap.outbox.get(outcome.value, 0))
        yield outbox
        reconnects = CounterMetricFamily(
            "passerelle_adapter_reconnects",
            "Connections to a platform lost and regained.",
            labels=["platform"],
        )
        connected = GaugeMetricFamily(
            "passerelle_adapter_connected",
            "1 when the adapter is connected to its platform.",
            labels=["platform"],
        )
        for platform, up in sorted(self.core.connections().items()):
            reconnects.add_metric([platform], snap.reconnects.get(platform, 0))
            connected.add_metric([platform], 1.0 if up else 0.0)
        yield reconnects
        yield connected


def registry_for(core: Core) -> CollectorRegistry:
    """This server's registry (not the process-global one: two bots in one test process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CoreCollector(core))
    return registry
