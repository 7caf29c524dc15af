"""A pass that outlives its list's continue tokens (issue 10 item 9).

kube-apiserver expires a continue token once etcd has compacted the revision of the list's first page
(`--etcd-compaction-interval`, 5 minutes): a pass over 10,000 active resources takes longer than that.
Here the emulator's compaction window is cut to a fraction of a second, so the parent list's tokens
expire again and again during an ordinary pass; the pass must still reconcile every resource once. The
children of one job are listed unpaged, so they hold no token at all.
"""

from __future__ import annotations

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.helpers import assert_converged, run_until_quiet

COUNT = 24


def _names() -> list[str]:
    return [f"exp-{index:02d}" for index in range(COUNT)]


def test_a_pass_outliving_many_compactions_reconciles_every_resource_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in _names():
        world.create_sample(name)
    monkeypatch.setenv("HPO_RECONCILER_PAGE_SIZE", "2")
    world.kube.cluster.store.compaction_seconds = 0.05
    world.sagemaker.set_latency(0.05)  # each resource takes a while: the tokens age meanwhile
    world.reset_stats()
    result = world.run("--concurrency", "2")
    world.sagemaker.set_latency(0)
    assert result.code == 0, result.stderr
    assert f"created={COUNT}" in result.summary, result.summary  # each once, none twice
    # The tokens did expire: more list requests than the 12 pages of an unexpired list.
    assert world.kube.stats()["LIST hyperparametertuningjobs"] > COUNT // 2
    world.kube.cluster.store.compaction_seconds = 300.0
    assert run_until_quiet(world) <= 2
    assert_converged(world, _names())


def test_restarts_are_allowed_while_each_attempt_makes_progress(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that answers 410 without a continuation token: the list starts over, and may do so
    more than a fixed number of times as long as every attempt gets further than the last."""
    for name in _names():
        world.create_sample(name)
    monkeypatch.setenv("HPO_RECONCILER_PAGE_SIZE", "2")
    faults = world.kube.faults
    count = faults.count
    depth = 0  # list requests since the list last started
    fail_at = 2  # each attempt fails one page further than the one before
    failures = 0

    def count_and_expire(verb: str, *, resource: str) -> None:
        nonlocal depth, fail_at, failures
        count(verb, resource=resource)
        if (verb, resource) == ("LIST", "hyperparametertuningjobs"):
            depth += 1
            if failures < 6 and depth == fail_at:
                world.kube.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=410)
                failures, fail_at, depth = failures + 1, fail_at + 1, 0

    monkeypatch.setattr(faults, "count", count_and_expire)
    result = world.run()
    monkeypatch.setattr(faults, "count", count)
    assert result.code == 0, result.stderr
    assert f"created={COUNT}" in result.summary, result.summary
    assert failures == 6  # six restarts: more than the old fixed budget of three
    assert run_until_quiet(world) <= 2
    assert_converged(world, _names())
