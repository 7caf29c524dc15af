"""Crash-point matrix (issue 7): for every external call a pass makes at each point of a resource's
life, the call takes effect and then fails (see crashpoints.py); the following passes must converge
within 2 passes, with exactly one SageMaker tuning job, no resource lost and no finalizer dangling.

The matrix lists the calls by hand; `test_the_matrix_covers_every_call_of_each_phase` records each
phase's calls and fails when the reconciler makes a call the matrix does not crash after.
The `crash` kind of the create, stop and finalize points runs in `make test`; the children and
completed points and the `lost` (retried 500) kind of every point are `slow`.
"""

from __future__ import annotations

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.crashpoints import NAME, PHASES, FaultKind, inject_after, record_calls
from tests.reliability.helpers import assert_converged, assert_gone, run_until_quiet, sagemaker_client

MATRIX: dict[str, list[str]] = {
    "create": [
        "CREATE events",
        "PATCH hyperparametertuningjobs",
        "PATCH hyperparametertuningjobs/status",
        "CreateHyperParameterTuningJob",
    ],
    "children": [
        "CREATE events",
        "CREATE trainingjobs",
        "PATCH hyperparametertuningjobs/status",
        "PATCH trainingjobs/status",
        "DescribeHyperParameterTuningJob",
        "DescribeTrainingJob",
        "ListTrainingJobsForHyperParameterTuningJob",
    ],
    "completed": [
        "CREATE events",
        "PATCH hyperparametertuningjobs/status",
        "PATCH trainingjobs/status",
        "DescribeHyperParameterTuningJob",
        "DescribeTrainingJob",
        "ListTrainingJobsForHyperParameterTuningJob",
    ],
    "stop": [
        "CREATE events",
        "PATCH hyperparametertuningjobs/status",
        "DescribeHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
    ],
    "finalize": [
        "CREATE events",
        "DELETE trainingjobs",
        "PATCH hyperparametertuningjobs",
        "DescribeHyperParameterTuningJob",
    ],
}

# `make test` keeps one phase of each kind (creating, deleting); the rest is `make test-slow`.
FAST_PHASES = ("create", "stop", "finalize")

CASES = [
    pytest.param(phase, call, kind, id=f"{phase}-{call.replace(' ', '_')}-{kind}", marks=marks)
    for phase, calls in MATRIX.items()
    for call in calls
    for kind, marks in (
        ("crash", () if phase in FAST_PHASES else (pytest.mark.slow,)),
        ("lost", (pytest.mark.slow,)),
    )
]


@pytest.mark.parametrize("phase", list(MATRIX))
def test_the_matrix_covers_every_call_of_each_phase(world: World, phase: str) -> None:
    assert record_calls(world, PHASES[phase]) == sorted(c for c in MATRIX[phase] if " " in c) + sorted(
        c for c in MATRIX[phase] if " " not in c
    )


@pytest.mark.parametrize(("phase", "call", "kind"), CASES)
def test_a_failure_right_after_the_call_converges_within_two_passes(
    world: World, phase: str, call: str, kind: FaultKind
) -> None:
    PHASES[phase].prepare(world)
    fired = inject_after(world, call, kind=kind)
    world.run()  # the pass that fails right after `call`
    assert fired(), f"the fault after {call} never fired"
    passes = run_until_quiet(world)
    assert passes <= 2, f"converged only after {passes} passes"
    assert len(world.sagemaker.tuning_job_names()) == 1
    if PHASES[phase].deleting:
        _assert_deleted_and_stopped(world)
        return
    assert_converged(world, [NAME])
    # ... and the rest of the job's life goes on normally.
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_converged(world, [NAME])
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "Completed"
    assert len(world.children(NAME)) == 10


def _assert_deleted_and_stopped(world: World) -> None:
    job = world.sagemaker.tuning_job_names()[0]
    if world.exists(NAME):  # the stop phase ends with the job Stopping: let SageMaker finish
        assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "Stopping"
        world.sagemaker.advance(3600)
        assert run_until_quiet(world) <= 2
    assert_gone(world, [NAME])
    described = sagemaker_client(world).describe_hyper_parameter_tuning_job(  # type: ignore[attr-defined]
        HyperParameterTuningJobName=job
    )
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
