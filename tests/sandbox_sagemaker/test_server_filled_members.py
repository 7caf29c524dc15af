"""Members SageMaker fills in Describe output although the request left them out (docs/fidelity.md)."""

from __future__ import annotations

import re
from typing import Any

from reconciler.sandbox.sagemaker import SageMakerSandbox

NAME = "xgboost-mnist-hpo"


def _first_child(sm: Any) -> str:
    summaries = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=NAME)
    name: str = summaries["TrainingJobSummaries"][0]["TrainingJobName"]
    return name


def test_describe_training_job_reports_an_empty_kms_key_when_none_was_given(
    sm: Any, sample_request: Any
) -> None:
    request = sample_request()
    assert "KmsKeyId" not in request["TrainingJobDefinition"]["OutputDataConfig"]
    sm.create_hyper_parameter_tuning_job(**request)
    training = sm.describe_training_job(TrainingJobName=_first_child(sm))
    assert training["OutputDataConfig"]["KmsKeyId"] == ""
    # The tuning job's own description echoes the definition as sent.
    tuning = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=NAME)
    assert "KmsKeyId" not in tuning["TrainingJobDefinition"]["OutputDataConfig"]


def test_a_kms_key_that_was_given_is_reported_as_given(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    key = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    request["TrainingJobDefinition"]["OutputDataConfig"]["KmsKeyId"] = key
    sm.create_hyper_parameter_tuning_job(**request)
    assert sm.describe_training_job(TrainingJobName=_first_child(sm))["OutputDataConfig"]["KmsKeyId"] == key


def test_a_builtin_algorithm_gets_metric_definitions_that_match_its_log_lines(
    sm: Any, logs: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    tuning = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=NAME)
    metrics = tuning["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"]
    assert {m["Name"] for m in metrics} == {"train:error", "validation:error"}
    child = _first_child(sm)
    assert sm.describe_training_job(TrainingJobName=child)["AlgorithmSpecification"]["MetricDefinitions"] == (
        metrics
    )
    sandbox.advance(3600)
    stream = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=child)
    name = stream["logStreams"][0]["logStreamName"]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=name, startFromHead=True
    )["events"]
    regex = next(m["Regex"] for m in metrics if m["Name"] == "validation:error")
    values = [float(m.group(1)) for e in events if (m := re.match(regex, e["message"]))]
    final = sm.describe_training_job(TrainingJobName=child)["FinalMetricDataList"][0]["Value"]
    assert values and abs(values[-1] - final) < 1e-4


def test_a_custom_image_keeps_the_metric_definitions_it_sent(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    algorithm = request["TrainingJobDefinition"]["AlgorithmSpecification"]
    algorithm["TrainingImage"] = "123456789012.dkr.ecr.us-east-2.amazonaws.com/my-trainer:3"
    sent = [{"Name": "validation:error", "Regex": "error=([0-9.]+)"}]
    algorithm["MetricDefinitions"] = sent
    sm.create_hyper_parameter_tuning_job(**request)
    tuning = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=NAME)
    assert tuning["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"] == sent
