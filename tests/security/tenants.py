"""Helpers of the tenant attack suite: the victim's jobs (with secrets in them), the attacker's
forgeries, and the checks that nothing of the victim reached the attacker's namespace.

`annotate_namespace` is the hook for the namespace allow-list tests (a namespace's
`sagemaker.aws.amazon.com/allowed-role-arns` may narrow the process's list, never widen it).
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from reconciler.awsmodel import spec_to_request
from reconciler.core.model import LEGACY_FINALIZER
from tests.e2e.e2e_world import GROUP, PLURAL, VERSION, World, as_object, untagged_tuning_request

VICTIM, ATTACKER = "team-a", "team-b"
TEAMS = (VICTIM, ATTACKER)
# What must never leave team-a: the values of its training containers' environment.
SECRET = "s3cr3t-team-a-db-password-7f1c"
VICTIM_ROLE = "arn:aws:iam::123456789012:role/team-a/sagemaker"


def sagemaker() -> Any:
    return boto3.client("sagemaker")


def untagged_job_request(name: str, *, secret: str = SECRET) -> dict[str, Any]:
    """A tuning job created outside hpo-reconciler (console, SDK, the legacy operator): no
    hpo-reconciler tags, and a secret in its training containers' environment."""
    return untagged_tuning_request(
        name,
        role=VICTIM_ROLE,
        output="s3://team-a-private/out",
        max_jobs=2,
        StaticHyperParameters={"team_a_private_param": "team-a-private-value"},
        Environment={"DB_PASSWORD": secret},
    )


def create_untagged_job(name: str) -> str:
    """Team-a's job, untagged; returns its ARN."""
    return str(
        sagemaker().create_hyper_parameter_tuning_job(**untagged_job_request(name))[
            "HyperParameterTuningJobArn"
        ]
    )


def job_status(name: str) -> str:
    return str(
        sagemaker().describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)[
            "HyperParameterTuningJobStatus"
        ]
    )


def job_tags(arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sagemaker().list_tags(ResourceArn=arn)["Tags"]}


def with_secret(obj: dict[str, Any]) -> None:
    """A manifest edit: the victim's own resource carries the secret in its environment too."""
    obj["spec"]["trainingJobDefinition"]["environment"] = [{"name": "DB_PASSWORD", "value": SECRET}]


def named(job_name: str) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        obj["spec"]["hyperParameterTuningJobName"] = job_name

    return edit


def merge_metadata(world: World, name: str, metadata: dict[str, Any], *, namespace: str) -> None:
    """A JSON merge patch of the resource's metadata, as its namespace's tenant may write it."""
    world.custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        namespace,
        PLURAL,
        name,
        {"metadata": metadata},
        _content_type="application/merge-patch+json",
    )


def set_finalizers(world: World, name: str, finalizers: list[str], *, namespace: str) -> None:
    merge_metadata(world, name, {"finalizers": finalizers}, namespace=namespace)


def forge_legacy_finalizer(world: World, name: str, *, namespace: str = ATTACKER) -> None:
    set_finalizers(world, name, [LEGACY_FINALIZER], namespace=namespace)


def annotate(world: World, name: str, annotations: dict[str, str | None], *, namespace: str) -> None:
    merge_metadata(world, name, {"annotations": annotations}, namespace=namespace)


def forge_status(world: World, name: str, status: dict[str, Any], *, namespace: str = ATTACKER) -> None:
    """Write the status subresource as a tenant whose RBAC allows it."""
    world.custom.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        namespace,
        PLURAL,
        name,
        {"status": status},
        _content_type="application/merge-patch+json",
    )


def annotate_namespace(world: World, namespace: str, annotations: dict[str, str | None]) -> None:
    world.core.patch_namespace(namespace, {"metadata": {"annotations": annotations}})


def spec_request(obj: dict[str, Any], *, job_name: str) -> dict[str, Any]:
    return spec_to_request(obj["spec"], job_name=job_name)


def everything_in(world: World, namespace: str) -> str:
    """Every HyperparameterTuningJob, TrainingJob and Event in `namespace`, as one JSON text."""
    tuning = as_object(world.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL))
    training = as_object(
        world.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "trainingjobs")
    )
    events = world.core.list_namespaced_event(namespace).to_dict()
    return json.dumps([tuning["items"], training["items"], events["items"]], default=str)


def training_jobs(world: World, namespace: str) -> list[dict[str, Any]]:
    listing = as_object(world.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "trainingjobs"))
    return list(listing["items"])


def assert_nothing_of(world: World, *, victim_job: str, victim_uid: str | None = None) -> None:
    """Nothing of the victim's job reached the attacker's namespace: no secret, no private
    configuration, none of its training jobs, not its name in a status, not the victim's UID."""
    seen = everything_in(world, ATTACKER)
    assert SECRET not in seen
    assert "team-a-private" not in seen
    # SageMaker names a tuning job's training jobs after it; children are named after those.
    mirrored = [t["metadata"]["name"] for t in training_jobs(world, ATTACKER)]
    assert not [n for n in mirrored if n.startswith(victim_job.lower())], mirrored
    if victim_uid is not None:
        assert victim_uid not in seen and victim_uid.replace("-", "") not in seen
    for item in as_object(world.custom.list_namespaced_custom_object(GROUP, VERSION, ATTACKER, PLURAL))[
        "items"
    ]:
        status = item.get("status") or {}
        assert status.get("sageMakerHyperParameterTuningJobName") != victim_job, status
        assert victim_job not in str(status.get("hyperParameterTuningJobArn", "")), status
        assert "bestTrainingJob" not in status, status
