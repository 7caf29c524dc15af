"""The docs (issue 6) against the code they describe: the IAM policies grant exactly the operations the
reconciler's source calls (each checked against botocore's service model), the RBAC table equals the
rendered ClusterRole, every Stalled reason the code can write is explained, the metric table lists
every family the code exports, every flag and repository path the docs mention exists, and every
shown `hpo-reconciler` command line parses.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import botocore.session
from botocore import xform_name

from reconciler import cli
from reconciler.core.reasons import StalledReason
from reconciler.engine.metrics import FAMILIES
from tests.deploy.deploy_helpers import CRONJOB, REPO, kustomize, one

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def service_operations(service: str) -> set[str]:
    model = botocore.session.get_session().get_service_model(service)
    return set(model.operation_names)


def sagemaker_calls() -> set[str]:
    """Operations the SageMaker gateway invokes: `self._call("Operation", ...)`, or through its
    pagination loop `self._every_item("Operation", ...)`."""
    source = (REPO / "reconciler" / "gateways" / "sagemaker.py").read_text()
    return set(re.findall(r'(?:_call|_every_item)\(\s*"([A-Za-z]+)"', source))


def logs_calls() -> set[str]:
    """Actions `hpo-reconciler logs` needs: the operations it invokes on its boto3 `logs` client
    and (for --follow) its `sagemaker` client, as `service:Operation`."""
    source = (REPO / "reconciler" / "tools" / "logs.py").read_text()
    methods = set(re.findall(r"client\.([a-z_]+)\(", source))
    return {
        f"{service}:{op}"
        for service in ("logs", "sagemaker")
        for op in service_operations(service)
        if xform_name(op) in methods
    }


def policy_actions(name: str) -> set[str]:
    policy = json.loads((DOCS / name).read_text())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] != "*"
        for action in statement["Action"]:
            assert "*" not in action, action
            actions.add(action)
    return actions


def test_iam_policy_grants_exactly_what_the_code_calls() -> None:
    calls = sagemaker_calls()
    assert {"CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob"} <= calls
    actions = policy_actions("iam-policy.json")
    # AddTags: SageMaker requires it to tag on create. iam:PassRole: the execution role.
    expected = {f"sagemaker:{op}" for op in calls} | {"sagemaker:AddTags", "iam:PassRole"}
    assert actions == expected
    known = service_operations("sagemaker")
    assert {a.split(":", 1)[1] for a in actions if a.startswith("sagemaker:")} <= known


def test_pass_role_is_limited_to_sagemaker() -> None:
    policy = json.loads((DOCS / "iam-policy.json").read_text())
    (statement,) = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert statement["Action"] == ["iam:PassRole"]
    assert ":role/" in statement["Resource"]


def test_logs_policy_grants_exactly_what_the_logs_command_calls() -> None:
    calls = logs_calls()
    assert {"logs:GetLogEvents", "sagemaker:DescribeTrainingJob"} <= calls, calls
    assert policy_actions("iam-policy-logs.json") == calls


def test_rbac_table_matches_the_rendered_cluster_role() -> None:
    table: dict[tuple[str, str], set[str]] = {}
    for line in (DOCS / "iam.md").read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in {"sagemaker.aws.amazon.com", "core"}:
            group = "" if cells[0] == "core" else cells[0]
            table[(group, cells[1])] = {v.strip() for v in cells[2].split(",")}
    rendered: dict[tuple[str, str], set[str]] = {}
    for rule in one(kustomize(CRONJOB), "ClusterRole")["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                rendered.setdefault((group, resource), set()).update(rule["verbs"])
    assert table == rendered


def reason_literals_in_code() -> set[str]:
    """Stalled reasons written as string literals rather than `core.reasons.StalledReason` members."""
    reasons: set[str] = set()
    for path in (p for p in (REPO / "reconciler").rglob("*.py") if "sandbox" not in p.parts):
        text = path.read_text()
        reasons.update(re.findall(r'Refusal\(\s*"([A-Za-z]+)"', text))
        reasons.update(re.findall(r'Verdict\(\s*"False",\s*"([A-Za-z]+)",', text))
    return reasons


def test_every_stalled_reason_is_explained() -> None:
    reasons = {str(reason) for reason in StalledReason}
    assert {"InvalidSpec", "SpecUpdateRefused", "RoleNotAllowed", "JobFailed"} <= reasons
    # The enum is the one list: a reason written as a literal would escape this check.
    assert reason_literals_in_code() <= reasons
    page = (DOCS / "troubleshooting.md").read_text()
    documented = set(re.findall(r"^\| `([A-Za-z]+)` \|", page, re.MULTILINE))
    assert reasons <= documented, reasons - documented


def test_the_monitoring_page_lists_every_metric_family_and_no_other() -> None:
    page = (DOCS / "monitoring.md").read_text()
    documented = set(re.findall(r"^\| `(hpo_reconciler_[a-z_]+)`", page, re.MULTILINE))
    assert documented == set(FAMILIES)


def test_links_and_repository_paths_exist() -> None:
    for page in PAGES:
        text = page.read_text()
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.name}: broken link {target}"
        for path in re.findall(r"`((?:cronjob|samples|crds|docs|tests)/[A-Za-z0-9_./-]*)`", text):
            assert (REPO / path.rstrip("/")).exists(), f"{page.name}: {path} does not exist"


def option_names() -> set[str]:
    parser = cli.build_parser()
    names: set[str] = set()
    for action in parser._actions:
        for sub in (getattr(action, "choices", None) or {}).values():
            for option in sub._actions:
                names.update(option.option_strings)
    return names


def test_flags_the_docs_mention_exist() -> None:
    options = option_names()
    for page in PAGES:
        for span in re.findall(r"`(--[a-z][a-z-]*)[^`]*`", page.read_text()):
            assert span in options, f"{page.name}: {span} is not an hpo-reconciler option"


def test_command_lines_shown_parse(tmp_path: Path) -> None:
    parser = cli.build_parser()
    seen = 0
    for page in PAGES:
        in_code = False
        for line in page.read_text().splitlines():
            if line.startswith("```"):
                in_code = not in_code
                continue
            command = line.split("#", 1)[0].split("|", 1)[0].strip()
            if in_code and command.startswith("hpo-reconciler "):
                argv = shlex.split(command.replace("$(POD_NAMESPACE)", "hpo-reconciler"))[1:]
                parser.parse_args(argv)  # argparse exits on an unknown flag or a bad value
                seen += 1
    assert seen >= 4
