"""desired.py: the request a resource asks for, or one actionable line per problem (never an exception)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.core.model import HyperparameterTuningJob
from reconciler.spec.desired import desired_request
from tests.unit.conftest import with_paths

SAMPLE = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml").read_text()
)
UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"


def resource(spec: Any) -> HyperparameterTuningJob:
    obj: dict[str, Any] = {"metadata": {"name": "xgboost-hpo", "namespace": "team", "uid": UID}}
    if spec is not None:
        obj["spec"] = spec
    return HyperparameterTuningJob.parse(obj)


def sample_spec() -> dict[str, Any]:
    return copy.deepcopy(SAMPLE["spec"])


def test_sample_yields_request_with_reconciler_tags() -> None:
    spec = sample_spec()
    spec["tags"] = [{"key": "team", "value": "a"}]
    desired = desired_request(resource(spec), job_name="xgboosth")
    assert desired.problems == ()
    assert desired.request is not None
    assert desired.request["HyperParameterTuningJobName"] == "xgboosth"
    assert desired.request["Tags"] == [
        {"Key": "team", "Value": "a"},
        {"Key": "hpo-reconciler/namespace", "Value": "team"},
        {"Key": "hpo-reconciler/name", "Value": "xgboost-hpo"},
        {"Key": "hpo-reconciler/uid", "Value": UID},
    ]
    assert "Region" not in desired.request


def with_changes(**changes: Any) -> dict[str, Any]:
    return with_paths(sample_spec(), changes)


# (spec, a fragment every message list must contain)
INVALID = [
    (None, "spec is missing"),
    ("just text", "must be a mapping"),
    (with_changes(hyperParameterTuningJobConfig="fast"), "spec.hyperParameterTuningJobConfig"),
    (with_changes(notAField=1), 'unknown field "spec.notAField"'),
    (with_changes(hyperParameterTuningJobName="x" * 1_000_000), "spec.hyperParameterTuningJobName"),
    (
        with_changes(hyperParameterTuningJobConfig__resourceLimits__maxParallelTrainingJobs=50),
        "maxParallelTrainingJobs",
    ),
    (with_changes(hyperParameterTuningJobConfig__strategy="Sideways"), "strategy"),
]


@pytest.mark.parametrize(("spec", "fragment"), INVALID)
def test_invalid_specs_are_problems_not_exceptions(spec: Any, fragment: str) -> None:
    desired = desired_request(resource(spec), job_name="xgboosth")
    assert desired.request is None
    assert any(fragment in problem for problem in desired.problems), desired.problems
    assert all(len(problem) <= 300 and "\n" not in problem for problem in desired.problems)


def test_a_forged_reconciler_tag_is_refused() -> None:
    spec = sample_spec()
    spec["tags"] = [{"key": "hpo-reconciler/uid", "value": "someone-else"}]
    desired = desired_request(resource(spec), job_name="xgboosth")
    assert desired.request is None and any("hpo-reconciler/" in p for p in desired.problems)


def test_invalid_job_name_is_a_problem() -> None:
    desired = desired_request(resource(sample_spec()), job_name="-bad-")
    assert desired.request is None and "hyperParameterTuningJobName" in desired.problems[0]


def test_every_parameter_ranges_structure_carries_all_three_lists() -> None:
    # Clients read all three from DescribeHyperParameterTuningJob (the SageMaker Python SDK's attach).
    desired = desired_request(resource(sample_spec()), job_name="xgboosth")
    assert desired.request is not None
    ranges = desired.request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["ContinuousParameterRanges"] == [] and ranges["CategoricalParameterRanges"] == []
    assert [r["Name"] for r in ranges["IntegerParameterRanges"]] == ["num_round"]


def test_a_grid_without_a_job_limit_sends_the_number_of_combinations() -> None:
    spec = sample_spec()
    config = spec["hyperParameterTuningJobConfig"]
    config["strategy"] = "Grid"
    config["resourceLimits"] = {"maxParallelTrainingJobs": 2}
    config["parameterRanges"] = {
        "categoricalParameterRanges": [
            {"name": "max_depth", "values": ["3", "5", "7"]},
            {"name": "min_child_weight", "values": ["1", "2"]},
        ]
    }
    desired = desired_request(resource(spec), job_name="xgboosth")
    assert desired.problems == ()
    assert desired.request is not None
    assert desired.request["HyperParameterTuningJobConfig"]["ResourceLimits"] == {
        "MaxParallelTrainingJobs": 2,
        "MaxNumberOfTrainingJobs": 6,
    }
