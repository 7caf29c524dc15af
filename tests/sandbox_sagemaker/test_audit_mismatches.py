"""The simulator mismatches an audit against public sources found (issue 12, item 4), each fixed.

Each test names its source; docs/fidelity.md lists them with their state.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox, objective
from tests.sandbox_sagemaker.conftest import NO_RETRIES

JOB = "xgboost-mnist-hpo"
GROUP = "/aws/sagemaker/TrainingJobs"


def _describe(sm: Any, name: str = JOB) -> dict[str, Any]:
    out: dict[str, Any] = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    return out


def _run_to_end(sm: Any, sandbox: SageMakerSandbox, name: str = JOB) -> dict[str, Any]:
    for _ in range(500):
        d = _describe(sm, name)
        if d["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
            return d
        sandbox.advance(60)
    raise AssertionError("the tuning job never ended")


def _error(caught: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = caught.value.response["Error"]
    return error


def _run_not_improving(
    sm: Any,
    sandbox: SageMakerSandbox,
    sample_request: Any,
    monkeypatch: pytest.MonkeyPatch,
    *,
    ratio: float,
    max_jobs: int,
) -> dict[str, Any]:
    """One training job at a time, each objective `ratio` times the one before, stopped after three
    jobs without an improvement of 1% or more; the tuning job as it ended."""
    monkeypatch.setattr(objective, "objective_value", lambda **kw: round(0.5 * ratio ** kw["index"], 6))
    request = sample_request(
        wide=True,
        ResourceLimits={"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": 1},
        TuningJobCompletionCriteria={"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}},
    )
    sm.create_hyper_parameter_tuning_job(**request)
    return _run_to_end(sm, sandbox)


def test_not_improving_counts_improvements_below_one_percent(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BestObjectiveNotImproving: jobs "that have failed to improve model performance by 1% or
    # greater". Every job here is 0.5% better than the one before: the best moves each time,
    # yet none improves enough, so the job stops after 1 + 3 training jobs.
    d = _run_not_improving(sm, sandbox, sample_request, monkeypatch, ratio=0.995, max_jobs=10)
    assert d["HyperParameterTuningJobStatus"] == "Completed"
    assert d["TrainingJobStatusCounters"]["Completed"] == 4
    assert d["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] == 3
    assert d["BestTrainingJob"]["TrainingJobName"].startswith(f"{JOB}-004-")


def test_an_improvement_of_one_percent_or_more_resets_the_count(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _run_not_improving(sm, sandbox, sample_request, monkeypatch, ratio=0.98, max_jobs=6)
    assert d["TrainingJobStatusCounters"]["Completed"] == 6
    assert d["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] == 0


def _hyperband(sample_request: Any, **hyperband: int) -> dict[str, Any]:
    request: dict[str, Any] = sample_request(
        wide=True,
        Strategy="Hyperband",
        StrategyConfig={"HyperbandStrategyConfig": hyperband},
    )
    return request


def test_hyperband_needs_a_max_resource_it_can_infer_and_at_most_20000(sm: Any, sample_request: Any) -> None:
    # HyperbandStrategyConfig.MaxResource (API reference, botocore's model): inferred from the
    # epochs static hyperparameters when absent, else "a validation error"; "The maximum value
    # is 20,000 epochs."
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**_hyperband(sample_request, MinResource=1))
    assert _error(caught)["Code"] == "ValidationException"
    assert "MaxResource is not set and cannot be inferred" in _error(caught)["Message"]
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**_hyperband(sample_request, MinResource=1, MaxResource=20001))
    assert "exceeds the maximum of 20000 epochs" in _error(caught)["Message"]
    inferred = _hyperband(sample_request, MinResource=1)
    inferred["TrainingJobDefinition"]["StaticHyperParameters"]["num_epochs"] = "30"
    sm.create_hyper_parameter_tuning_job(**inferred)
    sm.create_hyper_parameter_tuning_job(
        **{
            **_hyperband(sample_request, MinResource=1, MaxResource=20000),
            "HyperParameterTuningJobName": "hb2",
        }
    )


def test_access_denied_names_the_principal_the_action_and_the_resource(
    sm: Any, logs: Any, sandbox: SageMakerSandbox
) -> None:
    # IAM user guide, "Troubleshooting access denied error messages".
    sandbox.inject_fault(operation="DescribeHyperParameterTuningJob", error="AccessDeniedException")
    with pytest.raises(ClientError) as caught:
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="My-Job")
    assert _error(caught) == {
        "Code": "AccessDeniedException",
        "Message": "User: arn:aws:sts::123456789012:assumed-role/hpo-reconciler/botocore-session-1 is not "
        "authorized to perform: sagemaker:DescribeHyperParameterTuningJob on resource: "
        "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/my-job because no "
        "identity-based policy allows the sagemaker:DescribeHyperParameterTuningJob action",
    }
    sandbox.inject_fault(operation="ListHyperParameterTuningJobs", error="AccessDeniedException")
    with pytest.raises(ClientError) as caught:
        sm.list_hyper_parameter_tuning_jobs()
    assert (
        "perform: sagemaker:ListHyperParameterTuningJobs on resource: * because" in _error(caught)["Message"]
    )
    sandbox.inject_fault(operation="GetLogEvents", error="AccessDeniedException")
    with pytest.raises(ClientError) as caught:
        logs.get_log_events(logGroupName=GROUP, logStreamName="j/algo-1-1")
    assert (
        "perform: logs:GetLogEvents on resource: arn:aws:logs:us-east-2:123456789012:log-group:"
        "/aws/sagemaker/TrainingJobs:log-stream:j/algo-1-1 because" in _error(caught)["Message"]
    )


QUOTA_MESSAGE = (
    "The account-level service limit 'ml.m4.xlarge for training job usage' is 0 Instances, with current "
    "utilization of 0 Instances and a request delta of 2 Instances. Please use AWS Service Quotas to "
    "request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to "
    "request an increase for this quota."
)


def test_an_instance_quota_refuses_the_create_with_its_own_message(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    request = sample_request()
    request["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] = 2
    sandbox.set_instance_quota("ml.m4.xlarge", 0)
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**request)
    assert _error(caught) == {"Code": "ResourceLimitExceeded", "Message": QUOTA_MESSAGE}
    # The HTTP twin of the control lifts it again.
    body = json.dumps({"instanceType": "ml.m4.xlarge", "instances": None}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{sandbox.url}/sandbox/instance-quota", data=body))
    sm.create_hyper_parameter_tuning_job(**request)


def test_the_concurrent_tuning_jobs_limit_is_a_different_message(sample_request: Any) -> None:
    with SageMakerSandbox(time_scale=0.0, max_running_tuning_jobs=1) as sb:
        sm = boto3.client(
            "sagemaker",
            endpoint_url=sb.url,
            region_name="us-east-2",
            config=NO_RETRIES,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        sm.create_hyper_parameter_tuning_job(**sample_request("first"))
        with pytest.raises(ClientError) as caught:
            sm.create_hyper_parameter_tuning_job(**sample_request("second"))
    assert _error(caught)["Code"] == "ResourceLimitExceeded"
    assert "'Number of concurrent hyperparameter tuning jobs' is 1 Jobs" in _error(caught)["Message"]
    assert "for training job usage" not in _error(caught)["Message"]


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws")]
)
def test_arns_use_the_partition_of_their_region(
    sandbox: SageMakerSandbox, sample_request: Any, region: str, partition: str
) -> None:
    sm = boto3.client("sagemaker", region_name=region, config=NO_RETRIES)
    arn = sm.create_hyper_parameter_tuning_job(**sample_request())["HyperParameterTuningJobArn"]
    assert arn == f"arn:{partition}:sagemaker:{region}:123456789012:hyper-parameter-tuning-job/{JOB}"
    child = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB)[
        "TrainingJobSummaries"
    ][0]
    assert child["TrainingJobArn"].startswith(
        f"arn:{partition}:sagemaker:{region}:123456789012:training-job/"
    )


def test_add_tags_refuses_reserved_aws_keys_like_create(sm: Any, sample_request: Any) -> None:
    arn = sm.create_hyper_parameter_tuning_job(**sample_request())["HyperParameterTuningJobArn"]
    with pytest.raises(ClientError) as caught:
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "AWS:owner", "Value": "x"}])
    assert _error(caught)["Code"] == "ValidationException"
    assert "reserved for AWS use" in _error(caught)["Message"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


def test_a_manually_stopped_training_job_reports_the_last_metric_it_logged(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    # FinalHyperParameterTuningJobObjectiveMetric (API reference): "the latest objective metric
    # emitted by a training job".
    sm.create_hyper_parameter_tuning_job(
        **sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2})
    )
    children = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB)[
        "TrainingJobSummaries"
    ]
    early, late = sorted(c["TrainingJobName"] for c in children)
    sm.stop_training_job(TrainingJobName=early)  # still Starting: it never logs a metric
    for _ in range(100):
        if sm.describe_training_job(TrainingJobName=late)["SecondaryStatus"] == "Training":
            break
        sandbox.advance(5)
    sandbox.advance(50)
    sm.stop_training_job(TrainingJobName=late)
    sandbox.advance(60)
    described = sm.describe_training_job(TrainingJobName=late)
    assert described["TrainingJobStatus"] == "Stopped"
    stream = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{late}/")["logStreams"][0]
    lines = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True)
    logged = [
        float(m.group(1))
        for e in lines["events"]
        if (m := re.search(r"validation-error:([0-9.]+)", e["message"]))
    ]
    assert logged, "the job was stopped while Training, after some rounds"
    assert described["FinalMetricDataList"][0]["Value"] == pytest.approx(logged[-1], abs=1e-5)
    summaries = {
        s["TrainingJobName"]: s
        for s in sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB)[
            "TrainingJobSummaries"
        ]
    }
    assert summaries[late]["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "MetricName": "validation:error",
        "Value": described["FinalMetricDataList"][0]["Value"],
    }
    assert summaries[late]["ObjectiveStatus"] == "Succeeded"
    assert "FinalHyperParameterTuningJobObjectiveMetric" not in summaries[early]
    assert "FinalMetricDataList" not in sm.describe_training_job(TrainingJobName=early)


def test_a_tuning_job_whose_training_jobs_all_fail_ends_after_five_attempts(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sandbox.set_failure_rates(non_retryable=1.0)
    request = sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 1})
    sm.create_hyper_parameter_tuning_job(**request)
    d = _run_to_end(sm, sandbox)
    assert d["HyperParameterTuningJobStatus"] == "Failed"
    assert d["TrainingJobStatusCounters"]["NonRetryableError"] == 5
    assert d["FailureReason"] == (
        "No training job succeeded after 5 attempts. "
        "Please take a look at the training job failures to get more details."
    )


def test_an_injected_resource_limit_is_the_concurrent_tuning_jobs_limit(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    # A scripted ResourceLimitExceeded is the transient case, worded as SageMaker words it.
    sandbox.inject_fault(operation="CreateHyperParameterTuningJob", error="ResourceLimitExceeded")
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**sample_request())
    assert _error(caught)["Message"].startswith(
        "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' is 100 Jobs"
    )
