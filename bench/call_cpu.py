"""Item 3 of issue 14, one step at a time: the calling thread's CPU per request, with and without each
library option the reconciler considered. CPU time of the calling thread only (`time.thread_time`), so
the figures do not depend on the sandboxes (in their own process) or on other load on the machine.

- SageMaker DescribeHyperParameterTuningJob through boto3: botocore's default client vs
  `Config(parameter_validation=False)` (measured, 1%: not adopted; see reconciler/gateways/sagemaker.py).
- Kubernetes list of N resources (pages of 500) and get of one, through the official client:
  its deserializer vs `_preload_content=False` + json.loads (reconciler/gateways/kube.py).
Both variants alternate in rounds, so drift hits both alike. Prints one JSON line.

    .venv/bin/python bench/call_cpu.py [--calls 400] [--resources 1000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.config
from benchlib import REGION, Ground, seed_jobs, seed_resources
from kubernetes import client as k8s
from kubernetes import config as k8s_config


def per_call_ms(call: Callable[[], Any], count: int) -> float:
    started = time.thread_time()
    for _ in range(count):
        call()
    return (time.thread_time() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with Ground() as ground:
        seeded = seed_jobs(ground, args.resources, stagger_seconds=0.2)
        ground.sagemaker.advance(0.2)
        seed_resources(ground, seeded)
        env = ground.env
        session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]
        )
        clients = {
            validated: session.client(
                "sagemaker",
                region_name=REGION,
                endpoint_url=env["AWS_ENDPOINT_URL_SAGEMAKER"],
                config=botocore.config.Config(parameter_validation=validated),
            )
            for validated in (True, False)
        }
        job = seeded.job_names[seeded.names[0]]
        api = k8s_config.new_client_from_config(config_file=str(ground.kubeconfig))  # type: ignore[no-untyped-call]
        custom = k8s.CustomObjectsApi(api)
        group, version, plural = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs"

        def list_all(raw: bool) -> int:
            token, count = None, 0
            while True:
                kwargs: dict[str, Any] = {"limit": 500, "_preload_content": not raw}
                if token:
                    kwargs["_continue"] = token
                answer: Any = custom.list_namespaced_custom_object(
                    group, version, "default", plural, **kwargs
                )
                body = json.loads(answer.data) if raw else answer
                count += len(body["items"])
                token = body["metadata"].get("continue")
                if not token:
                    return count

        def get_one(raw: bool) -> Any:
            answer: Any = custom.get_namespaced_custom_object(
                group, version, "default", plural, seeded.names[0], _preload_content=not raw
            )
            return json.loads(answer.data) if raw else answer

        def describe(client: Any) -> Any:
            return client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)

        for client in clients.values():  # warm up: models loaded, connections open
            describe(client)
        assert list_all(True) == list_all(False) == args.resources
        results: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for validated, client in clients.items():
                key = f"describe_ms_validation_{'on' if validated else 'off'}"
                results.setdefault(key, []).append(
                    per_call_ms(functools.partial(describe, client), args.calls)
                )
            for raw in (False, True):
                mode = "raw_json" if raw else "client_models"
                list_ms = per_call_ms(functools.partial(list_all, raw), 3)
                results.setdefault(f"list_{args.resources}_ms_{mode}", []).append(list_ms)
                results.setdefault(f"get_ms_{mode}", []).append(
                    per_call_ms(functools.partial(get_one, raw), 200)
                )
        figures: dict[str, Any] = {"benchmark": "call_cpu", "calls": args.calls, "resources": args.resources}
        figures.update({k: round(statistics.median(v), 3) for k, v in results.items()})
        figures["list_ms_per_resource_client_models"] = round(
            figures[f"list_{args.resources}_ms_client_models"] / args.resources, 4
        )
        figures["list_ms_per_resource_raw_json"] = round(
            figures[f"list_{args.resources}_ms_raw_json"] / args.resources, 4
        )
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
