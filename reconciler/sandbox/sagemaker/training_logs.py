"""The CloudWatch log lines a simulated training job writes, derived from its timeline.

Contract: `log_stream_names(job, run)` lists one stream per instance of the training job,
`<training job>/algo-<N>-<creation epoch>` for N = 1..InstanceCount, as SageMaker names them
(developer guide, "Log Amazon SageMaker Events with Amazon CloudWatch": streams
`[training-job-name]/algo-[instance-number-in-cluster]-[epoch_timestamp]`); every instance
writes the same lines here. `events(job, run, t)` lists (timestamp ms, message) written up to
simulated time `t`: a start banner, one line per training round in the XGBoost style
(`[3]#011train-error:0.08#011validation-error:0.11`: the objective metric `validation:error`
becomes `validation-error`, converging on the final metric at the last round), then the failure
reason or a completion line.
"""

from __future__ import annotations

from reconciler.sandbox.sagemaker import objective
from reconciler.sandbox.sagemaker.model import TrainingRun, TuningJob

LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def instance_count(job: TuningJob, run: TrainingRun) -> int:
    definition = job.definition(run.definition_index)
    resources = definition.get("ResourceConfig") or definition.get("HyperParameterTuningResourceConfig") or {}
    count = resources.get("InstanceCount")
    return int(count) if isinstance(count, int) and count > 0 else 1


def log_stream_names(job: TuningJob, run: TrainingRun) -> list[str]:
    return [f"{run.name}/algo-{n}-{int(run.created)}" for n in range(1, instance_count(job, run) + 1)]


def metric_labels(metric_name: str) -> tuple[str, str]:
    channel, _, metric = metric_name.partition(":")
    if not metric:
        return f"train-{channel}", channel
    return f"train-{metric}", f"{channel}-{metric}"


def planned_final(job: TuningJob, run: TrainingRun) -> float:
    """The objective value `run` ends with when it completes (also what its log reports at the end)."""
    return objective.objective_value(
        ranges=job.ranges[run.definition_index],
        tuned=run.tuned,
        objective_type=job.objective_type,
        seed=job.seed,
        tuning_job_name=job.name,
        index=run.index,
    )


def events(job: TuningJob, run: TrainingRun, t: float) -> list[tuple[int, str]]:
    out: list[tuple[float, str]] = [
        (run.t_download, "Arguments: train"),
        (run.t_download + 0.5, f"Hyperparameters: {dict(sorted(run.tuned.items()))}"),
        (run.t_train, "Training data downloaded; starting training."),
    ]
    final = planned_final(job, run)
    train_label, objective_label = metric_labels(job.metric_name)
    duration = run.t_upload - run.t_train
    for i in range(run.rounds_reported):
        at = run.t_train + duration * (i + 1) / run.rounds_total
        if at > run.ended_at:
            break
        value = objective.round_metric(
            final, round_index=i, rounds_total=run.rounds_total, objective_type=job.objective_type
        )
        train = value - 0.01 if job.objective_type == "Minimize" else value + 0.01
        out.append((at, f"[{i}]#011{train_label}:{train:.5f}#011{objective_label}:{value:.5f}"))
    if run.failure_reason:
        out.append((run.ended_at, run.failure_reason))
    elif run.outcome == "Completed":
        out.append((run.ended_at, "Training complete. Uploading the model artifacts."))
    elif run.early_stopped:
        out.append((run.ended_at, "Training stopped early by the hyperparameter tuning job."))
    else:
        out.append((run.ended_at, "Training job stopped."))
    return [(int(at * 1000), message) for at, message in out if at <= t]
