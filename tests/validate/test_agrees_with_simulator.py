"""`validate` rejects every spec the SageMaker simulator rejects at create time.

The simulator's create-time rules (`reconciler.sandbox.sagemaker.semantic` and
`semantic_definition`) are walked, not listed by hand: every message they can produce is read
from their source and turned into a pattern, and each must be produced by one of the requests
below. For each request, the simulator refuses it over the wire (boto3, ValidationException)
and `hpo-reconciler validate` reports the same resource invalid. A rule added to the simulator
without a case here fails `test_every_simulator_rule_is_walked`.
"""

from __future__ import annotations

import ast
import copy
import inspect
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler import awsmodel
from reconciler.sandbox.sagemaker import SageMakerSandbox, semantic, semantic_definition
from reconciler.tools.validate import Outcome, run

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"
SIMULATOR_RULE_MODULES: tuple[ModuleType, ...] = (semantic, semantic_definition)


def _walked_modules() -> list[ModuleType]:
    """The simulator's rule modules and the shared ones they take rules from (reconciler.awsmodel,
    reconciler.spec): a rule the simulator imports is one of its rules too."""
    found = list(SIMULATOR_RULE_MODULES)
    for module in SIMULATOR_RULE_MODULES:
        for value in vars(module).values():
            owner = inspect.getmodule(value) if callable(value) else None
            if owner is None or owner in found:
                continue
            if owner.__name__.startswith(("reconciler.awsmodel", "reconciler.spec")):
                found.append(owner)
    return found


Request = dict[str, Any]


def _pattern(node: ast.expr) -> re.Pattern[str] | None:
    """A message expression of the simulator's source as a regex (formatted parts match anything)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.compile(re.escape(node.value))
    if isinstance(node, ast.JoinedStr):
        parts = [
            re.escape(str(v.value)) if isinstance(v, ast.Constant) else ".*?"
            for v in node.values
            if isinstance(v, ast.Constant | ast.FormattedValue)
        ]
        return re.compile("".join(parts), re.DOTALL)
    return None


def _messages(module: ModuleType) -> Iterator[tuple[str, re.Pattern[str]]]:
    """(where, pattern) of every problem message the module appends or returns."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            candidates = list(node.args[:1])
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.List):
            candidates = list(node.value.elts)
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.JoinedStr):
            candidates = [node.value]  # a shared rule returning its one message
        for candidate in candidates:
            pattern = _pattern(candidate)
            if pattern is not None:
                yield f"{module.__name__}:{candidate.lineno}", pattern


SIMULATOR_MESSAGES = [m for module in _walked_modules() for m in _messages(module)]


def _base() -> Request:
    spec = yaml.safe_load(SAMPLE.read_text())["spec"]
    request: Request = awsmodel.spec_to_request(spec, job_name="agree-check")
    return request


def _config(r: Request) -> dict[str, Any]:
    value: dict[str, Any] = r["HyperParameterTuningJobConfig"]
    return value


def _definition(r: Request) -> dict[str, Any]:
    value: dict[str, Any] = r["TrainingJobDefinition"]
    return value


def _ranges(r: Request) -> dict[str, Any]:
    value: dict[str, Any] = _config(r)["ParameterRanges"]
    return value


def _grid(r: Request) -> None:
    _config(r)["Strategy"] = "Grid"
    _config(r)["ParameterRanges"] = {
        "CategoricalParameterRanges": [{"Name": "max_depth", "Values": ["3", "5"]}]
    }
    _config(r)["ResourceLimits"] = {"MaxParallelTrainingJobs": 2}
    _definition(r)["StaticHyperParameters"].pop("max_depth", None)


def _hyperband(r: Request) -> None:
    _config(r)["Strategy"] = "Hyperband"
    _config(r)["TrainingJobEarlyStoppingType"] = "Off"


def _spot(r: Request, **stopping: int) -> None:
    _definition(r)["EnableManagedSpotTraining"] = True
    _definition(r)["StoppingCondition"] = stopping


def _many(r: Request) -> None:
    single = r.pop("TrainingJobDefinition")
    r["TrainingJobDefinitions"] = [{**single, "DefinitionName": "a"}]


def _int_range(**fields: str) -> Callable[[Request], None]:
    return lambda r: _ranges(r)["IntegerParameterRanges"][0].update(fields)


def _continuous(low: str, high: str, scaling: str) -> Callable[[Request], None]:
    return lambda r: _ranges(r).update(
        ContinuousParameterRanges=[{"Name": "eta", "MinValue": low, "MaxValue": high, "ScalingType": scaling}]
    )


def _warm(*parents: str) -> Callable[[Request], None]:
    return lambda r: r.update(
        WarmStartConfig={
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in parents],
            "WarmStartType": "IdenticalDataAndAlgorithm",
        }
    )


def _both(*edits: Callable[[Request], None]) -> Callable[[Request], None]:
    def apply(r: Request) -> None:
        for edit in edits:
            edit(r)

    return apply


CASES: dict[str, Callable[[Request], None]] = {
    "both definition forms": lambda r: r.update(
        TrainingJobDefinitions=[dict(_definition(r), DefinitionName="a")]
    ),
    "no objective": _both(_many, lambda r: _config(r).pop("HyperParameterTuningJobObjective")),
    "no max jobs": lambda r: _config(r)["ResourceLimits"].pop("MaxNumberOfTrainingJobs"),
    "parallel above max": lambda r: _config(r)["ResourceLimits"].update(MaxParallelTrainingJobs=11),
    "strategy config without hyperband": lambda r: _config(r).update(
        StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 10}}
    ),
    "hyperband early stopping": _both(
        _hyperband, lambda r: _config(r).update(TrainingJobEarlyStoppingType="Auto")
    ),
    "hyperband min above max": _both(
        _hyperband,
        lambda r: _config(r).update(
            StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 9, "MaxResource": 3}}
        ),
    ),
    "hyperband max resource over 20000": _both(
        _hyperband,
        lambda r: _config(r).update(
            StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 20001}}
        ),
    ),
    "hyperband max resource inferred from a non-number": _both(
        _hyperband, lambda r: _definition(r)["StaticHyperParameters"].update(epochs="many")
    ),
    "hyperband max resource inferred over 20000": _both(
        _hyperband, lambda r: _definition(r)["StaticHyperParameters"].update(epochs="20001")
    ),
    "grid numeric range": _both(
        _grid,
        lambda r: _ranges(r).update(
            IntegerParameterRanges=[{"Name": "num_round", "MinValue": "1", "MaxValue": "2"}]
        ),
    ),
    "grid without categorical": _both(_grid, lambda r: _config(r).update(ParameterRanges={})),
    "grid max jobs other than the combinations": _both(
        _grid, lambda r: _config(r)["ResourceLimits"].update(MaxNumberOfTrainingJobs=5)
    ),
    "range named twice": lambda r: _ranges(r).update(
        CategoricalParameterRanges=[{"Name": "num_round", "Values": ["1", "2"]}]
    ),
    "tuned and static": lambda r: _definition(r)["StaticHyperParameters"].update(num_round="5"),
    "categorical values repeated": lambda r: _ranges(r).update(
        CategoricalParameterRanges=[{"Name": "choice", "Values": ["a", "b", "a"]}]
    ),
    "more than 30 ranges": lambda r: _ranges(r).update(
        CategoricalParameterRanges=[{"Name": f"h{i}", "Values": ["a", "b"]} for i in range(31)]
    ),
    "not enough combinations": _int_range(MinValue="15"),
    "bound not a number": _int_range(MinValue="ten"),
    "min above max": _int_range(MinValue="30"),
    "logarithmic from zero": _continuous("0", "1", "Logarithmic"),
    "reverse logarithmic to one": _continuous("0.5", "1", "ReverseLogarithmic"),
    "image and algorithm name": lambda r: _definition(r)["AlgorithmSpecification"].update(
        AlgorithmName="my-algo"
    ),
    "objective not among metric definitions": lambda r: _definition(r)["AlgorithmSpecification"].update(
        MetricDefinitions=[{"Name": "train:error", "Regex": "train-error:(\\S+)"}]
    ),
    "aws tag": lambda r: r.update(Tags=[{"Key": "aws:team", "Value": "a"}]),
    "both resource configs": lambda r: _definition(r).update(
        HyperParameterTuningResourceConfig={
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 5,
        }
    ),
    "runtime over 28 days": lambda r: _definition(r)["StoppingCondition"].update(
        MaxRuntimeInSeconds=28 * 86400 + 1
    ),
    "wait without spot": lambda r: _definition(r)["StoppingCondition"].update(MaxWaitTimeInSeconds=7200),
    "spot without wait": lambda r: _spot(r, MaxRuntimeInSeconds=3600),
    "wait below runtime": lambda r: _spot(r, MaxRuntimeInSeconds=3600, MaxWaitTimeInSeconds=60),
    "channel twice": lambda r: _definition(r)["InputDataConfig"].append(
        copy.deepcopy(_definition(r)["InputDataConfig"][0])
    ),
    "six warm start parents": _warm("p1", "p2", "p3", "p4", "p5", "p6"),
    "warm start parent twice": _warm("parent-a", "Parent-A"),
    "warm start from itself": _warm("AGREE-CHECK"),
}


def _request(case: str) -> Request:
    request = _base()
    CASES[case](request)
    return request


@pytest.fixture(scope="module")
def sagemaker() -> Iterator[Any]:
    with SageMakerSandbox(time_scale=0.0) as sandbox:
        env = sandbox.env()
        client = boto3.client(
            "sagemaker",
            endpoint_url=env["AWS_ENDPOINT_URL_SAGEMAKER"],
            region_name=env.get("AWS_DEFAULT_REGION", "us-east-2"),
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
        )
        yield client


def _validate(request: Request) -> tuple[Outcome, str]:
    spec = awsmodel.request_to_spec(request)  # keeps the job name: warm start rules compare with it
    document = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "HyperparameterTuningJob",
        "metadata": {"name": "agree-check", "namespace": "default"},
        "spec": {"region": "us-east-2", **spec},
    }
    out, err = io.StringIO(), io.StringIO()
    outcome = run(["-"], stdout=out, stderr=err, stdin=io.BytesIO(yaml.safe_dump(document).encode()))
    return outcome, out.getvalue()


def test_the_unedited_sample_is_accepted_by_both(sagemaker: Any) -> None:
    request = _base()
    assert semantic.create_tuning_job_problems(request) == []
    assert _validate(request)[0] is Outcome.VALID
    sagemaker.create_hyper_parameter_tuning_job(**request)


def test_every_simulator_rule_is_walked() -> None:
    assert len(SIMULATOR_MESSAGES) >= 25  # the walk found the rules (guards a broken AST reading)
    produced = [m for case in CASES for m in semantic.create_tuning_job_problems(_request(case))]
    unwalked = [
        where for where, pattern in SIMULATOR_MESSAGES if not any(pattern.fullmatch(m) for m in produced)
    ]
    assert unwalked == [], f"simulator rules without a case here: {unwalked}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_rejects_what_the_simulator_rejects(sagemaker: Any, case: str) -> None:
    request = _request(case)
    request["HyperParameterTuningJobName"] = "agree-" + re.sub(r"[^a-z0-9]+", "-", case)[:25].strip("-")
    if case == "warm start from itself":
        request["WarmStartConfig"]["ParentHyperParameterTuningJobs"][0]["HyperParameterTuningJobName"] = (
            request["HyperParameterTuningJobName"].upper()
        )
    if not semantic.create_tuning_job_problems(request):
        # validate may be stricter than this version of the simulator (the walk above proves it is
        # never laxer); such a case is still checked against validate below.
        assert _validate(request)[0] is Outcome.INVALID, f"{case}: breaks neither the simulator nor validate"
        pytest.skip(f"{case}: this version of the simulator accepts the request; validate refuses it")
    with pytest.raises(ClientError) as refused:
        sagemaker.create_hyper_parameter_tuning_job(**request)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    outcome, lines = _validate(request)
    assert outcome is Outcome.INVALID, f"{case}: SageMaker refuses ({refused.value}) but validate passes"
    assert lines.startswith("<stdin>:0: spec"), lines
