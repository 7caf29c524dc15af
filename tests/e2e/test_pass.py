"""The pass as a whole: throttling, the lease, shards, dry-run, exit codes, JSON logging."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import World, as_object


def test_thirty_percent_throttling_still_converges_and_never_stalls(world: World) -> None:
    names = [f"hpo-{i}" for i in range(4)]
    for name in names:
        world.create_sample(name)
    world.sagemaker.set_fault_rate(rate=0.3, error="ThrottlingException")
    completed: set[str] = set()
    for _ in range(8):
        result = world.run("--concurrency", "4")
        assert result.code == 0, result.stderr
        for name in names:
            assert world.condition(name, "Stalled") is None, name
            status = world.get(name).get("status", {})
            if status.get("hyperParameterTuningJobStatus") == "Completed":
                completed.add(name)
        if completed == set(names):
            break
        world.sagemaker.advance(1200)
    assert completed == set(names)
    assert len(world.sagemaker.tuning_job_names()) == len(names)
    assert all(len(world.children(name)) == 10 for name in names)


def test_second_run_while_lease_is_held_is_skipped(world: World) -> None:
    world.create_sample()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    world.custom.create_namespaced_custom_object(
        "coordination.k8s.io", "v1", "default", "leases",
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
         "metadata": {"name": "hpo-reconciler", "namespace": "default"},
         "spec": {"holderIdentity": "cronjob-pod-1", "leaseDurationSeconds": 300, "renewTime": now}},
    )  # fmt: skip
    world.reset_stats()
    skipped = world.run("--lease", "default/hpo-reconciler")
    assert skipped.code == 0
    assert any(line.startswith("skipped:") and "cronjob-pod-1" in line for line in skipped.lines)
    assert world.sagemaker_calls() == {}
    assert world.kube_writes() == {}


def test_lease_is_taken_and_released(world: World) -> None:
    world.create_sample()
    first = world.run("--lease", "default/hpo-reconciler")
    assert first.code == 0 and "outcome=created" in first.stdout
    lease = as_object(
        world.custom.get_namespaced_custom_object(
            "coordination.k8s.io", "v1", "default", "leases", "hpo-reconciler"
        )
    )
    assert not lease["spec"].get("holderIdentity")  # released at the end of the pass
    second = world.run("--lease", "default/hpo-reconciler")
    assert second.code == 0 and not second.stdout.startswith("skipped")


def test_shards_together_touch_every_resource_exactly_once(world: World) -> None:
    names = {f"shard-{i}" for i in range(9)}
    for name in names:
        world.create_sample(name)
    touched: list[str] = []
    for k in range(3):
        result = world.run("--shard", f"{k}/3")
        assert result.code == 0
        touched += re.findall(r"^default/(\S+) job=", result.stdout, flags=re.MULTILINE)
    assert sorted(touched) == sorted(names)
    assert len(world.sagemaker.tuning_job_names()) == 9


def test_dry_run_writes_nothing_and_prints_the_plan(world: World) -> None:
    world.create_sample("running")
    world.run()
    world.run()
    world.create_sample("new")
    world.kubectl("delete", "hpo", "running", "--wait=false")
    world.reset_stats()
    result = world.run("--dry-run", "--log-format", "json")
    assert result.code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    plans = {r["name"]: r for r in records if r["event"] == "resource"}
    assert plans["new"]["action"] == "create" and plans["new"]["outcome"] == "planned"
    assert plans["running"]["action"] == "stop"
    assert records[-1]["event"] == "summary"
    assert world.kube_writes() == {}
    assert set(world.sagemaker_calls()) <= {"DescribeHyperParameterTuningJob"}
    assert world.sagemaker.tuning_job_names() == [
        world.get("running")["status"]["sageMakerHyperParameterTuningJobName"]
    ]


def test_exit_codes(world: World) -> None:
    world.create_sample()
    assert world.run().code == 0
    assert world.run("--shard", "3/2").code == 2
    assert world.run("--concurrency", "zero").code == 2
    assert world.run("--kubeconfig", "/nonexistent/kubeconfig").code == 2
    world.kube.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=500, times=5)
    failed = world.run()
    assert failed.code == 1
    assert "cannot list" in failed.stderr
    assert failed.summary.startswith("summary:") and "pass incomplete" in failed.summary


def test_no_aws_credentials_is_exit_one(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    world.create_sample()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = world.run()
    assert result.code == 1
    assert "no AWS credentials" in result.stderr and "Traceback" not in result.stderr
    assert world.sagemaker_calls() == {}


def test_json_log_format_every_line_is_json(world: World) -> None:
    world.create_sample()
    # An event write fails: its warning goes to stderr, as JSON too.
    world.kube.inject_fault(verb="CREATE", resource="events", status=500, times=1)
    result = world.run("--log-format", "json")
    errors = [json.loads(line) for line in result.stderr.splitlines()]
    assert errors and errors[0]["level"] == "warning" and "event" in errors[0]["message"]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["event"] == "resource" and records[0]["namespace"] == "default"
    assert records[0]["job"] and records[0]["action"] == "create"
    summary = records[-1]
    assert summary["event"] == "summary" and summary["outcomes"] == {"created": 1}
    assert summary["calls"]["sagemaker"] == {"CreateHyperParameterTuningJob": 1}
    assert summary["duration_seconds"] >= 0
    # CPU time of the process during the pass (here the sandboxes share the process): more than
    # nothing, since it read, decided and called; no more than every core for the whole pass.
    cores = len(os.sched_getaffinity(0))
    assert 0 < summary["cpu_seconds"] <= summary["duration_seconds"] * cores + 0.01


def test_namespaces_and_label_selector_limit_the_pass(world: World) -> None:
    for namespace in ("team-a", "team-b", "team-c"):
        assert world.kubectl("create", "namespace", namespace).returncode == 0
        world.create_sample("hpo", namespace=namespace)

    def labelled(obj: dict[str, object]) -> None:
        obj["metadata"] = {"name": "labelled", "namespace": "team-a", "labels": {"tier": "gold"}}

    world.create_sample(edit=labelled)
    result = world.run("--namespace", "team-a", "-n", "team-b")
    touched = sorted(re.findall(r"^(\S+) job=", result.stdout, flags=re.MULTILINE))
    assert touched == ["team-a/hpo", "team-a/labelled", "team-b/hpo"]
    gold = world.run("--selector", "tier=gold")
    assert re.findall(r"^(\S+) job=", gold.stdout, flags=re.MULTILINE) == ["team-a/labelled"]
    assert gold.summary.startswith("summary: 1 resource [")
    rest = world.run("-l", "tier!=gold")
    touched = sorted(re.findall(r"^(\S+) job=", rest.stdout, flags=re.MULTILINE))
    assert touched == ["team-a/hpo", "team-b/hpo", "team-c/hpo"]
    assert re.findall(r"^(\S+) job=.*outcome=created", rest.stdout, flags=re.MULTILINE) == ["team-c/hpo"]


def test_every_write_is_recorded_under_the_reconcilers_field_manager(world: World) -> None:
    world.create_sample()
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    world.run()

    def managers(obj: dict[str, Any]) -> set[tuple[str, str, str]]:
        return {
            (entry["manager"], entry["operation"], entry.get("subresource", ""))
            for entry in obj["metadata"].get("managedFields") or []
        }

    parent = managers(world.get("xgboost-mnist-hpo"))
    # The test created the object (the client's default manager); the finalizer patch and the
    # status patches are the reconciler's, under its own name.
    assert ("hpo-reconciler", "Update", "") in parent and ("hpo-reconciler", "Update", "status") in parent
    assert {manager for manager, _, _ in parent} == {"hpo-reconciler", "OpenAPI-Generator"}
    children = world.children("xgboost-mnist-hpo")
    assert children
    for child in children:
        assert {manager for manager, _, _ in managers(child)} == {"hpo-reconciler"}
    events = world.core.list_namespaced_event("default").items
    event_managers = {entry.manager for event in events for entry in event.metadata.managed_fields or []}
    assert events and event_managers == {"hpo-reconciler"}
