"""Shared assertions of the reliability suite, over the e2e `World`.

- `run_until_quiet(world, limit=...)` runs passes until one writes nothing to Kubernetes and creates or
  stops nothing in SageMaker; returns how many passes that took (the quiet pass excluded), and fails
  if it does not get quiet within `limit` or a pass exits non-zero after the first.
- `assert_converged(world, names)` checks the issue's goals for the resources `names` (namespace
  default): each exists, records exactly one SageMaker tuning job that the simulator knows, no two
  resources share a job, the simulator never created more jobs than resources, nothing is Stalled,
  our finalizer is on every live resource, the status agrees with SageMaker, and every training job
  SageMaker reports has its TrainingJob child with the same status.
- `assert_gone(world, names)` checks deleted resources are gone with their children (no dangling
  finalizer).
"""

from __future__ import annotations

from collections.abc import Sequence

import boto3

from reconciler.core.model import FINALIZER
from tests.e2e.e2e_world import World

SAGEMAKER_WRITES = ("CreateHyperParameterTuningJob", "StopHyperParameterTuningJob")


def sagemaker_client(world: World) -> object:
    env = world.sagemaker.env()
    return boto3.client(
        "sagemaker",
        endpoint_url=env["AWS_ENDPOINT_URL_SAGEMAKER"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def run_until_quiet(world: World, *args: str, limit: int = 6) -> int:
    for passes in range(limit + 1):
        world.reset_stats()
        result = world.run(*args)
        assert result.code == 0 or passes == 0, f"pass {passes + 1}: exit {result.code}: {result.stderr}"
        writes = world.kube_writes()
        created_or_stopped = {k: v for k, v in world.sagemaker_calls().items() if k in SAGEMAKER_WRITES}
        if not writes and not created_or_stopped:
            return passes
    raise AssertionError(f"still writing after {limit} passes: {writes} {created_or_stopped}")


def assert_converged(
    world: World, names: Sequence[str], *, passes: int | None = None, within: int = 2
) -> None:
    if passes is not None:
        assert passes <= within, f"converged only after {passes} passes (goal: {within})"
    created = world.sagemaker.tuning_job_names()
    jobs: dict[str, str] = {}
    client = sagemaker_client(world)
    for name in names:
        obj = world.get(name)
        status = obj.get("status") or {}
        job = status.get("sageMakerHyperParameterTuningJobName")
        assert job, f"{name}: no job recorded: {status}"
        assert job in created, f"{name}: job {job} unknown to SageMaker"
        jobs[name] = job
        assert FINALIZER in (obj["metadata"].get("finalizers") or []), f"{name}: finalizer missing"
        conditions = {c["type"]: c for c in status.get("conditions") or []}
        assert "Stalled" not in conditions, f"{name}: stalled: {conditions['Stalled']}"
        described = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)  # type: ignore[attr-defined]
        assert status["hyperParameterTuningJobStatus"] == described["HyperParameterTuningJobStatus"], name
        assert status.get("observedGeneration") == obj["metadata"]["generation"], name
        summaries = client.list_training_jobs_for_hyper_parameter_tuning_job(  # type: ignore[attr-defined]
            HyperParameterTuningJobName=job, MaxResults=100
        )["TrainingJobSummaries"]
        children = {c["metadata"]["name"]: c for c in world.children(name)}
        for summary in summaries:
            child = children.get(summary["TrainingJobName"].lower())
            assert child is not None, f"{name}: no child for {summary['TrainingJobName']}"
            assert (child.get("status") or {}).get("trainingJobStatus") == summary["TrainingJobStatus"]
        assert len(children) == len(summaries), f"{name}: {len(children)} children, {len(summaries)} jobs"
    assert len(set(jobs.values())) == len(names), "two resources share a tuning job"
    assert len(created) == len(set(created)) == len(names), f"SageMaker created {created} for {list(names)}"


def assert_gone(world: World, names: Sequence[str]) -> None:
    for name in names:
        assert not world.exists(name), f"{name} still exists: {world.get(name)['metadata']}"
        assert world.children(name) == [], f"{name}: children left behind"
