"""How a tuning job evolves over simulated time: launches, ends, counters, best job, completion.

Contract: `catch_up(job, now=t)` replays, in time order, every training-job end that happened at or
before `t` and launches replacements at the instant a slot frees up, so a job's state at `t` does
not depend on when or how often it was looked at (requests are the only trigger; no threads).
Each run's own fate (failure, early stop, metric) is drawn when it launches (`launch`).
Stop and forced outcomes are in `interventions`.
The tuning job stops launching at MaxNumberOfTrainingJobs, when TargetObjectiveMetricValue is
reached, after BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving jobs without a
better metric, on convergence (CONVERGENCE_WINDOW jobs without improvement, when
ConvergenceDetected.CompleteOnConvergence is Enabled), or at ResourceLimits.MaxRuntimeInSeconds
(running jobs are then stopped). When its last run ends it is Completed, Stopped (if stopped) or
Failed (no run produced a final metric).
"""

from __future__ import annotations

import math
import random
from typing import Any

from reconciler.sandbox.sagemaker import objective, sampler
from reconciler.sandbox.sagemaker.arns import arn
from reconciler.sandbox.sagemaker.launch import plan_run
from reconciler.sandbox.sagemaker.model import Knobs, TrainingRun, TuningJob
from reconciler.sandbox.sagemaker.ranges import parse_ranges
from reconciler.sandbox.sagemaker.training_logs import planned_final

# ConvergenceDetected.CompleteOnConvergence=Enabled: the simulator calls the search converged once
# this many consecutive final metrics fail to improve on the best (SageMaker's own test is internal).
CONVERGENCE_WINDOW = 10


def new_tuning_job(
    request: dict[str, Any], *, region: str, created: float, seed: int, knobs: Knobs
) -> TuningJob:
    """A tuning job for a validated create request (defaults filled in); launches its first runs."""
    name = request["HyperParameterTuningJobName"]
    config = request["HyperParameterTuningJobConfig"]
    definitions = _definitions(request)
    objective_spec = (
        config.get("HyperParameterTuningJobObjective") or definitions[0].get("TuningObjective") or {}
    )
    ranges = [
        parse_ranges(d.get("HyperParameterRanges") or config.get("ParameterRanges")) for d in definitions
    ]
    strategy = config.get("Strategy", "Bayesian")
    limits = config.get("ResourceLimits") or {}
    max_jobs = limits.get("MaxNumberOfTrainingJobs")
    if strategy == "Grid":
        # The whole grid, always: a MaxNumberOfTrainingJobs that differs from its size was refused
        # at create (`semantic`, developer guide: "if specified, it should equal" the number of
        # distinct combinations), so the grid is never silently shortened.
        max_jobs = sampler.grid_size(ranges[0])
    criteria = config.get("TuningJobCompletionCriteria") or {}
    not_improving = (criteria.get("BestObjectiveNotImproving") or {}).get(
        "MaxNumberOfTrainingJobsNotImproving"
    )
    job = TuningJob(
        name=name,
        arn=arn(region=region, kind="hyper-parameter-tuning-job", name=name),
        region=region,
        request=request,
        created=created,
        strategy=strategy,
        objective_type=objective_spec.get("Type", "Minimize"),
        metric_name=objective_spec.get("MetricName", ""),
        ranges=ranges,
        max_jobs=int(max_jobs or 1),
        max_parallel=int(limits.get("MaxParallelTrainingJobs", 1)),
        max_runtime=float(limits["MaxRuntimeInSeconds"]) if "MaxRuntimeInSeconds" in limits else None,
        target_value=criteria.get("TargetObjectiveMetricValue"),
        not_improving_limit=not_improving,
        convergence_window=(
            CONVERGENCE_WINDOW
            if (criteria.get("ConvergenceDetected") or {}).get("CompleteOnConvergence") == "Enabled"
            else None
        ),
        early_stopping=config.get("TrainingJobEarlyStoppingType") == "Auto" or strategy == "Hyperband",
        early_stop_fraction=_early_stop_fraction(config) if strategy == "Hyperband" else 0.5,
        seed=seed,
        # HyperParameterTuningJobConfig.RandomSeed makes SageMaker's draws repeatable across jobs.
        rng=random.Random(
            f"random-seed:{config['RandomSeed']}" if "RandomSeed" in config else f"{seed}:{name.lower()}"
        ),
        tags=[dict(t) for t in request.get("Tags") or []],
        last_modified=created,
        caught_up_to=created,
    )
    _launch_more(job, at=created, knobs=knobs)
    return job


def _early_stop_fraction(config: dict[str, Any]) -> float:
    """How far into Training Hyperband stops a weak job: its first rung, MinResource / MaxResource."""
    hyperband = (config.get("StrategyConfig") or {}).get("HyperbandStrategyConfig") or {}
    low, high = hyperband.get("MinResource"), hyperband.get("MaxResource")
    if not low or not high:
        return 1 / 3  # one rung of Hyperband's default reduction factor 3
    return float(min(0.9, max(0.05, low / high)))


def _definitions(request: dict[str, Any]) -> list[dict[str, Any]]:
    if request.get("TrainingJobDefinition"):
        return [request["TrainingJobDefinition"]]
    return list(request.get("TrainingJobDefinitions") or [])


def catch_up(job: TuningJob, *, now: float, knobs: Knobs) -> None:
    # Fast path (most requests): nothing is due yet. Every function here that moves an end
    # earlier resets `next_due`, so the cached value is never later than the true next event.
    if now < job.next_due:
        return
    while job.ended_at is None:
        next_end = min(job.running, key=lambda r: (r.ended_at, r.index), default=None)
        deadline = job.created + job.max_runtime if job.max_runtime is not None else None
        if deadline is not None and job.runtime_limit_applied:
            deadline = None
        if deadline is not None and deadline <= now and (next_end is None or deadline < next_end.ended_at):
            _apply_runtime_limit(job, at=deadline, knobs=knobs)
            continue
        if next_end is None or next_end.ended_at > now:
            candidates = [t for t in (deadline, next_end.ended_at if next_end else None) if t is not None]
            job.next_due = min(candidates, default=math.inf)
            break
        _finish_run(job, next_end, knobs=knobs)
    if job.ended_at is not None:
        job.next_due = math.inf
    job.caught_up_to = max(job.caught_up_to, now)


def _finish_run(job: TuningJob, run: TrainingRun, *, knobs: Knobs) -> None:
    at = run.ended_at
    job.running.remove(run)
    run.processed = True
    c = job.counters
    if run.outcome == "Completed":
        c.completed += 1
    elif run.outcome == "Stopped":
        c.stopped += 1
    elif run.retryable:
        c.retryable_error += 1
    else:
        c.non_retryable_error += 1
    if run.final_metric is None:
        c.objective_failed += 1
    else:
        c.objective_succeeded += 1
        previous = job.best.final_metric if job.best is not None else None
        if previous is None or objective.is_better(
            run.final_metric, previous, objective_type=job.objective_type
        ):
            job.best = run
        # The best job is the best metric; "improving", for the completion criteria, is 1% or more.
        if previous is None or objective.improves_significantly(
            run.final_metric, previous, objective_type=job.objective_type
        ):
            job.jobs_not_improving = 0
        else:
            job.jobs_not_improving += 1
        _check_completion_criteria(job, at=at)
    failed = c.retryable_error + c.non_retryable_error
    if c.objective_succeeded == 0 and c.completed == 0 and failed >= knobs.failed_attempts_limit:
        # Recorded real runs end a tuning job whose training jobs all fail after a handful of
        # attempts ("No training job succeeded after 5 attempts. Please take a look at the
        # training job failures to get more details."), not after MaxNumberOfTrainingJobs.
        job.stop_launching = True
    job.last_modified = at
    _launch_more(job, at=at, knobs=knobs)
    if not job.running:
        end_job(job, at=at)


def _check_completion_criteria(job: TuningJob, *, at: float) -> None:
    best = job.best.final_metric if job.best else None
    if job.target_value is not None and best is not None:
        reached = best >= job.target_value if job.objective_type == "Maximize" else best <= job.target_value
        if reached:
            job.stop_launching = True
    if job.not_improving_limit is not None and job.jobs_not_improving >= job.not_improving_limit:
        job.stop_launching = True
    if job.convergence_window is not None and job.jobs_not_improving >= job.convergence_window:
        job.stop_launching = True
        if job.converged_at is None:
            job.converged_at = at


def end_job(job: TuningJob, *, at: float) -> None:
    job.ended_at = at
    job.last_modified = at
    if job.forced_status is not None:
        job.final_status = job.forced_status
    elif job.stop_requested_at is not None:
        job.final_status = "Stopped"
    elif job.counters.objective_succeeded == 0 and job.counters.completed == 0:
        job.final_status = "Failed"
        attempts = job.counters.retryable_error + job.counters.non_retryable_error or len(job.runs)
        job.failure_reason = (
            f"No training job succeeded after {attempts} attempts. "
            "Please take a look at the training job failures to get more details."
        )
    else:
        job.final_status = "Completed"


def _launch_more(job: TuningJob, *, at: float, knobs: Knobs) -> None:
    while not job.stop_launching and len(job.running) < job.max_parallel and len(job.runs) < job.max_jobs:
        run = plan_run(job, at=at, knobs=knobs)
        job.next_due = min(job.next_due, run.ended_at)
        job.runs.append(run)
        job.running.append(run)
        job.last_modified = at


def stop_run(job: TuningJob, run: TrainingRun, *, at: float, knobs: Knobs) -> None:
    """Stop a running training job: Stopping for knobs.stop_delay, then Stopped.

    Its final objective metric is the last one it logged before it ended, or none: the API
    reference (FinalHyperParameterTuningJobObjectiveMetric) "shows the latest objective metric
    emitted by a training job".
    """
    # Callers reset the parent's `next_due`: this may move the run's end earlier.
    run.stop_requested_at = at
    if run.ended_at > at + knobs.stop_delay:
        end = at + knobs.stop_delay
        emitted = sum(1 for i in range(run.rounds_reported) if round_time(run, i) <= end)
        run.ended_at = end
        run.outcome, run.failure_reason, run.retryable = "Stopped", None, False
        run.early_stopped = False
        run.rounds_reported = emitted
        run.final_metric = (
            objective.round_metric(
                planned_final(job, run),
                round_index=emitted - 1,
                rounds_total=run.rounds_total,
                objective_type=job.objective_type,
            )
            if emitted
            else None
        )


def round_time(run: TrainingRun, index: int) -> float:
    """When the run logs its `index`-th (0-based) training round."""
    return run.t_train + (run.t_upload - run.t_train) * (index + 1) / run.rounds_total


def _apply_runtime_limit(job: TuningJob, *, at: float, knobs: Knobs) -> None:
    job.runtime_limit_applied = True
    job.next_due = -math.inf
    job.stop_launching = True
    for run in job.running:
        stop_run(job, run, at=at, knobs=knobs)
    if not job.running:
        end_job(job, at=at)
