"""Benchmark: passes of `hpo-reconciler run` over N HyperparameterTuningJobs on the sandboxes.

Prints the summary line of each pass (resources by outcome, API calls by service and verb,
duration): the first pass creates N tuning jobs, the second sees them InProgress and mirrors their
children, the third (after the simulated clock moves 1 h) sees them Completed, the fourth is the
steady state of terminal jobs (zero SageMaker calls, zero writes).

    .venv/bin/python bench/reconcile_pass.py [--resources 100] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler import cli
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    sample = yaml.safe_load((ROOT / "samples" / "xgboost-mnist-hpo.yaml").read_text())
    with (
        tempfile.TemporaryDirectory() as tmp,
        KubeSandbox() as kube,
        SageMakerSandbox(time_scale=1.0, max_running_tuning_jobs=max(100, args.resources)) as sagemaker,
    ):
        kubeconfig = Path(tmp) / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        kube.install_crds(ROOT / "crds")
        os.environ.update({"KUBECONFIG": str(kubeconfig), **sagemaker.env()})
        custom = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=str(kubeconfig)))  # type: ignore[no-untyped-call]
        for index in range(args.resources):
            obj = {**sample, "metadata": {"name": f"hpo-{index:04d}", "namespace": "default"}}
            custom.create_namespaced_custom_object(
                "sagemaker.aws.amazon.com", "v1", "default", "hyperparametertuningjobs", obj
            )
        argv = ["run", "--no-lease", "--concurrency", str(args.concurrency), "--log-format", "text"]
        for label in ("create", "refresh InProgress + children", "refresh Completed", "steady state"):
            print(f"# pass: {label}", flush=True)
            started = time.monotonic()
            # Only the summary line is wanted: per-resource lines go to a throwaway stream.
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                cli.run(argv)
            print(captured.getvalue().splitlines()[-1])
            print(f"# wall {time.monotonic() - started:.2f}s", flush=True)
            if label == "refresh InProgress + children":
                sagemaker.advance(3600)


if __name__ == "__main__":
    main()
