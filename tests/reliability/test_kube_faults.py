"""Kubernetes API faults during a pass: 500s, 409s, slow answers, an expired list continue token.
Goal (issue 7): every resource converges, exactly one tuning job each, nothing Stalled by a fault."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.helpers import assert_converged, run_until_quiet


def test_expired_continue_token_restarts_the_list_and_the_pass_completes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(5):
        world.create_sample(f"hpo-{index}")
    monkeypatch.setenv("HPO_RECONCILER_PAGE_SIZE", "2")
    faults = world.kube.faults
    count = faults.count
    lists = 0

    def count_and_expire(verb: str, *, resource: str) -> None:
        nonlocal lists
        count(verb, resource=resource)
        if (verb, resource) == ("LIST", "hyperparametertuningjobs"):
            lists += 1
            if lists == 2:  # the first request carrying a continue token
                world.kube.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=410)

    monkeypatch.setattr(faults, "count", count_and_expire)
    result = world.run()
    assert result.code == 0, result.stderr
    assert "created=5" in result.summary
    assert sorted(world.sagemaker.tuning_job_names()) == sorted(
        world.get(f"hpo-{i}")["status"]["sageMakerHyperParameterTuningJobName"] for i in range(5)
    )
    monkeypatch.setattr(faults, "count", count)
    assert_converged(world, [f"hpo-{i}" for i in range(5)], passes=run_until_quiet(world))
