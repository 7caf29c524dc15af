"""A real crash (issue 7's "killed process"): the console script is killed with SIGKILL at the moment
SageMaker has executed a call, in the middle of a pass over many resources with 8 workers in flight.
Goal: the next passes converge within 2, exactly one tuning job per resource, nothing lost, no
finalizer dangling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.helpers import assert_converged, run_until_quiet

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "hpo-reconciler")
COUNT = 20


@pytest.mark.parametrize(
    ("operation", "nth", "advance"),
    [
        ("CreateHyperParameterTuningJob", 7, 0),
        pytest.param("DescribeTrainingJob", 25, 100, marks=pytest.mark.slow),
    ],
    ids=["after-7th-create", "after-25th-child-describe"],
)
def test_killed_right_after_a_sagemaker_call(world: World, operation: str, nth: int, advance: float) -> None:
    names = [f"kill-{index:02d}" for index in range(COUNT)]
    for name in names:
        world.create_sample(name)
    if advance:
        assert world.run().code == 0
        world.sagemaker.advance(advance)
    process = subprocess.Popen(
        [CONSOLE_SCRIPT, "run", "--no-lease", "--concurrency", "8"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = 0

    def kill_at_nth(entry: dict[str, Any]) -> None:
        nonlocal seen
        if entry.get("kind") == "request" and entry.get("operation") == operation:
            seen += 1
            if seen == nth:
                os.kill(process.pid, signal.SIGKILL)

    world.sagemaker.simulator.recorder = kill_at_nth
    try:
        code = process.wait(timeout=120)
    finally:
        world.sagemaker.simulator.recorder = None
    assert code == -signal.SIGKILL, "the pass ended before the crash point"
    assert run_until_quiet(world) <= 2
    assert_converged(world, names)
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_converged(world, names)
