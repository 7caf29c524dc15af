"""Benchmark 2 (issues 7, 14): one pass over N running tuning jobs with API latency.

Seeds N resources whose tuning jobs are InProgress (created `--stagger` simulated seconds apart, so they
are at different stages) and whose status the reconciler already wrote. With `--advance` > 0 (the
"changed" scenario) a first, unmeasured pass at zero latency mirrors every training job as a TrainingJob
child, as the CronJob's previous pass would have; then the simulated clock moves `--advance` seconds so
that some jobs' training jobs start or finish. With `--advance 0` (the "describe-only" scenario) nothing
changes between seeding and the pass. Each latency of `--latencies` gets a freshly seeded world (same
seed, so the same objects and calls); SageMaker answers after that latency, the Kubernetes emulator after
`--kube-latency`. The sandboxes run in a process of their own (benchlib.Ground), pinned away from the
pass. Prints one JSON line per latency.

The ideal counts every request: the pass lists resources on one thread, page by page, and spreads
everything else over `--concurrency` workers, so
    ideal = lists x kube_latency + (sagemaker_calls x latency + other_kube_requests x kube_latency) / C
Goals (issue 14): describe-only <= 1.25 x ideal at >= 30 ms; changed (15% of 1,000 jobs) <= 1.5 x ideal
at 50 ms; the CPU per resource is reported for both.

    .venv/bin/python bench/active.py [--resources 1000] [--latencies 0.02,0.03,0.05,0.08] [--advance 0]
                                     [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from benchlib import (
    PASS_CPUS,
    SERVER_CPUS,
    Ground,
    describe,
    run_cli,
    seed_jobs,
    seed_resources,
    stored_statuses,
)

from reconciler.core.model import HyperparameterTuningJobStatus
from reconciler.core.status import training_jobs_changed


def one_latency(args: argparse.Namespace, latency: float) -> dict[str, Any]:
    with Ground(seed=args.seed) as ground:
        seeded = seed_jobs(ground, args.resources, stagger_seconds=args.stagger)
        ground.sagemaker.advance(args.stagger)  # the newest job is running too
        seed_resources(ground, seeded, before_children=args.advance > 0)
        warm: dict[str, Any] = {}
        if args.advance > 0:
            first = run_cli(ground, "--concurrency", str(args.concurrency))  # children, as a previous pass
            children = ground.kube.stats().get("CREATE trainingjobs", 0)
            warm = {"exit_code": first.code, "outcomes": first.summary.get("outcomes"), "children": children}
        statuses = stored_statuses(ground)
        ground.sagemaker.advance(args.advance)
        changed = running = 0
        for name in seeded.names:
            description = describe(ground, seeded.job_names[name])
            running += description["HyperParameterTuningJobStatus"] == "InProgress"
            previous = HyperparameterTuningJobStatus.model_validate(statuses[name])
            changed += training_jobs_changed(previous, description)
        ground.reset_stats()
        ground.sagemaker.set_latency(latency)
        ground.kube.set_latency(args.kube_latency)
        server_cpu = ground.server_cpu_seconds()
        run = run_cli(ground, "--concurrency", str(args.concurrency))
        server_cpu = ground.server_cpu_seconds() - server_cpu
        calls = ground.sagemaker_calls()
        kube = {k: v for k, v in ground.kube.stats().items() if v}
        total = sum(calls.values())
        lists = sum(v for k, v in kube.items() if k.startswith("LIST "))
        kube_total = sum(kube.values())
        ideal = (
            lists * args.kube_latency
            + (total * latency + (kube_total - lists) * args.kube_latency) / args.concurrency
        )
        pass_seconds = float(run.summary.get("duration_seconds") or run.wall_seconds)
        return {
            "benchmark": "active-changed" if args.advance > 0 else "active-describe-only",
            "resources": args.resources,
            "running_jobs": running,
            "jobs_changed": changed,
            "warm_pass": warm,
            "exit_code": run.code,
            "describe_per_resource": round(
                calls.get("DescribeHyperParameterTuningJob", 0) / args.resources, 3
            ),
            "list_training_jobs_calls": calls.get("ListTrainingJobsForHyperParameterTuningJob", 0),
            "sagemaker_calls": calls,
            "sagemaker_calls_total": total,
            "kube_requests": kube,
            "kube_requests_total": kube_total,
            "latency_seconds": latency,
            "kube_latency_seconds": args.kube_latency,
            "concurrency": args.concurrency,
            "ideal_seconds": round(ideal, 3),
            "pass_seconds": round(pass_seconds, 3),
            "pass_over_ideal": round(pass_seconds / ideal, 3) if ideal else None,
            "process_wall_seconds": round(run.wall_seconds, 3),
            "process_cpu_seconds": round(run.cpu_seconds, 2),
            "cpu_ms_per_resource": round(run.cpu_seconds * 1000 / args.resources, 2),
            # The pass alone (the summary's cpu_seconds): no interpreter start-up or imports.
            "pass_cpu_seconds": run.summary.get("cpu_seconds"),
            "pass_cpu_ms_per_resource": round(
                float(run.summary.get("cpu_seconds") or 0) * 1000 / args.resources, 2
            ),
            # The sandboxes' process, on its own CPU: near the pass's wall time means the pass
            # waited for the emulators, not for its own CPU or the simulated latency.
            "server_cpu_seconds": round(server_cpu, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "summary_outcomes": run.summary.get("outcomes"),
            "server_cpus": sorted(SERVER_CPUS),
            "pass_cpus": sorted(PASS_CPUS),
            "stderr_tail": run.stderr[-1000:] if run.code else "",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument(
        "--latencies", default="0.02,0.03,0.05,0.08", help="SageMaker latencies (s), comma-separated"
    )
    parser.add_argument("--kube-latency", type=float, default=0.005)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--stagger", type=float, default=0.2, help="simulated seconds between creations")
    parser.add_argument("--advance", type=float, default=0.0, help="simulated seconds between seed and pass")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for latency in (float(x) for x in args.latencies.split(",")):
        print(json.dumps(one_latency(args, latency)), flush=True)


if __name__ == "__main__":
    main()
