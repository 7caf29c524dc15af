"""SageMaker's create-time rules for a HyperparameterTuningJob spec that can be checked offline.

Contract:
- `check_spec(spec) -> list[Problem]` checks a resource's `.spec` (camelCase, resource form) against
  the rules CreateHyperParameterTuningJob enforces beyond what the API model's per-member constraints
  (`awsmodel.check_input`) and the CRD schema (`crdschema`) can express: relations between members
  (maxParallel <= maxNumberOfTrainingJobs, minValue <= maxValue, spot timings), strategy rules
  (Grid, Hyperband), the number of distinct combinations against maxNumberOfTrainingJobs (one
  implementation with the simulator: `awsmodel.combinations`), the objective metric being
  measurable, one training job definition form, warm start parents, hyperparameter name clashes,
  the total number of ranges, unique categorical values, tags, channel names, the job name,
  region and endpoint. Every create-time rule of the SageMaker simulator is among them
  (tests/validate/test_agrees_with_simulator.py walks the simulator's rules).
- Each `Problem` has a Kubernetes-style `path` (`spec.hyperParameterTuningJobConfig.resourceLimits.
  maxParallelTrainingJobs`, list items as `[i]`) and a `message` that says what is wrong and how to fix it.
- Only what SageMaker would reject is reported (no style advice), so a spec with no problems here,
  no schema errors and no `check_input` violations is expected to be accepted by SageMaker.
- Total: never raises on malformed input (wrong types are left to the schema check), pure, no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from reconciler.awsmodel import MalformedEntryError, UnknownFieldError, from_camel
from reconciler.awsmodel.combinations import (
    GRID_STRATEGY,
    combinations,
    grid_max_jobs_problem,
    not_enough_combinations_problem,
)
from reconciler.core.naming import JOB_NAME_MAX_LENGTH, is_valid_job_name


@dataclass(frozen=True)
class Problem:
    """One rule a spec breaks: where, and what to do about it."""

    path: str
    message: str


# SageMaker limits that the API model does not carry (from the SageMaker API reference).
MAX_RANGES_PER_JOB: Final = 30  # ParameterRanges: the sum over all range kinds
MAX_CATEGORICAL_VALUES: Final = 30
MAX_WARM_START_PARENTS: Final = 5
HYPERBAND_MAX_RESOURCE_LIMIT: Final = 20_000
MAX_TRAINING_RUNTIME_SECONDS: Final = 28 * 24 * 3600  # StoppingCondition.MaxRuntimeInSeconds
DEFAULT_TRAINING_RUNTIME_SECONDS: Final = 24 * 3600
# Static hyperparameters Hyperband reads MaxResource from when strategyConfig does not set it.
HYPERBAND_EPOCH_KEYS: Final = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
SCALING_TYPES: Final = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")
WARM_START_TYPES: Final = ("IdenticalDataAndAlgorithm", "TransferLearning")
# Tag keys the reconciler adds itself (its ownership proof, docs/architecture.md): a user tag with this
# prefix would clash.
RESERVED_TAG_PREFIX: Final = "hpo-reconciler/"
MAX_USER_TAGS: Final = 50 - 3  # CreateHyperParameterTuningJob takes 50 tags; the reconciler adds 3
# Repositories of SageMaker's built-in algorithms: their images emit their own metrics, so an
# objective metric needs no metricDefinitions there.
BUILTIN_ALGORITHM_REPOSITORIES: Final = frozenset(
    {
        "blazingtext", "factorization-machines", "forecasting-deepar", "image-classification",
        "ipinsights", "kmeans", "knn", "lda", "linear-learner", "ntm", "object2vec",
        "object-detection", "pca", "randomcutforest", "semantic-segmentation", "seq2seq",
        "xgboost", "sagemaker-xgboost",
    }
)  # fmt: skip
AWS_REGION_PATTERN: Final = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$")
ENDPOINT_PATTERN: Final = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(:[0-9]+)?(/.*)?$")

_CONFIG = "spec.hyperParameterTuningJobConfig"
_RANGE_KINDS: Final = ("integerParameterRanges", "continuousParameterRanges", "categoricalParameterRanges")


def check_spec(spec: Mapping[str, Any]) -> list[Problem]:
    """Every offline-knowable SageMaker create-time rule `spec` breaks (empty when none)."""
    problems: list[Problem] = []
    for rule in _RULES:
        problems.extend(rule(spec))
    return problems


# --- tolerant accessors: the schema reports wrong types; these rules just skip them -------------


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _config(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    return _map(spec.get("hyperParameterTuningJobConfig"))


def _autotuned(spec: Mapping[str, Any]) -> bool:
    return _map(spec.get("autotune")).get("mode") == "Enabled"


@dataclass(frozen=True)
class _Definition:
    """A training job definition and where it sits in the spec."""

    body: Mapping[str, Any]
    path: str


def _definitions(spec: Mapping[str, Any]) -> list[_Definition]:
    if "trainingJobDefinition" in spec:
        return [_Definition(_map(spec["trainingJobDefinition"]), "spec.trainingJobDefinition")]
    return [
        _Definition(_map(item), f"spec.trainingJobDefinitions[{i}]")
        for i, item in enumerate(_items(spec.get("trainingJobDefinitions")))
    ]


@dataclass(frozen=True)
class _Ranges:
    """A ParameterRanges block (config-level or per definition) and its path."""

    body: Mapping[str, Any]
    path: str


def _range_blocks(spec: Mapping[str, Any]) -> list[_Ranges]:
    blocks = []
    if "parameterRanges" in _config(spec):
        blocks.append(_Ranges(_map(_config(spec)["parameterRanges"]), f"{_CONFIG}.parameterRanges"))
    for definition in _definitions(spec):
        if "hyperParameterRanges" in definition.body:
            blocks.append(
                _Ranges(
                    _map(definition.body["hyperParameterRanges"]), f"{definition.path}.hyperParameterRanges"
                )
            )
    return blocks


def _static_names(definition: _Definition) -> list[tuple[str, str]]:
    """(name, path) of each static hyperparameter of a definition."""
    names = []
    for i, entry in enumerate(_items(definition.body.get("staticHyperParameters"))):
        name = _map(entry).get("name")
        if isinstance(name, str):
            names.append((name, f"{definition.path}.staticHyperParameters[{i}]"))
    return names


# --- rules ------------------------------------------------------------------------------------


def _rule_job_name(spec: Mapping[str, Any]) -> Iterator[Problem]:
    name = spec.get("hyperParameterTuningJobName")
    if isinstance(name, str) and not is_valid_job_name(name):
        yield Problem(
            "spec.hyperParameterTuningJobName",
            f"{name!r} is not a valid SageMaker tuning job name: use 1-{JOB_NAME_MAX_LENGTH} letters, digits "
            "and hyphens, starting and ending with a letter or digit, or remove the field to let the "
            "reconciler derive the name from metadata.name and the UID",
        )


def _rule_region(spec: Mapping[str, Any]) -> Iterator[Problem]:
    # Without spec.region the process-wide region (AWS_DEFAULT_REGION / AWS config) applies.
    region = spec.get("region")
    if region is not None and (not isinstance(region, str) or not AWS_REGION_PATTERN.match(region)):
        yield Problem(
            "spec.region",
            f"{region!r} is not an AWS region name: use a region code such as us-east-2 or eu-west-1",
        )


def _rule_endpoint(spec: Mapping[str, Any]) -> Iterator[Problem]:
    endpoint = spec.get("sageMakerEndpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or not ENDPOINT_PATTERN.match(endpoint)):
        yield Problem(
            "spec.sageMakerEndpoint",
            f"{endpoint!r} is not an endpoint URL: use https://host[:port] (e.g. "
            "https://sagemaker.us-east-2.amazonaws.com) or remove the field to use the regional endpoint",
        )


def _rule_one_definition_form(spec: Mapping[str, Any]) -> Iterator[Problem]:
    single, multiple = "trainingJobDefinition" in spec, "trainingJobDefinitions" in spec
    if single and multiple:
        yield Problem(
            "spec.trainingJobDefinitions",
            "both trainingJobDefinition and trainingJobDefinitions are set: keep trainingJobDefinition for "
            "one algorithm, or move it into trainingJobDefinitions for several",
        )
    elif not single and not multiple:
        yield Problem(
            "spec.trainingJobDefinition",
            "no training job definition: set trainingJobDefinition (one algorithm) or "
            "trainingJobDefinitions (several algorithms)",
        )


def _rule_multi_algorithm_definitions(spec: Mapping[str, Any]) -> Iterator[Problem]:
    if "trainingJobDefinition" in spec:
        return
    definitions = _definitions(spec)
    config = _config(spec)
    seen: dict[str, str] = {}
    for definition in definitions:
        name = definition.body.get("definitionName")
        if len(definitions) > 1 and not name:
            yield Problem(
                f"{definition.path}.definitionName",
                "each of several training job definitions needs a definitionName: give it a unique name",
            )
        if isinstance(name, str) and name:
            if name in seen:
                yield Problem(
                    f"{definition.path}.definitionName",
                    f"definitionName {name!r} is also used by {seen[name]}: definition names must be unique",
                )
            seen.setdefault(name, definition.path)
        if "tuningObjective" not in definition.body and "hyperParameterTuningJobObjective" not in config:
            yield Problem(
                f"{definition.path}.tuningObjective",
                "this definition has no objective: set its tuningObjective {metricName, type}",
            )


def _rule_resource_limits(spec: Mapping[str, Any]) -> Iterator[Problem]:
    config = _config(spec)
    limits = _map(config.get("resourceLimits"))
    path = f"{_CONFIG}.resourceLimits"
    maximum = _int(limits.get("maxNumberOfTrainingJobs"))
    parallel = _int(limits.get("maxParallelTrainingJobs"))
    grid = config.get("strategy") == GRID_STRATEGY
    if (
        not grid
        and "maxNumberOfTrainingJobs" not in limits
        and not _autotuned(spec)
        and "resourceLimits" in config
    ):
        yield Problem(
            f"{path}.maxNumberOfTrainingJobs",
            f"the {config.get('strategy', 'chosen')} strategy needs a budget: set maxNumberOfTrainingJobs "
            "(at least maxParallelTrainingJobs)",
        )
    if maximum is not None and parallel is not None and parallel > maximum:
        yield Problem(
            f"{path}.maxParallelTrainingJobs",
            f"maxParallelTrainingJobs ({parallel}) is greater than maxNumberOfTrainingJobs ({maximum}): "
            f"lower maxParallelTrainingJobs to at most {maximum} or raise maxNumberOfTrainingJobs",
        )


def _rule_ranges_present(spec: Mapping[str, Any]) -> Iterator[Problem]:
    if _autotuned(spec):
        return
    if "parameterRanges" in _config(spec):
        if not _range_names(_map(_config(spec)["parameterRanges"]), path=f"{_CONFIG}.parameterRanges"):
            yield Problem(
                f"{_CONFIG}.parameterRanges",
                "no hyperparameter ranges to search: add at least one integer, continuous or categorical "
                "range",
            )
        return
    for definition in _definitions(spec):
        if "hyperParameterRanges" not in definition.body:
            yield Problem(
                f"{_CONFIG}.parameterRanges",
                f"{definition.path} has no hyperparameter ranges to search: set "
                "hyperParameterTuningJobConfig.parameterRanges (or the definition's hyperParameterRanges)",
            )


def _range_names(block: Mapping[str, Any], *, path: str) -> list[tuple[str, str]]:
    """(name, path) of each range of a ParameterRanges block."""
    names = []
    for kind in _RANGE_KINDS:
        for i, item in enumerate(_items(block.get(kind))):
            name = _map(item).get("name")
            if isinstance(name, str):
                names.append((name, f"{path}.{kind}[{i}]"))
    return names


def _rule_range_names(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for block in _range_blocks(spec):
        names = _range_names(block.body, path=block.path)
        if len(names) > MAX_RANGES_PER_JOB:
            yield Problem(
                block.path,
                f"{len(names)} hyperparameters to search: SageMaker searches at most {MAX_RANGES_PER_JOB} in "
                "total over integer, continuous and categorical ranges; tune fewer, fix the others as "
                "staticHyperParameters",
            )
        seen: dict[str, str] = {}
        for name, path in names:
            if name in seen:
                yield Problem(
                    f"{path}.name",
                    f"hyperparameter {name!r} is already searched by {seen[name]}: keep one range per "
                    "hyperparameter",
                )
            seen.setdefault(name, path)


def _rule_categorical_values(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for block in _range_blocks(spec):
        for i, item in enumerate(_items(block.body.get("categoricalParameterRanges"))):
            values = _map(item).get("values")
            if isinstance(values, list) and not 1 <= len(values) <= MAX_CATEGORICAL_VALUES:
                yield Problem(
                    f"{block.path}.categoricalParameterRanges[{i}].values",
                    f"{len(values)} values: a categorical range takes 1 to {MAX_CATEGORICAL_VALUES} values; "
                    "split the range or fix some values as staticHyperParameters",
                )
            elif isinstance(values, list):
                repeated = sorted({str(v) for v in values if values.count(v) > 1})
                if repeated:
                    yield Problem(
                        f"{block.path}.categoricalParameterRanges[{i}].values",
                        f"{', '.join(repr(v) for v in repeated)} listed more than once: the values of a "
                        "categorical range must be unique",
                    )


def _rule_tuned_not_static(spec: Mapping[str, Any]) -> Iterator[Problem]:
    config_ranges = _range_names(
        _map(_config(spec).get("parameterRanges")), path=f"{_CONFIG}.parameterRanges"
    )
    for definition in _definitions(spec):
        own = _range_names(
            _map(definition.body.get("hyperParameterRanges")), path=f"{definition.path}.hyperParameterRanges"
        )
        tuned = {name: path for name, path in config_ranges + own}
        for name, path in _static_names(definition):
            if name in tuned:
                yield Problem(
                    path,
                    f"hyperparameter {name!r} is both static and searched by {tuned[name]}: remove it from "
                    "staticHyperParameters or drop its range",
                )


def _rule_static_names_unique(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for definition in _definitions(spec):
        seen: set[str] = set()
        for name, path in _static_names(definition):
            if name in seen:
                yield Problem(
                    f"{path}.name", f"static hyperparameter {name!r} is listed twice: keep one entry"
                )
            seen.add(name)


def _number(text: Any, *, integer: bool) -> float | None:
    """The value of a range bound (strings in the API), or None when it is not a number of that kind."""
    if not isinstance(text, str):
        return None
    try:
        value = float(int(text.strip(), 10)) if integer else float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rule_numeric_ranges(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for block in _range_blocks(spec):
        for kind, integer in (("integerParameterRanges", True), ("continuousParameterRanges", False)):
            for i, item in enumerate(_items(block.body.get(kind))):
                yield from _check_numeric_range(_map(item), path=f"{block.path}.{kind}[{i}]", integer=integer)


def _check_numeric_range(item: Mapping[str, Any], *, path: str, integer: bool) -> Iterator[Problem]:
    what = "an integer" if integer else "a number"
    bounds: dict[str, float] = {}
    for bound in ("minValue", "maxValue"):
        if bound not in item:
            continue  # the schema reports the missing member
        value = _number(item[bound], integer=integer)
        if value is None:
            yield Problem(
                f"{path}.{bound}", f'{item[bound]!r} is not {what}: write {what} as a string, e.g. "10"'
            )
        else:
            bounds[bound] = value
    if len(bounds) < 2:
        return
    low, high = bounds["minValue"], bounds["maxValue"]
    if low > high:
        yield Problem(
            f"{path}.minValue",
            f"minValue ({item['minValue']}) is greater than maxValue ({item['maxValue']}): swap them",
        )
        return
    scaling = item.get("scalingType", "Auto")
    if scaling == "Logarithmic" and low <= 0:
        yield Problem(
            f"{path}.scalingType",
            "Logarithmic scaling needs minValue > 0: raise minValue above 0 or use Linear scaling",
        )
    if scaling == "ReverseLogarithmic":
        if integer:
            yield Problem(
                f"{path}.scalingType",
                "ReverseLogarithmic scaling is only for continuous ranges: use Auto, Linear or Logarithmic",
            )
        elif not (0 <= low < high < 1):
            yield Problem(
                f"{path}.scalingType",
                "ReverseLogarithmic scaling needs 0 <= minValue < maxValue < 1: adjust the range or use "
                "Linear scaling",
            )


def _rule_grid(spec: Mapping[str, Any]) -> Iterator[Problem]:
    if _config(spec).get("strategy") != "Grid":
        return
    for block in _range_blocks(spec):
        for kind in ("integerParameterRanges", "continuousParameterRanges"):
            if _items(block.body.get(kind)):
                yield Problem(
                    f"{block.path}.{kind}",
                    "the Grid strategy searches categorical ranges only: list the values to try as "
                    "categoricalParameterRanges, or choose the Bayesian or Random strategy",
                )


def _effective_ranges(spec: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str]]:
    """(ranges in API form, their spec path) that each training job definition searches: its own
    hyperParameterRanges, else the config's parameterRanges (as SageMaker reads them)."""
    config_ranges = _config(spec).get("parameterRanges")
    found: list[tuple[Mapping[str, Any], str]] = []
    for definition in _definitions(spec):
        own = definition.body.get("hyperParameterRanges")
        block, path = (
            (own, f"{definition.path}.hyperParameterRanges")
            if isinstance(own, Mapping)
            else (config_ranges, f"{_CONFIG}.parameterRanges")
        )
        if not isinstance(block, Mapping) or not all(
            isinstance(block.get(kind, []), list) and all(isinstance(r, Mapping) for r in block.get(kind, []))
            for kind in _RANGE_KINDS
        ):
            continue  # wrong types: the schema reports them
        try:
            api = from_camel(block, shape="ParameterRanges", path=path)
        except (UnknownFieldError, MalformedEntryError, TypeError, ValueError, AttributeError, KeyError):
            continue  # the schema reports malformed ranges
        if isinstance(api, Mapping) and path not in {seen for _, seen in found}:
            found.append((api, path))
    return found


def _rule_combinations(spec: Mapping[str, Any]) -> Iterator[Problem]:
    """The number of distinct combinations against maxNumberOfTrainingJobs (`awsmodel.combinations`).

    Grid: maxNumberOfTrainingJobs is optional and, if set, equals the number of combinations
    (SageMaker developer guide, "How hyperparameter tuning works", Grid search). Other strategies:
    a search space without continuous ranges holds at least maxNumberOfTrainingJobs combinations,
    or SageMaker refuses the job ("You don't have enough combinations of hyperparameter ranges").
    """
    config = _config(spec)
    limits = _map(config.get("resourceLimits"))
    maximum = _int(limits.get("maxNumberOfTrainingJobs"))
    if maximum is None or _autotuned(spec):
        return
    path = f"{_CONFIG}.resourceLimits.maxNumberOfTrainingJobs"
    grid = config.get("strategy") == GRID_STRATEGY
    for ranges, ranges_path in _effective_ranges(spec):
        try:
            count = combinations(ranges)
        except (TypeError, ValueError):  # values of the wrong type: the schema reports them
            continue
        if not count:  # unbounded (continuous), or an empty range that its own rule reports
            continue
        if grid and grid_max_jobs_problem(ranges, maximum):
            yield Problem(
                path,
                f"the Grid strategy runs each of the {count} combinations of {ranges_path} once, so "
                f"maxNumberOfTrainingJobs must be {count}, not {maximum}: set it to {count} or remove it",
            )
        elif not grid and not_enough_combinations_problem(ranges, maximum):
            yield Problem(
                path,
                f"{ranges_path} holds only {count} distinct combination(s) of hyperparameter values, fewer "
                f"than maxNumberOfTrainingJobs ({maximum}), and SageMaker refuses such a job: lower "
                f"maxNumberOfTrainingJobs to at most {count}, or widen the ranges (more values, or a "
                "continuous range)",
            )


def _rule_strategy_config(spec: Mapping[str, Any]) -> Iterator[Problem]:
    config = _config(spec)
    strategy = config.get("strategy")
    hyperband = _map(_map(config.get("strategyConfig")).get("hyperbandStrategyConfig"))
    path = f"{_CONFIG}.strategyConfig"
    if "strategyConfig" in config and strategy != "Hyperband":
        yield Problem(
            path, f"strategyConfig applies only to the Hyperband strategy, not {strategy}: remove it"
        )
        return
    if strategy != "Hyperband":
        return
    if config.get("trainingJobEarlyStoppingType", "Off") != "Off":
        yield Problem(
            f"{_CONFIG}.trainingJobEarlyStoppingType",
            "Hyperband stops under-performing training jobs itself: set trainingJobEarlyStoppingType "
            'to "Off"',
        )
    low, high = _int(hyperband.get("minResource")), _int(hyperband.get("maxResource"))
    hb_path = f"{path}.hyperbandStrategyConfig"
    if high is not None and high > HYPERBAND_MAX_RESOURCE_LIMIT:
        yield Problem(
            f"{hb_path}.maxResource", f"maxResource is at most {HYPERBAND_MAX_RESOURCE_LIMIT}: lower it"
        )
    if low is not None and high is not None and low > high:
        yield Problem(
            f"{hb_path}.minResource", f"minResource ({low}) is greater than maxResource ({high}): swap them"
        )
    if high is None and "maxResource" not in hyperband:
        for definition in _definitions(spec):
            yield from _inferred_max_resource(definition, hb_path=hb_path)
            if not any(name in HYPERBAND_EPOCH_KEYS for name, _ in _static_names(definition)):
                yield Problem(
                    f"{hb_path}.maxResource",
                    "Hyperband needs the maximum number of epochs: set "
                    "strategyConfig.hyperbandStrategyConfig.maxResource, or a static hyperparameter named "
                    f"one of {', '.join(HYPERBAND_EPOCH_KEYS)} in {definition.path}",
                )


def _inferred_max_resource(definition: _Definition, *, hb_path: str) -> Iterator[Problem]:
    """Without maxResource SageMaker reads it from the first epochs-like static hyperparameter: it must
    be a whole number of epochs, at most HYPERBAND_MAX_RESOURCE_LIMIT (as maxResource itself)."""
    entries = {
        _map(e).get("name"): (_map(e).get("value"), f"{definition.path}.staticHyperParameters[{i}].value")
        for i, e in enumerate(_items(definition.body.get("staticHyperParameters")))
    }
    key = next((k for k in HYPERBAND_EPOCH_KEYS if k in entries), None)
    if key is None:
        return
    value, path = entries[key]
    try:
        inferred = int(str(value))
    except ValueError:
        yield Problem(
            path,
            f"Hyperband reads maxResource from {key}, and {value!r} is not a whole number of epochs: set "
            f"{key} to a number or set strategyConfig.hyperbandStrategyConfig.maxResource",
        )
        return
    if inferred > HYPERBAND_MAX_RESOURCE_LIMIT:
        yield Problem(
            path,
            f"Hyperband reads maxResource from {key} ({inferred}), more than the "
            f"{HYPERBAND_MAX_RESOURCE_LIMIT} epochs it allows: lower it or set "
            "strategyConfig.hyperbandStrategyConfig.maxResource",
        )


def _rule_objective(spec: Mapping[str, Any]) -> Iterator[Problem]:
    config_objective = _map(_config(spec).get("hyperParameterTuningJobObjective"))
    single = "trainingJobDefinition" in spec
    if single and not config_objective and not _autotuned(spec):
        definition = _definitions(spec)[0]
        if "tuningObjective" not in definition.body:
            yield Problem(
                f"{_CONFIG}.hyperParameterTuningJobObjective",
                "no objective metric: set hyperParameterTuningJobObjective "
                "{metricName, type: Minimize|Maximize}",
            )
    for definition in _definitions(spec):
        objective = _map(definition.body.get("tuningObjective")) or config_objective
        metric = objective.get("metricName")
        if isinstance(metric, str):
            yield from _check_metric_defined(definition, metric=metric)


def _image_repository(image: str) -> str:
    """`acct.dkr.ecr.region.amazonaws.com/xgboost:1` -> `xgboost`."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0].lower()


def _check_metric_defined(definition: _Definition, *, metric: str) -> Iterator[Problem]:
    algorithm = _map(definition.body.get("algorithmSpecification"))
    path = f"{definition.path}.algorithmSpecification"
    image, algorithm_name = algorithm.get("trainingImage"), algorithm.get("algorithmName")
    if image and algorithm_name:
        yield Problem(
            f"{path}.algorithmName",
            "both trainingImage and algorithmName are set: keep trainingImage for a container image or "
            "algorithmName for a SageMaker algorithm resource",
        )
        return
    if not image and not algorithm_name:
        yield Problem(
            f"{path}.trainingImage", "no algorithm: set trainingImage (an ECR image) or algorithmName"
        )
        return
    defined = [_map(d).get("name") for d in _items(algorithm.get("metricDefinitions"))]
    builtin = not isinstance(image, str) or _image_repository(image) in BUILTIN_ALGORITHM_REPOSITORIES
    if builtin and not defined:
        return  # built-in algorithms and algorithm resources define their own metrics
    if builtin and metric not in defined:
        # Metric definitions that are given are the ones SageMaker tunes on, whatever the image.
        yield Problem(
            f"{path}.metricDefinitions",
            f"the objective metric {metric!r} is not among the metricDefinitions given "
            f"({', '.join(repr(n) for n in defined if isinstance(n, str))}): add an entry for it, or "
            "remove metricDefinitions to use the algorithm's own metrics",
        )
        return
    if metric not in defined:
        known = ", ".join(repr(n) for n in defined if isinstance(n, str)) or "none"
        yield Problem(
            f"{path}.metricDefinitions",
            f"the objective metric {metric!r} is not defined for the custom image {image!r} "
            f"(defined: {known}): add a metricDefinitions entry {{name: {metric}, regex: ...}} that "
            "extracts it from the training logs",
        )


def _rule_warm_start(spec: Mapping[str, Any]) -> Iterator[Problem]:
    if "warmStartConfig" not in spec:
        return
    warm = _map(spec["warmStartConfig"])
    path = "spec.warmStartConfig"
    parents = _items(warm.get("parentHyperParameterTuningJobs"))
    if not 1 <= len(parents) <= MAX_WARM_START_PARENTS:
        yield Problem(
            f"{path}.parentHyperParameterTuningJobs",
            f"warm start takes 1 to {MAX_WARM_START_PARENTS} parent tuning jobs, not {len(parents)}: "
            "list between 1 and 5 completed tuning jobs",
        )
    own = spec.get("hyperParameterTuningJobName")
    own = own.lower() if isinstance(own, str) else own
    seen: set[str] = set()  # SageMaker job names are unique regardless of case
    for i, parent in enumerate(parents):
        name = _map(parent).get("hyperParameterTuningJobName")
        item = f"{path}.parentHyperParameterTuningJobs[{i}].hyperParameterTuningJobName"
        if not isinstance(name, str):
            continue
        if not is_valid_job_name(name):
            yield Problem(
                item, f"{name!r} is not a tuning job name: use the SageMaker name of the parent job"
            )
        elif name.lower() == own:
            yield Problem(item, "a tuning job cannot warm start from itself: name a different, earlier job")
        elif name.lower() in seen:
            yield Problem(item, f"parent {name!r} is listed twice: list each parent once")
        seen.add(name.lower())
    kind = warm.get("warmStartType")
    if kind is not None and kind not in WARM_START_TYPES:
        yield Problem(
            f"{path}.warmStartType", f"{kind!r} is not a warm start type: use {' or '.join(WARM_START_TYPES)}"
        )


def _rule_stopping_and_spot(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for definition in _definitions(spec):
        stopping = _map(definition.body.get("stoppingCondition"))
        path = f"{definition.path}.stoppingCondition"
        runtime = _int(stopping.get("maxRuntimeInSeconds"))
        wait = _int(stopping.get("maxWaitTimeInSeconds"))
        spot = definition.body.get("enableManagedSpotTraining") is True
        if runtime is not None and runtime > MAX_TRAINING_RUNTIME_SECONDS:
            yield Problem(
                f"{path}.maxRuntimeInSeconds",
                f"{runtime} s is longer than SageMaker's 28-day limit: use at most "
                f"{MAX_TRAINING_RUNTIME_SECONDS}",
            )
        if spot and "maxWaitTimeInSeconds" not in stopping:
            yield Problem(
                f"{path}.maxWaitTimeInSeconds",
                "managed spot training needs maxWaitTimeInSeconds (time waiting for spot capacity plus "
                "running time): set it to at least maxRuntimeInSeconds",
            )
        if not spot and "maxWaitTimeInSeconds" in stopping:
            yield Problem(
                f"{path}.maxWaitTimeInSeconds",
                "maxWaitTimeInSeconds applies only to managed spot training: set enableManagedSpotTraining: "
                "true or remove maxWaitTimeInSeconds",
            )
        effective_runtime = runtime if runtime is not None else DEFAULT_TRAINING_RUNTIME_SECONDS
        if spot and wait is not None and wait < effective_runtime:
            yield Problem(
                f"{path}.maxWaitTimeInSeconds",
                f"maxWaitTimeInSeconds ({wait}) is less than maxRuntimeInSeconds ({effective_runtime}): "
                f"raise it to at least {effective_runtime}",
            )


def _rule_resource_config(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for definition in _definitions(spec):
        fixed = "resourceConfig" in definition.body
        flexible = "hyperParameterTuningResourceConfig" in definition.body
        if fixed and flexible:
            yield Problem(
                f"{definition.path}.hyperParameterTuningResourceConfig",
                "both resourceConfig and hyperParameterTuningResourceConfig are set: keep one",
            )
        elif not fixed and not flexible:
            yield Problem(
                f"{definition.path}.resourceConfig",
                "no compute resources: set resourceConfig {instanceType, instanceCount, volumeSizeInGB}",
            )


def _rule_channels(spec: Mapping[str, Any]) -> Iterator[Problem]:
    for definition in _definitions(spec):
        seen: set[str] = set()
        for i, channel in enumerate(_items(definition.body.get("inputDataConfig"))):
            name = _map(channel).get("channelName")
            if isinstance(name, str) and name in seen:
                yield Problem(
                    f"{definition.path}.inputDataConfig[{i}].channelName",
                    f"channel {name!r} is defined twice: channel names must be unique",
                )
            if isinstance(name, str):
                seen.add(name)


def _rule_tags(spec: Mapping[str, Any]) -> Iterator[Problem]:
    tags = _items(spec.get("tags"))
    if len(tags) > MAX_USER_TAGS:
        yield Problem(
            "spec.tags",
            f"{len(tags)} tags: SageMaker takes at most 50 and hpo-reconciler adds {50 - MAX_USER_TAGS} "
            f"of its own, so keep at most {MAX_USER_TAGS}",
        )
    seen: set[str] = set()
    for i, tag in enumerate(tags):
        key = _map(tag).get("key")
        if not isinstance(key, str):
            continue
        path = f"spec.tags[{i}].key"
        if key.lower().startswith("aws:"):
            yield Problem(path, f"tag key {key!r} uses the reserved aws: prefix: choose another key")
        elif key.startswith(RESERVED_TAG_PREFIX):
            yield Problem(
                path,
                f"tag key {key!r} uses the prefix {RESERVED_TAG_PREFIX} that hpo-reconciler sets itself: "
                "rename it",
            )
        elif key in seen:
            yield Problem(path, f"tag key {key!r} is listed twice: keep one")
        seen.add(key)


def _rule_scaling_type_values(spec: Mapping[str, Any]) -> Iterator[Problem]:
    # The schema enum catches this for resources; the reconciler may call check_spec on its own.
    for block in _range_blocks(spec):
        for kind in ("integerParameterRanges", "continuousParameterRanges"):
            for i, item in enumerate(_items(block.body.get(kind))):
                scaling = _map(item).get("scalingType")
                if scaling is not None and scaling not in SCALING_TYPES:
                    yield Problem(
                        f"{block.path}.{kind}[{i}].scalingType",
                        f"{scaling!r} is not a scaling type: use one of {', '.join(SCALING_TYPES)}",
                    )


_RULES: Final[tuple[Callable[[Mapping[str, Any]], Iterator[Problem]], ...]] = (
    _rule_job_name,
    _rule_region,
    _rule_endpoint,
    _rule_one_definition_form,
    _rule_multi_algorithm_definitions,
    _rule_resource_limits,
    _rule_strategy_config,
    _rule_ranges_present,
    _rule_range_names,
    _rule_categorical_values,
    _rule_numeric_ranges,
    _rule_scaling_type_values,
    _rule_grid,
    _rule_combinations,
    _rule_tuned_not_static,
    _rule_static_names_unique,
    _rule_objective,
    _rule_warm_start,
    _rule_stopping_and_spot,
    _rule_resource_config,
    _rule_channels,
    _rule_tags,
)
