"""Benchmark 1 (issue 7): one pass over N Completed, in-sync HyperparameterTuningJobs.

Seeds N resources whose tuning jobs are Completed and whose status the reconciler already wrote
(`benchlib.seed_*`, straight into the sandboxes' stores), then runs ONE pass of the real console script
`hpo-reconciler run --no-lease` in a fresh process and prints one JSON line: SageMaker calls, Kubernetes
writes, Kubernetes list calls (and lists per 500 resources), wall time and peak RSS of that process.
Goals: 0 SageMaker calls, 0 writes, <= 1 list per 500 resources, <= 5 s, <= 250 MB.

    .venv/bin/python bench/steady_state.py [--resources 10000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from benchlib import Ground, run_cli, seed_jobs, seed_resources


def steady_pass(resources: int, *, concurrency: int = 8) -> dict[str, Any]:
    """Seed `resources` settled resources, run one pass, return its figures."""
    with Ground() as ground:
        started = time.perf_counter()
        seeded = seed_jobs(ground, resources)
        ground.sagemaker.advance(86_400)  # a day later: every job has ended
        seed_resources(ground, seeded)
        seed_seconds = time.perf_counter() - started
        completed = sum(
            1 for s in seeded.statuses.values() if s.get("hyperParameterTuningJobStatus") == "Completed"
        )
        ground.reset_stats()
        server_cpu = ground.server_cpu_seconds()
        run = run_cli(ground, "--concurrency", str(concurrency))
        server_cpu = ground.server_cpu_seconds() - server_cpu
        lists = ground.kube_lists()
        return {
            "benchmark": "steady_state",
            "resources": resources,
            "completed_resources": completed,
            "exit_code": run.code,
            "sagemaker_calls": sum(ground.sagemaker_calls().values()),
            "kube_writes": ground.kube_writes(),
            "kube_list_calls": lists,
            "list_calls_per_500_resources": round(lists / (resources / 500), 3),
            "wall_seconds": round(run.wall_seconds, 3),
            "pass_seconds": run.summary.get("duration_seconds"),
            "process_cpu_seconds": round(run.cpu_seconds, 2),
            "pass_cpu_seconds": run.summary.get("cpu_seconds"),
            "server_cpu_seconds": round(server_cpu, 2),  # the sandboxes, on their own CPU
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "kube_requests": ground.kube.stats(),
            "seed_seconds": round(seed_seconds, 2),
            "summary_outcomes": run.summary.get("outcomes"),
            "stderr_tail": run.stderr[-500:] if run.code else "",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(steady_pass(args.resources, concurrency=args.concurrency)), flush=True)


if __name__ == "__main__":
    main()
