"""`engine.wait.wait_until_settled` on a scripted sequence of passes and a fake clock: the pause after
a pass that changed something, the 1.5x backoff of quiet passes and its ceiling, the last pause
shortened to end at the timeout, and the ways a wait ends. The sandbox e2e test (tests/e2e/test_wait.py)
runs the same loop against real passes; this one pins the arithmetic without real time."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from reconciler.core.outcomes import Outcome, PassReport, Result
from reconciler.engine.summary import Reporter
from reconciler.engine.wait import MAX_INTERVAL_SECONDS, WaitResult, wait_until_settled


class FakeClock:
    """A monotonic clock that moves only when the wait sleeps (or a pass is said to take time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ClockedStop(threading.Event):
    """A stop event whose wait advances the fake clock instead of blocking; it is set after
    `set_after` waits when given, as SIGTERM would arrive during a pause."""

    def __init__(self, clock: FakeClock, set_after: int | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.set_after = set_after
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        self.clock.now += timeout
        if self.set_after is not None and len(self.waits) >= self.set_after:
            self.set()
        return self.is_set()


def status(job_status: str, ready: str = "Unknown", completed: int = 0) -> Mapping[str, Any]:
    return {
        "hyperParameterTuningJobStatus": job_status,
        "trainingJobStatusCounters": {"completed": completed},
        "conditions": [{"type": "Ready", "status": ready, "reason": "", "message": ""}],
    }


def passes(statuses: list[Mapping[str, Any]]) -> Callable[[Callable[[Result], None]], PassReport]:
    """One resource whose status follows `statuses`, pass after pass (the last one repeats)."""
    calls = iter(range(10_000))

    def run_once(observer: Callable[[Result], None]) -> PassReport:
        index = min(next(calls), len(statuses) - 1)
        report = PassReport(observer=observer)
        report.add(Result("ns", "hpo", Outcome.UNCHANGED, status=statuses[index]))
        return report

    return run_once


def wait(
    run_once: Callable[..., PassReport], stop: ClockedStop, clock: FakeClock, **kwargs: Any
) -> tuple[WaitResult, list[dict[str, Any]]]:
    out = io.StringIO()
    result = wait_until_settled(
        run_once,
        out=Reporter(format="json", stdout=out, stderr=io.StringIO()),
        stop=stop,
        monotonic=clock,
        interval_seconds=10.0,
        **kwargs,
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    return result, records


def test_quiet_passes_back_off_and_a_change_resets_the_pause() -> None:
    clock = FakeClock()
    stop = ClockedStop(clock)
    script = [status("InProgress")] * 4 + [status("InProgress", completed=1)] * 3
    script.append(status("Completed", ready="True", completed=2))
    result, records = wait(passes(script), stop, clock, timeout_seconds=None)
    waits = [r for r in records if r["event"] == "waiting"]
    # Pass 1 is new (changed), 2-4 quiet, 5 changed (a training job completed), 6-7 quiet, 8 settles.
    assert [w["changed"] for w in waits] == [1, 0, 0, 0, 1, 0, 0]
    assert [w["interval_seconds"] for w in waits] == [10.0, 15.0, 22.5, 33.75, 10.0, 15.0, 22.5]
    assert stop.waits == [w["next_pass_seconds"] for w in waits]
    assert result.ready and result.ended_by == "settled"
    assert records[-1] == {"event": "wait_summary", "resources": 1, "ready": 1, "ended_by": "settled",
                           "all_ready": True}  # fmt: skip


def test_the_backoff_stops_growing_at_the_ceiling() -> None:
    clock = FakeClock()
    stop = ClockedStop(clock, set_after=12)
    result, records = wait(passes([status("InProgress")]), stop, clock, timeout_seconds=None)
    intervals = [r["interval_seconds"] for r in records if r["event"] == "waiting"]
    assert intervals[-1] == MAX_INTERVAL_SECONDS and max(intervals) == MAX_INTERVAL_SECONDS
    assert result.ended_by == "signal" and not result.ready


def test_the_last_pause_is_shortened_to_end_at_the_timeout() -> None:
    clock = FakeClock()
    stop = ClockedStop(clock)
    result, records = wait(passes([status("InProgress")]), stop, clock, timeout_seconds=30.0)
    waits = [r for r in records if r["event"] == "waiting"]
    # 10 (changed), then 15 would end at 25 s: shortened to the 5 s left.
    assert [(w["interval_seconds"], w["next_pass_seconds"]) for w in waits] == [(10.0, 10.0), (15.0, 15.0),
                                                                                 (22.5, 5.0)]  # fmt: skip
    assert clock.now == pytest.approx(30.0)
    assert result.ended_by == "timeout" and not result.ready
    not_ready = [r for r in records if r["event"] == "not_ready"]
    assert [(r["name"], r["ready"]) for r in not_ready] == [("hpo", "Unknown")]


def test_a_pause_is_never_shorter_than_one_second_even_at_the_timeout() -> None:
    clock = FakeClock()
    stop = ClockedStop(clock)

    def slow_pass(observer: Callable[[Result], None]) -> PassReport:
        clock.now += 9.5  # the pass itself leaves 0.5 s before the timeout
        return passes([status("InProgress")])(observer)

    result, _ = wait(slow_pass, stop, clock, timeout_seconds=10.0)
    assert stop.waits == [1.0]
    assert result.ended_by == "timeout"


def test_a_failed_resource_settles_the_wait_as_not_ready() -> None:
    clock = FakeClock()
    stop = ClockedStop(clock)
    result, records = wait(passes([status("Failed", ready="False")]), stop, clock, timeout_seconds=None)
    assert stop.waits == []
    assert result.ended_by == "settled" and not result.ready
    assert records[-1]["all_ready"] is False and records[-1]["ready"] == 0
