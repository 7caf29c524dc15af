"""`hpo-reconciler run --wait [--timeout DURATION]`: passes until every selected resource is settled.

Contract:
- `wait_until_settled(run_once, out=..., timeout_seconds=..., stop=..., interval_seconds=...)` calls
  `run_once(observer)` (one full pass over the selected resources; the observer sees every result),
  then prints the progress of every resource whose status changed (SageMaker status, training job
  counters, best objective so far) and how many are settled. A resource is settled when its Ready
  condition is True or False (Unknown means pending or running). Between passes it
  sleeps: `interval_seconds` after a pass that changed something, and after quiet passes 1.5 times
  longer each time, up to `MAX_INTERVAL_SECONDS`. It never sleeps less than `MIN_INTERVAL_SECONDS`,
  so it never loops tightly; the last pause is shortened to end at the timeout. Each pause is
  announced with the backoff interval, the pause taken and how many resources changed.
- It ends when every resource is settled, when `timeout_seconds` have passed, or when `stop` is set
  (SIGTERM). A pass already running is finished first. It prints the final summary: every resource
  that is not Ready, with its reason and message. It returns `WaitResult.ready` True only when every
  selected resource is Ready=True. An empty selection is not Ready: nothing matched.
- A pass that could not complete (listing failed) or that found the Lease held is retried after the
  sleep, like a quiet pass; its error lines were already printed by the pass.
- `parse_duration("180s" | "90m" | "2h")` -> seconds.
Waiting and printing only: the passes themselves decide and act.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.core.outcomes import PassReport, Result
from reconciler.engine.summary import Reporter

MIN_INTERVAL_SECONDS = 1.0
MAX_INTERVAL_SECONDS = 120.0
BACKOFF = 1.5
_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_COUNTERS = ("completed", "inProgress", "retryableError", "nonRetryableError", "stopped")


class DurationError(ValueError):
    """Not a duration of the form 180s, 90m or 2h."""


def parse_duration(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise DurationError(
            f"{text!r} is not a duration: use a positive whole number with s, m or h (180s, 90m, 2h)"
        )
    return float(int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


@dataclass(frozen=True)
class Progress:
    """What the wait reports about one resource: read from its status after a pass."""

    namespace: str
    name: str
    ready: str  # "True", "False" or "Unknown"
    reason: str
    message: str
    job_status: str
    counters: tuple[tuple[str, int], ...]
    best: str | None  # "metric=value"

    @property
    def settled(self) -> bool:
        return self.ready in {"True", "False"}

    @classmethod
    def of(cls, result: Result) -> Progress:
        status: Mapping[str, Any] = result.status or {}
        ready = {"status": "Unknown", "reason": "", "message": ""}
        for condition in status.get("conditions") or []:
            if isinstance(condition, Mapping) and condition.get("type") == "Ready":
                ready = {k: str(condition.get(k) or "") for k in ("status", "reason", "message")}
        counters_raw = status.get("trainingJobStatusCounters")
        counters = counters_raw if isinstance(counters_raw, Mapping) else {}
        best_job = status.get("bestTrainingJob")
        metric = (
            best_job.get("finalHyperParameterTuningJobObjectiveMetric")
            if isinstance(best_job, Mapping)
            else None
        )
        best = None
        if isinstance(metric, Mapping) and metric.get("value") is not None:
            best = f"{metric.get('metricName') or 'objective'}={metric.get('value')}"
        return cls(
            namespace=result.namespace,
            name=result.name,
            ready=ready["status"] if ready["status"] in {"True", "False"} else "Unknown",
            reason=ready["reason"],
            message=ready["message"],
            job_status=str(status.get("hyperParameterTuningJobStatus") or "-"),
            counters=tuple((key, _int(counters.get(key))) for key in _COUNTERS),
            best=best,
        )


@dataclass
class WaitResult:
    ready: bool
    resources: dict[tuple[str, str], Progress]
    ended_by: Literal["settled", "timeout", "signal"]


class _Printer:
    """The wait's own lines (progress, pauses, the final summary), written through the pass's Reporter."""

    def __init__(self, out: Reporter) -> None:
        self.emit = out.emit

    def progress(self, item: Progress) -> None:
        counters = " ".join(f"{key}={value}" for key, value in item.counters)
        text = f"progress: {item.namespace}/{item.name} {item.job_status} ready={item.ready} {counters}"
        if item.best:
            text += f" best {item.best}"
        if item.ready == "False":
            text += f" ({item.reason}: {item.message})"
        record = {
            "event": "progress",
            "namespace": item.namespace,
            "name": item.name,
            "status": item.job_status,
            "ready": item.ready,
            "reason": item.reason,
            "counters": dict(item.counters),
            "best": item.best,
        }
        self.emit(text, record)


def wait_until_settled(
    run_once: Callable[[Callable[[Result], None]], PassReport],
    *,
    out: Reporter,
    timeout_seconds: float | None,
    stop: threading.Event,
    interval_seconds: float = 10.0,
    monotonic: Callable[[], float] = time.monotonic,
) -> WaitResult:
    printer = _Printer(out)
    deadline = None if timeout_seconds is None else monotonic() + timeout_seconds
    base = max(MIN_INTERVAL_SECONDS, interval_seconds)
    interval = base
    known: dict[tuple[str, str], Progress] = {}
    ended_by: Literal["settled", "timeout", "signal"] = "signal"
    while True:
        seen: dict[tuple[str, str], Progress] = {}
        report = run_once(functools.partial(_record, seen))
        complete = report.error is None and report.stopped is None and report.skipped_by is None
        if complete:
            changed = [item for key, item in sorted(seen.items()) if known.get(key) != item]
            known = seen
        else:
            changed = []
        for item in changed:
            printer.progress(item)
        if complete and known and all(item.settled for item in known.values()):
            ended_by = "settled"
            break
        if stop.is_set():
            ended_by = "signal"
            break
        interval = base if changed else min(MAX_INTERVAL_SECONDS, max(base, interval * BACKOFF))
        remaining = None if deadline is None else deadline - monotonic()
        if remaining is not None and remaining <= 0:
            ended_by = "timeout"
            break
        sleep = interval if remaining is None else min(interval, max(remaining, MIN_INTERVAL_SECONDS))
        settled = sum(1 for item in known.values() if item.settled)
        printer.emit(
            f"waiting: {settled} of {len(known)} settled; next pass in {sleep:.0f}s",
            {
                "event": "waiting",
                "settled": settled,
                "resources": len(known),
                "changed": len(changed),
                # The backoff itself, and the pause actually taken (shortened to end at the timeout).
                "interval_seconds": interval,
                "next_pass_seconds": sleep,
            },
        )
        if stop.wait(sleep):
            ended_by = "signal"
            break
        if deadline is not None and monotonic() >= deadline:
            ended_by = "timeout"
            break
    return _finish(printer, known, ended_by)


def _record(seen: dict[tuple[str, str], Progress], result: Result) -> None:
    if result.status is not None:  # a resource deleted meanwhile is no longer waited for
        seen[(result.namespace, result.name)] = Progress.of(result)


def _finish(
    printer: _Printer,
    known: dict[tuple[str, str], Progress],
    ended_by: Literal["settled", "timeout", "signal"],
) -> WaitResult:
    not_ready = [item for _, item in sorted(known.items()) if item.ready != "True"]
    ready = bool(known) and not not_ready
    why = {"settled": "every resource settled", "timeout": "timed out", "signal": "stopped by a signal"}[
        ended_by
    ]
    for item in not_ready:
        state = "not settled" if item.ready == "Unknown" else f"{item.reason}: {item.message}"
        printer.emit(
            f"not ready: {item.namespace}/{item.name} {item.job_status} ({state})",
            {
                "event": "not_ready",
                "namespace": item.namespace,
                "name": item.name,
                "status": item.job_status,
                "ready": item.ready,
                "reason": item.reason,
                "message": item.message,
            },
        )
    if not known:
        text = f"wait: no HyperparameterTuningJob matched the selection ({why})"
    else:
        text = f"wait: {len(known) - len(not_ready)} of {len(known)} Ready ({why})"
    printer.emit(
        text,
        {
            "event": "wait_summary",
            "resources": len(known),
            "ready": len(known) - len(not_ready),
            "ended_by": ended_by,
            "all_ready": ready,
        },
    )
    return WaitResult(ready=ready, resources=known, ended_by=ended_by)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
