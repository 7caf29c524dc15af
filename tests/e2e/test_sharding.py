"""Sharding on Kubernetes' own Indexed Jobs (issue 14): N processes of the real console script, each
with the JOB_COMPLETION_INDEX an Indexed Job's pod gets and the same `--shard auto/N` arguments, run at
the same time with their Leases on. Together they reconcile every resource exactly once, each holds a
Lease of its own, and none is skipped for another's Lease."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.e2e_world import World, parse_json_lines

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "hpo-reconciler")
RESOURCES = 15


def _shard_processes(world: World, count: int) -> list[list[dict[str, object]]]:
    processes = []
    for index in range(count):
        env = {**os.environ, "JOB_COMPLETION_INDEX": str(index)}
        argv = [CONSOLE_SCRIPT, "run", "--shard", f"auto/{count}", "--lease", "default/hpo-reconciler"]
        processes.append(
            subprocess.Popen(
                [*argv, "--log-format", "json", "--kubeconfig", str(world.kubeconfig)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        )  # fmt: skip
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        outputs.append(parse_json_lines(stdout))
    return outputs


@pytest.mark.parametrize("count", [3])
def test_indexed_shards_cover_every_resource_exactly_once(world: World, count: int) -> None:
    names = {f"hpo-{index:02d}" for index in range(RESOURCES)}
    for name in sorted(names):
        world.create_sample(name)

    outputs = _shard_processes(world, count)
    seen: list[str] = []
    for records in outputs:
        assert not [r for r in records if r["event"] == "skipped"], records
        summary = records[-1]
        assert summary["event"] == "summary" and summary["complete"]
        shard_names = [str(r["name"]) for r in records if r["event"] == "resource"]
        assert summary["resources"] == len(shard_names)
        seen.extend(shard_names)
    assert sorted(seen) == sorted(names)  # every resource, none twice
    if count > 1:
        assert all(0 < len([r for r in rec if r["event"] == "resource"]) < RESOURCES for rec in outputs)
    assert len(world.sagemaker.tuning_job_names()) == RESOURCES

    leases = json.loads(world.kubectl("get", "leases", "-n", "default", "-o", "json").stdout)["items"]
    expected = {f"hpo-reconciler-{index}" for index in range(count)}
    assert {lease["metadata"]["name"] for lease in leases} == expected

    # A second round: the same shards, the same split, nothing left to create.
    again = _shard_processes(world, count)
    assert sum(r["resources"] for r in (records[-1] for records in again)) == RESOURCES  # type: ignore[misc]
    assert len(world.sagemaker.tuning_job_names()) == RESOURCES


def test_auto_shard_outside_an_indexed_job_is_a_usage_error(world: World) -> None:
    result = world.run("--shard", "auto/3")
    assert result.code == 2
    assert "JOB_COMPLETION_INDEX is not set" in result.stderr
