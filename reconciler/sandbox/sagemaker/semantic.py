"""The checks SageMaker makes on a CreateHyperParameterTuningJob request beyond the model's constraints.

Contract: `create_tuning_job_problems(request)` takes the PascalCase request (already valid
against the botocore model) and returns messages, in the order SageMaker would hit them; the
simulator answers the first as a ValidationException, as SageMaker reports one semantic problem
at a time. Rules: exactly one of TrainingJobDefinition / TrainingJobDefinitions; an objective;
MaxNumberOfTrainingJobs for every strategy but Grid, and MaxParallelTrainingJobs <= it; Grid takes
only categorical ranges; Hyperband needs TrainingJobEarlyStoppingType Off and MinResource <=
MaxResource, a MaxResource given or inferable from an epochs static hyperparameter and at most
20,000, and StrategyConfig is for Hyperband only; numeric ranges parse, MinValue <= MaxValue,
Logarithmic needs MinValue > 0, ReverseLogarithmic needs 0 <= MinValue and MaxValue < 1; a
hyperparameter is not both tuned and static nor tuned twice; at most 30 ranges; for Grid,
MaxNumberOfTrainingJobs, when given, equals the number of combinations; for every other
strategy, a search space without continuous ranges has at least MaxNumberOfTrainingJobs
combinations; exactly one of TrainingImage / AlgorithmName; the objective metric among
MetricDefinitions when those are given; no `aws:` tags; plus the per-definition and warm-start
rules of `semantic_definition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.awsmodel.combinations import (
    GRID_STRATEGY,
    grid_max_jobs_problem,
    not_enough_combinations_problem,
)
from reconciler.sandbox.sagemaker.semantic_definition import definition_problems, warm_start_problems


def create_tuning_job_problems(request: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    config: Mapping[str, Any] = request.get("HyperParameterTuningJobConfig") or {}
    single = request.get("TrainingJobDefinition")
    many = request.get("TrainingJobDefinitions")
    if bool(single) == bool(many):
        problems.append("Specify exactly one of TrainingJobDefinition or TrainingJobDefinitions.")
        return problems
    definitions: list[Mapping[str, Any]] = [single] if single else list(many or [])
    strategy = config.get("Strategy")
    problems += _objective_problems(config, definitions)
    problems += _limit_problems(config, strategy)
    problems += _strategy_problems(config, strategy, definitions)
    for definition in definitions:
        ranges = definition.get("HyperParameterRanges") or config.get("ParameterRanges") or {}
        problems += _range_problems(ranges, strategy, definition.get("StaticHyperParameters") or {})
        if not problems:
            problems += _combination_problems(ranges, strategy, config)
        problems += _algorithm_problems(definition, config)
        problems += definition_problems(definition)
    problems += warm_start_problems(request)
    problems += reserved_tag_problems(request.get("Tags") or [])
    return problems


def reserved_tag_problems(tags: list[Mapping[str, Any]]) -> list[str]:
    """Tag keys starting with `aws:` (any case) are reserved for AWS use ("Tagging AWS resources",
    tag naming limits and requirements); SageMaker refuses them at create and in AddTags alike.
    The simulator refused them only at create before; the stricter, uniform rule is chosen."""
    return [
        f"Tag keys beginning with 'aws:' are reserved for AWS use: {tag['Key']}."
        for tag in tags
        if str(tag.get("Key", "")).lower().startswith("aws:")
    ]


def _objective_problems(config: Mapping[str, Any], definitions: list[Mapping[str, Any]]) -> list[str]:
    if config.get("HyperParameterTuningJobObjective"):
        return []
    if all(d.get("TuningObjective") for d in definitions):
        return []
    return [
        "HyperParameterTuningJobObjective is required in HyperParameterTuningJobConfig "
        "when a training job definition has no TuningObjective."
    ]


def _limit_problems(config: Mapping[str, Any], strategy: Any) -> list[str]:
    limits: Mapping[str, Any] = config.get("ResourceLimits") or {}
    most = limits.get("MaxNumberOfTrainingJobs")
    parallel = limits.get("MaxParallelTrainingJobs")
    if most is None and strategy != "Grid":
        return [f"ResourceLimits.MaxNumberOfTrainingJobs is required for the {strategy} strategy."]
    if most is not None and parallel is not None and parallel > most:
        return [
            f"MaxParallelTrainingJobs ({parallel}) cannot be greater than MaxNumberOfTrainingJobs ({most})."
        ]
    return []


def _strategy_problems(
    config: Mapping[str, Any], strategy: Any, definitions: list[Mapping[str, Any]]
) -> list[str]:
    problems: list[str] = []
    hyperband = ((config.get("StrategyConfig") or {}).get("HyperbandStrategyConfig")) or {}
    if config.get("StrategyConfig") and strategy != "Hyperband":
        problems.append("StrategyConfig can be specified only when Strategy is Hyperband.")
    if strategy == "Hyperband":
        if config.get("TrainingJobEarlyStoppingType", "Off") != "Off":
            problems.append(
                "TrainingJobEarlyStoppingType must be Off when Strategy is Hyperband; "
                "Hyperband has its own early stopping."
            )
        low, high = hyperband.get("MinResource"), hyperband.get("MaxResource")
        if low is not None and high is not None and low > high:
            problems.append(
                f"HyperbandStrategyConfig.MinResource ({low}) cannot be greater than MaxResource ({high})."
            )
        problems += _hyperband_max_resource_problems(high, definitions)
    return problems


# HyperbandStrategyConfig.MaxResource (API reference; botocore's model documents it alike): when
# absent, SageMaker infers it from one of these StaticHyperParameters, "If HyperbandStrategyConfig
# is unable to infer a value for MaxResource, it generates a validation error. The maximum value
# is 20,000 epochs."
HYPERBAND_EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
HYPERBAND_MAX_RESOURCE = 20000


def _hyperband_max_resource_problems(high: Any, definitions: list[Mapping[str, Any]]) -> list[str]:
    if high is not None:
        if high > HYPERBAND_MAX_RESOURCE:
            return [
                f"HyperbandStrategyConfig.MaxResource ({high}) exceeds the maximum of "
                f"{HYPERBAND_MAX_RESOURCE} epochs."
            ]
        return []
    for definition in definitions:
        statics: Mapping[str, Any] = definition.get("StaticHyperParameters") or {}
        key = next((k for k in HYPERBAND_EPOCH_KEYS if k in statics), None)
        if key is None:
            return [
                "HyperbandStrategyConfig.MaxResource is not set and cannot be inferred: set it, or set "
                f"one of the static hyperparameters {', '.join(HYPERBAND_EPOCH_KEYS)}."
            ]
        # The stricter reading: an inferred value obeys the same maximum (and must be a number).
        try:
            inferred = int(str(statics[key]))
        except ValueError:
            return [f"HyperbandStrategyConfig.MaxResource cannot be inferred from {key}={statics[key]!r}."]
        if inferred > HYPERBAND_MAX_RESOURCE:
            return [
                f"HyperbandStrategyConfig.MaxResource inferred from {key} ({inferred}) exceeds the maximum "
                f"of {HYPERBAND_MAX_RESOURCE} epochs."
            ]
    return []


def _range_problems(ranges: Mapping[str, Any], strategy: Any, statics: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    numeric = [("IntegerParameterRanges", int), ("ContinuousParameterRanges", float)]
    if strategy == "Grid" and any(ranges.get(key) for key, _ in numeric):
        problems.append(
            "The Grid strategy supports only CategoricalParameterRanges; remove the integer "
            "and continuous parameter ranges or choose another strategy."
        )
    if strategy == "Grid" and not ranges.get("CategoricalParameterRanges"):
        problems.append("The Grid strategy needs at least one CategoricalParameterRange.")
    seen: set[str] = set()
    for key, parse in numeric:
        for r in ranges.get(key) or []:
            problems += _numeric_range_problems(r, parse)
    for key in ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges"):
        for r in ranges.get(key) or []:
            name = r.get("Name", "")
            if name in seen:
                problems.append(f"The hyperparameter {name} appears in more than one parameter range.")
            if name in statics:
                problems.append(
                    f"The hyperparameter {name} is both tuned and static; "
                    "remove it from StaticHyperParameters."
                )
            seen.add(name)
    for r in ranges.get("CategoricalParameterRanges") or []:
        if len(set(r.get("Values") or [])) != len(r.get("Values") or []):
            problems.append(f"The values of categorical parameter range {r.get('Name')} must be unique.")
    return problems


MAX_RANGES = 30


def _combination_problems(ranges: Mapping[str, Any], strategy: Any, config: Mapping[str, Any]) -> list[str]:
    """At most 30 tuned hyperparameters in all; the search space's size against MaxNumberOfTrainingJobs.

    The counting rules live in `reconciler.awsmodel.combinations`, shared with the reconciler:
    for Grid, MaxNumberOfTrainingJobs (optional) must equal the number of combinations; for the
    other strategies a finite space must hold at least MaxNumberOfTrainingJobs combinations. With
    several training job definitions each definition's space is checked on its own: no source
    says how SageMaker counts them together, and this is the stricter reading.
    """
    kinds = ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")
    total = sum(len(ranges.get(kind) or []) for kind in kinds)
    if total > MAX_RANGES:
        return [f"A tuning job can search at most {MAX_RANGES} hyperparameters; these ranges name {total}."]
    most = (config.get("ResourceLimits") or {}).get("MaxNumberOfTrainingJobs")
    problem = (
        grid_max_jobs_problem(ranges, most)
        if strategy == GRID_STRATEGY
        else not_enough_combinations_problem(ranges, most)
    )
    return [problem] if problem else []


def _numeric_range_problems(r: Mapping[str, Any], parse: type[int] | type[float]) -> list[str]:
    name = r.get("Name")
    kind = "an integer" if parse is int else "a number"
    try:
        low, high = parse(r.get("MinValue", "")), parse(r.get("MaxValue", ""))
    except ValueError:
        return [f"MinValue and MaxValue of parameter range {name} must each be {kind}."]
    if low > high:
        return [
            f"MinValue ({r['MinValue']}) of parameter range {name} cannot be greater than "
            f"MaxValue ({r['MaxValue']})."
        ]
    scaling = r.get("ScalingType")
    if scaling == "Logarithmic" and low <= 0:
        return [f"Parameter range {name} uses Logarithmic scaling, which needs MinValue greater than 0."]
    if scaling == "ReverseLogarithmic" and not (low >= 0 and high < 1):
        return [
            f"Parameter range {name} uses ReverseLogarithmic scaling, which needs 0 <= MinValue "
            "and MaxValue < 1."
        ]
    return []


def _algorithm_problems(definition: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    algorithm: Mapping[str, Any] = definition.get("AlgorithmSpecification") or {}
    if bool(algorithm.get("TrainingImage")) == bool(algorithm.get("AlgorithmName")):
        return [
            "Specify exactly one of AlgorithmSpecification.TrainingImage "
            "or AlgorithmSpecification.AlgorithmName."
        ]
    objective = definition.get("TuningObjective") or config.get("HyperParameterTuningJobObjective") or {}
    metrics = [m.get("Name") for m in algorithm.get("MetricDefinitions") or []]
    if metrics and objective.get("MetricName") not in metrics:
        return [
            f"The objective metric {objective.get('MetricName')} is not among the MetricDefinitions "
            f"of the algorithm specification: {', '.join(str(m) for m in metrics)}."
        ]
    return []
