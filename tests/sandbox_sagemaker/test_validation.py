"""Requests are validated as SageMaker does: model constraints in AWS wording, then create-time rules.

The parity test drives the simulator with a corpus of valid and invalid requests (hypothesis) and
requires its verdict to agree with `reconciler.awsmodel.check_input` for every one.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.awsmodel import Violation, check_input, validation_error_message
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.sandbox_sagemaker.conftest import client_at

UNCHECKED = Config(retries={"total_max_attempts": 1}, parameter_validation=False)


def _error(sm: Any, request: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        sm.create_hyper_parameter_tuning_job(**request)
    error: dict[str, str] = caught.value.response["Error"]
    return error


def test_model_violations_are_worded_as_aws_words_them(sm_unchecked: Any, sample_request: Any) -> None:
    request = sample_request("n" * 33)
    value = "Value '" + "n" * 33 + "' at 'hyperParameterTuningJobName' failed to satisfy constraint: "
    assert _error(sm_unchecked, request) == {
        "Code": "ValidationException",
        "Message": f"2 validation errors detected: {value}Member must have length less than or equal to 32; "
        f"{value}Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,31}}",
    }


def test_several_violations_are_reported_together(sm_unchecked: Any, sample_request: Any) -> None:
    request = sample_request(ResourceLimits={"MaxNumberOfTrainingJobs": 0, "MaxParallelTrainingJobs": 0})
    message = _error(sm_unchecked, request)["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "'hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs'" in message
    assert "'hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs'" in message


def test_role_arn_format_is_checked(sm_unchecked: Any, sample_request: Any) -> None:
    request = sample_request()
    request["TrainingJobDefinition"]["RoleArn"] = "my-role"
    message = _error(sm_unchecked, request)["Message"]
    assert (
        "at 'trainingJobDefinition.roleArn' failed to satisfy constraint: Member must satisfy regular"
        in message
    )


def _ranges(**kinds: Any) -> dict[str, Any]:
    return {
        **{"IntegerParameterRanges": [], "ContinuousParameterRanges": [], "CategoricalParameterRanges": []},
        **kinds,
    }


SEMANTIC_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "parallel above max": (
        {"ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 5}},
        "MaxParallelTrainingJobs (5) cannot be greater than MaxNumberOfTrainingJobs (2).",
    ),
    "fewer combinations than jobs": (
        {"ResourceLimits": {"MaxNumberOfTrainingJobs": 12, "MaxParallelTrainingJobs": 2}},
        "You don't have enough combinations of hyperparameter ranges. The total number of hyperparameter "
        "combinations for the provided ranges [11.0] must be equal or greater than the value of "
        "MaxNumberOfJobs, [12]. Provide additional ranges.",
    ),
    "grid with an integer range": (
        {"Strategy": "Grid"},
        "The Grid strategy supports only CategoricalParameterRanges",
    ),
    "hyperband with auto early stopping": (
        {"Strategy": "Hyperband", "TrainingJobEarlyStoppingType": "Auto"},
        "TrainingJobEarlyStoppingType must be Off when Strategy is Hyperband",
    ),
    "strategy config without hyperband": (
        {"StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 10}}},
        "StrategyConfig can be specified only when Strategy is Hyperband.",
    ),
    "min above max": (
        {
            "ParameterRanges": _ranges(
                IntegerParameterRanges=[{"Name": "num_round", "MinValue": "20", "MaxValue": "10"}]
            )
        },
        "MinValue (20) of parameter range num_round cannot be greater than MaxValue (10).",
    ),
    "logarithmic from zero": (
        {
            "ParameterRanges": _ranges(
                ContinuousParameterRanges=[
                    {"Name": "eta", "MinValue": "0", "MaxValue": "1", "ScalingType": "Logarithmic"}
                ]
            )
        },
        "uses Logarithmic scaling, which needs MinValue greater than 0",
    ),
    "not a number": (
        {
            "ParameterRanges": _ranges(
                ContinuousParameterRanges=[{"Name": "eta", "MinValue": "x", "MaxValue": "1"}]
            )
        },
        "MinValue and MaxValue of parameter range eta must each be a number.",
    ),
    "tuned and static": (
        {
            "ParameterRanges": _ranges(
                IntegerParameterRanges=[{"Name": "max_bin", "MinValue": "10", "MaxValue": "20"}]
            )
        },
        "The hyperparameter max_bin is both tuned and static",
    ),
}


DEFINITION_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "spot without a wait time": (
        {"EnableManagedSpotTraining": True},
        "Managed spot training needs StoppingCondition.MaxWaitTimeInSeconds.",
    ),
    "wait time without spot": (
        {"StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}},
        "MaxWaitTimeInSeconds is supported only when EnableManagedSpotTraining is true.",
    ),
    "wait shorter than runtime": (
        {
            "EnableManagedSpotTraining": True,
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 60},
        },
        "MaxWaitTimeInSeconds (60) must be at least MaxRuntimeInSeconds (3600).",
    ),
    "runtime beyond 28 days": (
        {"StoppingCondition": {"MaxRuntimeInSeconds": 30 * 86400}},
        "MaxRuntimeInSeconds (2592000) exceeds the limit of 2419200 seconds.",
    ),
    "two resource configs": (
        {"HyperParameterTuningResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 5}},
        "Specify exactly one of ResourceConfig or HyperParameterTuningResourceConfig.",
    ),
}


@pytest.mark.parametrize("case", DEFINITION_CASES, ids=list(DEFINITION_CASES))
def test_training_job_definition_rules(sm: Any, sample_request: Any, case: str) -> None:
    changes, expected = DEFINITION_CASES[case]
    request = sample_request()
    request["TrainingJobDefinition"].update(changes)
    assert _error(sm, request) == {"Code": "ValidationException", "Message": expected}


def test_duplicate_channels_and_warm_start_shapes(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    channels = request["TrainingJobDefinition"]["InputDataConfig"]
    channels[1]["ChannelName"] = channels[0]["ChannelName"]
    assert "Channel names must be unique within InputDataConfig: train." in _error(sm, request)["Message"]
    request = sample_request()
    request["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "xgboost-mnist-hpo"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    assert _error(sm, request)["Message"] == "A hyperparameter tuning job cannot warm start from itself."


@pytest.mark.parametrize("case", SEMANTIC_CASES, ids=list(SEMANTIC_CASES))
def test_create_time_rules_are_validation_exceptions(sm: Any, sample_request: Any, case: str) -> None:
    config, expected = SEMANTIC_CASES[case]
    error = _error(sm, sample_request(**config))
    assert error["Code"] == "ValidationException"
    assert expected in error["Message"]


def test_reserved_tag_prefix_and_missing_objective(sm: Any, sample_request: Any) -> None:
    request = sample_request()
    request["Tags"] = [{"Key": "aws:owner", "Value": "me"}]
    assert "reserved" in _error(sm, request)["Message"]
    request = sample_request()
    del request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    assert "HyperParameterTuningJobObjective is required" in _error(sm, request)["Message"]


def test_other_operations_are_validated_too(sm_unchecked: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm_unchecked.describe_training_job(TrainingJobName="bad name!")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert (
        "at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern"
        in (caught.value.response["Error"]["Message"])
    )
    with pytest.raises(ClientError) as caught:
        sm_unchecked.list_training_jobs(SortBy="Colour")
    assert (
        "Member must satisfy enum value set: [Name, CreationTime, Status]"
        in caught.value.response["Error"]["Message"]
    )


# --- parity with awsmodel.check_input ------------------------------------------------------------

MUTABLE_PATHS: list[tuple[tuple[str, ...], str]] = [
    (("HyperParameterTuningJobName",), "str"),
    (("HyperParameterTuningJobConfig", "Strategy"), "str"),
    (("HyperParameterTuningJobConfig", "ResourceLimits", "MaxNumberOfTrainingJobs"), "int"),
    (("HyperParameterTuningJobConfig", "ResourceLimits", "MaxParallelTrainingJobs"), "int"),
    (("HyperParameterTuningJobConfig", "HyperParameterTuningJobObjective", "Type"), "str"),
    (("HyperParameterTuningJobConfig", "HyperParameterTuningJobObjective", "MetricName"), "str"),
    (("HyperParameterTuningJobConfig", "TrainingJobEarlyStoppingType"), "str"),
    (("TrainingJobDefinition", "RoleArn"), "str"),
    (("TrainingJobDefinition", "AlgorithmSpecification", "TrainingInputMode"), "str"),
    (("TrainingJobDefinition", "AlgorithmSpecification", "TrainingImage"), "str"),
    (("TrainingJobDefinition", "ResourceConfig", "InstanceCount"), "int"),
    (("TrainingJobDefinition", "ResourceConfig", "VolumeSizeInGB"), "int"),
    (("TrainingJobDefinition", "ResourceConfig", "InstanceType"), "str"),
    (("TrainingJobDefinition", "StoppingCondition", "MaxRuntimeInSeconds"), "int"),
    (("TrainingJobDefinition", "OutputDataConfig", "S3OutputPath"), "str"),
]
TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "Bayesian",
            "Grid",
            "Minimize",
            "File",
            "Pipe",
            "ml.m5.large",
            "validation:error",
            "arn:aws:iam::123456789012:role/x",
            "s3://b/k",
            "Off",
            "Auto",
        ]
    ),
    st.text(alphabet="abcXYZ019-_:/. ", max_size=300),
)
NUMBER = st.integers(min_value=-3, max_value=200_000)
MUTATION = st.tuples(st.sampled_from(range(len(MUTABLE_PATHS))), st.booleans(), TEXT, NUMBER)


@pytest.fixture(scope="module")
def parity_client(request: pytest.FixtureRequest) -> Iterator[Any]:
    with SageMakerSandbox(time_scale=0.0, max_running_tuning_jobs=10**9) as sb:
        yield client_at(sb.url, config=UNCHECKED)


_names = (f"parity-{i}" for i in itertools.count())


def _answer(call: Callable[[], Any], violations: list[Violation]) -> dict[str, Any] | None:
    """SageMaker's error for `call` (None when it succeeded); with model violations it must be the
    model's ValidationException, word for word."""
    try:
        call()
        error = None
    except ClientError as exc:
        error = exc.response["Error"]
    if violations:
        assert error == {"Code": "ValidationException", "Message": validation_error_message(violations)}
    return error


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_verdicts_agree_with_the_model_check(
    parity_client: Any, sample_request: Any, mutations: list[tuple[int, bool, str, int]]
) -> None:
    request = copy.deepcopy(sample_request(next(_names)))
    for index, delete, text, number in mutations:
        path, kind = MUTABLE_PATHS[index]
        parent = request
        for key in path[:-1]:
            parent = parent[key]
        if delete:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = text if kind == "str" else number
    violations = check_input("CreateHyperParameterTuningJob", request)
    error = _answer(lambda: parity_client.create_hyper_parameter_tuning_job(**request), violations)
    if not violations:
        # Valid against the model: accepted, or refused by a create-time rule -- never with model wording.
        assert error is None or (
            error["Code"] in ("ValidationException", "ResourceInUse")
            and "failed to satisfy constraint" not in error["Message"]
        )


LIST_PARAMS = st.fixed_dictionaries(
    {"HyperParameterTuningJobName": st.sampled_from(["parity-0", "", "bad name", "x" * 33])},
    optional={
        "MaxResults": st.integers(min_value=-2, max_value=150),
        "SortBy": st.sampled_from(["Name", "CreationTime", "Status", "FinalObjectiveMetricValue", "Colour"]),
        "SortOrder": st.sampled_from(["Ascending", "Descending", "Sideways"]),
        "StatusEquals": st.sampled_from(["Completed", "InProgress", "Stopped", "Failed", "Stopping", "Done"]),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=LIST_PARAMS)
def test_list_children_verdicts_agree_with_the_model_check(
    parity_client: Any, params: dict[str, Any]
) -> None:
    violations = check_input("ListTrainingJobsForHyperParameterTuningJob", params)
    error = _answer(
        lambda: parity_client.list_training_jobs_for_hyper_parameter_tuning_job(**params), violations
    )
    if not violations:
        # Valid input: answered, or the job does not exist (the name may never have been created).
        assert error is None or error["Code"] == "ResourceNotFound"
