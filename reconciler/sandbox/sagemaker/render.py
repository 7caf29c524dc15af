"""SageMaker response structures for tuning jobs and training jobs, at a given simulated time.

Contract: pure functions from records (+ `t`) to the PascalCase dicts of botocore's output shapes
(DescribeHyperParameterTuningJobResponse, HyperParameterTuningJobSummary,
HyperParameterTrainingJobSummary, DescribeTrainingJobResponse, TrainingJobSummary). Timestamps
are epoch seconds (floats), which is how the JSON protocol carries them. Fields appear only when
SageMaker would send them: BestTrainingJob once some run has a final metric, end times once ended,
FailureReason only on failure.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.sagemaker.model import TrainingRun, TuningJob


def training_counters(job: TuningJob) -> dict[str, int]:
    c = job.counters
    return {
        "Completed": c.completed,
        "InProgress": len(job.running),
        "RetryableError": c.retryable_error,
        "NonRetryableError": c.non_retryable_error,
        "Stopped": c.stopped,
    }


def objective_counters(job: TuningJob) -> dict[str, int]:
    c = job.counters
    return {"Succeeded": c.objective_succeeded, "Pending": len(job.running), "Failed": c.objective_failed}


def _ended(job: TuningJob, t: float) -> bool:
    return job.ended_at is not None and t >= job.ended_at


def describe_tuning_job(job: TuningJob, t: float) -> dict[str, Any]:
    out: dict[str, Any] = dict(job.request)
    out.pop("Tags", None)
    out.pop("HyperParameterTuningJobName", None)
    out = {"HyperParameterTuningJobName": job.name, "HyperParameterTuningJobArn": job.arn, **out}
    out["HyperParameterTuningJobStatus"] = job.status(t)
    out["CreationTime"] = job.created
    if _ended(job, t):
        out["HyperParameterTuningEndTime"] = job.ended_at
    out["LastModifiedTime"] = job.last_modified
    out["TrainingJobStatusCounters"] = training_counters(job)
    out["ObjectiveStatusCounters"] = objective_counters(job)
    if job.best is not None:
        out["BestTrainingJob"] = training_summary(job, job.best, t)
    if job.failure_reason and _ended(job, t):
        out["FailureReason"] = job.failure_reason
    details: dict[str, Any] = {"NumberOfTrainingJobsObjectiveNotImproving": job.jobs_not_improving}
    if job.converged_at is not None:
        details["ConvergenceDetectedTime"] = job.converged_at
    out["TuningJobCompletionDetails"] = details
    end = job.ended_at if _ended(job, t) and job.ended_at is not None else t
    out["ConsumedResources"] = {"RuntimeInSeconds": int(end - job.created)}
    return out


def tuning_job_summary(job: TuningJob, t: float) -> dict[str, Any]:
    config = job.request["HyperParameterTuningJobConfig"]
    out: dict[str, Any] = {
        "HyperParameterTuningJobName": job.name,
        "HyperParameterTuningJobArn": job.arn,
        "HyperParameterTuningJobStatus": job.status(t),
        "Strategy": job.strategy,
        "CreationTime": job.created,
        "LastModifiedTime": job.last_modified,
        "TrainingJobStatusCounters": training_counters(job),
        "ObjectiveStatusCounters": objective_counters(job),
    }
    if _ended(job, t):
        out["HyperParameterTuningEndTime"] = job.ended_at
    if config.get("ResourceLimits"):
        out["ResourceLimits"] = config["ResourceLimits"]
    return out


def final_metric(job: TuningJob, run: TrainingRun) -> dict[str, Any]:
    """FinalHyperParameterTuningJobObjectiveMetric: MetricName and Value only.

    The model requires only those two (its optional Type is never filled in recorded real
    DescribeHyperParameterTuningJob / ListTrainingJobsForHyperParameterTuningJob outputs, which
    issue 12's audit compared against), so a client that relies on Type is caught here.
    """
    return {"MetricName": job.metric_name, "Value": run.final_metric}


def training_summary(job: TuningJob, run: TrainingRun, t: float) -> dict[str, Any]:
    """HyperParameterTrainingJobSummary (ListTrainingJobsForHyperParameterTuningJob, BestTrainingJob)."""
    out: dict[str, Any] = {
        "TrainingJobName": run.name,
        "TrainingJobArn": run.arn,
        "TuningJobName": job.name,
        "CreationTime": run.created,
    }
    definition = job.definition(run.definition_index)
    if definition.get("DefinitionName"):
        out["TrainingJobDefinitionName"] = definition["DefinitionName"]
    if t >= run.t_download:
        out["TrainingStartTime"] = run.t_download
    ended = t >= run.ended_at
    if ended:
        out["TrainingEndTime"] = run.ended_at
    out["TrainingJobStatus"] = run.status(t)
    out["TunedHyperParameters"] = dict(run.tuned)
    if ended and run.failure_reason:
        out["FailureReason"] = run.failure_reason
    if ended and run.final_metric is not None:
        out["FinalHyperParameterTuningJobObjectiveMetric"] = final_metric(job, run)
        out["ObjectiveStatus"] = "Succeeded"
    else:
        out["ObjectiveStatus"] = "Failed" if ended else "Pending"
    return out


_PHASE_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
}


def secondary_transitions(run: TrainingRun, t: float) -> list[dict[str, Any]]:
    phases = [
        ("Starting", run.created),
        ("Downloading", run.t_download),
        ("Training", run.t_train),
        ("Uploading", run.t_upload),
    ]
    cut = run.ended_at
    if run.stop_requested_at is not None and run.stop_requested_at < cut:
        cut = run.stop_requested_at
    marks = [(s, at) for s, at in phases if at < cut or (at == run.created)]
    if run.stop_requested_at is not None and run.stop_requested_at <= run.ended_at:
        marks.append(("Stopping", run.stop_requested_at))
    marks.append((run.secondary_status(run.ended_at), run.ended_at))
    out: list[dict[str, Any]] = []
    for i, (status, start) in enumerate(marks):
        if start > t:
            break
        item: dict[str, Any] = {
            "Status": status,
            "StartTime": start,
            "StatusMessage": _PHASE_MESSAGES[status],
        }
        if i + 1 < len(marks) and marks[i + 1][1] <= t:
            item["EndTime"] = marks[i + 1][1]
        elif i == len(marks) - 1:
            item["EndTime"] = start
        out.append(item)
    if out and run.failure_reason and out[-1]["Status"] == "Failed":
        out[-1]["StatusMessage"] = run.failure_reason
    return out


_DEFINITION_MEMBERS_COPIED = (
    "AlgorithmSpecification",
    "RoleArn",
    "InputDataConfig",
    "VpcConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "StoppingCondition",
    "EnableNetworkIsolation",
    "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining",
    "CheckpointConfig",
    "RetryStrategy",
    "Environment",
)


def describe_training_job(job: TuningJob, run: TrainingRun, t: float) -> dict[str, Any]:
    definition = job.definition(run.definition_index)
    ended = t >= run.ended_at
    out: dict[str, Any] = {
        "TrainingJobName": run.name,
        "TrainingJobArn": run.arn,
        "TuningJobArn": job.arn,
        "ModelArtifacts": {"S3ModelArtifacts": model_path(definition, run)},
        "TrainingJobStatus": run.status(t),
        "SecondaryStatus": run.secondary_status(t),
        "HyperParameters": {**(definition.get("StaticHyperParameters") or {}), **run.tuned},
    }
    if ended and run.failure_reason:
        out["FailureReason"] = run.failure_reason
    for member in _DEFINITION_MEMBERS_COPIED:
        if member in definition:
            out[member] = definition[member]
    if "OutputDataConfig" in out:
        # DescribeTrainingJob always carries OutputDataConfig.KmsKeyId, "" when none was given:
        # the SageMaker Python SDK reads it without a default (sagemaker/estimator.py,
        # `_prepare_init_params_from_job_description`) while it adds "" itself for the tuning
        # job's definition (sagemaker/tuner.py, `_prepare_estimator_from_job_description`), and
        # AWS's Kubernetes controller late-initializes TrainingJob OutputDataConfig.KMSKeyID
        # (aws-controllers-k8s/sagemaker-controller, generator.yaml). So: filled here, echoed as
        # sent in DescribeHyperParameterTuningJob.
        out["OutputDataConfig"] = {"KmsKeyId": "", **out["OutputDataConfig"]}
    out["CreationTime"] = run.created
    if t >= run.t_download:
        out["TrainingStartTime"] = run.t_download
    if ended:
        out["TrainingEndTime"] = run.ended_at
        seconds = int(run.ended_at - run.t_download) if run.ended_at > run.t_download else 0
        out["TrainingTimeInSeconds"] = seconds
        out["BillableTimeInSeconds"] = seconds
    out["LastModifiedTime"] = min(t, run.ended_at)
    out["SecondaryStatusTransitions"] = secondary_transitions(run, t)
    if ended and run.final_metric is not None:
        out["FinalMetricDataList"] = [
            {"MetricName": job.metric_name, "Value": run.final_metric, "Timestamp": run.ended_at}
        ]
    return out


def model_path(definition: dict[str, Any], run: TrainingRun) -> str:
    base = (definition.get("OutputDataConfig") or {}).get("S3OutputPath", "s3://unknown").rstrip("/")
    return f"{base}/{run.name}/output/model.tar.gz"


def training_job_summary(run: TrainingRun, t: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TrainingJobName": run.name,
        "TrainingJobArn": run.arn,
        "CreationTime": run.created,
        "LastModifiedTime": min(t, run.ended_at),
        "TrainingJobStatus": run.status(t),
        "SecondaryStatus": run.secondary_status(t),
    }
    if t >= run.ended_at:
        out["TrainingEndTime"] = run.ended_at
    return out
