"""Throttling storm (issue 7): half of all SageMaker calls answer ThrottlingException for several
passes, then the storm ends. Goal: exit codes as designed (0: throttling is a per-resource, transient
problem; also with --fail-on-error, since nothing is Stalled), no resource Stalled during the storm,
every resource converges once it ends, exactly one tuning job each."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.helpers import assert_converged, run_until_quiet


def _storm(world: World, count: int, *, passes: int) -> None:
    names = [f"storm-{index:02d}" for index in range(count)]
    for name in names:
        world.create_sample(name)
    world.sagemaker.set_fault_rate(rate=0.5, error="ThrottlingException")
    outcomes = ""
    for index in range(passes):
        if index == passes // 2:
            world.sagemaker.advance(100)  # the jobs start training jobs mid-storm
        result = world.run("--fail-on-error")
        assert result.code == 0, result.stderr
        outcomes += result.stdout
        for name in names:
            for condition in world.get(name).get("status", {}).get("conditions", []):
                assert condition["type"] != "Stalled", f"{name} stalled by throttling: {condition}"
    assert "outcome=retry" in outcomes, "the storm never reached the reconciler"
    world.sagemaker.set_fault_rate(rate=0.0)
    assert run_until_quiet(world) <= 2
    assert_converged(world, names)
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_converged(world, names)


def test_storm_with_two_attempts_per_call(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two botocore attempts: a quarter of the calls still fail, so the reconciler's own
    # leave-it-for-the-next-pass path is exercised, not only botocore's retries.
    monkeypatch.setenv("HPO_RECONCILER_MAX_ATTEMPTS", "2")
    _storm(world, 6, passes=4)


@pytest.mark.slow
def test_storm_with_default_retries(world: World) -> None:
    _storm(world, 30, passes=4)
