"""`hpo-reconciler run --wait [--timeout DURATION]` (issue 14) on the sandbox: passes repeat until every
selected resource is settled, progress is printed between passes, exit 0 only when all are Ready; the
timeout and SIGTERM end it with the summary; quiet passes back off instead of looping."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import World, open_world, parse_json_lines

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "hpo-reconciler")


@pytest.fixture
def fast_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The e2e world with SageMaker's clock 20 times faster: the sample's tuning job (about 220 s of
    simulated time) completes after about 11 s of waiting."""
    with open_world(tmp_path, monkeypatch, time_scale=20.0) as world:
        yield world


def events(stdout: str, kind: str) -> list[dict[str, Any]]:
    return [r for r in parse_json_lines(stdout) if r["event"] == kind]


def test_waits_until_the_job_completes_printing_progress(fast_world: World) -> None:
    world = fast_world
    world.create_sample("hpo-a")
    world.create_sample("hpo-b")
    started = time.monotonic()
    result = world.run("--wait", "--timeout", "5m", "--wait-interval", "1s", "--log-format", "json")
    assert result.code == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 120

    for name in ("hpo-a", "hpo-b"):
        status = world.get(name)["status"]
        assert status["hyperParameterTuningJobStatus"] == "Completed"
    progress = [r for r in events(result.stdout, "progress") if r["name"] == "hpo-a"]
    assert progress[0]["status"] == "SynchronizingK8sJobWithSageMaker" and progress[0]["ready"] == "Unknown"
    assert progress[-1]["status"] == "Completed" and progress[-1]["ready"] == "True"
    assert any(r["status"] == "InProgress" for r in progress)
    final = world.get("hpo-a")["status"]
    metric = final["bestTrainingJob"]["finalHyperParameterTuningJobObjectiveMetric"]
    assert progress[-1]["best"] == f"{metric['metricName']}={metric['value']}"
    assert progress[-1]["counters"]["completed"] == final["trainingJobStatusCounters"]["completed"] > 0
    # Between passes: one summary per pass, and a "waiting" line with the pause before the next.
    summaries = events(result.stdout, "summary")
    assert len(events(result.stdout, "waiting")) == len(summaries) - 1 >= 2
    (summary,) = events(result.stdout, "wait_summary")
    assert summary == {
        "event": "wait_summary",
        "resources": 2,
        "ready": 2,
        "ended_by": "settled",
        "all_ready": True,
    }
    assert parse_json_lines(result.stdout)[-1] == summary


def test_a_failed_job_settles_as_not_ready_and_exits_one(fast_world: World) -> None:
    world = fast_world
    world.create_sample("good")
    world.create_sample("bad", edit=lambda o: o["spec"]["trainingJobDefinition"].update(
        roleArn="arn:aws:iam::123456789012:role/other"))  # fmt: skip
    result = world.run(
        "--wait", "--wait-interval", "1s", "--allowed-role-arn", "arn:aws:iam::*:role/service-role/*"
    )
    assert result.code == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "wait: 1 of 2 Ready (every resource settled)"
    assert lines[-2].startswith("not ready: default/bad ") and "RoleNotAllowed" in lines[-2]
    assert any(line.startswith("progress: default/good Completed ready=True completed=") for line in lines)


def test_timeout_ends_the_wait_with_the_summary_and_quiet_passes_back_off(world: World) -> None:
    # Real-time SageMaker: the job stays InProgress for minutes; the wait gives up after 8 s.
    world.create_sample()
    started = time.monotonic()
    result = world.run("--wait", "--timeout", "8s", "--wait-interval", "1s", "--log-format", "json")
    elapsed = time.monotonic() - started
    assert result.code == 1
    assert elapsed < 30
    (summary,) = events(result.stdout, "wait_summary")
    assert summary["ended_by"] == "timeout" and summary["ready"] == 0 and summary["resources"] == 1
    (not_ready,) = events(result.stdout, "not_ready")
    assert not_ready["name"] == "xgboost-mnist-hpo" and not_ready["ready"] == "Unknown"
    waits = events(result.stdout, "waiting")
    assert waits and all(1.0 <= w["next_pass_seconds"] <= w["interval_seconds"] for w in waits)
    # A quiet pass (no status changed) backs off 1.5 times; a pass that changed something (the
    # job created, described, a training job started in real time) resets the pause to 1 s.
    for before, after in itertools.pairwise(waits):
        expected = 1.0 if after["changed"] else min(120.0, before["interval_seconds"] * 1.5)
        assert after["interval_seconds"] == pytest.approx(expected), waits
    assert any(not w["changed"] for w in waits), waits
    assert len(events(result.stdout, "summary")) <= 8


def test_sigterm_ends_the_wait_cleanly_with_the_summary(world: World) -> None:
    world.create_sample()
    process = subprocess.Popen(
        [CONSOLE_SCRIPT, "run", "--no-lease", "--wait", "--wait-interval", "30s", "--log-format", "json",
         "--kubeconfig", str(world.kubeconfig)],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # the first pass is over once the first "waiting" line is out
        lines.append(line)
        if json.loads(line)["event"] == "waiting":
            break
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest, stderr = process.communicate(timeout=60)
    assert time.monotonic() - sent < 20  # not the 30 s pause
    assert process.returncode == 1, stderr
    records = parse_json_lines("".join(lines) + rest)
    assert records[-1]["event"] == "wait_summary" and records[-1]["ended_by"] == "signal"
    assert "Traceback" not in stderr


def test_bad_durations_and_an_empty_selection(world: World) -> None:
    for bad in ("90", "1.5h", "0s", "2d"):
        result = world.run("--wait", "--timeout", bad)
        assert result.code == 2 and "180s, 90m, 2h" in result.stderr, bad
    empty = world.run("--wait", "--selector", "team=nobody", "--timeout", "5s", "--wait-interval", "1s")
    assert empty.code == 1
    assert empty.stdout.splitlines()[-1].startswith("wait: no HyperparameterTuningJob matched the selection")
