"""The PrometheusRule of cronjob/monitoring/ checked and unit-tested by Prometheus's own `promtool`
(issue 14): its spec is a rule file `promtool check rules` accepts, and the alert cases of
cronjob/monitoring/alerts-test.yaml pass `promtool test rules`; a rule changed to a wrong threshold
fails them (the cases test the rules, they do not merely run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.debian_tools import debian_tool
from tests.deploy.deploy_helpers import CRONJOB

MONITORING = CRONJOB / "monitoring"
ALERTS = {
    "HpoReconcilerNoSuccessfulPass",
    "HpoReconcilerPassFailing",
    "HpoReconcilerResourceStalled",
    "HpoReconcilerThrottled",
}


@pytest.fixture(scope="module")
def promtool() -> str:
    return debian_tool("promtool", "prometheus")


def rule_spec() -> dict[str, Any]:
    rule = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text())
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    spec: dict[str, Any] = rule["spec"]
    return spec


def lay_out(tmp_path: Path, spec: dict[str, Any]) -> Path:
    """rules.yaml (the PrometheusRule's spec) beside a copy of the test cases, which name it."""
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copy(MONITORING / "alerts-test.yaml", tmp_path / "alerts-test.yaml")
    return tmp_path


def promtool_run(promtool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_rules_pass_promtool_check(promtool: str, tmp_path: Path) -> None:
    spec = rule_spec()
    assert {r["alert"] for g in spec["groups"] for r in g["rules"]} == ALERTS
    result = promtool_run(promtool, "check", "rules", "rules.yaml", cwd=lay_out(tmp_path, spec))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_alert_unit_tests_pass(promtool: str, tmp_path: Path) -> None:
    result = promtool_run(promtool, "test", "rules", "alerts-test.yaml", cwd=lay_out(tmp_path, rule_spec()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("alert", "old", "new"),
    [
        ("HpoReconcilerNoSuccessfulPass", "> 900", "> 3600"),
        ("HpoReconcilerResourceStalled", "> 3600", "> 7200"),
        ("HpoReconcilerThrottled", "> 0.05", "> 0.5"),
        ("HpoReconcilerPassFailing", "== 0", "== 2"),
    ],
)
def test_alert_unit_tests_catch_a_wrong_threshold(
    promtool: str, tmp_path: Path, alert: str, old: str, new: str
) -> None:
    spec = rule_spec()
    for rule in spec["groups"][0]["rules"]:
        if rule["alert"] == alert:
            assert old in rule["expr"]
            rule["expr"] = rule["expr"].replace(old, new)
    result = promtool_run(promtool, "test", "rules", "alerts-test.yaml", cwd=lay_out(tmp_path, spec))
    assert result.returncode != 0, result.stdout
    assert f"alertname: {alert}" in result.stdout + result.stderr
