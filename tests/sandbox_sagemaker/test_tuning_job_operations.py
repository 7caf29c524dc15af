"""Create, Describe, List, Stop, Delete of tuning jobs through boto3, and their errors in AWS wording."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.sandbox_sagemaker.conftest import client_at


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_returns_the_arn_with_the_lowercased_name(sm: Any, sample_request: Any) -> None:
    response = sm.create_hyper_parameter_tuning_job(**sample_request("XGBoost-Mnist"))
    assert response["HyperParameterTuningJobArn"] == (
        "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/xgboost-mnist"
    )


def test_describe_reports_what_sagemaker_adds(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    sm.create_hyper_parameter_tuning_job(**request)
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert d["HyperParameterTuningJobName"] == "xgboost-mnist-hpo"
    assert d["HyperParameterTuningJobArn"].endswith(":hyper-parameter-tuning-job/xgboost-mnist-hpo")
    assert d["HyperParameterTuningJobStatus"] == "InProgress"
    assert d["CreationTime"] == d["LastModifiedTime"]
    assert "HyperParameterTuningEndTime" not in d
    assert "BestTrainingJob" not in d  # no training job has a final metric yet
    assert "FailureReason" not in d
    definition = d["TrainingJobDefinition"]
    statics = definition["StaticHyperParameters"]
    assert statics["_tuning_objective_metric"] == "validation:error"
    assert {k: v for k, v in statics.items() if not k.startswith("_")} == (
        request["TrainingJobDefinition"]["StaticHyperParameters"]
    )
    # Defaults SageMaker fills in although the request left them out.
    assert definition["EnableNetworkIsolation"] is False
    assert definition["InputDataConfig"][0]["CompressionType"] == "None"
    assert (
        d["HyperParameterTuningJobConfig"]["ParameterRanges"]
        == (request["HyperParameterTuningJobConfig"]["ParameterRanges"])
    )
    assert d["TrainingJobStatusCounters"] == {
        "Completed": 0,
        "InProgress": 10,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert d["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 10, "Failed": 0}


def test_names_are_unique_case_insensitively(sm: Any, sample_request: Any) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request("my-job"))
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**sample_request("My-Job"))
    assert _error(caught) == (
        "ResourceInUse",
        "A hyperparameter tuning job with the name, My-Job, already exists. Choose a different name.",
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_tuning_job_is_resource_not_found(sm: Any) -> None:
    for call in (
        sm.describe_hyper_parameter_tuning_job,
        sm.stop_hyper_parameter_tuning_job,
        sm.delete_hyper_parameter_tuning_job,
    ):
        with pytest.raises(ClientError) as caught:
            call(HyperParameterTuningJobName="absent")
        assert _error(caught) == (
            "ResourceNotFound",
            "Amazon SageMaker can't find a tuning job called absent. Type another name.",
        )
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="absent")


def test_running_tuning_jobs_beyond_the_limit_are_refused(sample_request: Any) -> None:

    with SageMakerSandbox(time_scale=0.0, max_running_tuning_jobs=2) as sb:
        client = client_at(sb.url)
        client.create_hyper_parameter_tuning_job(**sample_request("one"))
        client.create_hyper_parameter_tuning_job(**sample_request("two"))
        with pytest.raises(client.exceptions.ResourceLimitExceeded) as caught:
            client.create_hyper_parameter_tuning_job(**sample_request("three"))
        assert (
            "'Number of concurrent hyperparameter tuning jobs' is 2 Jobs"
            in caught.value.response["Error"]["Message"]
        )
        client.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="one")
        sb.advance(60)  # "one" is Stopped now, which frees a slot
        client.create_hyper_parameter_tuning_job(**sample_request("three"))
        assert sb.tuning_job_names() == ["one", "two", "three"]


def test_list_filters_sorts_and_pages(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    for name in ("bravo", "alpha", "charlie", "alpine"):
        sm.create_hyper_parameter_tuning_job(**sample_request(name))
        sandbox.advance(1)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="charlie")
    names = [
        s["HyperParameterTuningJobName"]
        for s in sm.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    ]
    assert names == ["alpha", "alpine", "bravo", "charlie"]
    by_time = sm.list_hyper_parameter_tuning_jobs(SortBy="CreationTime", SortOrder="Descending")
    assert [s["HyperParameterTuningJobName"] for s in by_time["HyperParameterTuningJobSummaries"]] == [
        "alpine",
        "charlie",
        "alpha",
        "bravo",
    ]
    alp = sm.list_hyper_parameter_tuning_jobs(NameContains="ALP")["HyperParameterTuningJobSummaries"]
    assert [s["HyperParameterTuningJobName"] for s in alp] == ["alpha", "alpine"]
    stopping = sm.list_hyper_parameter_tuning_jobs(StatusEquals="Stopping")[
        "HyperParameterTuningJobSummaries"
    ]
    assert [s["HyperParameterTuningJobName"] for s in stopping] == ["charlie"]
    first = sm.list_hyper_parameter_tuning_jobs(MaxResults=3)
    second = sm.list_hyper_parameter_tuning_jobs(MaxResults=3, NextToken=first["NextToken"])
    assert len(first["HyperParameterTuningJobSummaries"]) == 3
    assert [s["HyperParameterTuningJobName"] for s in second["HyperParameterTuningJobSummaries"]] == [
        "charlie"
    ]
    assert "NextToken" not in second
    summary = first["HyperParameterTuningJobSummaries"][0]
    assert summary["Strategy"] == "Bayesian"
    assert summary["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 10}
    assert sum(summary["TrainingJobStatusCounters"].values()) == 10


def test_bad_next_token_is_a_validation_error(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.list_hyper_parameter_tuning_jobs(NextToken="garbage!")
    assert _error(caught)[0] == "ValidationException"


def test_stop_goes_through_stopping_to_stopped(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    sandbox.advance(30)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert d["HyperParameterTuningJobStatus"] == "Stopping"
    jobs = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100
    )["TrainingJobSummaries"]
    assert {j["TrainingJobStatus"] for j in jobs} == {"Stopping"}
    with pytest.raises(ClientError) as caught:
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert _error(caught)[0] == "ValidationException"
    sandbox.advance(60)
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert d["HyperParameterTuningJobStatus"] == "Stopped"
    assert d["TrainingJobStatusCounters"]["Stopped"] == 10
    assert d["TrainingJobStatusCounters"]["InProgress"] == 0
    assert d["HyperParameterTuningEndTime"] > d["CreationTime"]
    jobs = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100
    )["TrainingJobSummaries"]
    assert {j["TrainingJobStatus"] for j in jobs} == {"Stopped"}


def test_delete_only_once_finished_and_then_the_name_is_free(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    with pytest.raises(ClientError) as caught:
        sm.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert _error(caught)[0] == "ValidationException"
    sandbox.advance(600)
    first_child = sm.list_training_jobs(MaxResults=1)["TrainingJobSummaries"][0]["TrainingJobName"]
    sm.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    # Deleting a tuning job leaves its training jobs, as on SageMaker.
    assert sm.describe_training_job(TrainingJobName=first_child)["TrainingJobStatus"] == "Completed"
    sm.create_hyper_parameter_tuning_job(**sample_request())


def test_concurrent_creates_of_one_name_make_exactly_one_job(
    sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    import threading

    import boto3

    outcomes: list[str] = []
    lock = threading.Lock()

    def create(name: str) -> None:
        client = boto3.client("sagemaker")
        try:
            client.create_hyper_parameter_tuning_job(**sample_request(name))
            result = "created"
        except ClientError as exc:
            result = exc.response["Error"]["Code"]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create, args=(name,)) for name in ["race", "RACE", "Race", "race"] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ResourceInUse"] * 7 + ["created"]
    assert len(sandbox.tuning_job_names()) == 1


def test_more_than_fifty_tags_is_a_resource_limit(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    request["Tags"] = [{"Key": f"k{i}", "Value": "v"} for i in range(30)]
    arn = sm.create_hyper_parameter_tuning_job(**request)["HyperParameterTuningJobArn"]
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(21)])
    assert len(sm.list_tags(ResourceArn=arn, MaxResults=100)["Tags"]) == 30


def test_time_filters_on_lists(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    import datetime

    sm.create_hyper_parameter_tuning_job(**sample_request("early"))
    sandbox.advance(100)
    middle = datetime.datetime.fromtimestamp(sandbox.now(), tz=datetime.UTC)
    sandbox.advance(100)
    sm.create_hyper_parameter_tuning_job(**sample_request("late"))
    after = sm.list_hyper_parameter_tuning_jobs(CreationTimeAfter=middle)["HyperParameterTuningJobSummaries"]
    before = sm.list_hyper_parameter_tuning_jobs(CreationTimeBefore=middle)[
        "HyperParameterTuningJobSummaries"
    ]
    assert [s["HyperParameterTuningJobName"] for s in after] == ["late"]
    assert [s["HyperParameterTuningJobName"] for s in before] == ["early"]
    late_children = sm.list_training_jobs(CreationTimeAfter=middle, MaxResults=100)["TrainingJobSummaries"]
    assert len(late_children) == 10 and all(c["TrainingJobName"].startswith("late-") for c in late_children)
