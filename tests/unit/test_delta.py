"""delta.py: normalized comparison of the desired request with DescribeHyperParameterTuningJob."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.core.delta import Delta, job_delta
from tests.unit.conftest import with_paths

DEFAULTS = {
    "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType": "Off",
    "S3DataSource.S3DataDistributionType": "FullyReplicated",
    "HyperParameterTrainingJobDefinition.EnableNetworkIsolation": False,
}

REQUEST: dict[str, Any] = {
    "HyperParameterTuningJobName": "xgboosth",
    "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian",
        "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:error"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 10},
        "ParameterRanges": {
            "IntegerParameterRanges": [
                {"Name": "num_round", "MinValue": "10", "MaxValue": "20", "ScalingType": "Linear"}
            ]
        },
    },
    "TrainingJobDefinition": {
        "StaticHyperParameters": {"objective": "reg:linear", "eta": "0.2"},
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train/"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
    },
    "Tags": [{"Key": "team", "Value": "a"}],
}


def described(**changes: Any) -> dict[str, Any]:
    """What SageMaker describes for REQUEST: defaults filled in, `_` hyperparameters added, no tags."""
    out = copy.deepcopy({k: v for k, v in REQUEST.items() if k != "Tags"})
    out["HyperParameterTuningJobStatus"] = "InProgress"
    out["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Off"
    definition = out["TrainingJobDefinition"]
    definition["EnableNetworkIsolation"] = False
    definition["StaticHyperParameters"]["_tuning_objective_metric"] = "validation:error"
    definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] = (
        "FullyReplicated"
    )
    return with_paths(out, changes)


def test_identical_after_normalization() -> None:
    assert not job_delta(REQUEST, described(), defaults=DEFAULTS)


def test_tags_and_job_name_are_ignored() -> None:
    request = copy.deepcopy(REQUEST)
    request["Tags"].append({"Key": "new", "Value": "tag"})
    assert not job_delta(request, described(HyperParameterTuningJobName="other"), defaults=DEFAULTS)


def test_changed_limit_reports_camel_case_path() -> None:
    observed = described()
    observed["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] = 20
    delta = job_delta(REQUEST, observed, defaults=DEFAULTS)
    assert delta.paths == ("hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs",)
    assert delta.different_at("hyperParameterTuningJobConfig.resourceLimits")
    assert not delta.different_at("trainingJobDefinition")


def test_static_hyperparameter_change_is_seen_but_sagemakers_own_is_not() -> None:
    observed = described()
    observed["TrainingJobDefinition"]["StaticHyperParameters"]["eta"] = "0.3"
    observed["TrainingJobDefinition"]["StaticHyperParameters"]["_tuning_objective_metric"] = "other"
    delta = job_delta(REQUEST, observed, defaults=DEFAULTS)
    assert delta.paths == ("trainingJobDefinition.staticHyperParameters[eta]",)


def test_a_user_set_underscore_hyperparameter_edit_is_seen() -> None:
    # linear-learner's `_kvstore` is the user's: editing it after creation must not go unnoticed.
    request = copy.deepcopy(REQUEST)
    request["TrainingJobDefinition"]["StaticHyperParameters"]["_kvstore"] = "dist_sync"
    observed = described()
    observed["TrainingJobDefinition"]["StaticHyperParameters"]["_kvstore"] = "auto"
    delta = job_delta(request, observed, defaults=DEFAULTS)
    assert delta.paths == ("trainingJobDefinition.staticHyperParameters[_kvstore]",)
    assert job_delta(request, described(), defaults=DEFAULTS).paths == (
        "trainingJobDefinition.staticHyperParameters[_kvstore]",
    )


def test_explicit_default_equals_absent() -> None:
    request = copy.deepcopy(REQUEST)
    request["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Off"
    observed = described()
    del observed["TrainingJobDefinition"]["EnableNetworkIsolation"]
    assert not job_delta(request, observed, defaults=DEFAULTS)


def test_non_default_value_differs_from_absent() -> None:
    request = copy.deepcopy(REQUEST)
    request["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Auto"
    delta = job_delta(request, described(), defaults=DEFAULTS)
    assert delta.paths == ("hyperParameterTuningJobConfig.trainingJobEarlyStoppingType",)


def test_list_item_change_path_has_index_and_numbers_compare_by_value() -> None:
    observed = described()
    observed["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = (
        "s3://b/x/"
    )
    observed["TrainingJobDefinition"]["ResourceConfig"]["VolumeSizeInGB"] = 5.0
    delta = job_delta(REQUEST, observed, defaults=DEFAULTS)
    assert delta.paths == ("trainingJobDefinition.inputDataConfig[0].dataSource.s3DataSource.s3Uri",)


def test_removed_member_is_a_difference() -> None:
    request = copy.deepcopy(REQUEST)
    del request["TrainingJobDefinition"]["StoppingCondition"]
    # Reported by the member it set, not by the object that disappeared.
    assert job_delta(request, described(), defaults=DEFAULTS).paths == (
        "trainingJobDefinition.stoppingCondition.maxRuntimeInSeconds",
    )


def test_object_holding_only_a_default_reports_the_changed_member() -> None:
    defaults = {**DEFAULTS, "StoppingCondition.MaxRuntimeInSeconds": 86400}
    observed = described()
    observed["TrainingJobDefinition"]["StoppingCondition"]["MaxRuntimeInSeconds"] = 3600
    assert job_delta(REQUEST, observed, defaults=defaults).paths == (
        "trainingJobDefinition.stoppingCondition.maxRuntimeInSeconds",
    )


def test_empty_delta_is_falsy() -> None:
    assert not Delta() and Delta(paths=("a",))


SERVER_METRICS = [{"Name": "validation:error", "Regex": r".*#011validation-error:(\S+).*"}]


def test_metric_definitions_sagemaker_fills_in_for_an_omitted_member_are_no_drift() -> None:
    # SageMaker reports a built-in algorithm's metric definitions when the request sent none.
    observed = described(TrainingJobDefinition__AlgorithmSpecification__MetricDefinitions=SERVER_METRICS)
    assert not job_delta(REQUEST, observed, defaults=DEFAULTS)


def test_metric_definitions_the_spec_sets_are_still_compared() -> None:
    request = copy.deepcopy(REQUEST)
    request["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"] = [
        {"Name": "validation:error", "Regex": "mine:(\\S+)"}
    ]
    observed = described(TrainingJobDefinition__AlgorithmSpecification__MetricDefinitions=SERVER_METRICS)
    delta = job_delta(request, observed, defaults=DEFAULTS)
    assert delta.paths == ("trainingJobDefinition.algorithmSpecification.metricDefinitions[0].regex",)


def test_server_filled_metric_definitions_of_the_nth_definition_are_no_drift() -> None:
    definition = copy.deepcopy(REQUEST["TrainingJobDefinition"])
    definition["DefinitionName"] = "a"
    many = {k: v for k, v in REQUEST.items() if k != "TrainingJobDefinition"}
    many["TrainingJobDefinitions"] = [definition, {**copy.deepcopy(definition), "DefinitionName": "b"}]
    observed = copy.deepcopy(many)
    observed["TrainingJobDefinitions"][1]["AlgorithmSpecification"]["MetricDefinitions"] = SERVER_METRICS
    assert not job_delta(many, observed, defaults=DEFAULTS)
    observed["TrainingJobDefinitions"][1]["RoleArn"] = "arn:aws:iam::123456789012:role/other"
    assert job_delta(many, observed, defaults=DEFAULTS).paths == ("trainingJobDefinitions[1].roleArn",)
