"""Prometheus metrics of one pass, for `--pushgateway URL` and `--metrics-textfile PATH` (docs/monitoring.md).

Contract:
- `ResourceGauges(limit=N)` is handed every `Result` of a pass (`observe`, thread-safe) and keeps the
  per-resource facts of at most N resources: Stalled ones first, then unfinished ones (no terminal
  SageMaker status yet), then the rest, each group in listing order. `dropped` counts the others, so the
  per-resource series are bounded by 9 x N (one status, six training-job counters, one best objective,
  one Stalled-since per resource) whatever the cluster holds.
- `pass_registry(report, gauges, *, now)` returns a `CollectorRegistry` with the families listed in
  `FAMILIES`. When the pass did not succeed, the last-success timestamp is left out (a failed pass must
  not overwrite the previous one: the exporter merges instead of replacing), and so are the
  per-resource families when the pass did not list every resource.
- `publish(report, gauges, *, settings, now)` builds the registry and sends it where the settings say
  (`reconciler.gateways.metrics_export`); it returns the problems as messages and raises nothing for them.
- No I/O here apart from `publish`'s call of the exporter.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reconciler.core.calls import RESULTS
from reconciler.core.outcomes import PassReport, Result
from reconciler.core.settings import Settings
from reconciler.gateways import metrics_export

PUSH_JOB = "hpo-reconciler"
COUNTERS = ("completed", "inProgress", "retryableError", "nonRetryableError", "stopped", "totalError")
_TERMINAL = frozenset({"Completed", "Failed", "Stopped"})
OUTCOMES = (
    "created",
    "adopted",
    "updated",
    "unchanged",
    "stalled",
    "stopping",
    "deleted",
    "planned",
    "retry",
    "failed",
)

# name -> help text; every family a pass can export (docs/monitoring.md repeats this table).
FAMILIES = {
    "hpo_reconciler_pass_duration_seconds": "Wall time of the last pass.",
    "hpo_reconciler_pass_cpu_seconds": "CPU time the last pass used (every thread of the process).",
    "hpo_reconciler_pass_timestamp_seconds": "When the last pass ended (Unix time), successful or not.",
    "hpo_reconciler_pass_success": "1 when the last pass completed without failed resources, else 0.",
    "hpo_reconciler_last_success_timestamp_seconds": "When the last successful pass ended (Unix time).",
    "hpo_reconciler_pass_resources": "Resources of the last pass by outcome.",
    "hpo_reconciler_pass_stalled_resources": "Resources Stalled after the last pass, by reason.",
    "hpo_reconciler_pass_api_requests": (
        "HTTP requests of the last pass by service, operation and result (ok, throttled, error)."
    ),
    "hpo_reconciler_tuning_job_status": "1 for the resource's SageMaker tuning job status (label status).",
    "hpo_reconciler_tuning_job_training_jobs": "The tuning job's training job counters (label state).",
    "hpo_reconciler_tuning_job_best_objective": "The best training job's final objective metric value.",
    "hpo_reconciler_tuning_job_stalled_since_timestamp_seconds": (
        "Since when the resource has been Stalled (Unix time; label reason)."
    ),
    "hpo_reconciler_resource_series_limit": "At most this many resources get per-resource series.",
    "hpo_reconciler_resource_series_dropped": "Resources left without per-resource series (over the limit).",
}
PASS_FAMILIES = frozenset(n for n in FAMILIES if not n.startswith("hpo_reconciler_tuning_job_"))


@dataclass(frozen=True)
class ResourceFacts:
    """What the per-resource families say about one resource."""

    namespace: str
    name: str
    job_status: str
    counters: tuple[tuple[str, float], ...]
    best_metric: str | None
    best_value: float | None
    stalled_reason: str | None
    stalled_since: float | None

    @classmethod
    def of(cls, result: Result) -> ResourceFacts:
        status: Mapping[str, Any] = result.status or {}
        counters_raw = status.get("trainingJobStatusCounters")
        counters_map: Mapping[str, Any] = counters_raw if isinstance(counters_raw, Mapping) else {}
        best = status.get("bestTrainingJob")
        best_map: Mapping[str, Any] = best if isinstance(best, Mapping) else {}
        metric = best_map.get("finalHyperParameterTuningJobObjectiveMetric")
        best_metric = best_value = None
        if isinstance(metric, Mapping) and _number(metric.get("value")) is not None:
            best_metric, best_value = str(metric.get("metricName") or ""), _number(metric.get("value"))
        since = None
        for condition in status.get("conditions") or []:
            stalled = isinstance(condition, Mapping) and condition.get("type") == "Stalled"
            if stalled and condition.get("status") == "True":
                since = _timestamp(condition.get("lastTransitionTime"))
        return cls(
            namespace=result.namespace,
            name=result.name,
            job_status=str(status.get("hyperParameterTuningJobStatus") or "Unknown"),
            counters=tuple((key, _number(counters_map.get(key)) or 0.0) for key in COUNTERS),
            best_metric=best_metric,
            best_value=best_value,
            stalled_reason=result.stalled_reason,
            stalled_since=since,
        )

    @property
    def priority(self) -> int:
        """Higher is kept first when over the limit: Stalled, then unfinished, then settled."""
        if self.stalled_reason:
            return 2
        return 0 if self.job_status in _TERMINAL else 1


class ResourceGauges:
    """The bounded per-resource part of a pass's metrics; see the module contract."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.dropped = 0
        # Min-heap of (priority, -arrival, facts): its smallest entry is the first to drop.
        self._kept: list[tuple[int, int, ResourceFacts]] = []
        self._arrival = itertools.count()
        self._lock = threading.Lock()

    def observe(self, result: Result) -> None:
        if result.status is None:  # the resource is gone
            return
        facts = ResourceFacts.of(result)
        entry = (facts.priority, -next(self._arrival), facts)
        with self._lock:
            if len(self._kept) < self.limit:
                heapq.heappush(self._kept, entry)
            elif self._kept and entry[:2] > self._kept[0][:2]:
                heapq.heapreplace(self._kept, entry)
                self.dropped += 1
            else:
                self.dropped += 1

    def facts(self) -> list[ResourceFacts]:
        with self._lock:
            return sorted((entry[2] for entry in self._kept), key=lambda f: (f.namespace, f.name))


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def succeeded(report: PassReport) -> bool:
    """The pass's exit status would be 0 (without --fail-on-error): listed everything, nothing failed,
    not stopped early (a signal, a lost Lease)."""
    complete = report.error is None and report.stopped is None
    return complete and report.failed == 0 and report.skipped_by is None


def pass_registry(report: PassReport, gauges: ResourceGauges, *, now: dt.datetime) -> CollectorRegistry:
    """Every family of one pass; see the module contract for what a failed pass leaves out."""
    ok = succeeded(report)
    families: list[Metric] = []

    def gauge(name: str, value: float | None = None, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            name, FAMILIES[name], value=value, labels=None if value is not None else labels
        )
        families.append(family)
        return family

    gauge("hpo_reconciler_pass_duration_seconds", report.duration_seconds)
    gauge("hpo_reconciler_pass_cpu_seconds", report.cpu_seconds)
    gauge("hpo_reconciler_pass_timestamp_seconds", now.timestamp())
    gauge("hpo_reconciler_pass_success", 1.0 if ok else 0.0)
    if ok:
        gauge("hpo_reconciler_last_success_timestamp_seconds", now.timestamp())
    outcomes = gauge("hpo_reconciler_pass_resources", labels=("outcome",))
    for outcome in OUTCOMES:  # zeros too: a query for an outcome finds a number, not nothing
        outcomes.add_metric([outcome], float(report.outcomes.get(outcome, 0)))
    stalled = gauge("hpo_reconciler_pass_stalled_resources", labels=("reason",))
    for reason, count in sorted(report.stalled_reasons.items()):
        stalled.add_metric([reason], float(count))
    requests = gauge("hpo_reconciler_pass_api_requests", labels=("service", "operation", "result"))
    seen = {(service, operation) for service, operation, _ in report.requests}
    for service, operation in sorted(seen):
        for result in RESULTS:
            count = report.requests.get((service, operation, result), 0)
            requests.add_metric([service, operation, result], float(count))
    gauge("hpo_reconciler_resource_series_limit", float(gauges.limit))
    gauge("hpo_reconciler_resource_series_dropped", float(gauges.dropped))
    if report.error is None and report.stopped is None:  # a partial list says nothing of the rest
        families.extend(_resource_families(gauges.facts()))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return registry


def _resource_family(name: str, label: str) -> GaugeMetricFamily:
    """A per-resource gauge family: labelled by namespace, name and `label`."""
    return GaugeMetricFamily(name, FAMILIES[name], labels=("namespace", "name", label))


def _resource_families(facts: list[ResourceFacts]) -> list[Metric]:
    status = _resource_family("hpo_reconciler_tuning_job_status", "status")
    counters = _resource_family("hpo_reconciler_tuning_job_training_jobs", "state")
    best = _resource_family("hpo_reconciler_tuning_job_best_objective", "metric")
    stalled = _resource_family("hpo_reconciler_tuning_job_stalled_since_timestamp_seconds", "reason")
    for fact in facts:
        status.add_metric([fact.namespace, fact.name, fact.job_status], 1.0)
        for state, value in fact.counters:
            counters.add_metric([fact.namespace, fact.name, state], value)
        if fact.best_value is not None:
            best.add_metric([fact.namespace, fact.name, fact.best_metric or ""], fact.best_value)
        if fact.stalled_reason and fact.stalled_since is not None:
            stalled.add_metric([fact.namespace, fact.name, fact.stalled_reason], fact.stalled_since)
    return [status, counters, best, stalled]


def grouping_key(settings: Settings) -> dict[str, str]:
    """The Pushgateway group of this process: one per shard, so shards never replace each other."""
    return {"shard": str(settings.shard[0])}


def publish(report: PassReport, gauges: ResourceGauges, *, settings: Settings, now: dt.datetime) -> list[str]:
    """Export the pass's metrics where `settings` say; the problems, as messages (empty: all sent).

    A successful pass replaces its group/file (stale per-resource series disappear); any other pass
    replaces only the families it carries, so the previous last-success time survives it.
    """
    if report.skipped_by is not None:
        return []  # the run holding the Lease reports; this one did nothing
    registry = pass_registry(report, gauges, now=now)
    replace = succeeded(report)
    problems: list[str] = []
    if settings.pushgateway:
        try:
            metrics_export.push(
                registry,
                url=settings.pushgateway,
                job=PUSH_JOB,
                grouping_key=grouping_key(settings),
                replace=replace,
            )
        except metrics_export.ExportError as exc:
            problems.append(str(exc))
    if settings.metrics_textfile:
        try:
            metrics_export.write_textfile(registry, settings.metrics_textfile, replace=replace)
        except metrics_export.ExportError as exc:
            problems.append(str(exc))
    return problems


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


def _timestamp(value: Any) -> float | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()
