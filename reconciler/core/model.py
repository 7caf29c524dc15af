"""Pydantic models of the two resource kinds, as far as the reconciler reasons about them.

Contract:
- `HyperparameterTuningJob.parse(obj)` and `TrainingJob.parse(obj)` turn a Kubernetes object
  (a plain dict as the API returns it) into a typed value. Metadata and status are typed; the
  spec is kept as the raw dict (`spec`) because it is translated member by member into the
  SageMaker request by `reconciler.awsmodel`; the few spec members the reconciler reasons about
  (region, endpoint, requested job name, role ARNs) are read through tolerant accessors.
- Parsing never raises on a bad spec: a resource whose spec is missing or not a mapping parses
  with `spec_error` set, so the reconciler can record `Stalled/InvalidSpec` on it. Only
  unusable metadata (no name/namespace/uid) raises `ValueError`.
- A status that does not fit the model (a hand-edited or older status) is dropped, not fatal:
  the reconciler rebuilds status from SageMaker.
- `*.to_api()` of a status returns the camelCase dict that goes into a status patch
  (unset members omitted).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

GROUP = "sagemaker.aws.amazon.com"
VERSION = "v1"
API_VERSION = f"{GROUP}/{VERSION}"
TUNING_JOB_KIND = "HyperparameterTuningJob"
TUNING_JOB_PLURAL = "hyperparametertuningjobs"
TRAINING_JOB_KIND = "TrainingJob"
TRAINING_JOB_PLURAL = "trainingjobs"

FINALIZER = "sagemaker.aws.amazon.com/hyperparametertuningjob"
LEGACY_FINALIZER = "sagemaker-operator-finalizer"
# Children: the parent's UID is the label they are listed by (a UID always fits a label value's 63
# characters; a name may have 253); the name label is written only where it fits, for `kubectl -l`;
# the name annotation keeps the parent's name readable whatever its length (core.childlabels).
CHILD_LABEL = "sagemaker.aws.amazon.com/hyperparametertuningjob"
CHILD_UID_LABEL = "sagemaker.aws.amazon.com/hyperparametertuningjob-uid"
CHILD_PARENT_ANNOTATION = "sagemaker.aws.amazon.com/hyperparametertuningjob"
DELETION_POLICY_ANNOTATION = "sagemaker.aws.amazon.com/deletion-policy"
ALLOWED_ROLE_ARNS_ANNOTATION = "sagemaker.aws.amazon.com/allowed-role-arns"
# Written by the reconciler with its finalizer, before the create, when the job is created through a
# custom endpoint: the endpoint is not part of the job's ARN, so this is how later passes know it.
ENDPOINT_ANNOTATION = "sagemaker.aws.amazon.com/created-with-endpoint"
# Written with the finalizer before the create too: the name and region of the job being created, so
# that a pass after a lost status write tracks that job even if the spec was edited meanwhile. A tenant
# can write annotations: the job they name is trusted only when its uid tag is this resource's.
JOB_NAME_ANNOTATION = "sagemaker.aws.amazon.com/created-job-name"
REGION_ANNOTATION = "sagemaker.aws.amazon.com/created-in-region"
TAG_NAMESPACE = "hpo-reconciler/namespace"
TAG_NAME = "hpo-reconciler/name"
TAG_UID = "hpo-reconciler/uid"

SYNCHRONIZING = "SynchronizingK8sJobWithSageMaker"
# The legacy operator's STATUS when it could not create or track the job (its message in
# status.additional); shown here while a resource without a SageMaker job is Stalled.
RECONCILING_TUNING_JOB = "ReconcilingTuningJob"
TERMINAL_JOB_STATUSES = frozenset({"Completed", "Failed", "Stopped"})
RUNNING_JOB_STATUSES = frozenset({"InProgress", "Stopping", "Deleting"})

ConditionStatus = Literal["True", "False", "Unknown"]


class _Model(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown members ignored (the API server owns them)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class OwnerReference(_Model):
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(_Model):
    name: str
    namespace: str
    uid: str
    generation: int = 0
    resource_version: str | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    finalizers: list[str] = Field(default_factory=list)
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    owner_references: list[OwnerReference] = Field(default_factory=list)


class Condition(_Model):
    """metav1.Condition."""

    type: str
    status: ConditionStatus
    reason: str
    message: str = ""
    last_transition_time: str | None = None
    observed_generation: int | None = None


class NameValue(_Model):
    name: str
    value: str


class ObjectiveMetric(_Model):
    metric_name: str | None = None
    value: float | None = None


class MetricDatum(_Model):
    metric_name: str | None = None
    value: float | None = None
    timestamp: str | None = None


class TrainingJobStatusCounters(_Model):
    completed: int = 0
    in_progress: int = 0
    non_retryable_error: int = 0
    retryable_error: int = 0
    stopped: int = 0
    total_error: int = 0


class BestTrainingJob(_Model):
    training_job_name: str | None = None
    training_job_arn: str | None = None
    training_job_definition_name: str | None = None  # with several definitions: which one it came from
    training_job_status: str | None = None
    creation_time: str | None = None
    training_start_time: str | None = None
    training_end_time: str | None = None
    objective_status: str | None = None
    final_hyper_parameter_tuning_job_objective_metric: ObjectiveMetric | None = None
    tuned_hyper_parameters: list[NameValue] | None = None


class HyperparameterTuningJobStatus(_Model):
    hyper_parameter_tuning_job_status: str | None = None
    # The alias generator would spell this "sageMakerHyperParameter..." correctly, but be explicit:
    # it is the one member users grep for.
    sage_maker_hyper_parameter_tuning_job_name: str | None = Field(
        default=None, alias="sageMakerHyperParameterTuningJobName"
    )
    hyper_parameter_tuning_job_arn: str | None = None
    failure_reason: str | None = None
    additional: str | None = None
    last_check_time: str | None = None
    observed_generation: int | None = None
    training_job_status_counters: TrainingJobStatusCounters | None = None
    best_training_job: BestTrainingJob | None = None
    conditions: list[Condition] = Field(default_factory=list)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


class TrainingJobStatus(_Model):
    training_job_status: str | None = None
    secondary_status: str | None = None
    sage_maker_training_job_name: str | None = Field(default=None, alias="sageMakerTrainingJobName")
    training_job_arn: str | None = None
    training_job_definition_name: str | None = None  # with several definitions: which one it came from
    creation_time: str | None = None
    training_start_time: str | None = None
    training_end_time: str | None = None
    last_modified_time: str | None = None
    failure_reason: str | None = None
    model_path: str | None = None
    cloud_watch_log_url: str | None = None
    final_hyper_parameter_tuning_job_objective_metric: ObjectiveMetric | None = None
    final_metric_data_list: list[MetricDatum] | None = None
    last_check_time: str | None = None
    additional: str | None = None
    observed_generation: int | None = None
    conditions: list[Condition] = Field(default_factory=list)


_S = TypeVar("_S", bound=_Model)


def _parse_status(model: type[_S], raw: Any) -> _S:
    if isinstance(raw, Mapping):
        try:
            return model.model_validate(raw)
        except ValidationError:
            pass
    return model()


class HyperparameterTuningJob(BaseModel):
    """A HyperparameterTuningJob resource: typed metadata and status, raw spec."""

    model_config = ConfigDict(frozen=True)

    metadata: ObjectMeta
    spec: dict[str, Any]
    spec_error: str | None = None
    status: HyperparameterTuningJobStatus

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> HyperparameterTuningJob:
        metadata = _parse_metadata(obj)
        raw_spec = obj.get("spec")
        spec_error = None
        if raw_spec is None:
            spec_error = (
                "spec is missing: add a spec with hyperParameterTuningJobConfig and trainingJobDefinition"
            )
            raw_spec = {}
        elif not isinstance(raw_spec, Mapping):
            spec_error = f"spec must be a mapping, not {type(raw_spec).__name__}"
            raw_spec = {}
        return cls(
            metadata=metadata,
            spec=dict(raw_spec),
            spec_error=spec_error,
            status=_parse_status(HyperparameterTuningJobStatus, obj.get("status")),
        )

    @property
    def deleting(self) -> bool:
        return self.metadata.deletion_timestamp is not None

    @property
    def has_our_finalizer(self) -> bool:
        return FINALIZER in self.metadata.finalizers or LEGACY_FINALIZER in self.metadata.finalizers

    @property
    def retain_on_delete(self) -> bool:
        return self.metadata.annotations.get(DELETION_POLICY_ANNOTATION, "").strip().lower() == "retain"

    @property
    def region(self) -> str | None:
        return _str_or_none(self.spec.get("region"))

    @property
    def endpoint(self) -> str | None:
        return _str_or_none(self.spec.get("sageMakerEndpoint"))

    @property
    def requested_job_name(self) -> str | None:
        return _str_or_none(self.spec.get("hyperParameterTuningJobName"))

    @property
    def role_arns(self) -> list[str]:
        """Every execution role the tuning job would pass to SageMaker."""
        definitions: list[Any] = []
        if isinstance(self.spec.get("trainingJobDefinition"), Mapping):
            definitions.append(self.spec["trainingJobDefinition"])
        if isinstance(self.spec.get("trainingJobDefinitions"), list):
            definitions.extend(self.spec["trainingJobDefinitions"])
        roles = []
        for definition in definitions:
            if isinstance(definition, Mapping) and isinstance(definition.get("roleArn"), str):
                roles.append(definition["roleArn"])
        return roles

    @property
    def job_known(self) -> bool:
        """True once a status write has recorded the SageMaker job this resource owns."""
        return bool(self.status.hyper_parameter_tuning_job_arn)

    @property
    def job_region(self) -> str | None:
        """The region of the recorded job, from its ARN (`arn:aws:sagemaker:<region>:...`)."""
        return arn_region(self.status.hyper_parameter_tuning_job_arn)

    @property
    def creation_endpoint(self) -> str | None:
        """The endpoint the job was created through ("" = SageMaker's default); None when unknown.

        Our finalizer and the endpoint annotation are written in one patch before the create, so
        our finalizer without the annotation means the default endpoint. A resource carrying only
        the legacy finalizer was created elsewhere: unknown.
        """
        recorded = self.metadata.annotations.get(ENDPOINT_ANNOTATION)
        if recorded is not None:
            return recorded.strip()
        return "" if FINALIZER in self.metadata.finalizers else None

    @property
    def claimed_job(self) -> tuple[str, str | None] | None:
        """(name, region) of the job the identity annotations say was being created; None when absent.

        A claim: see `core.ownership` for what proves it.
        """
        name = self.metadata.annotations.get(JOB_NAME_ANNOTATION, "").strip()
        if not name:
            return None
        region = self.metadata.annotations.get(REGION_ANNOTATION, "").strip()
        return name, region or None


def arn_region(arn: str | None) -> str | None:
    """The region member of an ARN; None when there is no ARN or it has no region."""
    parts = (arn or "").split(":")
    return (parts[3] or None) if len(parts) > 4 and parts[0] == "arn" else None


class TrainingJob(BaseModel):
    """A child TrainingJob resource (the reconciler only reads its metadata and status)."""

    model_config = ConfigDict(frozen=True)

    metadata: ObjectMeta
    spec: dict[str, Any]
    status: TrainingJobStatus

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> TrainingJob:
        raw_spec = obj.get("spec")
        return cls(
            metadata=_parse_metadata(obj),
            spec=dict(raw_spec) if isinstance(raw_spec, Mapping) else {},
            status=_parse_status(TrainingJobStatus, obj.get("status")),
        )


def _parse_metadata(obj: Mapping[str, Any]) -> ObjectMeta:
    raw = obj.get("metadata")
    if not isinstance(raw, Mapping):
        raise ValueError("object has no metadata")
    try:
        return ObjectMeta.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"unusable metadata.{where}: {first['msg']}") from None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
