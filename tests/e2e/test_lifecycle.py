"""The sample from create to Completed, as a user sees it with kubectl; no needless work after; deletion."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.e2e.e2e_world import ROOT, SAMPLE, World


def test_sample_runs_to_completion_with_children_and_best_job(world: World) -> None:
    assert world.kubectl("apply", "-f", str(world_sample_path())).returncode == 0

    first = world.run()
    assert first.code == 0, first.stderr
    assert "outcome=created" in first.stdout
    status = world.get("xgboost-mnist-hpo")["status"]
    assert status["hyperParameterTuningJobStatus"] == "SynchronizingK8sJobWithSageMaker"
    job_name = status["sageMakerHyperParameterTuningJobName"]
    assert world.sagemaker.tuning_job_names() == [job_name]
    assert (
        "sagemaker.aws.amazon.com/hyperparametertuningjob"
        in world.get("xgboost-mnist-hpo")["metadata"]["finalizers"]
    )

    second = world.run()
    assert second.code == 0
    running = world.get("xgboost-mnist-hpo")["status"]
    assert running["hyperParameterTuningJobStatus"] == "InProgress"
    assert {c["type"]: c["status"] for c in running["conditions"]} == {
        "Ready": "Unknown",
        "Reconciling": "True",
    }

    world.sagemaker.advance(3600)
    third = world.run()
    assert third.code == 0
    done = world.get("xgboost-mnist-hpo")["status"]
    assert done["hyperParameterTuningJobStatus"] == "Completed"
    assert done["trainingJobStatusCounters"]["completed"] == 10
    assert {c["type"]: (c["status"], c["reason"]) for c in done["conditions"]} == {
        "Ready": ("True", "Completed")
    }
    assert done["observedGeneration"] == 1

    children = world.children("xgboost-mnist-hpo")
    assert len(children) == 10
    parent_uid = world.get("xgboost-mnist-hpo")["metadata"]["uid"]
    for child in children:
        owner = child["metadata"]["ownerReferences"][0]
        assert owner["uid"] == parent_uid and owner["controller"] and owner["blockOwnerDeletion"]
        assert child["metadata"]["name"] == child["status"]["sageMakerTrainingJobName"].lower()
        assert child["status"]["trainingJobStatus"] == "Completed"
        assert child["spec"]["hyperParameters"] and child["spec"]["region"] == "us-east-2"
        assert child["status"]["modelPath"].startswith("s3://") or child["status"]["modelPath"].startswith(
            "https://"
        )
    # The best job is the child with the lowest validation:error (the objective is Minimize).
    best_child = min(
        children, key=lambda c: c["status"]["finalHyperParameterTuningJobObjectiveMetric"]["value"]
    )
    best = done["bestTrainingJob"]
    assert best["trainingJobName"] == best_child["status"]["sageMakerTrainingJobName"]
    assert best["tunedHyperParameters"][0]["name"] == "num_round"
    assert 10 <= int(best["tunedHyperParameters"][0]["value"]) <= 20

    table = world.kubectl("get", "hyperparametertuningjob").stdout.splitlines()
    assert table[0].split() == [
        "NAME", "STATUS", "CREATION-TIME", "COMPLETED", "INPROGRESS", "ERRORS", "STOPPED",
        "BEST-TRAINING-JOB", "SAGEMAKER-JOB-NAME", "STALLED",
    ]  # fmt: skip
    row = table[1].split()
    assert row[0] == "xgboost-mnist-hpo" and row[1] == "Completed"
    assert row[3:7] == ["10", "0", "0", "0"]
    assert row[7] == best["trainingJobName"] and row[8] == job_name
    wide = world.kubectl("get", "hpo", "-o", "wide").stdout
    assert "READY" in wide.splitlines()[0] and "True" in wide.splitlines()[1]
    described = world.kubectl("describe", "hyperparametertuningjob", "xgboost-mnist-hpo").stdout
    assert "Tuned Hyper Parameters" in described and "num_round" in described
    events = world.kubectl(
        "get", "events", "--field-selector", "involvedObject.name=xgboost-mnist-hpo"
    ).stdout
    assert "Created" in events

    # A terminal, in-sync resource whose generation was observed costs nothing.
    world.reset_stats()
    fourth = world.run()
    assert fourth.code == 0 and "unchanged=1" in fourth.summary
    assert world.kube_writes() == {}
    assert world.sagemaker_calls() == {}


def test_running_job_pass_without_change_writes_nothing(world: World) -> None:
    world.create_sample()
    world.run()
    world.run()  # InProgress, children mirrored
    world.reset_stats()
    again = world.run()
    assert again.code == 0
    # Describe is needed to notice a change, but nothing changed: zero writes anywhere.
    assert world.kube_writes() == {}
    assert set(world.sagemaker_calls()) == {"DescribeHyperParameterTuningJob"}


def test_summary_is_last_line_with_outcomes_calls_and_duration(world: World) -> None:
    world.create_sample()
    result = world.run()
    summary = result.summary
    assert summary.startswith("summary: 1 resource [created=1]")
    assert "sagemaker 1 (CreateHyperParameterTuningJob=1)" in summary
    assert "LIST hyperparametertuningjobs=1" in summary
    assert re.search(r"\| \d+\.\d\ds \(CPU \d+\.\d\ds\)$", summary), summary


def world_sample_path() -> Path:
    return SAMPLE


def test_multi_definition_job_names_the_definition_of_its_best_and_child_training_jobs(world: World) -> None:
    obj = yaml.safe_load((ROOT / "samples" / "xgboost-mnist-hpo-multi-algorithm.yaml").read_text())
    obj["metadata"] = {"name": "multi", "namespace": "default"}
    definitions = {d["definitionName"] for d in obj["spec"]["trainingJobDefinitions"]}
    world.create(obj)
    world.run()
    world.sagemaker.advance(6 * 3600)
    world.run()
    world.run()
    status = world.get("multi")["status"]
    assert status["hyperParameterTuningJobStatus"] == "Completed"
    assert status["bestTrainingJob"]["trainingJobDefinitionName"] in definitions
    named = {c["status"].get("trainingJobDefinitionName") for c in world.children("multi")}
    assert named and named <= definitions, named


def test_a_running_childs_secondary_status_follows_sagemaker_at_the_heartbeat(world: World) -> None:
    """core.refresh: while the counters stand still, a running child is described again once per
    heartbeat (here 0 s: every pass), so SECONDARY-STATUS does not stay at its first value."""
    import boto3

    world.create_sample()
    world.run()
    world.sagemaker.advance(5)
    world.run("--heartbeat-seconds", "0")  # the children appear (Starting)
    child = world.children("xgboost-mnist-hpo")[0]
    name = child["status"]["sageMakerTrainingJobName"]
    first = child["status"]["secondaryStatus"]
    sagemaker = boto3.client("sagemaker")
    for _ in range(20):  # until SageMaker's secondary status moves on, the job still running
        world.sagemaker.advance(10)
        described = sagemaker.describe_training_job(TrainingJobName=name)
        if described["SecondaryStatus"] != first:
            break
    assert described["TrainingJobStatus"] == "InProgress" and described["SecondaryStatus"] != first
    world.run("--heartbeat-seconds", "0")
    mirrored = next(
        c for c in world.children("xgboost-mnist-hpo") if c["status"]["sageMakerTrainingJobName"] == name
    )
    now = sagemaker.describe_training_job(TrainingJobName=name)["SecondaryStatus"]
    assert mirrored["status"]["secondaryStatus"] == now != first
