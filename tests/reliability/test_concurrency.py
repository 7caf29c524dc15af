"""Concurrency (issue 7): 4 reconciler processes (the real console script) started at once over the
same resources, with and without the Lease. Goal: exactly one tuning job per resource (a duplicate
create is answered ResourceInUse and adopted through the uid tag), no lost status update (every resource
records its job after the racing passes), all converge, and every process exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.helpers import assert_converged, run_until_quiet

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "hpo-reconciler")


def _one_training_job(obj: dict[str, Any]) -> None:
    # One training job per tuning job keeps 200 resources' children cheap; the race is about the parent.
    limits = obj["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]
    limits["maxNumberOfTrainingJobs"] = 1
    limits["maxParallelTrainingJobs"] = 1


def _race(world: World, count: int, *, lease: bool) -> None:
    names = [f"race-{index:03d}" for index in range(count)]
    for name in names:
        world.create_sample(name, edit=_one_training_job)
    flags = ["--lease", "default/hpo-reconciler"] if lease else ["--no-lease"]
    processes = [
        subprocess.Popen(
            [CONSOLE_SCRIPT, "run", "--concurrency", "8", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "summary:" in stdout.splitlines()[-1]
    if lease:
        skipped = sum("skipped: another run holds the lease" in out for out, _ in outputs)
        assert 4 - skipped >= 1, "every process skipped"
    # No lost status update: every resource already records its job and SageMaker's status for it.
    for name in names:
        status = world.get(name).get("status") or {}
        assert status.get("sageMakerHyperParameterTuningJobName"), f"{name}: {status}"
        assert status.get("hyperParameterTuningJobArn"), f"{name}: {status}"
        # A creator writes "Synchronizing..." (status unknown yet); a racer that adopted writes InProgress.
        assert status.get("hyperParameterTuningJobStatus") in (
            "SynchronizingK8sJobWithSageMaker",
            "InProgress",
        ), f"{name}: {status}"
    assert len(world.sagemaker.tuning_job_names()) == count
    assert run_until_quiet(world) <= 2
    assert_converged(world, names)


@pytest.mark.parametrize(
    "lease", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["no-lease", "lease"]
)
def test_four_processes_over_forty_resources(world: World, lease: bool) -> None:
    _race(world, 40, lease=lease)


@pytest.mark.slow
@pytest.mark.parametrize("lease", [False, True], ids=["no-lease", "lease"])
def test_four_processes_over_two_hundred_resources(world: World, lease: bool) -> None:
    _race(world, 200, lease=lease)
