"""The CreateHyperParameterTuningJob request a resource asks for, or every reason there is none.

Contract:
- `desired_request(resource, job_name=...)` returns `Desired(request, problems)`: `request` is the
  PascalCase request (with the three `hpo-reconciler/*` tags added to the user's) when the spec
  passes the CRD's schema (as kube-apiserver would check it, unknown fields included: a resource
  can predate the CRD or bypass it), translates, and passes both the API model's full constraint
  check and SageMaker's offline create-time rules; otherwise `request` is None and `problems` lists
  one line per problem, `spec.path: what is wrong`, short enough for a condition message. Schema
  problems are reported alone: the later checks would only restate them.
- Never raises for any spec content (wrong types, unknown fields, huge values).
Pure: no I/O.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.awsmodel import MalformedEntryError, UnknownFieldError, check_input, spec_to_request
from reconciler.awsmodel.combinations import GRID_STRATEGY, combinations
from reconciler.awsmodel.crd import HPO_FILE, crd_documents
from reconciler.core.model import (
    API_VERSION,
    TAG_NAME,
    TAG_NAMESPACE,
    TAG_UID,
    TUNING_JOB_KIND,
    HyperparameterTuningJob,
)
from reconciler.core.naming import is_valid_job_name
from reconciler.spec.crdschema import format_field_error, validate_object
from reconciler.spec.semantics import check_spec

_MAX_VALUE_CHARS = 60
_MAX_PROBLEM_CHARS = 300


@dataclass(frozen=True)
class Desired:
    request: dict[str, Any] | None
    problems: tuple[str, ...] = ()


def reconciler_tags(resource: HyperparameterTuningJob) -> list[dict[str, str]]:
    meta = resource.metadata
    return [
        {"Key": TAG_NAMESPACE, "Value": meta.namespace},
        {"Key": TAG_NAME, "Value": meta.name},
        {"Key": TAG_UID, "Value": meta.uid},
    ]


def desired_request(resource: HyperparameterTuningJob, *, job_name: str) -> Desired:
    """The request to send for `resource`, or the problems that prevent it."""
    if resource.spec_error:
        return Desired(None, (resource.spec_error,))
    schema_problems = _schema_problems(resource)
    if schema_problems:
        return Desired(None, tuple(_unique(schema_problems)))
    problems: list[str] = []
    if not is_valid_job_name(job_name):
        problems.append(
            f"spec.hyperParameterTuningJobName: {_short(job_name)} is not a valid SageMaker job name "
            "(1-32 letters, digits and inner hyphens)"
        )
    try:
        semantic = check_spec(resource.spec)
    except Exception as exc:  # a rule tripping over an odd shape must not hide the other checks
        semantic = []
        problems.append(f"spec: cannot be checked ({type(exc).__name__})")
    problems.extend(_line(f"{p.path}: {p.message}") for p in semantic)
    try:
        request = spec_to_request(resource.spec, job_name=job_name)
    except (UnknownFieldError, MalformedEntryError) as exc:
        problems.append(_line(f"{exc}; remove or correct it"))
        return Desired(None, tuple(_unique(problems)))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        problems.append(_line(f"spec: cannot be translated into a SageMaker request: {exc}"))
        return Desired(None, tuple(_unique(problems)))
    user_tags = [
        t for t in request.get("Tags") or [] if not str(t.get("Key", "")).startswith("hpo-reconciler/")
    ]
    request["Tags"] = user_tags + reconciler_tags(resource)
    complete_for_clients(request)
    for violation in check_input("CreateHyperParameterTuningJob", request):
        path = violation.path
        where = (
            "spec.hyperParameterTuningJobName" if path == "hyperParameterTuningJobName" else f"spec.{path}"
        )
        problems.append(_line(f"{where}: {violation.constraint} (value {_short(violation.value)})"))
    if problems:
        return Desired(None, tuple(_unique(problems)))
    return Desired(request)


_RANGE_LISTS = ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")


def complete_for_clients(request: dict[str, Any]) -> None:
    """Add what the spec may leave out but clients of DescribeHyperParameterTuningJob read.

    The SageMaker Python SDK (v2, `HyperparameterTuner.attach`) reads the response without
    defaults: `ParameterRanges["CategoricalParameterRanges"]` and its two siblings, and
    `ResourceLimits["MaxNumberOfTrainingJobs"]` (sagemaker/tuner.py,
    `_prepare_parameter_ranges_from_job_description`, `_prepare_init_params_from_job_description`).
    DescribeHyperParameterTuningJob returns the configuration as it was sent, so the request
    carries them:
    - all three range lists, empty ones included, in every ParameterRanges / HyperParameterRanges
      present: every request example of the API reference (API_CreateHyperParameterTuningJob.html)
      and every request the SDK builds (`_prepare_parameter_ranges_for_tuning`) sends all three.
      Empty lists equal absent ones in the drift comparison (`delta`), so this changes no verdict.
    - MaxNumberOfTrainingJobs for Grid when the spec leaves it out: the number of distinct
      combinations, which is the only value the developer guide allows there ("if specified, it
      should equal the number of distinct combinations"; `reconciler.awsmodel.combinations`).
    """
    config = request.get("HyperParameterTuningJobConfig")
    if not isinstance(config, dict):
        return
    definitions = [request.get("TrainingJobDefinition"), *(request.get("TrainingJobDefinitions") or [])]
    range_sets = [config.get("ParameterRanges")] + [
        d.get("HyperParameterRanges") for d in definitions if isinstance(d, dict)
    ]
    for ranges in range_sets:
        if isinstance(ranges, dict):
            for key in _RANGE_LISTS:
                ranges.setdefault(key, [])
    limits = config.get("ResourceLimits")
    grid = config.get("Strategy") == GRID_STRATEGY
    if grid and isinstance(limits, dict) and limits.get("MaxNumberOfTrainingJobs") is None:
        ranges = config.get("ParameterRanges")
        if ranges is None and isinstance(request.get("TrainingJobDefinition"), dict):
            ranges = request["TrainingJobDefinition"].get("HyperParameterRanges")
        count = combinations(ranges) if isinstance(ranges, dict) else None
        if count:
            limits["MaxNumberOfTrainingJobs"] = count


_SCHEMA_LOCK = threading.Lock()


def _resource_schema() -> Mapping[str, Any]:
    # Under the lock: a pass starts --concurrency workers at once, and without it each of them
    # rendered and parsed the CRD (16 workers: +10 s and +250 MB before the first resource).
    with _SCHEMA_LOCK:
        return _rendered_resource_schema()


@functools.cache
def _rendered_resource_schema() -> Mapping[str, Any]:
    """The openAPIV3Schema of the served version of the generated HyperparameterTuningJob CRD."""
    crd = crd_documents()[HPO_FILE]
    version = next(v for v in crd["spec"]["versions"] if v.get("served", True))
    schema: Mapping[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _schema_problems(resource: HyperparameterTuningJob) -> list[str]:
    obj = {
        "apiVersion": API_VERSION,
        "kind": TUNING_JOB_KIND,
        "metadata": {"name": resource.metadata.name, "namespace": resource.metadata.namespace},
        "spec": resource.spec,
    }
    result = validate_object(obj, schema=_resource_schema(), strict=True)
    problems = [_line(format_field_error(error)) for error in result.errors if error.field.startswith("spec")]
    problems += [
        _line(f'unknown field "{path}": remove it')
        for path in result.unknown_fields
        if path.startswith("spec")
    ]
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_PROBLEM_CHARS else text[: _MAX_PROBLEM_CHARS - 3] + "..."


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
