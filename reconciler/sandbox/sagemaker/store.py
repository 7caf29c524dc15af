"""Where the simulator keeps its tuning jobs, found by name or ARN, always caught up to the clock.

Contract: names are unique case-insensitively (keys are lowercased). Every accessor takes the
simulated time `now` and returns records already advanced to it with `lifecycle.catch_up`, so a
caller never sees stale state. Training jobs are found through their parent: a training job name
is `<tuning job>-<NNN>-<8 hex>`. A deleted tuning job's training jobs stay describable, as on
SageMaker. All access happens under `lock` (handlers hold it for the whole request).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from reconciler.sandbox.sagemaker import errors, lifecycle
from reconciler.sandbox.sagemaker.arns import name_from_arn
from reconciler.sandbox.sagemaker.model import Knobs, TrainingRun, TuningJob


class Store:
    def __init__(self, *, knobs: Knobs) -> None:
        self.knobs = knobs
        self.lock = threading.RLock()
        self.jobs: dict[str, TuningJob] = {}
        self.deleted: list[TuningJob] = []
        self.created_names: list[str] = []

    def add(self, job: TuningJob) -> None:
        self.jobs[job.name.lower()] = job
        self.created_names.append(job.name)

    def find_job(self, name: str, *, now: float) -> TuningJob | None:
        job = self.jobs.get(name.lower())
        if job is not None:
            lifecycle.catch_up(job, now=now, knobs=self.knobs)
        return job

    def job(self, name: str, *, now: float) -> TuningJob:
        job = self.find_job(name, now=now)
        if job is None:
            raise errors.tuning_job_not_found(name)
        return job

    def delete(self, job: TuningJob) -> None:
        del self.jobs[job.name.lower()]
        self.deleted.append(job)

    def all_jobs(self, *, now: float) -> list[TuningJob]:
        for job in self.jobs.values():
            lifecycle.catch_up(job, now=now, knobs=self.knobs)
        return list(self.jobs.values())

    def all_runs(self, *, now: float) -> Iterator[tuple[TuningJob, TrainingRun]]:
        for job in [*self.all_jobs(now=now), *self.deleted]:
            lifecycle.catch_up(job, now=now, knobs=self.knobs)
            for run in job.runs:
                yield job, run

    def find_run(self, name: str, *, now: float) -> tuple[TuningJob, TrainingRun] | None:
        parent = name.rpartition("-")[0]
        parent, _, number = parent.rpartition("-")
        if not number.isdigit():
            return None
        candidates = [self.jobs.get(parent.lower()), *reversed(self.deleted)]
        for job in candidates:
            if job is None or job.name.lower() != parent.lower():
                continue
            lifecycle.catch_up(job, now=now, knobs=self.knobs)
            index = int(number)
            if 1 <= index <= len(job.runs) and job.runs[index - 1].name.lower() == name.lower():
                return job, job.runs[index - 1]
        return None

    def run(self, name: str, *, now: float) -> tuple[TuningJob, TrainingRun]:
        found = self.find_run(name, now=now)
        if found is None:
            raise errors.training_job_not_found()
        return found

    def tags_for_arn(self, resource_arn: str, *, now: float) -> list[dict[str, str]] | None:
        """The live tag list of the resource `resource_arn` names (mutable), or None if there is none."""
        parsed = name_from_arn(resource_arn)
        if parsed is None:
            return None
        kind, name = parsed
        if kind == "hyper-parameter-tuning-job":
            job = self.find_job(name, now=now)
            return job.tags if job is not None and job.arn == resource_arn.lower() else None
        if kind == "training-job":
            found = self.find_run(name, now=now)
            return found[1].tags if found is not None and found[1].arn == resource_arn.lower() else None
        return None

    def running_count(self, *, now: float) -> int:
        return sum(1 for job in self.all_jobs(now=now) if job.status(now) in ("InProgress", "Stopping"))
