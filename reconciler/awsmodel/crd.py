"""The two CustomResourceDefinitions as Python objects (pure; `crdgen` writes them to crds/).

Contract: `crd_documents()` returns {file name: CRD} for HyperparameterTuningJob and TrainingJob
(apiextensions.k8s.io/v1, one served and stored version v1, status subresource, category
`sagemaker`, short names `hpo` / `tj`). The spec schemas come from `awsmodel.schema` (the
SageMaker model): the HyperparameterTuningJob spec is the CreateHyperParameterTuningJob
input plus the CR-only `region` and `sageMakerEndpoint` (its job name optional), the TrainingJob
spec is CreateTrainingJobRequest plus the same two. The status schemas and printer columns are
what README's "What a resource shows" and the legacy operator's users read. Every field has a description for
`kubectl explain`: the model's members get the first sentence or two of botocore's documentation
(`awsmodel.docs`), our own fields (region, sageMakerEndpoint, the optional job name, every status
member) the texts below. They are kept short: `kubectl apply` keeps the whole object in the
last-applied annotation, and all annotations of an object share 256 KiB.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.awsmodel.schema import Schema, described, resource_schema

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


def _d(schema: Schema, description: str) -> Schema:
    """A copy of `schema` with `description` (our own fields' texts)."""
    return described(dict(schema), description)


def _object(properties: dict[str, Schema], *, required: Sequence[str] = (), description: str = "") -> Schema:
    result: Schema = described({"type": "object", "properties": properties}, description)
    if required:
        result["required"] = list(required)
    return result


def _conditions_schema() -> Schema:
    condition = _object(
        {
            "type": _d(_STRING, "Ready (always), Reconciling or Stalled (only while True)."),
            "status": _d({"type": "string", "enum": ["True", "False", "Unknown"]}, "True, False or Unknown."),
            "reason": _d(
                _STRING, "One CamelCase word for the condition's cause (see docs/troubleshooting.md)."
            ),
            "message": _d(_STRING, "What happened and what to do, for people."),
            "lastTransitionTime": _d(_DATE_TIME, "When status last changed."),
            "observedGeneration": _d(_INT64, "The metadata.generation this condition was computed from."),
        },
        required=["type", "status"],
    )
    return {
        "type": "array",
        "items": condition,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        "description": "The latest observations of the resource's state, one per type.",
    }


def _metric_schema(description: str) -> Schema:
    return _object(
        {
            "metricName": _d(_STRING, "The name of the objective metric."),
            "value": _d(_NUMBER, "The metric's final value."),
        },
        description=description,
    )


_COUNTERS = {
    "completed": "Training jobs that completed successfully.",
    "inProgress": "Training jobs in progress.",
    "nonRetryableError": "Training jobs that failed with an error a retry cannot fix.",
    "retryableError": "Training jobs that failed with an error a retry might fix.",
    "stopped": "Training jobs that were stopped (manually or by early stopping).",
    "totalError": "retryableError + nonRetryableError.",
}


def hpo_status_schema() -> Schema:
    """HyperparameterTuningJob ``.status`` (README, "What a resource shows")."""
    counters = _object(
        {name: _d(_INT, text) for name, text in _COUNTERS.items()},
        description="The training jobs of the tuning job by status (SageMaker's TrainingJobStatusCounters).",
    )
    best = _object(
        {
            "trainingJobName": _d(_STRING, "The SageMaker name of the best training job."),
            "trainingJobArn": _d(_STRING, "Its Amazon Resource Name."),
            "trainingJobDefinitionName": _d(
                _STRING, "With several training job definitions: the definitionName it came from."
            ),
            "trainingJobStatus": _d(
                _STRING, "Its status: InProgress, Completed, Failed, Stopping or Stopped."
            ),
            "creationTime": _d(_DATE_TIME, "When SageMaker created it."),
            "trainingStartTime": _d(_DATE_TIME, "When its training started."),
            "trainingEndTime": _d(_DATE_TIME, "When its training ended."),
            "objectiveStatus": _d(
                _STRING, "Whether its objective metric was read: Succeeded, Pending or Failed."
            ),
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema("Its final objective metric."),
            "tunedHyperParameters": {
                "type": "array",
                "items": _object(
                    {
                        "name": _d(_STRING, "The hyperparameter's name."),
                        "value": _d(_STRING, "The value the tuning job chose."),
                    }
                ),
                "description": "The hyperparameter values the tuning job chose for it.",
            },
        },
        description="The training job with the best objective metric so far (SageMaker's BestTrainingJob).",
    )
    return _object(
        {
            "hyperParameterTuningJobStatus": _d(
                _STRING,
                "SageMaker's status of the tuning job: InProgress, Completed, Failed, Stopping or Stopped.",
            ),
            "sageMakerHyperParameterTuningJobName": _d(
                _STRING, "The name of the SageMaker tuning job this resource owns (given or derived)."
            ),
            "hyperParameterTuningJobArn": _d(_STRING, "The Amazon Resource Name of that tuning job."),
            "failureReason": _d(_STRING, "Why the tuning job failed, as SageMaker reports it."),
            "additional": _d(
                _STRING, "Further detail from the reconciler, e.g. why the spec cannot be applied."
            ),
            "lastCheckTime": _d(_DATE_TIME, "When the reconciler last read the job from SageMaker."),
            "observedGeneration": _d(_INT64, "The metadata.generation the reconciler last acted on."),
            "trainingJobStatusCounters": counters,
            "bestTrainingJob": best,
            "conditions": _conditions_schema(),
        },
        description="What the reconciler observed; written only by the reconciler.",
    )


def training_status_schema() -> Schema:
    """TrainingJob ``.status``, mirrored from DescribeTrainingJob."""
    data_point = _object(
        {
            "metricName": _d(_STRING, "The metric's name."),
            "value": _d(_NUMBER, "Its value."),
            "timestamp": _d(_DATE_TIME, "When it was recorded."),
        }
    )
    return _object(
        {
            "trainingJobStatus": _d(
                _STRING, "SageMaker's status: InProgress, Completed, Failed, Stopping or Stopped."
            ),
            "secondaryStatus": _d(
                _STRING, "SageMaker's detailed status, e.g. Downloading, Training, Uploading."
            ),
            "sageMakerTrainingJobName": _d(
                _STRING, "The name of the SageMaker training job this resource mirrors."
            ),
            "trainingJobArn": _d(_STRING, "Its Amazon Resource Name."),
            "trainingJobDefinitionName": _d(
                _STRING, "With several training job definitions: the definitionName it came from."
            ),
            "creationTime": _d(_DATE_TIME, "When SageMaker created it."),
            "trainingStartTime": _d(_DATE_TIME, "When its training started."),
            "trainingEndTime": _d(_DATE_TIME, "When its training ended."),
            "lastModifiedTime": _d(_DATE_TIME, "When SageMaker last changed it."),
            "failureReason": _d(_STRING, "Why it failed, as SageMaker reports it."),
            "modelPath": _d(_STRING, "The S3 URI of its model artifacts."),
            "cloudWatchLogUrl": _d(
                _STRING, "A console link to its CloudWatch log (or `hpo-reconciler logs NAME`)."
            ),
            "finalHyperParameterTuningJobObjectiveMetric": _metric_schema("Its final objective metric."),
            "finalMetricDataList": {
                "type": "array",
                "items": data_point,
                "description": "The final values of the metrics it reported.",
            },
            "lastCheckTime": _d(_DATE_TIME, "When the reconciler last read it from SageMaker."),
            "additional": _d(_STRING, "Further detail from the reconciler."),
            "observedGeneration": _d(_INT64, "The metadata.generation the reconciler last acted on."),
            "conditions": _conditions_schema(),
        },
        description="What the reconciler observed in SageMaker; written only by the reconciler.",
    )


REGION_DESCRIPTION = (
    "The AWS Region of the SageMaker job, e.g. us-east-2 (default: the reconciler's region). "
    "Fixed once the job exists."
)
ENDPOINT_DESCRIPTION = (
    "A SageMaker API endpoint URL to use instead of the Region's; honoured only when the reconciler "
    "runs with --allow-custom-endpoints."
)
JOB_NAME_DESCRIPTION = (
    "The name of the SageMaker tuning job (1 to 32 characters); optional: without it the reconciler "
    "derives one from metadata.name and metadata.uid."
)


def hpo_spec_schema() -> Schema:
    """HyperparameterTuningJob ``.spec``: the CreateHyperParameterTuningJob input + CR-only fields."""
    spec = resource_schema(TUNING_JOB_REQUEST)
    # The job name is optional on the resource: without it the reconciler derives one (core.naming).
    spec["required"] = [name for name in spec.get("required", []) if name != "hyperParameterTuningJobName"]
    spec["properties"]["hyperParameterTuningJobName"]["description"] = JOB_NAME_DESCRIPTION
    spec["properties"]["region"] = _d(REGION_SCHEMA, REGION_DESCRIPTION)
    spec["properties"]["sageMakerEndpoint"] = _d(ENDPOINT_SCHEMA, ENDPOINT_DESCRIPTION)
    spec["description"] = (
        "The hyperparameter tuning job to run: the CreateHyperParameterTuningJob request in camelCase, "
        "plus region and sageMakerEndpoint."
    )
    return spec


def training_spec_schema() -> Schema:
    """TrainingJob ``.spec``: CreateTrainingJobRequest members + region + sageMakerEndpoint."""
    spec = resource_schema(TRAINING_JOB_REQUEST)
    # Children mirror DescribeTrainingJob, which need not echo every create-time required
    # member (Tags never); a mirror must never be refused by the API server, so the top level
    # requires nothing. Nested structures keep the model's required members.
    spec.pop("required", None)
    spec["properties"]["region"] = _d(REGION_SCHEMA, "The AWS Region of the training job.")
    spec["properties"]["sageMakerEndpoint"] = _d(
        ENDPOINT_SCHEMA,
        "The SageMaker API endpoint the parent tuning job was created through, if not the Region's.",
    )
    spec["description"] = (
        "The SageMaker training job a tuning job launched, as DescribeTrainingJob reports it "
        "(written by the reconciler; read-only mirror)."
    )
    return spec


def _column(name: str, path: str, kind: str, *, priority: int = 0, fmt: str | None = None) -> Schema:
    column: Schema = {"name": name, "type": kind, "jsonPath": path}
    if fmt:
        column["format"] = fmt
    if priority:
        column["priority"] = priority
    return column


def hpo_printer_columns() -> list[Schema]:
    """Columns of `kubectl get hyperparametertuningjob` (the legacy operator's), in order."""
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
        # Not a legacy column: empty unless a person must act (the reason; `status.additional` and
        # the Stalled condition's message say what to do), so the default view shows who needs one.
        _column("Stalled", '.status.conditions[?(@.type=="Stalled")].reason', "string"),
        _column("Ready", f"{ready}.status", "string", priority=1),
        _column("Reason", f"{ready}.reason", "string", priority=1),
    ]


def training_printer_columns() -> list[Schema]:
    """Columns of `kubectl get trainingjob` (the legacy operator's), in order."""
    return [
        _column("Status", ".status.trainingJobStatus", "string"),
        _column("Secondary-Status", ".status.secondaryStatus", "string"),
        _column("Creation-Time", ".metadata.creationTimestamp", "string", fmt="date-time"),
        _column("Sagemaker-Job-Name", ".status.sageMakerTrainingJobName", "string"),
        _column(
            "Objective", ".status.finalHyperParameterTuningJobObjectiveMetric.value", "number", priority=1
        ),
        # Which of several training job definitions the job came from (empty for a single one).
        _column("Definition", ".status.trainingJobDefinitionName", "string", priority=1),
    ]


def _crd(
    *,
    kind: str,
    plural: str,
    short_name: str,
    description: str,
    spec: Schema,
    status: Schema,
    columns: list[Schema],
) -> dict[str, Any]:
    root = _object(
        {
            "apiVersion": _d(_STRING, "The versioned schema of this object: sagemaker.aws.amazon.com/v1."),
            "kind": _d(_STRING, f"{kind}."),
            "metadata": _d(
                {"type": "object"}, "Standard object metadata: name, namespace, labels, annotations."
            ),
            "spec": spec,
            "status": status,
        },
        required=["spec"],
        description=description,
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
            description="A SageMaker hyperparameter tuning job, created and tracked by hpo-reconciler.",
            spec=hpo_spec_schema(),
            status=hpo_status_schema(),
            columns=hpo_printer_columns(),
        ),
        TRAINING_FILE: _crd(
            kind="TrainingJob",
            plural="trainingjobs",
            short_name="tj",
            description="A training job a HyperparameterTuningJob launched in SageMaker (mirrored by "
            "hpo-reconciler; do not edit).",
            spec=training_spec_schema(),
            status=training_status_schema(),
            columns=training_printer_columns(),
        ),
    }
