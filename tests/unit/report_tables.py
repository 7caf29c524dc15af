"""Tables of SageMaker responses (as boto3 returns them) for the report's unit and browser tests.

`rich()` is a multi-definition tuning job with every kind of range (continuous log-scaled, integer,
categorical), early stopping, failed and early-stopped training jobs and a warm-start parent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def summary(
    name: str,
    *,
    tuning_job: str = "hpo-a",
    status: str = "Completed",
    created: float = 0,
    ended: float | None = 10,
    objective: float | None = 0.5,
    tuned: dict[str, str] | None = None,
    definition: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """One HyperParameterTrainingJobSummary."""
    out: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-2:123456789012:training-job/{name}",
        "TuningJobName": tuning_job,
        "CreationTime": at(created),
        "TrainingStartTime": at(created + 1),
        "TrainingJobStatus": status,
        "TunedHyperParameters": tuned or {},
        "ObjectiveStatus": "Succeeded" if objective is not None else "Failed",
    }
    if ended is not None:
        out["TrainingEndTime"] = at(ended)
    if definition:
        out["TrainingJobDefinitionName"] = definition
    if objective is not None:
        out["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": "Minimize",
            "MetricName": "validation:error",
            "Value": objective,
        }
    if reason:
        out["FailureReason"] = reason
    return out


def describe(
    name: str = "hpo-a",
    *,
    status: str = "Completed",
    strategy: str = "Bayesian",
    objective_type: str = "Minimize",
    ranges: dict[str, Any] | None = None,
    definitions: list[dict[str, Any]] | None = None,
    early_stopping: str = "Off",
    best: str | None = None,
    parents: list[str] | None = None,
) -> dict[str, Any]:
    """One DescribeHyperParameterTuningJob response."""
    config: dict[str, Any] = {
        "Strategy": strategy,
        "HyperParameterTuningJobObjective": {"Type": objective_type, "MetricName": "validation:error"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 2},
        "TrainingJobEarlyStoppingType": early_stopping,
    }
    if ranges is not None:
        config["ParameterRanges"] = ranges
    out: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": f"arn:aws:sagemaker:us-east-2:1234:hyper-parameter-tuning-job/{name}",
        "HyperParameterTuningJobConfig": config,
        "HyperParameterTuningJobStatus": status,
        "CreationTime": at(0),
        "HyperParameterTuningEndTime": at(60),
        "TrainingJobStatusCounters": {
            "Completed": 3,
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": 1,
            "Stopped": 1,
        },
    }
    if definitions is not None:
        out["TrainingJobDefinitions"] = definitions
    else:
        out["TrainingJobDefinition"] = {"StaticHyperParameters": {"objective": "reg:linear"}}
    if best:
        out["BestTrainingJob"] = summary(best, tuning_job=name)
    if parents:
        out["WarmStartConfig"] = {
            "WarmStartType": "IdenticalDataAndAlgorithm",
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in parents],
        }
    return out


ETA = {"Name": "eta", "MinValue": "0.001", "MaxValue": "1", "ScalingType": "Logarithmic"}
ROUNDS = {"Name": "num_round", "MinValue": "10", "MaxValue": "50", "ScalingType": "Linear"}
BOOSTER = {"Name": "booster", "Values": ["gbtree", "dart"]}
OOM, NO_KEY = "AlgorithmError: out of memory", "ClientError: no such S3 key"


def rich() -> tuple[dict[str, Any], list[dict[str, Any]], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """(describe, training jobs, [(parent describe, parent training jobs)]) -- see module doc."""
    definitions = [
        {
            "DefinitionName": "xgb-tree",
            "HyperParameterRanges": {"ContinuousParameterRanges": [ETA], "IntegerParameterRanges": [ROUNDS]},
        },
        {
            "DefinitionName": "xgb-linear",
            "HyperParameterRanges": {
                "ContinuousParameterRanges": [{**ETA, "MinValue": "0.0001", "MaxValue": "0.5"}],
                "CategoricalParameterRanges": [BOOSTER],
            },
        },
    ]
    job = describe(
        definitions=definitions,
        early_stopping="Auto",
        best="hpo-a-003",
        parents=["hpo-parent"],
        strategy="Random",
    )
    # (name, status, created, ended, objective, definition, tuned hyperparameters, failure reason)
    rows = [
        ("hpo-a-001", "Completed", 0, 10, 0.3, "xgb-tree", {"eta": "0.01", "num_round": "20"}, None),
        ("hpo-a-002", "Completed", 2, 14, 0.2, "xgb-linear", {"eta": "0.1", "booster": "dart"}, None),
        ("hpo-a-003", "Completed", 11, 25, 0.1, "xgb-tree", {"eta": "0.3", "num_round": "40"}, None),
        ("hpo-a-004", "Failed", 15, 16, None, "xgb-linear", {"eta": "0.002", "booster": "gbtree"}, OOM),
        ("hpo-a-005", "Stopped", 26, 30, 0.45, "xgb-tree", {"eta": "0.005", "num_round": "12"}, None),
        ("hpo-a-006", "Failed", 31, 32, None, "xgb-tree", {"eta": "0.9", "num_round": "45"}, OOM),
        ("hpo-a-007", "Failed", 33, 34, None, "xgb-linear", {"eta": "0.05", "booster": "dart"}, NO_KEY),
    ]
    jobs = [
        summary(n, status=s, created=c, ended=e, objective=o, definition=d, tuned=t, reason=r)
        for n, s, c, e, o, d, t, r in rows
    ]
    parent = describe("hpo-parent", ranges={"ContinuousParameterRanges": [ETA]}, best="hpo-parent-002")
    parent_jobs = [
        summary(n, tuning_job="hpo-parent", created=c, ended=e, objective=o, tuned={"eta": eta})
        for n, c, e, o, eta in (
            ("hpo-parent-001", -120, -100, 0.35, "0.02"),
            ("hpo-parent-002", -110, -90, 0.15, "0.2"),
        )
    ]
    return job, jobs, [(parent, parent_jobs)]
