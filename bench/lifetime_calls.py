"""Benchmark 5 (issue 7): API calls over one tuning job's life, hpo-reconciler vs the legacy operator.

One resource from samples/xgboost-mnist-hpo.yaml (10 training jobs, 10 in parallel), its job name fixed
so that every run below sees the same simulated history. hpo-reconciler: passes of the real CLI
(`reconciler.cli.run`, in process) every `--every` simulated seconds (5 s, the legacy operator's poll
period, and 300 s, the CronJob's default schedule) from creation until a pass after Completed writes
nothing; its SageMaker calls and Kubernetes writes are counted by the sandboxes. Legacy operator: its
polling pattern replayed with boto3 against the simulator on the same timeline: every 5 s a
DescribeHyperParameterTuningJob, a full ListTrainingJobsForHyperParameterTuningJob in pages of 10 and a
DescribeTrainingJob per training job, until the tuning job is Completed. Prints one JSON line with the
totals and the ratios legacy / hpo-reconciler.

    .venv/bin/python bench/lifetime_calls.py [--every 5,300]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from typing import Any, cast

import boto3
import yaml
from benchlib import GROUP, PLURAL, SAMPLE, VERSION, Ground
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler import cli

JOB_NAME = "bench-lifetime"
LEGACY_PERIOD = 5.0
LEGACY_PAGE = 10


def _sagemaker_figures(calls: dict[str, int]) -> dict[str, Any]:
    """The SageMaker call figures both schedules report: the total and the count per operation."""
    return {"sagemaker_calls": sum(calls.values()), "sagemaker_calls_by_operation": calls}


def _sample() -> dict[str, Any]:
    obj: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    obj["metadata"] = {"name": "xgboost-mnist-hpo", "namespace": "default"}
    obj["spec"]["hyperParameterTuningJobName"] = JOB_NAME
    return obj


def reconciler_lifetime(every: float) -> dict[str, Any]:
    with Ground() as ground:
        os.environ.update(ground.env)
        api = k8s_config.new_client_from_config(config_file=str(ground.kubeconfig))  # type: ignore[no-untyped-call]
        custom = k8s.CustomObjectsApi(api)
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, _sample())
        ground.reset_stats()
        passes = 0
        completed_at = None
        elapsed = 0.0
        while passes < 10_000:
            writes_before = ground.kube_writes()
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli.run(["run", "--no-lease"])
            assert code == 0
            passes += 1
            obj = cast(
                dict[str, Any],
                custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "xgboost-mnist-hpo"),
            )
            status = obj.get("status", {}).get("hyperParameterTuningJobStatus")
            if status == "Completed" and completed_at is None:
                completed_at = elapsed
            elif completed_at is not None and ground.kube_writes() == writes_before:
                break  # the pass after Completed wrote nothing: the steady state
            ground.sagemaker.advance(every)
            elapsed += every
        calls = ground.sagemaker_calls()
        stats = ground.kube.stats()
        writes = {k: v for k, v in stats.items() if k.split(" ")[0] in ("CREATE", "PATCH", "DELETE")}
        return {
            "every_seconds": every,
            "passes": passes,
            "completed_after_seconds": completed_at,
            **_sagemaker_figures(calls),
            "kube_writes": sum(writes.values()),
            "kube_writes_by_verb": writes,
            "kube_reads": sum(v for k, v in stats.items() if k.split(" ")[0] in ("GET", "LIST")),
        }


def legacy_lifetime() -> dict[str, Any]:
    with Ground() as ground:
        env = ground.sagemaker.env()
        client = boto3.client(
            "sagemaker",
            endpoint_url=env["AWS_ENDPOINT_URL_SAGEMAKER"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        # The same request hpo-reconciler sends (same name: the simulator draws the same history).
        from reconciler.core.model import HyperparameterTuningJob
        from reconciler.spec.desired import desired_request

        obj = _sample()
        obj["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000"
        request = desired_request(HyperparameterTuningJob.parse(obj), job_name=JOB_NAME).request
        assert request is not None
        client.create_hyper_parameter_tuning_job(**request)
        ground.reset_stats()
        polls = 0
        elapsed = 0.0
        while True:
            polls += 1
            status = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB_NAME)[
                "HyperParameterTuningJobStatus"
            ]
            token = None
            names = []
            while True:
                page_args: dict[str, Any] = {
                    "HyperParameterTuningJobName": JOB_NAME,
                    "MaxResults": LEGACY_PAGE,
                }
                if token:
                    page_args["NextToken"] = token
                page = client.list_training_jobs_for_hyper_parameter_tuning_job(**page_args)
                names += [s["TrainingJobName"] for s in page["TrainingJobSummaries"]]
                token = page.get("NextToken")
                if not token:
                    break
            for name in names:
                client.describe_training_job(TrainingJobName=name)
            if status == "Completed":
                break
            ground.sagemaker.advance(LEGACY_PERIOD)
            elapsed += LEGACY_PERIOD
        calls = ground.sagemaker_calls()
        return {
            "every_seconds": LEGACY_PERIOD,
            "polls": polls,
            "completed_after_seconds": elapsed,
            **_sagemaker_figures(calls),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", default="5,300", help="seconds between hpo-reconciler passes")
    args = parser.parse_args()
    legacy = legacy_lifetime()
    ours = {every: reconciler_lifetime(float(every)) for every in args.every.split(",")}
    figures: dict[str, Any] = {"benchmark": "lifetime_calls", "legacy_operator": legacy}
    for every, figures_of in ours.items():
        figures[f"hpo_reconciler_every_{every}s"] = figures_of
        figures[f"legacy_over_hpo_reconciler_every_{every}s"] = round(
            legacy["sagemaker_calls"] / figures_of["sagemaker_calls"], 2
        )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
