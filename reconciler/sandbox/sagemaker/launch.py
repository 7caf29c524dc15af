"""Planning one training job of a tuning job at the instant it launches.

Contract: `plan_run(job, at=t, knobs=...)` draws the run's hyperparameters (`sampler`), its name
(`<tuning job>-<NNN>-<8 hex>`), its phase durations and its fate, and returns a `TrainingRun`
whose whole timeline is fixed. All draws come from the tuning job's own seeded RNG (seeded by
HyperParameterTuningJobConfig.RandomSeed when given, so two jobs with one RandomSeed draw alike).
The fate:
- failure (knobs.*_failure_rate): retryable ones fail while Downloading with an internal error,
  non-retryable ones fail 30% into Training with an AlgorithmError; neither has a final metric;
- early stopping (TrainingJobEarlyStoppingType Auto, and the Hyperband strategy): once
  `knobs.early_stop_min_jobs` final metrics exist, a run whose objective would be worse than their
  median is stopped partway through Training -- halfway for Auto, at the first Hyperband rung
  (MinResource / MaxResource, default 1/3) for Hyperband -- reporting its last logged round;
- otherwise it completes with `objective.objective_value(...)`.
"""

from __future__ import annotations

import statistics

from reconciler.sandbox.sagemaker import objective, sampler
from reconciler.sandbox.sagemaker.arns import arn
from reconciler.sandbox.sagemaker.model import Knobs, TrainingRun, TuningJob

DEFAULT_ROUNDS = 10


def _rounds(hyperparameters: dict[str, str]) -> int:
    value = hyperparameters.get("num_round", "")
    return min(100, max(1, int(value))) if value.isdigit() else DEFAULT_ROUNDS


def plan_run(job: TuningJob, *, at: float, knobs: Knobs) -> TrainingRun:
    rng = job.rng
    index = len(job.runs) + 1
    definition_index = (index - 1) % len(job.ranges)
    ranges = job.ranges[definition_index]
    tuned = sampler.draw(
        strategy=job.strategy,
        ranges=ranges,
        index=index - 1,
        rng=rng,
        best_so_far=job.best.tuned if job.best else None,
        launched=len(job.runs),
    )
    name = f"{job.name}-{index:03d}-{rng.getrandbits(32):08x}"

    def phase(seconds: float) -> float:
        return seconds * (1 + knobs.jitter * (2 * rng.random() - 1))

    t_download = at + phase(knobs.starting)
    t_train = t_download + phase(knobs.downloading)
    t_upload = t_train + phase(knobs.training)
    t_end = t_upload + phase(knobs.uploading)
    statics = job.definition(definition_index).get("StaticHyperParameters") or {}
    rounds = _rounds({**statics, **tuned})
    planned = objective.objective_value(
        ranges=ranges,
        tuned=tuned,
        objective_type=job.objective_type,
        seed=job.seed,
        tuning_job_name=job.name,
        index=index,
    )
    run = TrainingRun(
        name=name,
        arn=arn(region=job.region, kind="training-job", name=name),
        index=index,
        definition_index=definition_index,
        tuned=tuned,
        created=at,
        t_download=t_download,
        t_train=t_train,
        t_upload=t_upload,
        ended_at=t_end,
        outcome="Completed",
        final_metric=planned,
        rounds_reported=rounds,
        rounds_total=rounds,
        tags=[dict(t) for t in job.tags],
    )
    fate = rng.random()
    if fate < knobs.non_retryable_failure_rate:
        run.outcome, run.final_metric = "Failed", None
        run.rounds_reported = max(0, int(rounds * 0.3))
        run.ended_at = t_train + 0.3 * (t_upload - t_train)
        run.failure_reason = (
            "AlgorithmError: framework error: the training script exited with a non-zero status (exit code 1)"
        )
    elif fate < knobs.non_retryable_failure_rate + knobs.retryable_failure_rate:
        run.outcome, run.final_metric, run.retryable = "Failed", None, True
        run.rounds_reported = 0
        run.ended_at = t_download + 0.5 * (t_train - t_download)
        run.failure_reason = "InternalServerError: We encountered an internal error. Please try again."
    elif job.early_stopping and _worse_than_median(job, planned, knobs=knobs):
        run.outcome, run.early_stopped = "Stopped", True
        run.rounds_reported = max(1, int(rounds * job.early_stop_fraction))
        run.ended_at = t_train + job.early_stop_fraction * (t_upload - t_train)
        run.final_metric = objective.round_metric(
            planned,
            round_index=run.rounds_reported - 1,
            rounds_total=rounds,
            objective_type=job.objective_type,
        )
    return run


def _worse_than_median(job: TuningJob, value: float, *, knobs: Knobs) -> bool:
    metrics = [r.final_metric for r in job.runs if r.processed and r.final_metric is not None]
    if len(metrics) < knobs.early_stop_min_jobs:
        return False
    median = statistics.median(metrics)
    return objective.is_better(median, value, objective_type=job.objective_type)
