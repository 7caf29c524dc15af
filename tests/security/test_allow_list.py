"""Role allow-lists across two namespaces (issue 10 item 3), through the real CLI against the sandbox.

The cluster admin allows `role/team-a/*` and `role/team-b/*` with `--allowed-role-arn`. team-a's
namespace annotation tries to widen that to every role (`**`); team-b's narrows it to its own roles.
A role must pass both lists, and `*` never crosses `/` into a deeper role path. A refused resource is
Stalled/RoleNotAllowed and costs no SageMaker call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import World, open_world

ANNOTATION = "sagemaker.aws.amazon.com/allowed-role-arns"
ACCOUNT_ROLE = "arn:aws:iam::123456789012:role/"
PROCESS_PATTERNS = ("arn:aws:iam::*:role/team-a/*", "arn:aws:iam::*:role/team-b/*")
NAMESPACE_PATTERNS = {"team-a": "**", "team-b": "arn:aws:iam::123456789012:role/team-b/*"}

# (namespace, resource name, role path after `role/`, refused by: None | list named in the message)
CASES: list[tuple[str, str, str, str | None]] = [
    ("team-a", "own-role", "team-a/sagemaker", None),
    ("team-a", "widened-by-stars", "admin/sagemaker", "--allowed-role-arn"),
    ("team-a", "unlisted-top-level", "sagemaker-admin", "--allowed-role-arn"),
    ("team-b", "own-role", "team-b/sagemaker", None),
    ("team-b", "other-teams-role", "team-a/sagemaker", ANNOTATION),
    ("team-b", "nested-path", "team-b/nested/sagemaker", "--allowed-role-arn"),
]


@pytest.fixture
def two_teams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with open_world(tmp_path, monkeypatch, time_scale=1.0) as world:
        for namespace, patterns in NAMESPACE_PATTERNS.items():
            manifest = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": namespace, "annotations": {ANNOTATION: patterns}},
            }
            created = world.kubectl("create", "-f", "-", input=json.dumps(manifest))
            assert created.returncode == 0, created.stderr
        yield world


def _with_role(role: str) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        obj["spec"]["trainingJobDefinition"]["roleArn"] = role

    return edit


def test_a_role_must_pass_the_namespace_and_the_process_list(two_teams: World) -> None:
    world = two_teams
    for namespace, name, role_path, _ in CASES:
        world.create_sample(name, namespace=namespace, edit=_with_role(ACCOUNT_ROLE + role_path))
    flags = [arg for pattern in PROCESS_PATTERNS for arg in ("--allowed-role-arn", pattern)]
    result = world.run(*flags)
    assert result.code == 0, result.stderr

    created_roles = set()
    for job_name in world.sagemaker.tuning_job_names():
        job = world.sagemaker.describe_tuning_job(job_name)
        created_roles.add(job["TrainingJobDefinition"]["RoleArn"])
    assert created_roles == {ACCOUNT_ROLE + "team-a/sagemaker", ACCOUNT_ROLE + "team-b/sagemaker"}

    for namespace, name, role_path, refused_by in CASES:
        stalled = world.condition(name, "Stalled", namespace=namespace)
        if refused_by is None:
            assert stalled is None, (namespace, name, stalled)
            continue
        assert stalled is not None and stalled["reason"] == "RoleNotAllowed", (namespace, name, stalled)
        assert ACCOUNT_ROLE + role_path in stalled["message"]
        assert refused_by in stalled["message"], (namespace, name, stalled["message"])
        assert "`*` does not match `/`, `**` does" in stalled["message"]
    # Refusals cost no SageMaker call: two creates, nothing for the four refused resources.
    assert world.sagemaker_calls().get("CreateHyperParameterTuningJob") == 2


def test_without_the_process_list_the_namespace_list_alone_applies(two_teams: World) -> None:
    world = two_teams
    world.create_sample("any-role", namespace="team-a", edit=_with_role(ACCOUNT_ROLE + "admin/sagemaker"))
    world.create_sample("narrowed", namespace="team-b", edit=_with_role(ACCOUNT_ROLE + "team-a/sagemaker"))
    assert world.run().code == 0
    # `**` in team-a's annotation: nothing narrows it when the admin set no process list.
    assert world.condition("any-role", "Stalled", namespace="team-a") is None
    stalled = world.condition("narrowed", "Stalled", namespace="team-b")
    assert stalled is not None and stalled["reason"] == "RoleNotAllowed"
    assert len(world.sagemaker.tuning_job_names()) == 1
