"""User-facing lines of a pass read as plain sentences: nothing repeated, nothing 'unknown'."""

from __future__ import annotations

import io
import json

from reconciler.core.outcomes import Outcome, Result
from reconciler.engine.summary import Reporter
from reconciler.gateways.lease import Busy


def _skipped_line(busy: Busy, *, format: str = "text") -> str:
    out = io.StringIO()
    Reporter(format="json" if format == "json" else "text", stdout=out, stderr=io.StringIO()).skipped(busy)
    return out.getvalue().strip()


def test_lease_skip_line_names_the_holder_and_expiry() -> None:
    line = _skipped_line(Busy(holder="cronjob-pod-1", until="2026-01-01T12:01:00.000000Z"))
    assert line == (
        "skipped: another run holds the lease (cronjob-pod-1 until 2026-01-01T12:01:00.000000Z); "
        "this run did nothing"
    )


def test_lease_lost_in_a_race_says_so_once_without_unknowns() -> None:
    line = _skipped_line(Busy(holder=None, until=None))
    assert line == (
        "skipped: another run holds the lease (it took the lease at the same moment as this run); "
        "this run did nothing"
    )
    assert line.count("another run") == 1 and "unknown" not in line
    record = json.loads(_skipped_line(Busy(holder=None, until=None), format="json"))
    assert record == {"event": "skipped", "holder": None, "until": None}


def _resource_line(result: Result) -> str:
    out = io.StringIO()
    Reporter(format="text", stdout=out, stderr=io.StringIO()).resource(result)
    return out.getvalue().strip()


def test_a_stalled_line_does_not_repeat_its_reason() -> None:
    message = "the spec is invalid: spec.x: bad; fix the spec and apply it again"
    line = _resource_line(
        Result(
            "ns",
            "job",
            Outcome.STALLED,
            "stall",
            "the spec is invalid",
            message=message,
            stalled_reason="InvalidSpec",
        )
    )
    assert line == f"ns/job job=- action=stall outcome=stalled: {message}"
    assert line.count("the spec is invalid") == 1


def test_why_and_a_different_message_both_show() -> None:
    line = _resource_line(
        Result("ns", "job", Outcome.CREATED, "create", "no job yet", job="j", message="created j")
    )
    assert line == "ns/job job=j action=create outcome=created: no job yet (created j)"
