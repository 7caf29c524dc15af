"""Fake gateways implementing the engine's Protocols (engine.ports), for the executor tests.

They hold state the way the servers do (one tuning job object, SageMaker jobs by name), record every
call as (verb, what) in `calls`, and raise the real gateways' error classes: an error a test
programs in `fail` is raised once by the next call of that name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from reconciler.engine.ports import KubePort, SageMakerPort
from reconciler.gateways import kube, sagemaker


def _merge(target: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """RFC 7386 merge patch, as the API server applies it."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class Faults:
    def __init__(self) -> None:
        self.fail: dict[str, list[Exception]] = {}

    def _maybe_fail(self, call: str) -> None:
        queued = self.fail.get(call)
        if queued:
            raise queued.pop(0)


class FakeKube(Faults):
    def __init__(self, obj: dict[str, Any]) -> None:
        super().__init__()
        self.obj = copy.deepcopy(obj)
        self.version = 1
        self.obj["metadata"]["resourceVersion"] = "1"
        self.children: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[str, str]] = []
        self.calls: list[tuple[str, str]] = []

    def _call(self, verb: str, what: str) -> None:
        self.calls.append((verb, what))
        self._maybe_fail(verb)

    def _bump(self) -> None:
        self.version += 1
        self.obj["metadata"]["resourceVersion"] = str(self.version)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] not in ("GET", "LIST")]

    def get_tuning_job(self, namespace: str, name: str) -> dict[str, Any]:
        self._call("GET", "hyperparametertuningjobs")
        return copy.deepcopy(self.obj)

    def patch_tuning_job_status(self, namespace: str, name: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        self._call("PATCH", "hyperparametertuningjobs/status")
        status = self.obj.setdefault("status", {})
        _merge(status, patch)
        self._bump()
        return copy.deepcopy(self.obj)

    def set_finalizers(
        self,
        namespace: str,
        name: str,
        finalizers: list[str],
        *,
        resource_version: str | None,
        annotations: Mapping[str, str | None] | None = None,
    ) -> dict[str, Any]:
        self._call("PATCH", "hyperparametertuningjobs")
        if resource_version and resource_version != self.obj["metadata"]["resourceVersion"]:
            raise kube.ConflictError(
                "PATCH hyperparametertuningjobs: 409 the object has been modified", status=409
            )
        self.obj["metadata"]["finalizers"] = list(finalizers)
        if annotations:
            _merge(self.obj["metadata"].setdefault("annotations", {}), annotations)
        self._bump()
        return copy.deepcopy(self.obj)

    def list_training_jobs(self, namespace: str, *, selector: str) -> list[dict[str, Any]]:
        self._call("LIST", "trainingjobs")
        key, _, value = selector.partition("=")
        return [
            copy.deepcopy(c)
            for c in self.children.values()
            if (c.get("metadata") or {}).get("labels", {}).get(key) == value
        ]

    def patch_training_job_metadata(
        self, namespace: str, name: str, metadata: Mapping[str, Any], *, resource_version: str | None
    ) -> dict[str, Any]:
        self._call("PATCH", "trainingjobs")
        child = self.children[name]
        for member in ("labels", "annotations"):
            child["metadata"].setdefault(member, {}).update(metadata.get(member) or {})
        return copy.deepcopy(child)

    def get_training_job(self, namespace: str, name: str) -> dict[str, Any]:
        self._call("GET", "trainingjobs")
        return copy.deepcopy(self.children[name])

    def create_training_job(self, namespace: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self._call("CREATE", "trainingjobs")
        child = copy.deepcopy(dict(body))
        child["metadata"].update(generation=1, uid=f"child-{len(self.children)}")
        self.children[child["metadata"]["name"]] = child
        return copy.deepcopy(child)

    def patch_training_job_status(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._call("PATCH", "trainingjobs/status")
        _merge(self.children[name].setdefault("status", {}), patch)
        return copy.deepcopy(self.children[name])

    def delete_training_job(self, namespace: str, name: str) -> None:
        self._call("DELETE", "trainingjobs")
        self.children.pop(name, None)

    def create_event(
        self,
        involved: Mapping[str, Any],
        *,
        event_type: str,
        reason: str,
        message: str,
        now: str,
        component: str = "hpo-reconciler",
        dedupe_key: str | None = None,
    ) -> bool:
        self._call("CREATE", "events")
        self.events.append((event_type, str(reason)))
        return True

    def get_namespace(self, name: str) -> dict[str, Any]:
        self._call("GET", "namespaces")
        return {"metadata": {"name": name}}


class FakeSageMaker(Faults):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, str]] = []

    def _call(self, operation: str, about: str) -> None:
        self.calls.append((operation, about))
        self._maybe_fail(operation)

    def add_job(self, name: str, *, status: str = "InProgress", uid: str | None = None, **extra: Any) -> str:
        arn = f"arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/{name}"
        self.jobs[name] = {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": arn,
            "HyperParameterTuningJobStatus": status,
            **extra,
        }
        self.tags[arn] = {"hpo-reconciler/uid": uid} if uid else {}
        return arn

    def create_tuning_job(
        self, request: Mapping[str, Any], *, region: str | None, endpoint: str | None
    ) -> str:
        name = str(request["HyperParameterTuningJobName"])
        self._call("CreateHyperParameterTuningJob", name)
        if name in self.jobs:
            raise sagemaker.ResourceInUseError(
                f"Job {name} already exists", code="ResourceInUse", operation="CreateHyperParameterTuningJob"
            )
        tags = {t["Key"]: t["Value"] for t in request.get("Tags", [])}
        # Describe answers with the request's members (never its tags), as SageMaker does.
        described = {
            k: copy.deepcopy(v)
            for k, v in request.items()
            if k not in ("Tags", "HyperParameterTuningJobName")
        }
        return self.add_job(name, uid=tags.get("hpo-reconciler/uid"), **described)

    def describe_tuning_job(
        self, name: str, *, region: str | None, endpoint: str | None
    ) -> dict[str, Any] | None:
        self._call("DescribeHyperParameterTuningJob", name)
        job = self.jobs.get(name)
        return copy.deepcopy(job) if job is not None else None

    def stop_tuning_job(self, name: str, *, region: str | None, endpoint: str | None) -> None:
        self._call("StopHyperParameterTuningJob", name)
        if name not in self.jobs:
            raise sagemaker.ResourceNotFoundError(
                f"Amazon SageMaker can't find a tuning job named {name}",
                code="ResourceNotFound",
                operation="StopHyperParameterTuningJob",
            )
        self.jobs[name]["HyperParameterTuningJobStatus"] = "Stopping"

    def list_training_jobs(
        self, tuning_job_name: str, *, region: str | None, endpoint: str | None
    ) -> list[dict[str, Any]]:
        self._call("ListTrainingJobsForHyperParameterTuningJob", tuning_job_name)
        return []

    def describe_training_job(self, name: str, *, region: str | None, endpoint: str | None) -> dict[str, Any]:
        self._call("DescribeTrainingJob", name)
        raise sagemaker.ResourceNotFoundError(name, code="ResourceNotFound", operation="DescribeTrainingJob")

    def list_tags(self, arn: str, *, region: str | None, endpoint: str | None) -> dict[str, str]:
        self._call("ListTags", arn)
        return dict(self.tags.get(arn, {}))

    def add_tags(
        self, arn: str, tags: Mapping[str, str], *, region: str | None, endpoint: str | None
    ) -> None:
        self._call("AddTags", arn)
        self.tags.setdefault(arn, {}).update(tags)

    def delete_tags(self, arn: str, keys: list[str], *, region: str | None, endpoint: str | None) -> None:
        self._call("DeleteTags", arn)
        for key in keys:
            self.tags.get(arn, {}).pop(key, None)

    def region_of(self, region: str | None, endpoint: str | None) -> str:
        return region or "us-east-2"


# The fakes implement the engine's Protocols (mypy checks these two assignments).
_KUBE: type[KubePort] = FakeKube
_SAGEMAKER: type[SageMakerPort] = FakeSageMaker
