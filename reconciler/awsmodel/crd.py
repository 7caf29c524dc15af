"""The two CustomResourceDefinitions as Python objects (pure; `crdgen` writes them to crds/).

Contract: `crd_documents()` returns {file name: CRD} for HyperparameterTuningJob and TrainingJob
(apiextensions.k8s.io/v1, one served and stored version v1, status subresource, category
`sagemaker`, short names `hpo` / `tj`). The spec schemas come from `awsmodel.schema` (the
SageMaker model, DESIGN 3.1): the HyperparameterTuningJob spec is the CreateHyperParameterTuningJob
input plus the CR-only `region` and `sageMakerEndpoint` (its job name optional), the TrainingJob
spec is CreateTrainingJobRequest plus the same two. The status schemas and printer columns are
the cross-team contract of interfaces.md (DESIGN 3.3). No descriptions: `kubectl apply` keeps the
whole object in a 256 KiB annotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.awsmodel.schema import Schema, resource_schema

GROUP = "sagemaker.aws.amazon.com"
VERSION = "v1"
TUNING_JOB_REQUEST = "CreateHyperParameterTuningJobRequest"
TRAINING_JOB_REQUEST = "CreateTrainingJobRequest"
HPO_FILE = "hyperparametertuningjob.yaml"
TRAINING_FILE = "trainingjob.yaml"

_STRING: Schema = {"type": "string"}
_DATE_TIME: Schema = {"type": "string", "format": "date-time"}
_INT: Schema = {"type": "integer"}
_INT64: Schema = {"type": "integer", "format": "int64"}
_NUMBER: Schema = {"type": "number"}
REGION_SCHEMA: Schema = {"type": "string", "maxLength": 32, "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"}
ENDPOINT_SCHEMA: Schema = {"type": "string", "maxLength": 2048, "pattern": "^https?://[^ ]+$"}


def _object(properties: dict[str, Schema], *, required: Sequence[str] = ()) -> Schema:
    result: Schema = {"type": "object", "properties": properties}
    if required:
        result["required"] = list(required)
    return result


def _conditions_schema() -> Schema:
    condition = _object(
        {
            "type": _STRING,
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": _STRING,
            "message": _STRING,
            "lastTransitionTime": _DATE_TIME,
            "observedGeneration": _INT64,
        },
        required=["type", "status"],
    )
    return {
        "type": "array",
        "items": condition,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
    }


def _metric_schema() -> Schema:
    return _object({"metricName": _STRING, "value": _NUMBER})


def hpo_status_schema() -> Schema:
    """HyperparameterTuningJob ``.status`` (interfaces.md, DESIGN 3.3)."""
    counter_names = [
        "completed",
        "inProgress",
        "nonRetryableError",
        "retryableError",
        "stopped",
        "totalError",
    ]
    counters = _object({name: _INT for name in counter_names})
    best = _object(
        {
            "trainingJobName": _STRING,
            "trainingJobArn": _STRING,
            "trainingJobStatus": _STRING,
            "creationTime": _DATE_TIME,
            "trainingStartTime": _DATE_TIME,
            "trainingEndTime": _DATE_TIME,
            "objectiveStatus": _STRING,
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema(),
            "tunedHyperParameters": {
                "type": "array",
                "items": _object({"name": _STRING, "value": _STRING}),
            },
        }
    )
    return _object(
        {
            "hyperParameterTuningJobStatus": _STRING,
            "sageMakerHyperParameterTuningJobName": _STRING,
            "hyperParameterTuningJobArn": _STRING,
            "failureReason": _STRING,
            "additional": _STRING,
            "lastCheckTime": _DATE_TIME,
            "observedGeneration": _INT64,
            "trainingJobStatusCounters": counters,
            "bestTrainingJob": best,
            "conditions": _conditions_schema(),
        }
    )


def training_status_schema() -> Schema:
    """TrainingJob ``.status`` (interfaces.md)."""
    data_point = _object({"metricName": _STRING, "value": _NUMBER, "timestamp": _DATE_TIME})
    return _object(
        {
            "trainingJobStatus": _STRING,
            "secondaryStatus": _STRING,
            "sageMakerTrainingJobName": _STRING,
            "trainingJobArn": _STRING,
            "creationTime": _DATE_TIME,
            "trainingStartTime": _DATE_TIME,
            "trainingEndTime": _DATE_TIME,
            "lastModifiedTime": _DATE_TIME,
            "failureReason": _STRING,
            "modelPath": _STRING,
            "cloudWatchLogUrl": _STRING,
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema(),
            "finalMetricDataList": {"type": "array", "items": data_point},
            "lastCheckTime": _DATE_TIME,
            "additional": _STRING,
            "observedGeneration": _INT64,
            "conditions": _conditions_schema(),
        }
    )


def hpo_spec_schema() -> Schema:
    """HyperparameterTuningJob ``.spec``: the CreateHyperParameterTuningJob input + CR-only fields."""
    spec = resource_schema(TUNING_JOB_REQUEST)
    # The job name is optional on the resource: without it the reconciler derives one (DESIGN 3.2).
    spec["required"] = [name for name in spec.get("required", []) if name != "hyperParameterTuningJobName"]
    spec["properties"]["region"] = dict(REGION_SCHEMA)
    spec["properties"]["sageMakerEndpoint"] = dict(ENDPOINT_SCHEMA)
    return spec


def training_spec_schema() -> Schema:
    """TrainingJob ``.spec``: CreateTrainingJobRequest members + region + sageMakerEndpoint."""
    spec = resource_schema(TRAINING_JOB_REQUEST)
    # Children mirror DescribeTrainingJob, which need not echo every create-time required
    # member (Tags never); a mirror must never be refused by the API server, so the top level
    # requires nothing. Nested structures keep the model's required members.
    spec.pop("required", None)
    spec["properties"]["region"] = dict(REGION_SCHEMA)
    spec["properties"]["sageMakerEndpoint"] = dict(ENDPOINT_SCHEMA)
    return spec


def _column(name: str, path: str, kind: str, *, priority: int = 0, fmt: str | None = None) -> Schema:
    column: Schema = {"name": name, "type": kind, "jsonPath": path}
    if fmt:
        column["format"] = fmt
    if priority:
        column["priority"] = priority
    return column


def hpo_printer_columns() -> list[Schema]:
    """Columns of `kubectl get hyperparametertuningjob` (DESIGN 3.1), in order."""
    counters = ".status.trainingJobStatusCounters"
    ready = '.status.conditions[?(@.type=="Ready")]'
    return [
        _column("Status", ".status.hyperParameterTuningJobStatus", "string"),
        # type string + format date-time prints the timestamp, as the legacy operator did (type
        # date would print an age).
        _column("Creation-Time", ".metadata.creationTimestamp", "string", fmt="date-time"),
        _column("Completed", f"{counters}.completed", "integer"),
        _column("InProgress", f"{counters}.inProgress", "integer"),
        _column("Errors", f"{counters}.totalError", "integer"),
        _column("Stopped", f"{counters}.stopped", "integer"),
        _column("Best-Training-Job", ".status.bestTrainingJob.trainingJobName", "string"),
        _column("Sagemaker-Job-Name", ".status.sageMakerHyperParameterTuningJobName", "string"),
        _column("Ready", f"{ready}.status", "string", priority=1),
        _column("Reason", f"{ready}.reason", "string", priority=1),
    ]


def training_printer_columns() -> list[Schema]:
    """Columns of `kubectl get trainingjob` (DESIGN 3.1), in order."""
    return [
        _column("Status", ".status.trainingJobStatus", "string"),
        _column("Secondary-Status", ".status.secondaryStatus", "string"),
        _column("Creation-Time", ".metadata.creationTimestamp", "string", fmt="date-time"),
        _column("Sagemaker-Job-Name", ".status.sageMakerTrainingJobName", "string"),
        _column(
            "Objective", ".status.finalHyperParameterTuningJobObjectiveMetric.value", "number", priority=1
        ),
    ]


def _crd(
    *, kind: str, plural: str, short_name: str, spec: Schema, status: Schema, columns: list[Schema]
) -> dict[str, Any]:
    root = _object(
        {
            "apiVersion": _STRING,
            "kind": _STRING,
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
        required=["spec"],
    )
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": [short_name],
                "categories": ["sagemaker"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def crd_documents() -> dict[str, dict[str, Any]]:
    """The two CRDs as Python objects, by file name."""
    return {
        HPO_FILE: _crd(
            kind="HyperparameterTuningJob",
            plural="hyperparametertuningjobs",
            short_name="hpo",
            spec=hpo_spec_schema(),
            status=hpo_status_schema(),
            columns=hpo_printer_columns(),
        ),
        TRAINING_FILE: _crd(
            kind="TrainingJob",
            plural="trainingjobs",
            short_name="tj",
            spec=training_spec_schema(),
            status=training_status_schema(),
            columns=training_printer_columns(),
        ),
    }
