"""Benchmark 2 (issue 7): one pass over N running tuning jobs with SageMaker latency.

Seeds N resources whose tuning jobs are InProgress (created `--stagger` simulated seconds apart, so they
are at different stages) and whose status the reconciler already wrote; moves the simulated clock
`--advance` seconds, so that some jobs' training jobs finish (their counters change) and the others do
not; adds `--latency` to every SageMaker request; runs ONE pass of the real console script with
`--concurrency C` in a fresh process. Prints one JSON line: DescribeHyperParameterTuningJob calls per
resource, ListTrainingJobsForHyperParameterTuningJob calls vs the number of jobs whose counters/status/
best job changed (computed from the simulator beforehand), every SageMaker call, and the pass's wall time
against the ideal (SageMaker calls x latency / concurrency).
Goals: <= 1 Describe per resource, List only for changed jobs, pass / ideal <= 1.25.

    .venv/bin/python bench/active.py [--resources 1000] [--latency 0.02] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json

from benchlib import Ground, describe, run_cli, seed_jobs, seed_resources

from reconciler.core.model import HyperparameterTuningJobStatus
from reconciler.core.status import training_jobs_changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--stagger", type=float, default=0.15, help="simulated seconds between creations")
    parser.add_argument("--advance", type=float, default=5.0, help="simulated seconds between seed and pass")
    args = parser.parse_args()
    with Ground() as ground:
        seeded = seed_jobs(ground, args.resources, stagger_seconds=args.stagger)
        ground.sagemaker.advance(args.stagger)  # the newest job is running too
        seed_resources(ground, seeded)
        ground.sagemaker.advance(args.advance)
        changed = 0
        running = 0
        for name in seeded.names:
            description = describe(ground, seeded.job_names[name])
            running += description["HyperParameterTuningJobStatus"] == "InProgress"
            previous = HyperparameterTuningJobStatus.model_validate(
                {k: v for k, v in seeded.statuses[name].items() if k != "uid"}
            )
            changed += training_jobs_changed(previous, description)
        ground.reset_stats()
        ground.sagemaker.set_latency(args.latency)
        run = run_cli(ground, "--concurrency", str(args.concurrency))
        calls = ground.sagemaker_calls()
        describes = calls.get("DescribeHyperParameterTuningJob", 0)
        total = sum(calls.values())
        ideal = total * args.latency / args.concurrency
        pass_seconds = float(run.summary.get("duration_seconds") or run.wall_seconds)
        figures = {
            "benchmark": "active",
            "resources": args.resources,
            "running_jobs": running,
            "jobs_changed": changed,
            "exit_code": run.code,
            "describe_per_resource": round(describes / args.resources, 3),
            "list_training_jobs_calls": calls.get("ListTrainingJobsForHyperParameterTuningJob", 0),
            "sagemaker_calls": calls,
            "sagemaker_calls_total": total,
            "latency_seconds": args.latency,
            "concurrency": args.concurrency,
            "ideal_seconds": round(ideal, 3),
            "pass_seconds": round(pass_seconds, 3),
            "pass_over_ideal": round(pass_seconds / ideal, 3) if ideal else None,
            "process_wall_seconds": round(run.wall_seconds, 3),
            "process_wall_over_ideal": round(run.wall_seconds / ideal, 3) if ideal else None,
            "kube_requests": ground.kube.stats(),
            "process_cpu_seconds": round(run.cpu_seconds, 2),
            "cpu_ms_per_resource": round(run.cpu_seconds * 1000 / args.resources, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "summary_outcomes": run.summary.get("outcomes"),
        }
        print(json.dumps(figures), flush=True)
        if run.code != 0:
            print(run.stderr[-2000:])


if __name__ == "__main__":
    main()
