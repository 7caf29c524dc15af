"""semantics.check_spec: one table row per SageMaker create-time rule, each broken and each kept."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.spec.semantics import Problem, check_spec

MAIN_SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"

Spec = dict[str, Any]
CONFIG = "spec.hyperParameterTuningJobConfig"
DEF = "spec.trainingJobDefinition"


def config(spec: Spec) -> Spec:
    value: Spec = spec["hyperParameterTuningJobConfig"]
    return value


def definition(spec: Spec) -> Spec:
    value: Spec = spec["trainingJobDefinition"]
    return value


def int_range(spec: Spec) -> Spec:
    value: Spec = config(spec)["parameterRanges"]["integerParameterRanges"][0]
    return value


def set_continuous(spec: Spec, low: str, high: str, scaling: str) -> None:
    config(spec)["parameterRanges"]["continuousParameterRanges"] = [
        {"name": "eta", "minValue": low, "maxValue": high, "scalingType": scaling}
    ]


def make_multi(spec: Spec, *, names: tuple[str | None, ...] = ("a", "b"), objective: bool = True) -> None:
    single = spec.pop("trainingJobDefinition")
    definitions = []
    for name in names:
        item = dict(single)
        if name is not None:
            item["definitionName"] = name
        if objective:
            item["tuningObjective"] = {"type": "Minimize", "metricName": "validation:error"}
        definitions.append(item)
    spec["trainingJobDefinitions"] = definitions
    del config(spec)["hyperParameterTuningJobObjective"]


def hyperband(spec: Spec, **strategy: Any) -> None:
    config(spec)["strategy"] = "Hyperband"
    if strategy:
        config(spec)["strategyConfig"] = {"hyperbandStrategyConfig": strategy}


def spot(spec: Spec, **stopping: int) -> None:
    definition(spec)["enableManagedSpotTraining"] = True
    definition(spec)["stoppingCondition"] = stopping


def grid(spec: Spec) -> None:
    config(spec)["strategy"] = "Grid"
    del config(spec)["resourceLimits"]["maxNumberOfTrainingJobs"]
    config(spec)["parameterRanges"] = {
        "categoricalParameterRanges": [{"name": "booster", "values": ["a", "b"]}]
    }
    definition(spec)["staticHyperParameters"] = []


def custom_image(spec: Spec, metrics: list[str]) -> None:
    algorithm = definition(spec)["algorithmSpecification"]
    algorithm["trainingImage"] = "123456789012.dkr.ecr.us-east-2.amazonaws.com/my-trainer:3"
    algorithm["metricDefinitions"] = [{"name": m, "regex": f"{m}=(\\S+)"} for m in metrics]


def n_ranges(spec: Spec, count: int) -> None:
    config(spec)["parameterRanges"] = {
        "integerParameterRanges": [{"name": f"p{i}", "minValue": "1", "maxValue": "2"} for i in range(count)]
    }


def warm(spec: Spec, parents: list[str], kind: str = "TransferLearning") -> None:
    spec["warmStartConfig"] = {
        "parentHyperParameterTuningJobs": [{"hyperParameterTuningJobName": p} for p in parents],
        "warmStartType": kind,
    }


def tags(spec: Spec, *keys: str) -> None:
    spec["tags"] = [{"key": k, "value": "v"} for k in keys]


Mutation = Callable[[Spec], Any]


@pytest.fixture
def base_spec() -> Spec:
    """The main sample's spec: valid, so each test breaks exactly one rule."""
    spec: Spec = copy.deepcopy(yaml.safe_load(MAIN_SAMPLE.read_text())["spec"])
    return spec


def steps(*mutations: Mutation) -> Mutation:
    """One mutation applying several in order."""

    def apply(spec: Spec) -> None:
        for mutation in mutations:
            mutation(spec)

    return apply


# (rule, mutation that breaks it, path of the problem, words the message must contain)
INVALID: list[tuple[str, Mutation, str, str]] = [
    (
        "maxParallel <= maxNumber",
        lambda s: config(s)["resourceLimits"].update(maxParallelTrainingJobs=11),
        f"{CONFIG}.resourceLimits.maxParallelTrainingJobs",
        "lower maxParallelTrainingJobs to at most 10",
    ),
    (
        "non-grid needs maxNumber",
        lambda s: config(s)["resourceLimits"].pop("maxNumberOfTrainingJobs"),
        f"{CONFIG}.resourceLimits.maxNumberOfTrainingJobs",
        "set maxNumberOfTrainingJobs",
    ),
    (
        "min <= max",
        lambda s: int_range(s).update(minValue="30"),
        f"{CONFIG}.parameterRanges.integerParameterRanges[0].minValue",
        "greater than maxValue",
    ),
    (
        "integer bounds are integers",
        lambda s: int_range(s).update(maxValue="20.5"),
        f"{CONFIG}.parameterRanges.integerParameterRanges[0].maxValue",
        "is not an integer",
    ),
    (
        "continuous bounds are numbers",
        lambda s: set_continuous(s, "zero", "1", "Linear"),
        f"{CONFIG}.parameterRanges.continuousParameterRanges[0].minValue",
        "is not a number",
    ),
    (
        "logarithmic needs min > 0",
        lambda s: set_continuous(s, "0", "1", "Logarithmic"),
        f"{CONFIG}.parameterRanges.continuousParameterRanges[0].scalingType",
        "minValue > 0",
    ),
    (
        "reverse-log within [0, 1)",
        lambda s: set_continuous(s, "0.5", "1.5", "ReverseLogarithmic"),
        f"{CONFIG}.parameterRanges.continuousParameterRanges[0].scalingType",
        "0 <= minValue < maxValue < 1",
    ),
    (
        "reverse-log not for integers",
        lambda s: int_range(s).update(scalingType="ReverseLogarithmic"),
        f"{CONFIG}.parameterRanges.integerParameterRanges[0].scalingType",
        "only for continuous ranges",
    ),
    (
        "scaling type known",
        lambda s: int_range(s).update(scalingType="Exponential"),
        f"{CONFIG}.parameterRanges.integerParameterRanges[0].scalingType",
        "not a scaling type",
    ),
    (
        "grid: categorical only",
        steps(grid, lambda s: set_continuous(s, "0", "1", "Linear")),
        f"{CONFIG}.parameterRanges.continuousParameterRanges",
        "categorical ranges only",
    ),
    (
        # Developer guide, Grid search: if specified, it should equal the number of combinations.
        "grid: maxNumber equals the combinations",
        steps(grid, lambda s: config(s)["resourceLimits"].update(maxNumberOfTrainingJobs=10)),
        f"{CONFIG}.resourceLimits.maxNumberOfTrainingJobs",
        "maxNumberOfTrainingJobs must be 2, not 10: set it to 2 or remove it",
    ),
    (
        "enough combinations for maxNumber",
        lambda s: int_range(s).update(minValue="15"),  # 15..20: 6 combinations for 10 jobs
        f"{CONFIG}.resourceLimits.maxNumberOfTrainingJobs",
        "holds only 6 distinct combination(s) of hyperparameter values, fewer than "
        "maxNumberOfTrainingJobs (10)",
    ),
    (
        "categorical values unique",
        lambda s: config(s)["parameterRanges"].update(
            categoricalParameterRanges=[{"name": "my_choice", "values": ["0.1", "0.2", "0.1"]}]
        ),
        f"{CONFIG}.parameterRanges.categoricalParameterRanges[0].values",
        "'0.1' listed more than once",
    ),
    (
        "objective among the metric definitions given, built-in image too",
        lambda s: definition(s)["algorithmSpecification"].update(
            metricDefinitions=[{"name": "train:error", "regex": "train-error:(\\S+)"}]
        ),
        "spec.trainingJobDefinition.algorithmSpecification.metricDefinitions",
        "not among the metricDefinitions given",
    ),
    (
        "hyperband: early stopping Off",
        steps(
            lambda s: hyperband(s, maxResource=10),
            lambda s: config(s).update(trainingJobEarlyStoppingType="Auto"),
        ),
        f"{CONFIG}.trainingJobEarlyStoppingType",
        'set trainingJobEarlyStoppingType to "Off"',
    ),
    (
        "hyperband: min <= max resource",
        lambda s: hyperband(s, minResource=20, maxResource=10),
        f"{CONFIG}.strategyConfig.hyperbandStrategyConfig.minResource",
        "greater than maxResource",
    ),
    (
        "hyperband: max resource limit",
        lambda s: hyperband(s, maxResource=20001),
        f"{CONFIG}.strategyConfig.hyperbandStrategyConfig.maxResource",
        "at most 20000",
    ),
    (
        "hyperband: max resource known",
        lambda s: hyperband(s),
        f"{CONFIG}.strategyConfig.hyperbandStrategyConfig.maxResource",
        "maximum number of epochs",
    ),
    (
        "strategyConfig only for hyperband",
        lambda s: config(s).update(strategyConfig={"hyperbandStrategyConfig": {"maxResource": 5}}),
        f"{CONFIG}.strategyConfig",
        "only to the Hyperband strategy",
    ),
    (
        "one definition form: not both",
        lambda s: s.update(trainingJobDefinitions=[definition(s)]),
        "spec.trainingJobDefinitions",
        "both",
    ),
    (
        "one definition form: not neither",
        lambda s: s.pop("trainingJobDefinition"),
        DEF,
        "no training job definition",
    ),
    (
        "multi: definition names",
        lambda s: make_multi(s, names=("a", None)),
        "spec.trainingJobDefinitions[1].definitionName",
        "needs a definitionName",
    ),
    (
        "multi: unique definition names",
        lambda s: make_multi(s, names=("a", "a")),
        "spec.trainingJobDefinitions[1].definitionName",
        "must be unique",
    ),
    (
        "multi: objective per definition",
        lambda s: make_multi(s, names=("a",), objective=False),
        "spec.trainingJobDefinitions[0].tuningObjective",
        "has no objective",
    ),
    (
        "objective present",
        lambda s: config(s).pop("hyperParameterTuningJobObjective"),
        f"{CONFIG}.hyperParameterTuningJobObjective",
        "no objective metric",
    ),
    (
        "objective defined for custom image",
        lambda s: custom_image(s, ["train:loss"]),
        f"{DEF}.algorithmSpecification.metricDefinitions",
        "'validation:error' is not defined",
    ),
    (
        "image or algorithm name, not both",
        lambda s: definition(s)["algorithmSpecification"].update(algorithmName="my-algo"),
        f"{DEF}.algorithmSpecification.algorithmName",
        "both trainingImage and algorithmName",
    ),
    (
        "image or algorithm name, one of them",
        lambda s: definition(s)["algorithmSpecification"].pop("trainingImage"),
        f"{DEF}.algorithmSpecification.trainingImage",
        "no algorithm",
    ),
    (
        "tuned hyperparameter not static",
        lambda s: definition(s)["staticHyperParameters"].append({"name": "num_round", "value": "5"}),
        f"{DEF}.staticHyperParameters[22]",
        "both static and searched",
    ),
    (
        "static names unique",
        lambda s: definition(s)["staticHyperParameters"].append({"name": "booster", "value": "dart"}),
        f"{DEF}.staticHyperParameters[22].name",
        "listed twice",
    ),
    (
        "one range per hyperparameter",
        lambda s: config(s)["parameterRanges"].update(
            categoricalParameterRanges=[{"name": "num_round", "values": ["1"]}]
        ),
        f"{CONFIG}.parameterRanges.categoricalParameterRanges[0].name",
        "already searched",
    ),
    (
        "categorical: at most 30 values",
        lambda s: config(s)["parameterRanges"].update(
            categoricalParameterRanges=[{"name": "c", "values": [str(i) for i in range(31)]}]
        ),
        f"{CONFIG}.parameterRanges.categoricalParameterRanges[0].values",
        "1 to 30 values",
    ),
    (
        "categorical: at least 1 value",
        lambda s: config(s)["parameterRanges"].update(
            categoricalParameterRanges=[{"name": "c", "values": []}]
        ),
        f"{CONFIG}.parameterRanges.categoricalParameterRanges[0].values",
        "0 values",
    ),
    ("at most 30 ranges", lambda s: n_ranges(s, 31), f"{CONFIG}.parameterRanges", "at most 30"),
    (
        "at least one range",
        lambda s: config(s).update(parameterRanges={}),
        f"{CONFIG}.parameterRanges",
        "no hyperparameter ranges",
    ),
    (
        "ranges present",
        lambda s: config(s).pop("parameterRanges"),
        f"{CONFIG}.parameterRanges",
        "has no hyperparameter ranges",
    ),
    (
        "warm start: at most 5 parents",
        lambda s: warm(s, [f"p{i}" for i in range(6)]),
        "spec.warmStartConfig.parentHyperParameterTuningJobs",
        "1 to 5 parent tuning jobs, not 6",
    ),
    (
        "warm start: at least 1 parent",
        lambda s: warm(s, []),
        "spec.warmStartConfig.parentHyperParameterTuningJobs",
        "not 0",
    ),
    (
        "warm start: type",
        lambda s: warm(s, ["p1"], kind="Transfer"),
        "spec.warmStartConfig.warmStartType",
        "IdenticalDataAndAlgorithm or TransferLearning",
    ),
    (
        "warm start: parent names",
        lambda s: warm(s, ["bad_name"]),
        "spec.warmStartConfig.parentHyperParameterTuningJobs[0].hyperParameterTuningJobName",
        "not a tuning job name",
    ),
    (
        "warm start: distinct parents",
        lambda s: warm(s, ["p1", "p1"]),
        "spec.warmStartConfig.parentHyperParameterTuningJobs[1].hyperParameterTuningJobName",
        "listed twice",
    ),
    (
        "warm start: not itself",
        steps(lambda s: s.update(hyperParameterTuningJobName="me"), lambda s: warm(s, ["me"])),
        "spec.warmStartConfig.parentHyperParameterTuningJobs[0].hyperParameterTuningJobName",
        "from itself",
    ),
    (
        "spot needs max wait",
        lambda s: spot(s, maxRuntimeInSeconds=3600),
        f"{DEF}.stoppingCondition.maxWaitTimeInSeconds",
        "needs maxWaitTimeInSeconds",
    ),
    (
        "spot wait >= runtime",
        lambda s: spot(s, maxRuntimeInSeconds=3600, maxWaitTimeInSeconds=1800),
        f"{DEF}.stoppingCondition.maxWaitTimeInSeconds",
        "raise it to at least 3600",
    ),
    (
        "spot wait >= default runtime",
        lambda s: spot(s, maxWaitTimeInSeconds=3600),
        f"{DEF}.stoppingCondition.maxWaitTimeInSeconds",
        "at least 86400",
    ),
    (
        "max wait only with spot",
        lambda s: definition(s)["stoppingCondition"].update(maxWaitTimeInSeconds=90000),
        f"{DEF}.stoppingCondition.maxWaitTimeInSeconds",
        "only to managed spot training",
    ),
    (
        "runtime within 28 days",
        lambda s: definition(s)["stoppingCondition"].update(maxRuntimeInSeconds=2419201),
        f"{DEF}.stoppingCondition.maxRuntimeInSeconds",
        "28-day limit",
    ),
    (
        "one resource config: not both",
        lambda s: definition(s).update(hyperParameterTuningResourceConfig={"instanceCount": 1}),
        f"{DEF}.hyperParameterTuningResourceConfig",
        "keep one",
    ),
    (
        "one resource config: not neither",
        lambda s: definition(s).pop("resourceConfig"),
        f"{DEF}.resourceConfig",
        "no compute resources",
    ),
    (
        "channel names unique",
        lambda s: definition(s)["inputDataConfig"][1].update(channelName="train"),
        f"{DEF}.inputDataConfig[1].channelName",
        "defined twice",
    ),
    (
        "job name rule",
        lambda s: s.update(hyperParameterTuningJobName="-bad-"),
        "spec.hyperParameterTuningJobName",
        "not a valid SageMaker tuning job name",
    ),
    (
        "job name length",
        lambda s: s.update(hyperParameterTuningJobName="a" * 33),
        "spec.hyperParameterTuningJobName",
        "1-32",
    ),
    ("region looks like a region", lambda s: s.update(region="mars-1"), "spec.region", "not an AWS region"),
    (
        "endpoint is a URL",
        lambda s: s.update(sageMakerEndpoint="sagemaker.local"),
        "spec.sageMakerEndpoint",
        "not an endpoint URL",
    ),
    ("tags: aws: reserved", lambda s: tags(s, "aws:owner"), "spec.tags[0].key", "reserved aws: prefix"),
    ("tags: reconciler prefix", lambda s: tags(s, "hpo-reconciler/uid"), "spec.tags[0].key", "sets itself"),
    (
        "tags: at most 47 (the reconciler adds 3)",
        lambda s: tags(s, *[f"k{i}" for i in range(48)]),
        "spec.tags",
        "keep at most 47",
    ),
    ("tags: unique keys", lambda s: tags(s, "team", "team"), "spec.tags[1].key", "listed twice"),
]

# (rule, mutation that keeps the spec valid while exercising the rule's boundary)
VALID: list[tuple[str, Mutation]] = [
    ("main sample as is", lambda s: None),
    ("maxParallel == maxNumber", lambda s: config(s)["resourceLimits"].update(maxParallelTrainingJobs=10)),
    (
        "min == max",
        steps(
            lambda s: int_range(s).update(minValue="20"),
            lambda s: config(s)["resourceLimits"].update(
                maxNumberOfTrainingJobs=1, maxParallelTrainingJobs=1
            ),
        ),
    ),
    (
        "grid with maxNumber equal to the combinations",
        steps(
            grid,
            lambda s: config(s)["resourceLimits"].update(
                maxNumberOfTrainingJobs=2, maxParallelTrainingJobs=2
            ),
        ),
    ),
    ("combinations equal to maxNumber", lambda s: int_range(s).update(minValue="11")),
    (
        "a continuous range makes the space unbounded",
        steps(lambda s: int_range(s).update(minValue="20"), lambda s: set_continuous(s, "0", "1", "Linear")),
    ),
    ("logarithmic with min > 0", lambda s: set_continuous(s, "0.001", "1", "Logarithmic")),
    ("reverse-log within [0, 1)", lambda s: set_continuous(s, "0", "0.99", "ReverseLogarithmic")),
    ("grid with categorical ranges", grid),
    ("hyperband with maxResource", lambda s: hyperband(s, minResource=1, maxResource=20000)),
    (
        "hyperband with epochs hyperparameter",
        steps(
            hyperband,
            lambda s: definition(s)["staticHyperParameters"].append({"name": "epochs", "value": "5"}),
        ),
    ),
    ("multi-algorithm", make_multi),
    ("custom image defining the metric", lambda s: custom_image(s, ["validation:error"])),
    (
        "algorithm resource",
        lambda s: definition(s).update(
            algorithmSpecification={"algorithmName": "my-algo", "trainingInputMode": "File"}
        ),
    ),
    ("30 ranges", lambda s: n_ranges(s, 30)),
    (
        "warm start with 5 parents",
        lambda s: warm(s, [f"p{i}" for i in range(5)], "IdenticalDataAndAlgorithm"),
    ),
    ("spot with wait == runtime", lambda s: spot(s, maxRuntimeInSeconds=3600, maxWaitTimeInSeconds=3600)),
    ("runtime of 28 days", lambda s: definition(s)["stoppingCondition"].update(maxRuntimeInSeconds=2419200)),
    ("named job", lambda s: s.update(hyperParameterTuningJobName="a" * 32)),
    ("no region (the process default applies)", lambda s: s.pop("region")),
    ("gov region", lambda s: s.update(region="us-gov-west-1")),
    ("custom endpoint", lambda s: s.update(sageMakerEndpoint="http://127.0.0.1:8080")),
    (
        "autotune without ranges",
        steps(lambda s: s.update(autotune={"mode": "Enabled"}), lambda s: config(s).pop("parameterRanges")),
    ),
    ("user tags", lambda s: tags(s, "team", "cost-center")),
    ("47 user tags", lambda s: tags(s, *[f"k{i}" for i in range(47)])),
]


@pytest.mark.parametrize(("rule", "mutate", "path", "words"), INVALID, ids=[row[0] for row in INVALID])
def test_each_rule_reports_its_path_problem_and_fix(
    base_spec: Spec, rule: str, mutate: Mutation, path: str, words: str
) -> None:
    mutate(base_spec)
    problems = check_spec(base_spec)
    assert [p.path for p in problems] == [path], problems
    assert words in problems[0].message
    assert ": " in problems[0].message, "the message says what is wrong, then how to fix it"


@pytest.mark.parametrize(("rule", "mutate"), VALID, ids=[row[0] for row in VALID])
def test_valid_specs_have_no_problems(base_spec: Spec, rule: str, mutate: Mutation) -> None:
    mutate(base_spec)
    assert check_spec(base_spec) == []


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"hyperParameterTuningJobConfig": 5},
        {"trainingJobDefinitions": "x"},
        {"trainingJobDefinition": []},
        {
            "hyperParameterTuningJobConfig": {
                "parameterRanges": {"integerParameterRanges": [None, 3, {"name": 1}]}
            },
            "trainingJobDefinition": {
                "staticHyperParameters": "x",
                "stoppingCondition": [],
                "algorithmSpecification": {"trainingImage": 5},
            },
        },
        {"tags": [None, {"key": 3}], "warmStartConfig": {"parentHyperParameterTuningJobs": [1, None]}},
    ],
)
def test_malformed_specs_never_raise(spec: Spec) -> None:
    problems = check_spec(spec)
    assert all(isinstance(p, Problem) for p in problems)
