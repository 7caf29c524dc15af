"""Metrics of a pass (issue 14), end to end: the real CLI pushes to a real Pushgateway, a real
Prometheus scrapes it, and PromQL over Prometheus's HTTP API returns the numbers the pass reported
(its JSON summary) and the sandboxes counted (their own request counters)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.debian_tools import debian_tool
from tests.e2e.e2e_world import World, parse_json_lines
from tests.e2e.prometheus_stack import PrometheusStack

SEL = 'job="hpo-reconciler",shard="0"'


def _team_namespace(world: World) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b", "annotations": {
        "sagemaker.aws.amazon.com/allowed-role-arns": "arn:aws:iam::*:role/team-b-*"}}}  # fmt: skip
    assert world.kubectl("create", "-f", "-", input=json.dumps(namespace)).returncode == 0


def test_a_pass_pushes_and_prometheus_returns_its_numbers(world: World, prometheus: PrometheusStack) -> None:
    prometheus.delete_group("hpo-reconciler", shard="0")
    _team_namespace(world)
    world.create_sample("hpo-a")
    world.create_sample("hpo-b")
    world.create_sample("refused", namespace="team-b")  # Stalled/RoleNotAllowed: no SageMaker call
    world.sagemaker.inject_fault(
        operation="CreateHyperParameterTuningJob", error="ThrottlingException", times=2
    )
    world.reset_stats()

    result = world.run("--pushgateway", prometheus.gateway_url, "--log-format", "json")
    assert result.code == 0, result.stderr
    summary = parse_json_lines(result.stdout)[-1]
    assert summary["event"] == "summary" and summary["outcomes"] == {"created": 2, "stalled": 1}

    # Prometheus has scraped this push once the pass's resource count shows up.
    assert prometheus.wait_for(f"sum(hpo_reconciler_pass_resources{{{SEL}}})", 3.0) == 3.0
    assert prometheus.value(f'hpo_reconciler_pass_resources{{{SEL},outcome="created"}}') == 2.0
    assert prometheus.value(f'hpo_reconciler_pass_resources{{{SEL},outcome="failed"}}') == 0.0
    assert prometheus.value(f'hpo_reconciler_pass_stalled_resources{{{SEL},reason="RoleNotAllowed"}}') == 1.0
    assert prometheus.value(f"hpo_reconciler_pass_success{{{SEL}}}") == 1.0
    duration = prometheus.value(f"hpo_reconciler_pass_duration_seconds{{{SEL}}}")
    assert duration is not None and abs(duration - summary["duration_seconds"]) <= 0.0005  # summary: 3 digits
    last_success = prometheus.value(f"hpo_reconciler_last_success_timestamp_seconds{{{SEL}}}")
    assert last_success is not None

    # API requests: what the simulator itself saw, by result. Two throttled creates, then the third try.
    assert world.sagemaker_calls()["CreateHyperParameterTuningJob"] == 4
    creates = {
        r["metric"]["result"]: float(r["value"][1])
        for r in prometheus.query(
            f'hpo_reconciler_pass_api_requests{{{SEL},service="sagemaker",'
            'operation="CreateHyperParameterTuningJob"}'
        )
    }
    assert creates == {"ok": 2.0, "throttled": 2.0, "error": 0.0}
    assert prometheus.value(f'sum(hpo_reconciler_pass_api_requests{{{SEL},service="sagemaker"}})') == float(
        sum(world.sagemaker_calls().values())
    )
    kube_requests = sum(world.kube.stats().values())
    assert prometheus.value(f'sum(hpo_reconciler_pass_api_requests{{{SEL},service="kube"}})') == float(
        kube_requests
    )

    # Per resource: the status each one has now, and the Stalled one with its reason and since when.
    statuses = {
        (r["metric"]["namespace"], r["metric"]["name"]): r["metric"]["status"]
        for r in prometheus.query(f"hpo_reconciler_tuning_job_status{{{SEL}}}")
    }
    assert statuses == {
        ("default", "hpo-a"): world.get("hpo-a")["status"]["hyperParameterTuningJobStatus"],
        ("default", "hpo-b"): world.get("hpo-b")["status"]["hyperParameterTuningJobStatus"],
        ("team-b", "refused"): world.get("refused", namespace="team-b")["status"][
            "hyperParameterTuningJobStatus"
        ],
    }
    assert (
        statuses[("default", "hpo-a")] == "SynchronizingK8sJobWithSageMaker"
    )  # created; described next pass
    stalled = prometheus.query(f"hpo_reconciler_tuning_job_stalled_since_timestamp_seconds{{{SEL}}}")
    assert [(r["metric"]["name"], r["metric"]["reason"]) for r in stalled] == [("refused", "RoleNotAllowed")]

    # The jobs run: a later pass reports their training job counters and best objective.
    world.sagemaker.advance(3600)
    assert world.run("--pushgateway", prometheus.gateway_url).code == 0
    world.run("--pushgateway", prometheus.gateway_url)
    status = world.get("hpo-a")["status"]
    assert status["hyperParameterTuningJobStatus"] == "Completed"
    completed = float(status["trainingJobStatusCounters"]["completed"])
    query = f'hpo_reconciler_tuning_job_training_jobs{{{SEL},name="hpo-a",state="completed"}}'
    assert prometheus.wait_for(query, completed) == completed and completed > 0
    best = status["bestTrainingJob"]["finalHyperParameterTuningJobObjectiveMetric"]
    objective = prometheus.query(f'hpo_reconciler_tuning_job_best_objective{{{SEL},name="hpo-a"}}')
    assert [(r["metric"]["metric"], float(r["value"][1])) for r in objective] == [
        (best["metricName"], float(best["value"]))
    ]


def test_a_failed_pass_keeps_the_last_success_time(world: World, prometheus: PrometheusStack) -> None:
    prometheus.delete_group("hpo-reconciler", shard="0")
    world.create_sample()
    started = time.time()
    assert world.run("--pushgateway", prometheus.gateway_url).code == 0
    # Wait for this pass's own push: until Prometheus scrapes again, it still shows the group
    # the previous test pushed (deleting a group does not retract what was already scraped).
    # This pass ended after `started`; every earlier push ended before it.
    last_success = prometheus.wait_until(
        f"hpo_reconciler_last_success_timestamp_seconds{{{SEL}}}",
        lambda value: value is not None and value > started,
    )
    assert last_success is not None and last_success > started
    assert prometheus.value(f"hpo_reconciler_pass_success{{{SEL}}}") == 1.0

    world.kube.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=500, times=5)
    failed = world.run("--pushgateway", prometheus.gateway_url)
    assert failed.code == 1
    assert prometheus.wait_for(f"hpo_reconciler_pass_success{{{SEL}}}", 0.0) == 0.0
    assert prometheus.value(f"hpo_reconciler_last_success_timestamp_seconds{{{SEL}}}") == last_success
    # The per-resource picture of the last complete pass is kept too.
    assert prometheus.value(f"count(hpo_reconciler_tuning_job_status{{{SEL}}})") == 1.0
    throttle_free = prometheus.query(
        f'hpo_reconciler_pass_api_requests{{{SEL},service="kube",result="error"}} > 0'
    )
    assert [r["metric"]["operation"] for r in throttle_free] == ["LIST hyperparametertuningjobs"]


def test_shards_push_to_groups_of_their_own(world: World, prometheus: PrometheusStack) -> None:
    for shard in ("0", "1"):
        prometheus.delete_group("hpo-reconciler", shard=shard)
    for index in range(6):
        world.create_sample(f"hpo-{index}")
    for shard in ("0/2", "1/2"):
        assert world.run("--shard", shard, "--pushgateway", prometheus.gateway_url).code == 0
    total = 'sum(hpo_reconciler_pass_resources{job="hpo-reconciler",shard=~"0|1"})'
    assert prometheus.wait_for(total, 6.0) == 6.0
    per_shard = prometheus.query('count by (shard) (hpo_reconciler_tuning_job_status{job="hpo-reconciler"})')
    counts = {r["metric"]["shard"]: float(r["value"][1]) for r in per_shard}
    assert set(counts) == {"0", "1"} and sum(counts.values()) == 6.0


def test_textfile_is_valid_exposition_and_merges_after_a_failure(world: World, tmp_path: Path) -> None:
    promtool = debian_tool("promtool", "prometheus")
    (tmp_path / "textfiles").mkdir()
    path = tmp_path / "textfiles" / "hpo-reconciler.prom"
    world.create_sample()
    assert world.run("--metrics-textfile", str(path)).code == 0
    text = path.read_text()
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["hpo_reconciler_pass_success"].samples[0].value == 1.0
    success_time = families["hpo_reconciler_last_success_timestamp_seconds"].samples[0].value
    assert [s.labels["outcome"] for s in families["hpo_reconciler_pass_resources"].samples if s.value] == [
        "created"
    ]
    assert [p.name for p in path.parent.iterdir()] == ["hpo-reconciler.prom"]  # no temporary file left

    world.kube.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=500, times=5)
    assert world.run("--metrics-textfile", str(path)).code == 1
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    assert families["hpo_reconciler_pass_success"].samples[0].value == 0.0
    assert families["hpo_reconciler_last_success_timestamp_seconds"].samples[0].value == success_time
    assert len(families["hpo_reconciler_tuning_job_status"].samples) == 1


def test_undeliverable_metrics_are_reported_without_failing_the_pass(world: World, tmp_path: Path) -> None:
    world.create_sample()
    result = world.run(
        "--pushgateway", "http://127.0.0.1:9", "--metrics-textfile", str(tmp_path / "missing" / "x.prom")
    )
    assert result.code == 0
    assert "cannot push metrics to the Pushgateway at http://127.0.0.1:9" in result.stderr
    assert "cannot write the metrics textfile" in result.stderr
    assert result.summary.startswith("summary: 1 resource")


def test_per_resource_series_are_capped_stalled_first(world: World, tmp_path: Path) -> None:
    path = tmp_path / "m.prom"
    for index in range(4):
        world.create_sample(f"ok-{index}")
    world.create_sample("bad", edit=lambda o: o["spec"]["trainingJobDefinition"].update(
        roleArn="arn:aws:iam::123456789012:role/other"))  # fmt: skip
    args = ("--allowed-role-arn", "arn:aws:iam::*:role/service-role/*", "--metrics-textfile", str(path))
    assert world.run(*args, "--metrics-max-resources", "2").code == 0
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    names = sorted(s.labels["name"] for s in families["hpo_reconciler_tuning_job_status"].samples)
    assert len(names) == 2 and "bad" in names
    assert families["hpo_reconciler_resource_series_dropped"].samples[0].value == 3.0
    assert families["hpo_reconciler_resource_series_limit"].samples[0].value == 2.0
