"""Difference between the tuning job a resource asks for and the one SageMaker runs.

Contract:
- `job_delta(desired, observed, *, defaults)` compares a CreateHyperParameterTuningJob request
  (PascalCase, as `awsmodel.spec_to_request` builds it) with a DescribeHyperParameterTuningJob
  response and returns a `Delta`. Only the members a create request can set are compared.
- Normalized: tags (applied separately: `core.tags`) and the job name are ignored; the static
  hyperparameters SageMaker adds itself (`SAGEMAKER_ADDED_STATICS`: `_tuning_objective_metric`)
  are ignored on both sides, every other one (`_`-prefixed too) is compared; a member that is
  absent equals its API default (`defaults` is keyed "Shape.Member", i.e.
  `awsmodel.API_DEFAULTS`); None, empty lists and empty maps equal absent; 5 == 5.0.
- `Delta.paths` are the changed spec paths in the resource's camelCase form, e.g.
  `hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs`, map keys and list
  indexes in brackets (`trainingJobDefinition.staticHyperParameters[eta]`, `...inputDataConfig[1]...`).
This is the only module that imports deepdiff. Pure: no I/O beyond botocore's packaged model, read
through `awsmodel.loader` (one load for the whole process).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from reconciler.awsmodel.loader import botocore_service_model

_CREATE_OPERATION = "CreateHyperParameterTuningJob"
# Static hyperparameters SageMaker adds to a tuning job's definitions itself, so a description has
# them although no spec set them. The SageMaker Python SDK drops exactly this one when it reads a
# tuning job back ("hyperparameter reserved by SageMaker for tuning jobs", sagemaker/tuner.py). Any
# other name, `_`-prefixed or not (e.g. linear-learner's `_kvstore`), is the user's and compared.
SAGEMAKER_ADDED_STATICS = frozenset({"_tuning_objective_metric"})
_IGNORED_TOP_LEVEL = frozenset({"Tags", "HyperParameterTuningJobName"})
_STATIC_HYPERPARAMETERS = "StaticHyperParameters"


@dataclass(frozen=True)
class Delta:
    """The changed paths (sorted, camelCase, without the `spec.` prefix). Falsy when in sync."""

    paths: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.paths)

    def different_at(self, path: str) -> bool:
        """True if `path` or anything below or above it changed."""
        return any(
            changed == path
            or changed.startswith((path + ".", path + "["))
            or path.startswith((changed + ".", changed + "["))
            for changed in self.paths
        )


def _input_shape() -> StructureShape:
    shape = botocore_service_model().operation_model(_CREATE_OPERATION).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def job_delta(
    desired: Mapping[str, Any], observed: Mapping[str, Any], *, defaults: Mapping[str, Any]
) -> Delta:
    """What differs between the request the spec yields and the job SageMaker describes."""
    shape = _input_shape()
    comparable = [m for m in shape.members if m not in _IGNORED_TOP_LEVEL]
    desired = _with_server_filled(desired, observed)
    left = _normalize({m: desired.get(m) for m in comparable}, shape, defaults)
    right = _normalize({m: observed.get(m) for m in comparable}, shape, defaults)
    if _identical(left, right):
        # The common case (a job in sync) costs microseconds; DeepDiff costs ~10 ms of CPU per job,
        # which made a pass over 1,000 running jobs CPU-bound. DeepDiff only names the differences.
        return Delta(paths=())
    if left == right:  # the usual answer, ~50x cheaper than asking deepdiff for nothing
        return Delta()
    diff = DeepDiff(left, right, ignore_numeric_type_changes=True, view="tree")
    paths: set[str] = set()
    for levels in diff.values():
        for level in levels:
            keys = level.path(output_format="list")
            # A whole object present on one side only (often: it held nothing but defaults on the
            # other) is reported by the members it sets, which is what the user changed.
            added_or_removed = isinstance(level.t1, NotPresent) or isinstance(level.t2, NotPresent)
            value = level.t2 if isinstance(level.t1, NotPresent) else level.t1
            if added_or_removed and isinstance(value, Mapping) and value:
                paths.update(_display_path(leaf, shape) for leaf in _leaves(keys, value))
            else:
                paths.add(_display_path(keys, shape))
    return Delta(paths=tuple(sorted(paths)))


def _with_server_filled(desired: Mapping[str, Any], observed: Mapping[str, Any]) -> Mapping[str, Any]:
    """`desired`, taking from `observed` what SageMaker fills in when the request leaves it out.

    AlgorithmSpecification.MetricDefinitions of a training job definition: for a built-in
    algorithm the request may omit them and DescribeHyperParameterTuningJob reports the
    algorithm's own. Sources: the SageMaker Python SDK reads
    `TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions` of the response without a
    default (sagemaker/tuner.py, `_prepare_init_params_from_job_description`), and AWS's
    Kubernetes controller late-initializes that field from the service
    (aws-controllers-k8s/sagemaker-controller, generator.yaml). A value the spec sets is compared
    as usual; only an absent one adopts SageMaker's.
    """
    pairs: list[tuple[Any, Any]] = [
        (desired.get("TrainingJobDefinition"), observed.get("TrainingJobDefinition"))
    ]
    mine_many = desired.get("TrainingJobDefinitions") or []
    pairs += list(zip(mine_many, observed.get("TrainingJobDefinitions") or [], strict=False))
    adopted: dict[int, Any] = {}
    for index, (mine, theirs) in enumerate(pairs):
        if not isinstance(mine, Mapping) or not isinstance(theirs, Mapping):
            continue
        my_spec = mine.get("AlgorithmSpecification")
        their_spec = theirs.get("AlgorithmSpecification")
        if not isinstance(my_spec, Mapping) or not isinstance(their_spec, Mapping):
            continue
        if my_spec.get("MetricDefinitions") or not their_spec.get("MetricDefinitions"):
            continue
        adopted[index] = {
            **mine,
            "AlgorithmSpecification": {**my_spec, "MetricDefinitions": their_spec["MetricDefinitions"]},
        }
    if not adopted:
        return desired
    result = dict(desired)
    if 0 in adopted:
        result["TrainingJobDefinition"] = adopted.pop(0)
    if adopted:
        many = list(desired.get("TrainingJobDefinitions") or [])
        for index, definition in adopted.items():
            many[index - 1] = definition
        result["TrainingJobDefinitions"] = many
    return result


def _leaves(prefix: list[Any], value: Any) -> list[list[Any]]:
    if isinstance(value, Mapping) and value:
        return [leaf for key, item in value.items() for leaf in _leaves([*prefix, key], item)]
    return [prefix]


def _normalize(value: Any, shape: Shape | None, defaults: Mapping[str, Any]) -> Any:
    """Drop what must not count as a difference; return None for 'absent'."""
    if value is None:
        return None
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            member_shape = shape.members.get(key)
            normalized = _normalize(item, member_shape, defaults)
            if key == _STATIC_HYPERPARAMETERS and isinstance(normalized, dict):
                normalized = {k: v for k, v in normalized.items() if k not in SAGEMAKER_ADDED_STATICS} or None
            default_key = f"{shape.name}.{key}"
            if normalized is None or (default_key in defaults and _same(normalized, defaults[default_key])):
                continue
            result[key] = normalized
        return result or None
    if isinstance(shape, ListShape) and isinstance(value, list):
        items = [_normalize(item, shape.member, defaults) for item in value]
        return items or None
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        entries = {k: _normalize(v, shape.value, defaults) for k, v in value.items()}
        return entries or None
    if isinstance(value, Mapping | list) and not value:
        return None
    return value


def _identical(left: Any, right: Any) -> bool:
    """Equal as DeepDiff with ignore_numeric_type_changes sees it (1 == 1.0, but True is not 1)."""
    if isinstance(left, Mapping):
        return (
            isinstance(right, Mapping)
            and left.keys() == right.keys()
            and all(_identical(item, right[key]) for key, item in left.items())
        )
    if isinstance(left, list):
        return isinstance(right, list) and len(left) == len(right) and all(map(_identical, left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right) and isinstance(left, int | float) == isinstance(right, int | float)


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default or (value == default and type(value) is type(default))
    if isinstance(value, int | float) and isinstance(default, int | float):
        return float(value) == float(default)
    return bool(value == default)


def _display_path(keys: list[Any], shape: Shape | None) -> str:
    """deepdiff's key list -> `member.member[key][0].member` in the resource's camelCase."""
    text = ""
    for key in keys:
        if isinstance(shape, StructureShape) and isinstance(key, str):
            member = key[:1].lower() + key[1:]
            text = f"{text}.{member}" if text else member
            shape = shape.members.get(key)
        elif isinstance(shape, ListShape):
            text += f"[{key}]"
            shape = shape.member
        elif isinstance(shape, MapShape):
            text += f"[{key}]"
            shape = shape.value
        else:
            text += f"[{key}]"
            shape = None
    return text
