"""core/refresh.py: a running child is described again once per heartbeat, a settled one never."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reconciler.core.model import HyperparameterTuningJobStatus, TrainingJob
from reconciler.core.refresh import child_needs_describe, children_refresh_due

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def child(status: str, *, checked_seconds_ago: int | None) -> TrainingJob:
    recorded: dict[str, Any] = {"trainingJobStatus": status, "secondaryStatus": "Starting"}
    if checked_seconds_ago is not None:
        moment = NOW - dt.timedelta(seconds=checked_seconds_ago)
        recorded["lastCheckTime"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return TrainingJob.parse(
        {
            "apiVersion": "sagemaker.aws.amazon.com/v1",
            "kind": "TrainingJob",
            "metadata": {"name": "c", "namespace": "ns", "uid": "u-1"},
            "spec": {},
            "status": recorded,
        }
    )


def test_new_or_changed_children_are_described() -> None:
    assert child_needs_describe(None, "InProgress", now=NOW, heartbeat_seconds=600)
    assert child_needs_describe(
        child("InProgress", checked_seconds_ago=1), "Completed", now=NOW, heartbeat_seconds=600
    )


def test_a_running_child_is_described_again_at_the_heartbeat() -> None:
    fresh, stale = child("InProgress", checked_seconds_ago=60), child("InProgress", checked_seconds_ago=600)
    assert not child_needs_describe(fresh, "InProgress", now=NOW, heartbeat_seconds=600)
    assert child_needs_describe(stale, "InProgress", now=NOW, heartbeat_seconds=600)
    assert child_needs_describe(fresh, "InProgress", now=NOW, heartbeat_seconds=0)



def test_a_settled_child_is_never_described_again() -> None:
    done = child("Completed", checked_seconds_ago=10_000)
    assert not child_needs_describe(done, "Completed", now=NOW, heartbeat_seconds=600)


def _parent(in_progress: int, *, checked_seconds_ago: int) -> HyperparameterTuningJobStatus:
    moment = (NOW - dt.timedelta(seconds=checked_seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return HyperparameterTuningJobStatus.model_validate(
        {"trainingJobStatusCounters": {"inProgress": in_progress}, "lastCheckTime": moment}
    )


def test_children_are_listed_again_at_the_parents_heartbeat_while_some_run() -> None:
    assert children_refresh_due(_parent(3, checked_seconds_ago=600), now=NOW, heartbeat_seconds=600)
    assert not children_refresh_due(_parent(3, checked_seconds_ago=60), now=NOW, heartbeat_seconds=600)
    assert not children_refresh_due(_parent(0, checked_seconds_ago=6000), now=NOW, heartbeat_seconds=600)
