"""Benchmark of the SageMaker simulator: DescribeHyperParameterTuningJob throughput and memory.

Starts `python -m reconciler.sandbox.sagemaker` (time scale 0, so every job stays live), creates
1,000 tuning jobs of the sample with 50 training jobs each (all launched at once: 50,000 training
jobs), then measures:
- describe_per_s_http: Describe requests per second from WORKERS processes, each on one keep-alive
  HTTP connection sending the exact bytes boto3 sends (the server's capacity);
- describe_per_s_boto3: the same from one boto3 client in one thread (what a reconciler sees);
- server_rss_mb: the server process's resident memory after the 50,000 training jobs exist.
Prints one JSON line. Goal (issue 4): >= 1,000 Describe/s and < 300 MB.
Usage: .venv/bin/python bench/sagemaker_describe.py [--jobs 1000] [--children 50] [--seconds 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import yaml
from benchlib import proc_status_mb, stop_server
from botocore.config import Config

from reconciler import awsmodel

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2


def _http_worker(url: str, names: list[str], seconds: float, out: Any) -> None:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port)
    headers = {
        "X-Amz-Target": "SageMaker.DescribeHyperParameterTuningJob",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-2/sagemaker/aws4_request",
    }
    rng = random.Random()
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        body = json.dumps({"HyperParameterTuningJobName": rng.choice(names)})
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"unexpected HTTP {response.status}")
        done += 1
    out.put(done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--children", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    spec = yaml.safe_load((ROOT / "samples" / "xgboost-mnist-hpo.yaml").read_text())["spec"]
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reconciler.sandbox.sagemaker",
                "--dir",
                tmp,
                "--time-scale",
                "0",
                "--max-running-tuning-jobs",
                str(args.jobs + 1),
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            endpoint = Path(tmp) / "endpoint"
            while not endpoint.exists():
                if server.poll() is not None:
                    raise SystemExit("the sandbox exited before serving")
                time.sleep(0.05)
            url = endpoint.read_text().strip()
            baseline_mb = proc_status_mb(server.pid, "VmRSS")
            client = boto3.client(
                "sagemaker",
                endpoint_url=url,
                region_name="us-east-2",
                aws_access_key_id="x",
                aws_secret_access_key="x",
                config=Config(retries={"total_max_attempts": 1}),
            )
            names = [f"bench-{i:05d}" for i in range(args.jobs)]
            started = time.perf_counter()
            for name in names:
                request = awsmodel.spec_to_request(spec, job_name=name)
                # A continuous range: the sample's 11 num_round values cannot feed 50 training jobs.
                request["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"] = [
                    {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Linear"}
                ]
                request["HyperParameterTuningJobConfig"]["ResourceLimits"] = {
                    "MaxNumberOfTrainingJobs": args.children,
                    "MaxParallelTrainingJobs": args.children,
                }
                client.create_hyper_parameter_tuning_job(**request)
            create_seconds = time.perf_counter() - started
            loaded_mb = proc_status_mb(server.pid, "VmRSS")

            queue: Any = multiprocessing.Queue()
            workers = [
                multiprocessing.Process(target=_http_worker, args=(url, names, args.seconds, queue))
                for _ in range(WORKERS)
            ]
            for worker in workers:
                worker.start()
            http_total = sum(queue.get() for _ in workers)
            for worker in workers:
                worker.join()

            boto3_done = 0
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end:
                client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=random.choice(names))
                boto3_done += 1
            children = client.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=names[-1], MaxResults=100
            )["TrainingJobSummaries"]
            final_mb = proc_status_mb(server.pid, "VmRSS")
        finally:
            stop_server(server, timeout=30)
    print(
        json.dumps(
            {
                "tuning_jobs": args.jobs,
                "training_jobs": args.jobs * len(children),
                "create_per_s_boto3": round(args.jobs / create_seconds, 1),
                "describe_per_s_http": round(http_total / args.seconds, 1),
                "describe_http_workers": WORKERS,
                "describe_per_s_boto3": round(boto3_done / args.seconds, 1),
                "server_rss_mb_empty": round(baseline_mb, 1),
                "server_rss_mb_loaded": round(loaded_mb, 1),
                "server_rss_mb_after_describes": round(final_mb, 1),
                "goal": {"describe_per_s": 1000, "rss_mb": 300},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
