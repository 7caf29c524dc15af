"""Benchmark of the Kubernetes emulator: 10,000 tuning jobs, paged list, get/patch latency, memory.

Runs the emulator as its own process (`python -m reconciler.sandbox.kube`) so that its peak RSS (VmHWM) is
measured alone, drives it with the official `kubernetes` client, and prints one JSON line:
create throughput, the time to list all objects in pages of 500, p50/p99 latency of get and of status patch,
and the emulator's peak RSS. Goals (issue 3): list of 10,000 in pages of 500 under 2 s, memory under 300 MB.

    .venv/bin/python bench/kube_list.py [--count 10000] [--page 500] [--samples 500]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import kubernetes
import yaml
from benchlib import proc_status_mb, stop_server

REPO = Path(__file__).resolve().parents[1]
GROUP, VERSION, PLURAL = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs"


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _client(kubeconfig: Path) -> Any:
    return kubernetes.client.CustomObjectsApi(
        kubernetes.config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
    )


def _list_with_client(api: Any, *, page_size: int) -> tuple[float, list[str], int]:
    """Every object, in pages, through the official client (its JSON decoding included)."""
    started = time.perf_counter()
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = api.list_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, limit=page_size, _continue=token
        )
        names += [item["metadata"]["name"] for item in page["items"]]
        pages += 1
        token = page["metadata"].get("continue")
        if not token:
            return time.perf_counter() - started, names, pages


def _list_over_http(kubeconfig: Path, *, page_size: int) -> tuple[float, int]:
    """The same pages with plain urllib + json.loads: the emulator's share without the client's overhead."""
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    base = f"{server}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}?limit={page_size}"
    started = time.perf_counter()
    count = 0
    token = ""
    while True:
        url = base + (f"&continue={urllib.parse.quote(token)}" if token else "")
        with urllib.request.urlopen(url, timeout=60) as response:
            page = json.loads(response.read())
        count += len(page["items"])
        token = page["metadata"].get("continue", "")
        if not token:
            return time.perf_counter() - started, count


def _list_transfer_only(kubeconfig: Path, *, page_size: int) -> float:
    """The same pages fetched as bytes, the continue token read from the leading list metadata: the
    emulator's own share (the JSON decoding of 10,000 objects is the client's cost)."""
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    base = f"{server}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}?limit={page_size}"
    started = time.perf_counter()
    token = ""
    while True:
        url = base + (f"&continue={urllib.parse.quote(token)}" if token else "")
        with urllib.request.urlopen(url, timeout=60) as response:
            head = response.read()[:1024]
        match = re.search(rb'"continue":"([^"]*)"', head)
        token = match.group(1).decode() if match else ""
        if not token:
            return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    sample = yaml.safe_load((REPO / "samples" / "xgboost-mnist-hpo.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [sys.executable, "-m", "reconciler.sandbox.kube", "--dir", str(state)],
            stdout=subprocess.DEVNULL,
            env=env,
        )
        try:
            kubeconfig = state / "kubeconfig"
            while not kubeconfig.exists():
                time.sleep(0.05)
            subprocess.run(
                ["/usr/bin/kubectl", "--kubeconfig", str(kubeconfig), "apply", "-f", str(REPO / "crds")],
                check=True,
                capture_output=True,
                env={**env, "HOME": tmp},
            )
            local = threading.local()

            def create(i: int) -> None:
                if not hasattr(local, "api"):
                    local.api = _client(kubeconfig)
                body = copy.deepcopy(sample)
                body["metadata"]["name"] = f"hpo-{i:05d}"
                local.api.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, body)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(create, range(args.count)))
            create_seconds = time.perf_counter() - started

            api = _client(kubeconfig)
            list_seconds, names, pages = _list_with_client(api, page_size=args.page)
            if len(set(names)) != args.count:
                raise SystemExit(f"listed {len(set(names))} distinct objects, expected {args.count}")
            http_seconds, http_count = _list_over_http(kubeconfig, page_size=args.page)
            transfer_seconds = _list_transfer_only(kubeconfig, page_size=args.page)
            if http_count != args.count:
                raise SystemExit(f"listed {http_count} objects over HTTP, expected {args.count}")

            gets, patches = [], []
            for i in range(args.samples):
                name = f"hpo-{(i * 7919) % args.count:05d}"
                t0 = time.perf_counter()
                api.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
                t1 = time.perf_counter()
                api.patch_namespaced_custom_object_status(
                    GROUP,
                    VERSION,
                    "default",
                    PLURAL,
                    name,
                    {
                        "status": {
                            "hyperParameterTuningJobStatus": "InProgress",
                            "trainingJobStatusCounters": {"completed": i % 10, "inProgress": 1},
                        }
                    },
                )
                t2 = time.perf_counter()
                gets.append(t1 - t0)
                patches.append(t2 - t1)
            peak_mb = proc_status_mb(server.pid, "VmHWM")
        finally:
            stop_server(server, timeout=60)
    print(
        json.dumps(
            {
                "objects": args.count,
                "create_seconds": round(create_seconds, 2),
                "creates_per_second": round(args.count / create_seconds, 1),
                "list_pages": pages,
                "page_size": args.page,
                "list_all_seconds_client": round(list_seconds, 3),
                "list_all_seconds_http": round(http_seconds, 3),
                "list_all_seconds_transfer_only": round(transfer_seconds, 3),
                "get_p50_ms": round(statistics.median(gets) * 1000, 2),
                "get_p99_ms": round(_percentile(gets, 0.99) * 1000, 2),
                "status_patch_p50_ms": round(statistics.median(patches) * 1000, 2),
                "status_patch_p99_ms": round(_percentile(patches, 0.99) * 1000, 2),
                "emulator_peak_rss_mb": round(peak_mb, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
