"""Training jobs of a tuning job: list, sort, filter, page, describe, stop, tags, the missing-job error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox

NAME = re.compile(r"^xgboost-mnist-hpo-\d{3}-[0-9a-f]{8}$")


def _children(sm: Any, **kwargs: Any) -> list[dict[str, Any]]:
    response = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100, **kwargs
    )
    summaries: list[dict[str, Any]] = response["TrainingJobSummaries"]
    return summaries


def test_children_are_named_after_the_parent_and_tagged_like_it(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    request["Tags"] = [{"Key": "team", "Value": "vision"}]
    sm.create_hyper_parameter_tuning_job(**request)
    children = _children(sm)
    assert len(children) == 10
    assert all(NAME.match(c["TrainingJobName"]) for c in children)
    assert sorted(int(c["TrainingJobName"].split("-")[3]) for c in children) == list(range(1, 11))
    assert {c["TuningJobName"] for c in children} == {"xgboost-mnist-hpo"}
    assert all(c["ObjectiveStatus"] == "Pending" for c in children)
    tags = sm.list_tags(ResourceArn=children[0]["TrainingJobArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "vision"}]
    parent_arn = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")[
        "HyperParameterTuningJobArn"
    ]
    assert sm.list_tags(ResourceArn=parent_arn)["Tags"] == [{"Key": "team", "Value": "vision"}]


def test_tuned_values_stay_inside_the_declared_range(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    for child in _children(sm):
        assert 10 <= int(child["TunedHyperParameters"]["num_round"]) <= 20


def test_describe_training_job_walks_the_secondary_statuses(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    name = _children(sm)[0]["TrainingJobName"]
    seen: list[str] = []
    for _ in range(60):
        d = sm.describe_training_job(TrainingJobName=name)
        if not seen or seen[-1] != d["SecondaryStatus"]:
            seen.append(d["SecondaryStatus"])
        sandbox.advance(5)
    assert seen == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert [t["Status"] for t in d["SecondaryStatusTransitions"]] == seen
    assert d["TrainingJobStatus"] == "Completed"
    assert d["TuningJobArn"].endswith("hyper-parameter-tuning-job/xgboost-mnist-hpo")
    assert d["HyperParameters"]["_tuning_objective_metric"] == "validation:error"
    assert d["HyperParameters"]["booster"] == "gbtree"
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == (
        f"s3://my-bucket/sagemaker/xgboost-mnist/xgboost/{name}/output/model.tar.gz"
    )
    assert d["FinalMetricDataList"][0]["MetricName"] == "validation:error"
    assert d["TrainingEndTime"] > d["TrainingStartTime"] > d["CreationTime"]
    assert d["TrainingTimeInSeconds"] > 0
    assert d["ResourceConfig"]["InstanceType"] == "ml.m4.xlarge"


def test_missing_training_job_is_a_validation_exception(sm: Any) -> None:
    for name in ("nothing-here", "xgboost-mnist-hpo-001-00000000"):
        with pytest.raises(ClientError) as caught:
            sm.describe_training_job(TrainingJobName=name)
        assert caught.value.response["Error"] == {
            "Code": "ValidationException",
            "Message": "Requested resource not found.",
        }


def test_sort_and_filter_children(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    names = [c["TrainingJobName"] for c in _children(sm)]
    assert names == sorted(names)
    assert [c["TrainingJobName"] for c in _children(sm, SortOrder="Descending")] == sorted(
        names, reverse=True
    )
    assert _children(sm, SortBy="FinalObjectiveMetricValue") == []  # nothing has a metric yet
    sandbox.advance(200)  # about the mean duration: some children are done, others still running
    done = _children(sm, StatusEquals="Completed")
    running = _children(sm, StatusEquals="InProgress")
    assert done and running and len(done) + len(running) == 10
    ranked = _children(sm, SortBy="FinalObjectiveMetricValue")
    values = [c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for c in ranked]
    assert values == sorted(values) and len(values) == len(done)


def test_list_training_jobs_across_tuning_jobs(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request("first"))
    sandbox.advance(1)
    sm.create_hyper_parameter_tuning_job(**sample_request("second"))
    everything = sm.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    assert len(everything) == 20
    firsts = sm.list_training_jobs(NameContains="first-", MaxResults=100)["TrainingJobSummaries"]
    assert len(firsts) == 10 and all(s["TrainingJobName"].startswith("first-") for s in firsts)
    newest = sm.list_training_jobs(SortBy="CreationTime", SortOrder="Descending", MaxResults=1)
    assert newest["TrainingJobSummaries"][0]["TrainingJobName"].startswith("second-")
    assert "NextToken" in newest
    assert {s["TrainingJobStatus"] for s in everything} == {"InProgress"}
    assert {s["SecondaryStatus"] for s in everything} == {"Starting"}


def test_stop_training_job_and_the_tuner_replaces_it(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 2})
    sm.create_hyper_parameter_tuning_job(**request)
    victim = _children(sm)[0]["TrainingJobName"]
    sm.stop_training_job(TrainingJobName=victim)
    assert sm.describe_training_job(TrainingJobName=victim)["TrainingJobStatus"] == "Stopping"
    sandbox.advance(15)
    assert sm.describe_training_job(TrainingJobName=victim)["TrainingJobStatus"] == "Stopped"
    assert len(_children(sm)) == 3  # the freed slot went to job 3
    with pytest.raises(ClientError) as caught:
        sm.stop_training_job(TrainingJobName=victim)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert d["TrainingJobStatusCounters"]["Stopped"] == 1
    assert d["ObjectiveStatusCounters"]["Failed"] == 1


def test_add_tags_merges_and_reaches_children_launched_afterwards(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1})
    request["Tags"] = [{"Key": "a", "Value": "1"}]
    arn = sm.create_hyper_parameter_tuning_job(**request)["HyperParameterTuningJobArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}]
    sandbox.advance(300)
    first, second = _children(sm)
    assert sm.list_tags(ResourceArn=first["TrainingJobArn"])["Tags"] == [{"Key": "a", "Value": "1"}]
    assert len(sm.list_tags(ResourceArn=second["TrainingJobArn"])["Tags"]) == 2
    with pytest.raises(ClientError) as caught:
        sm.list_tags(ResourceArn=arn.replace("xgboost", "nothing"))
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_paging_through_250_training_jobs(
    sm: Any, sm_unchecked: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request(
        wide=True, ResourceLimits={"MaxNumberOfTrainingJobs": 250, "MaxParallelTrainingJobs": 100}
    )
    sm.create_hyper_parameter_tuning_job(**request)
    sandbox.advance(3600)
    names: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"NextToken": token} if token else {}
        response = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100, SortBy="CreationTime", **kwargs
        )
        pages += 1
        names += [s["TrainingJobName"] for s in response["TrainingJobSummaries"]]
        token = response.get("NextToken")
        if token is None:
            break
    assert pages == 3
    assert len(names) == len(set(names)) == 250
    paginator = sm.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    paged = [
        s["TrainingJobName"]
        for page in paginator.paginate(HyperParameterTuningJobName="xgboost-mnist-hpo", SortBy="CreationTime")
        for s in page["TrainingJobSummaries"]
    ]
    assert paged == names
    for bad in (0, 101):
        with pytest.raises(ClientError) as caught:
            sm_unchecked.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=bad
            )
        assert caught.value.response["Error"]["Code"] == "ValidationException"
        assert "maxResults" in caught.value.response["Error"]["Message"]
