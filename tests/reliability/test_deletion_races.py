"""Deletion races (issue 7): delete during create, delete while SageMaker is stopping the job, the job
deleted out of band in SageMaker, a child TrainingJob deleted by hand. Goal: converges, one tuning job
at most, nothing left behind (no resource, no child, no finalizer, no job left running)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.e2e_world import World
from tests.reliability.crashpoints import NAME, delete_resource
from tests.reliability.helpers import assert_converged, assert_gone, run_until_quiet, sagemaker_client


def _job_status(world: World, job: str) -> str:
    client: Any = sagemaker_client(world)
    return str(
        client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)[
            "HyperParameterTuningJobStatus"
        ]
    )


def test_delete_right_after_the_create_call(world: World) -> None:
    world.create_sample(NAME)
    simulator = world.sagemaker.simulator

    def delete_after_create(entry: dict[str, Any]) -> None:
        if entry.get("kind") == "request" and entry.get("operation") == "CreateHyperParameterTuningJob":
            delete_resource(world)  # the user deletes while the create is in flight

    simulator.recorder = delete_after_create
    try:
        assert world.run().code == 0
    finally:
        simulator.recorder = None
    jobs = world.sagemaker.tuning_job_names()
    assert len(jobs) == 1
    assert run_until_quiet(world) <= 2
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_gone(world, [NAME])
    assert _job_status(world, jobs[0]) == "Stopped"
    assert world.sagemaker.tuning_job_names() == jobs


def test_delete_before_the_finalizer_is_added(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.create_sample(NAME)
    faults = world.kube.faults
    count = faults.count

    def delete_first(verb: str, *, resource: str) -> None:
        count(verb, resource=resource)
        if (verb, resource) == ("PATCH", "hyperparametertuningjobs") and world.exists(NAME):
            delete_resource(world)  # no finalizer yet: the object goes at once

    monkeypatch.setattr(faults, "count", delete_first)
    result = world.run()
    monkeypatch.setattr(faults, "count", count)
    assert result.code == 0, result.stderr
    assert world.sagemaker.tuning_job_names() == []  # nothing created for a resource that is gone
    assert run_until_quiet(world) == 0
    assert_gone(world, [NAME])


def test_delete_while_sagemaker_is_stopping_the_job(world: World) -> None:
    world.create_sample(NAME)
    world.run()
    world.sagemaker.advance(100)
    world.run()
    job = world.get(NAME)["status"]["sageMakerHyperParameterTuningJobName"]
    client: Any = sagemaker_client(world)
    client.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)  # stopped out of band
    assert _job_status(world, job) == "Stopping"
    delete_resource(world)
    world.reset_stats()
    result = world.run()
    assert result.code == 0, result.stderr
    assert world.exists(NAME), "finalized before SageMaker finished stopping"
    assert world.sagemaker.stats().get("StopHyperParameterTuningJob", 0) == 0  # already stopping
    world.sagemaker.advance(3600)
    assert run_until_quiet(world) <= 2
    assert_gone(world, [NAME])
    assert _job_status(world, job) == "Stopped"


def test_job_deleted_out_of_band_in_sagemaker(world: World) -> None:
    world.create_sample(NAME)
    world.run()
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_converged(world, [NAME])
    job = world.get(NAME)["status"]["sageMakerHyperParameterTuningJobName"]
    client: Any = sagemaker_client(world)
    client.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    assert run_until_quiet(world) == 0  # settled: nothing to ask SageMaker
    delete_resource(world)
    assert run_until_quiet(world) <= 2
    assert_gone(world, [NAME])
    assert world.sagemaker.tuning_job_names() == [job]


def test_child_deleted_by_hand_comes_back(world: World) -> None:
    world.create_sample(NAME)
    world.run()
    world.sagemaker.advance(100)
    world.run()
    children = world.children(NAME)
    assert len(children) == 10
    victim = children[3]["metadata"]["name"]
    world.custom.delete_namespaced_custom_object(
        "sagemaker.aws.amazon.com", "v1", "default", "trainingjobs", victim
    )
    world.sagemaker.advance(3600)
    assert run_until_quiet(world) <= 2
    assert_converged(world, [NAME])
    assert victim in {c["metadata"]["name"] for c in world.children(NAME)}
    delete_resource(world)
    assert run_until_quiet(world) <= 2
    assert_gone(world, [NAME])
