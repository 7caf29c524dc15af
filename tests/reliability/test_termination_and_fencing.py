"""How a pass ends when it must end early (issue 10 item 7), with the real console script or CLI against
the sandboxes:

- SIGTERM (activeDeadlineSeconds, a node drain, an eviction) in the middle of a pass: no new resource
  is started, the ones in flight finish, the Lease is released, the summary printed, exit 143; the next
  scheduled run is not skipped and converges.
- In-flight calls that outlive the grace period are abandoned: the process still exits promptly with
  the Lease released, and the next passes repair what the abandoned calls left.
- A Lease renewal that fails mid-pass (the emulator's fault injection) fences the pass: it starts no
  new resource, says so, and exits 1; the next pass finishes the work.
- A Lease whose renewTime lies years ahead (a holder with a fast clock) does not block the run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.e2e.e2e_world import World, parse_json_lines
from tests.reliability.helpers import assert_converged, run_until_quiet

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "hpo-reconciler")
LEASE = "default/hpo-reconciler"


def _lease_spec(world: World) -> dict[str, Any]:
    got = world.kubectl("get", "lease", "hpo-reconciler", "-n", "default", "-o", "json")
    assert got.returncode == 0, got.stderr
    spec: dict[str, Any] = json.loads(got.stdout)["spec"]
    return spec


def _signal_at_nth_create(world: World, process: subprocess.Popen[str], nth: int, then: Any = None) -> None:
    """SIGTERM to `process` when SageMaker has executed its `nth` CreateHyperParameterTuningJob."""
    seen = 0

    def on_request(entry: dict[str, Any]) -> None:
        nonlocal seen
        if entry.get("kind") == "request" and entry.get("operation") == "CreateHyperParameterTuningJob":
            seen += 1
            if seen == nth:
                if then is not None:
                    then()
                os.kill(process.pid, signal.SIGTERM)

    world.sagemaker.simulator.recorder = on_request


def _console(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CONSOLE_SCRIPT, "run", "--lease", LEASE, "--log-format", "json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_sigterm_mid_pass_finishes_in_flight_work_releases_the_lease_and_exits_143(world: World) -> None:
    names = [f"term-{index:02d}" for index in range(16)]
    for name in names:
        world.create_sample(name)
    process = _console("--concurrency", "2")
    _signal_at_nth_create(world, process, 3)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        world.sagemaker.simulator.recorder = None

    assert process.returncode == 143, (process.returncode, stderr)
    lines = parse_json_lines(stdout)
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["complete"] is False
    assert summary["stopped"]["reason"] == "received SIGTERM" and summary["stopped"]["signal"] == 15
    assert summary["stopped"]["abandoned"] == 0  # what was in flight finished within the grace period
    assert "no new resource is started" in stderr
    # Work stopped: fewer jobs than resources, and every job created has its resource's status.
    created = world.sagemaker.tuning_job_names()
    assert 3 <= len(created) < len(names)
    assert summary["outcomes"].get("created", 0) == len(created)
    recorded = {
        (world.get(name).get("status") or {}).get("sageMakerHyperParameterTuningJobName") for name in names
    }
    assert set(created) <= recorded
    # The Lease is released, so the next scheduled run is not skipped ...
    assert "holderIdentity" not in _lease_spec(world)
    following = world.run("--lease", LEASE)
    assert following.code == 0 and not following.stdout.startswith("skipped"), following.stdout
    # ... and the work converges without a duplicate job.
    assert run_until_quiet(world) <= 1
    assert_converged(world, names)


def test_calls_outliving_the_grace_period_are_abandoned_and_repaired_next_pass(world: World) -> None:
    names = [f"slow-{index:02d}" for index in range(8)]
    for name in names:
        world.create_sample(name)
    hang = 6.0  # every SageMaker call after the signal takes this long
    grace = 0.5
    process = _console("--concurrency", "4", env={"HPO_RECONCILER_SHUTDOWN_GRACE_SECONDS": str(grace)})
    signalled: list[float] = []

    def slow_down() -> None:
        world.sagemaker.set_latency(hang)
        signalled.append(time.monotonic())

    _signal_at_nth_create(world, process, 1, then=slow_down)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        world.sagemaker.simulator.recorder = None
    exited = time.monotonic()

    assert process.returncode == 143, (process.returncode, stderr)
    summary = parse_json_lines(stdout)[-1]
    assert summary["event"] == "summary" and summary["stopped"]["signal"] == 15
    assert summary["stopped"]["abandoned"] >= 1, summary
    # It left without waiting for the hanging calls (they answer `hang` seconds after the signal).
    assert exited - signalled[0] < hang
    assert "holderIdentity" not in _lease_spec(world)
    # Let the abandoned calls land (as a crashed process's would), then the next passes repair them.
    time.sleep(hang + 1)
    world.sagemaker.set_latency(0)
    assert run_until_quiet(world) <= 2
    assert_converged(world, names)


def test_failed_lease_renewal_fences_the_pass(world: World, monkeypatch: Any) -> None:
    names = [f"fence-{index:02d}" for index in range(40)]
    for name in names:
        world.create_sample(name)
    monkeypatch.setenv("HPO_RECONCILER_LEASE_DURATION_SECONDS", "10")  # renewed every 3.3 s
    world.sagemaker.set_latency(0.3)  # the pass outlives the first renewal
    renewals_fail = threading.Event()

    def fail_renewals(entry: dict[str, Any]) -> None:
        # From the second create on, every lease update fails (the renewal's three attempts).
        if entry.get("operation") == "CreateHyperParameterTuningJob" and not renewals_fail.is_set():
            renewals_fail.set()
            world.kube.inject_fault(verb="UPDATE", resource="leases", status=500, times=3)

    world.sagemaker.simulator.recorder = fail_renewals
    try:
        result = world.run("--lease", LEASE, "--concurrency", "1", "--log-format", "json")
    finally:
        world.sagemaker.simulator.recorder = None
        world.sagemaker.set_latency(0)

    assert result.code == 1, result.stderr
    summary = parse_json_lines(result.stdout)[-1]
    assert summary["complete"] is False and summary["stopped"]["signal"] is None
    reason = summary["stopped"]["reason"]
    assert reason.startswith("lease default/hpo-reconciler could not be renewed") and "500" in reason
    warnings = [line["message"] for line in parse_json_lines(result.stderr) if line.get("level") == "warning"]
    assert any("fencing" in message and "starts no new resource" in message for message in warnings), warnings
    created = world.sagemaker.tuning_job_names()
    assert 1 <= len(created) < len(names)
    # Nothing is left half-done: the next passes create the rest, one job per resource.
    assert run_until_quiet(world) <= 2
    assert_converged(world, names)


def test_a_lease_renewed_years_ahead_does_not_block_the_run(world: World) -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "hpo-reconciler", "namespace": "default"},
        "spec": {
            "holderIdentity": "node-with-a-fast-clock-1234",
            "leaseDurationSeconds": 300,
            "acquireTime": "2030-01-01T00:00:00.000000Z",
            "renewTime": "2030-01-01T00:00:00.000000Z",
        },
    }
    assert world.kubectl("create", "-f", "-", input=json.dumps(lease)).returncode == 0
    world.create_sample()
    result = world.run("--lease", LEASE)
    assert result.code == 0, result.stderr
    assert not result.stdout.startswith("skipped"), result.stdout
    assert "node-with-a-fast-clock-1234" in result.stderr and "taken as expired" in result.stderr
    assert len(world.sagemaker.tuning_job_names()) == 1
    assert "holderIdentity" not in _lease_spec(world)
