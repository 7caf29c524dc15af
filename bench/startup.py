"""Benchmark 4 (issue 7): start-up cost of the real console script.

Times `hpo-reconciler version` and `hpo-reconciler run --no-lease` against an empty cluster (the
sandboxes, CRDs installed, no resources), each in a fresh process, `--repeat` times; prints one JSON
line with the median and the fastest of each, and the run's peak RSS.
Goals: version <= 0.3 s, a full pass on an empty cluster <= 1.5 s.

    .venv/bin/python bench/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics

from benchlib import CONSOLE_SCRIPT, Ground, run_cli, run_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with Ground() as ground:
        versions = [run_process([CONSOLE_SCRIPT, "version"], env=ground.env) for _ in range(args.repeat)]
        runs = [run_cli(ground) for _ in range(args.repeat)]
        figures = {
            "benchmark": "startup",
            "repeat": args.repeat,
            "version_median_seconds": round(statistics.median(r.wall_seconds for r in versions), 3),
            "version_fastest_seconds": round(min(r.wall_seconds for r in versions), 3),
            "version_output": versions[0].stdout.strip(),
            "empty_pass_median_seconds": round(statistics.median(r.wall_seconds for r in runs), 3),
            "empty_pass_fastest_seconds": round(min(r.wall_seconds for r in runs), 3),
            "empty_pass_exit_codes": sorted({r.code for r in runs}),
            "empty_pass_peak_rss_mb": round(max(r.peak_rss_mb for r in runs), 1),
            "empty_pass_cpu_seconds_median": round(statistics.median(r.cpu_seconds for r in runs), 2),
            "kube_requests": ground.kube.stats(),
        }
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
