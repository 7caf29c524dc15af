"""Interventions on a running tuning job: StopHyperParameterTuningJob, StopTrainingJob, forced outcomes.

Contract: each function first catches the job up to the instant `at`, then changes the future:
stopping gives running training jobs `knobs.stop_delay` of Stopping before Stopped; forcing ends
a training job (or a whole tuning job and its running training jobs) at `at` with the given
status. The tuning job then reacts as it does to natural ends (`lifecycle`).
"""

from __future__ import annotations

import math

from reconciler.sandbox.sagemaker.lifecycle import catch_up, end_job, stop_run
from reconciler.sandbox.sagemaker.model import Knobs, TrainingRun, TuningJob
from reconciler.sandbox.sagemaker.training_logs import planned_final


def stop_tuning_job(job: TuningJob, *, at: float, knobs: Knobs) -> None:
    """StopHyperParameterTuningJob at simulated time `at` (the job is caught up to `at` first)."""
    catch_up(job, now=at, knobs=knobs)
    job.next_due = -math.inf
    job.stop_requested_at = at
    job.stop_launching = True
    job.last_modified = at
    for run in job.running:
        stop_run(job, run, at=at, knobs=knobs)
    if not job.running:
        end_job(job, at=at)


def stop_training_run(job: TuningJob, run: TrainingRun, *, at: float, knobs: Knobs) -> None:
    """StopTrainingJob: Stopping for knobs.stop_delay, then Stopped; the tuning job launches a replacement."""
    catch_up(job, now=at, knobs=knobs)
    job.next_due = -math.inf
    stop_run(job, run, at=at, knobs=knobs)
    job.last_modified = at


def force_run_outcome(
    job: TuningJob, run: TrainingRun, *, at: float, status: str, failure_reason: str | None, knobs: Knobs
) -> None:
    """End a still-running training job now with `status`; the tuning job reacts as to a natural end."""
    catch_up(job, now=at, knobs=knobs)
    if run.processed:
        raise ValueError(f"training job {run.name} already ended ({run.outcome})")
    job.next_due = -math.inf
    run.ended_at = at
    run.outcome = status
    if status == "Completed":
        run.rounds_reported = run.rounds_total
        run.early_stopped = False
        run.final_metric = planned_final(job, run)
    else:
        run.final_metric = None
    run.retryable = False
    run.failure_reason = failure_reason if status == "Failed" else None
    if status == "Failed" and run.failure_reason is None:
        run.failure_reason = "AlgorithmError: forced failure"
    catch_up(job, now=at, knobs=knobs)


def force_tuning_outcome(
    job: TuningJob, *, at: float, status: str, failure_reason: str | None, knobs: Knobs
) -> None:
    """End a tuning job now with `status`; its running training jobs are stopped at the same instant."""
    catch_up(job, now=at, knobs=knobs)
    if job.ended_at is not None:
        raise ValueError(f"tuning job {job.name} already ended ({job.final_status})")
    job.next_due = -math.inf
    job.stop_launching = True
    job.forced_status = status
    for run in job.running:
        run.ended_at = at
        run.outcome, run.final_metric, run.failure_reason, run.retryable = "Stopped", None, None, False
    if status == "Failed":
        job.failure_reason = failure_reason or "Forced failure."
    if not job.running:
        end_job(job, at=at)
    catch_up(job, now=at, knobs=knobs)
    if status == "Failed":
        job.failure_reason = failure_reason or "Forced failure."
